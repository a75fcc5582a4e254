"""Dates as feeds and pages write them end up as the right instant in UTC."""

from datetime import UTC, datetime, timedelta

import pytest

from crawler.dates import date_from_url, is_recent, parse_date

NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 15:00 in Lima


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 23 Nov 2026 21:13:54 +0000", datetime(2026, 11, 23, 21, 13, 54, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 14:45:12 GMT", datetime(2026, 11, 20, 14, 45, 12, tzinfo=UTC)),
        ("2026-07-27T16:13:54-05:00", datetime(2026, 7, 27, 21, 13, 54, tzinfo=UTC)),
        ("2026-11-24T13:40:00.000Z", datetime(2026, 11, 24, 13, 40, tzinfo=UTC)),
        # no zone: Lima time
        ("2026-07-27T16:13:54", datetime(2026, 7, 27, 21, 13, 54, tzinfo=UTC)),
        ("Actualizado el 27/07/2026 a las 16:13", datetime(2026, 7, 27, 21, 13, tzinfo=UTC)),
        ("27 de julio de 2026", datetime(2026, 7, 27, 5, 0, tzinfo=UTC)),
        (1785000000, datetime(2026, 7, 25, 17, 20, tzinfo=UTC)),
    ],
)
def test_absolute_dates(raw, expected):
    assert parse_date(raw, now=NOW) == expected


def test_an_early_utc_item_belongs_to_the_previous_lima_day():
    when = parse_date("Tue, 24 Nov 2026 01:05:00 +0000")
    assert when.astimezone(__import__("zoneinfo").ZoneInfo("America/Lima")).day == 23


@pytest.mark.parametrize(
    ("raw", "ago"),
    [
        ("hace 5 minutos", timedelta(minutes=5)),
        ("hace 2 horas", timedelta(hours=2)),
        ("ayer", timedelta(days=1)),
        ("hace 3 días", timedelta(days=3)),
    ],
)
def test_relative_dates_count_back_from_fetch_time(raw, ago):
    assert parse_date(raw, now=NOW) == NOW - ago


def test_not_a_date():
    assert parse_date("sin fecha conocida", now=NOW) is None
    assert parse_date("", now=NOW) is None
    assert parse_date(None) is None


def test_dates_in_urls_are_lima_midnight():
    lima_midnight = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert date_from_url("https://larepublica.pe/politica/2026/11/20/slug-hnews-2557602") == lima_midnight
    assert date_from_url("https://www.infobae.com/peru/2026/11/20/slug/") == lima_midnight
    assert date_from_url("https://x.pe/nota-2026-11-20-slug") == lima_midnight
    assert date_from_url("https://elcomercio.pe/lima/slug-noticia/") is None


def test_recent_window():
    assert is_recent(NOW - timedelta(days=1), NOW, timedelta(days=2))
    assert not is_recent(NOW - timedelta(days=3), NOW, timedelta(days=2))
    assert not is_recent(None, NOW, timedelta(days=2))
