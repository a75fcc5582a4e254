"""Each platform's rate-limit dialect is read right, and waits are bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.ratelimits import (
    bluesky_limit,
    mastodon_limit,
    rate_limit,
    reddit_limit,
    wait_seconds,
    x_limit,
    youtube_error_reason,
    youtube_limit,
    youtube_quota_reset,
)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC).timestamp()


def test_reddit_reset_counts_seconds_from_now_and_counts_may_be_floats():
    limit = reddit_limit({"x-ratelimit-used": "600", "x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "42"}, NOW)
    assert limit.reset_at == NOW + 42
    assert limit.remaining == 0 and limit.spent
    assert limit.limit == 600


def test_bluesky_reset_is_an_epoch():
    limit = bluesky_limit(
        {"ratelimit-limit": "3000", "ratelimit-remaining": "2999", "ratelimit-reset": str(int(NOW) + 300)}, NOW
    )
    assert (limit.limit, limit.remaining, limit.reset_at) == (3000, 2999, NOW + 300)
    assert not limit.spent


def test_mastodon_reset_is_an_iso_time():
    limit = mastodon_limit(
        {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2026-11-24T15:05:00.000Z"}, NOW
    )
    assert limit.reset_at == NOW + 300
    assert limit.spent


def test_x_reset_is_an_epoch():
    limit = x_limit({"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 900)}, NOW)
    assert (limit.limit, limit.reset_at) == (450, NOW + 900)


def test_youtube_quota_resets_at_pacific_midnight():
    reset = datetime.fromtimestamp(youtube_quota_reset(NOW), UTC)
    # 15:00 UTC on 24 Nov is 07:00 in Los Angeles (PST, UTC-8): next midnight is 08:00 UTC on the 25th.
    assert reset == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert rate_limit(youtube_limit, {}, NOW).reset_at == reset.timestamp()


def test_youtube_error_reasons_are_read_from_the_json_body():
    body = json.dumps({"error": {"code": 403, "errors": [{"reason": "quotaExceeded", "domain": "youtube.quota"}]}})
    assert youtube_error_reason(body.encode()) == "quotaExceeded"
    assert youtube_error_reason(b"<html>nope</html>") is None


def test_retry_after_fills_in_when_the_platform_names_no_reset():
    assert rate_limit(reddit_limit, {"retry-after": "7"}, NOW).reset_at == NOW + 7
    assert rate_limit(x_limit, {"retry-after": "Tue, 24 Nov 2026 15:00:30 GMT"}, NOW).reset_at == NOW + 30


def test_headers_that_are_garbage_do_not_raise():
    limit = rate_limit(mastodon_limit, {"x-ratelimit-reset": "soon", "x-ratelimit-remaining": "many"}, NOW)
    assert limit.reset_at is None and limit.remaining is None


@pytest.mark.parametrize(
    ("reset", "max_wait", "expected"),
    [(NOW + 2, 60, 2), (NOW + 3600, 60, None), (NOW - 5, 60, 0.25), (None, 60, 5.0), (None, 3, None)],
)
def test_waits_are_bounded_by_the_maximum(reset, max_wait, expected):
    assert wait_seconds(reset, NOW, max_wait) == expected
