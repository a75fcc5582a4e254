"""The analyst's reads: queries as series, side by side, their top words/outlets/accounts; share
of voice with the target; spikes against a fixed baseline and what changed; honest weeks;
freshness; alert rules; editable events."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from alerts.spikes import spikes_in_view
from campaigns.model import load_campaign
from tests.warehouse import analyst_db
from tests.warehouse.analyst_db import CAMPAIGN, FIRST, LAST, SPIKE
from warehouse import alert_rules, connect
from warehouse.events import EventError, add_event, delete_event, events, update_event
from warehouse.explain import what_changed
from warehouse.explorer import Selection, count
from warehouse.freshness import freshness
from warehouse.query import QueryError
from warehouse.series import MAX_QUERIES, TooManyQueries, compare
from warehouse.voice import TARGET, daily_voice, display_names, voice_totals
from warehouse.weeks import weekly

ALL = Selection(campaign=CAMPAIGN)


@pytest.fixture(scope="module", params=["embedded", "shared"])
def db(request, tmp_path_factory) -> Iterator[Path | str]:
    """The story's warehouse on both engines: a DuckDB file, or a PostgreSQL database read
    through this host's read copy (issue 21), where the analyst's reads run as on a laptop."""
    folder = tmp_path_factory.mktemp("analyst")
    if request.param == "embedded":
        yield analyst_db.build(folder / "vigia.duckdb")
        return
    server = request.getfixturevalue("postgres")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VIGIA_READ_COPY", str(folder / "read-copy.duckdb"))
        env.setenv("VIGIA_SYNC_SECONDS", "0")
        yield analyst_db.build(server.create_database(f"analyst{os.getpid()}_{folder.name}".replace("-", "_")))


def test_queries_side_by_side_count_what_sql_counts(db: Path) -> None:
    queries = ["cámaras OR serenazgo", "presupuesto", '"cámaras robadas" -denuncian', ""]
    with connect(db, read_only=True) as con:
        result = compare(con, ALL, queries)
        for q in queries:
            one = result.series[result.series["query"] == q]
            assert one["n_docs"].sum() == count(con, Selection(campaign=CAMPAIGN, query=q))
            assert len(one) == (LAST - FIRST).days + 1  # every day of the range, empty ones as 0
    spike = result.series[result.series["day"] == pd.Timestamp(SPIKE)].set_index("query")
    assert spike.loc["cámaras OR serenazgo", "n_docs"] == 4 + 30  # the serenazgo news + the scandal
    assert spike.loc["cámaras OR serenazgo", "coverage"] == 36
    assert spike.loc["presupuesto", "share_of_coverage"] == pytest.approx(2 / 36)
    assert spike.loc["cámaras OR serenazgo", "n_target_negative"] == 30
    totals = result.totals.set_index("query")
    assert totals.loc["", "label"] == "(all texts)" and totals.loc["", "share_of_coverage"] == 1.0
    assert totals.loc['"cámaras robadas" -denuncian', "n_docs"] == 0


def test_query_profiles_name_the_words_outlets_and_accounts_that_drive_it(db: Path) -> None:
    with connect(db, read_only=True) as con:
        result = compare(con, ALL, ["cámaras", "serenazgo"], extra_stop=["Carlos Canales", "Miraflores"])
    cameras, guards = result.profiles
    assert cameras["matched"] == 30 and cameras["words_read"] == 30
    assert any("camaras robadas" in term for term in cameras["words"]["term"].head(5))
    # Counted folded, shown as the texts write it (the page showed "camaras robadas").
    written = dict(zip(cameras["words"]["term"], cameras["words"]["written"], strict=True))
    assert written["denuncian camaras robadas"] == "denuncian cámaras robadas"
    assert written["escandalo denuncian camaras"] == "Escándalo denuncian cámaras"
    assert not [w for w in written.values() if "camaras" in w or "escandalo" in w.lower() or "malecon" in w]
    assert cameras["accounts"].iloc[0]["author"] == "@denunciante" and cameras["accounts"].iloc[0]["stories"] == 24
    assert cameras["outlets"].empty  # no outlet wrote about it
    assert set(guards["outlets"]["platform"]) == {"rpp.pe", "elcomercio.pe"}
    assert "miraflores" not in guards["words"]["term"].tolist()  # the campaign's own words are left out


def test_compare_refuses_more_than_five_queries_and_malformed_ones(db: Path) -> None:
    with connect(db, read_only=True) as con:
        with pytest.raises(TooManyQueries):
            compare(con, ALL, [f"w{i}" for i in range(MAX_QUERIES + 1)])
        with pytest.raises(QueryError, match="never closed"):
            compare(con, ALL, ['"cámaras'])


def test_share_of_voice_includes_the_target_by_display_name(db: Path) -> None:
    campaign = load_campaign()
    names = display_names(campaign)
    with connect(db, read_only=True) as con:
        daily = daily_voice(con, ALL, names)
    totals = voice_totals(daily).set_index("who")
    # the finding: the mayor was left out and actors were shown by id
    assert totals.loc[TARGET, "name"] == "Carlos Canales"
    assert totals.loc["lucia_carranza", "name"] == "Lucía Carranza"
    assert set(daily["who"]) == {TARGET, *(a.id for a in campaign.actors)}
    days = (LAST - FIRST).days + 1
    assert totals.loc[TARGET, "documents"] == 2 * days + 30  # two news texts a day and the scandal
    assert totals.loc["lucia_carranza", "documents"] == 2 * days
    assert totals.loc["promotores", "documents"] == 0
    assert totals.loc[TARGET, "share_negative"] == pytest.approx(30 / (2 * days + 30))
    assert totals.loc["lucia_carranza", "share_of_voice"] == pytest.approx(2 * days / (4 * days + 30))
    one_day = daily[daily["day"] == pd.Timestamp(SPIKE)].set_index("who")
    assert one_day["share_of_voice"].sum() == pytest.approx(1.0)  # no text names both here


def test_a_spike_is_a_spike_whatever_range_is_viewed(db: Path) -> None:
    with connect(db, read_only=True) as con:
        whole = spikes_in_view(con, ALL)
        alone = spikes_in_view(con, Selection(campaign=CAMPAIGN, start=SPIKE, end=SPIKE))
        week = spikes_in_view(con, Selection(campaign=CAMPAIGN, start=SPIKE - timedelta(days=2), end=LAST))
    volume = [s for s in whole if s.metric == "volume"]
    assert [s.day for s in volume] == [SPIKE]
    # the finding: one day viewed alone had "no spike" because its baseline was the visible range
    assert [(s.day, s.metric, s.value, s.baseline) for s in alone] == [(s.day, s.metric, s.value, s.baseline) for s in whole]
    assert [s.day for s in week] == [s.day for s in whole]


def test_what_changed_names_the_words_accounts_and_topics_of_the_spike(db: Path) -> None:
    with connect(db, read_only=True) as con:
        found = what_changed(con, ALL, SPIKE, extra_stop=["Carlos Canales", "Miraflores"])
    assert (found.baseline_start, found.baseline_end) == (SPIKE - timedelta(days=28), SPIKE - timedelta(days=1))
    assert found.spike_texts == 36 and found.baseline_texts == 28 * 6
    assert any("camaras robadas" in term for term in found.words["term"].head(5))
    assert "denuncian cámaras robadas" in found.words["written"].tolist()
    assert not [w for w in found.words["written"] if "camaras" in w or "malecon" in w]
    assert "serenazgo" not in found.words["term"].tolist()  # as usual as ever
    assert found.accounts.iloc[0]["author"] == "@denunciante" and found.accounts.iloc[0]["excess"] == pytest.approx(24)
    assert found.outlets.iloc[0]["platform"] == "x"
    assert found.topics.iloc[0]["topic"] == "security"
    assert len(found.texts) > 0 and found.texts["platform"].eq("x").all()


def test_weeks_are_labelled_by_their_first_day_and_partial_ones_say_so() -> None:
    days = pd.DataFrame({"day": pd.date_range("2026-09-03", "2026-09-15"), "n": 1})
    weeks = weekly(days, date(2026, 9, 3), date(2026, 9, 15), ["n"])
    assert weeks["week"].dt.date.tolist() == [date(2026, 9, 3), date(2026, 9, 7), date(2026, 9, 14)]
    assert weeks["days"].tolist() == [4, 7, 2] and weeks["partial"].tolist() == [True, False, True]
    assert weeks["n"].tolist() == [4, 7, 2]
    assert weeks["week_end"].dt.date.tolist() == [date(2026, 9, 6), date(2026, 9, 13), date(2026, 9, 15)]
    by = weekly(days.assign(kind="a"), date(2026, 9, 1), date(2026, 9, 8), ["n"], by=["kind"])
    assert by["n"].tolist() == [4, 2] and by["days"].tolist() == [6, 2]  # a week with no row still there


def test_alert_rules_default_to_the_campaign_file_and_the_cli_reads_the_stored_ones(warehouse_target) -> None:
    from click.testing import CliRunner

    from cli import main

    campaign = load_campaign()
    path = analyst_db.build(warehouse_target)

    def cli_spikes() -> str:
        result = CliRunner().invoke(main, ["alerts", "--db", str(path), "--all", "--no-send"])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "2026-10-05: 36 documents" in cli_spikes()
    with connect(path) as con:
        assert {r.metric for r in alert_rules.effective(con, campaign)} == set(campaign.alerts.metrics)
        rule_id = alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", enabled=False), "ana")
        alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", query="cámaras", min_count=5), "ana")
        with pytest.raises(alert_rules.AlertRuleError, match="never closed"):
            alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", query='"x'), "ana")
        with pytest.raises(alert_rules.AlertRuleError, match="z must be"):
            alert_rules.save(con, CAMPAIGN, alert_rules.AlertRule("volume", z=0.5), "ana")
        rules = {(r.metric, r.query): r for r in alert_rules.effective(con, campaign)}
    assert rules[("volume", "")].enabled is False and rules[("volume", "")].updated_by == "ana"
    out = cli_spikes()
    assert "36 documents" not in out and "30 documents matching camaras" in out
    with connect(path) as con:
        assert alert_rules.delete(con, CAMPAIGN, rule_id)
        assert not alert_rules.delete(con, CAMPAIGN, rule_id)
    assert "2026-10-05: 36 documents" in cli_spikes()  # the campaign file's default is back


def test_events_can_be_corrected_and_removed(warehouse_target) -> None:
    path = analyst_db.build(warehouse_target)
    with connect(path) as con:
        event = add_event(con, CAMPAIGN, SPIKE, "Debate", "ana")
        update_event(con, CAMPAIGN, event, SPIKE + timedelta(days=1), "Debate municipal", "luis",
                     "https://example.pe/debate")
        with pytest.raises(EventError, match="http"):
            update_event(con, CAMPAIGN, event, SPIKE, "Debate", "luis", "javascript:alert(1)")
        with pytest.raises(EventError, match="no event"):
            delete_event(con, CAMPAIGN, event + 99)
    with connect(path, read_only=True) as con:
        [row] = events(con, CAMPAIGN)
    assert (row["day"], row["label"], row["analyst"], row["edited_by"]) == (SPIKE + timedelta(days=1), "Debate municipal", "ana", "luis")
    with connect(path) as con:
        delete_event(con, CAMPAIGN, event)
    with connect(path, read_only=True) as con:
        assert events(con, CAMPAIGN) == []


def test_freshness_lists_each_source_with_its_last_successful_crawl(tmp_path: Path) -> None:
    path = tmp_path / "vigia.duckdb"
    analyst_db.build(path)
    with connect(path) as con:
        con.execute("INSERT INTO crawl_runs (campaign, spider, started_at, finished_at, status) VALUES "
                    "(?, 'news_feeds', TIMESTAMPTZ '2026-10-10 10:00Z', TIMESTAMPTZ '2026-10-10 10:05Z', 'finished'), "
                    "(?, 'news_feeds', TIMESTAMPTZ '2026-10-10 12:00Z', TIMESTAMPTZ '2026-10-10 12:01Z', 'failed'), "
                    "(?, 'reddit', TIMESTAMPTZ '2026-10-09 10:00Z', TIMESTAMPTZ '2026-10-09 10:02Z', 'finished')",
                    [CAMPAIGN] * 3)
        con.execute("INSERT INTO documents SELECT * REPLACE ('a99999' AS doc_id, 'h99999' AS content_hash) "
                    "FROM documents WHERE doc_id = 'a00000'")  # one document not scored yet
    spiders = {"elcomercio": "news_feeds", "reddit": "reddit", "x": "x", "youtube_search": "youtube"}
    with connect(path, read_only=True) as con:
        found = freshness(con, CAMPAIGN, spiders, path)
    rows = found.sources.set_index("source")
    assert rows.loc["elcomercio", "last_attempt_status"] == "failed"
    assert str(rows.loc["elcomercio", "last_success_at"])[:16] == "2026-10-10 10:05"
    assert rows.loc["youtube_search", "documents"] == 0 and pd.isna(rows.loc["youtube_search", "last_success_at"])
    assert found.sources.iloc[0]["source"] in ("x", "youtube_search")  # never crawled successfully: first
    assert found.unscored == 1 and found.model_set == "test:model" and found.spooled_batches == 0
    assert str(found.last_success_at)[:16] == "2026-10-10 10:05"


def test_a_query_view_finds_its_spikes_from_the_same_scan(db: Path) -> None:
    from dataclasses import replace

    from alerts.spikes import METRICS, Watch, detect, in_range
    from warehouse.series import drop_kept
    from warehouse.shares import day_shares

    sel = Selection(campaign=CAMPAIGN, query="cámaras", start=SPIKE - timedelta(days=3), end=LAST)
    with connect(db, read_only=True) as con:
        result = compare(con, sel, [sel.query], history_days=28, profiles=False, keep=True)
        # the day's estimated shares over the query's texts found by the scan (as the page reads them)
        estimated = day_shares(con, replace(sel, query="", start=result.history_start), within=result.kept[0])
        drop_kept(con, result)
        expected = [s for _, s in detect(con, sel, [Watch(m) for m in METRICS])]
    assert result.history_start == SPIKE - timedelta(days=31)
    found = [s for m in METRICS
             for s in in_range(result.daily[result.daily["q"] == 0], Watch(m), sel.start, sel.end, FIRST, shares=estimated)]
    assert sorted(found, key=lambda s: (s.day, s.metric)) == expected
    assert [(s.day, s.metric) for s in expected if s.metric == "volume"] == [(SPIKE, "volume")]
    assert result.topics["topic"].unique().tolist() == ["security"]
    assert result.platforms.set_index("platform").loc["x", "documents"] == 30


def test_share_of_voice_by_week_counts_partial_weeks_as_they_are(db: Path) -> None:
    from warehouse.voice import voice_by_week

    with connect(db, read_only=True) as con:
        daily = daily_voice(con, ALL, display_names(load_campaign()))
    weeks = voice_by_week(daily, SPIKE, LAST)  # Monday 5 Oct .. Saturday 10 Oct: one partial week
    mayor = weeks[weeks["who"] == TARGET].iloc[0]
    assert (mayor["week"].date(), mayor["days"], bool(mayor["partial"])) == (SPIKE, 6, True)
    assert mayor["documents"] == 6 * 2 + 30 and mayor["share_of_voice"] == pytest.approx(42 / (42 + 12))
