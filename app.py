"""Vigia dashboard: each section answers one question an analyst of the recall asks.

Top to bottom: how fresh the data is; the analyst's query (it drives every chart, the text list
and the export); the headline figures; what just happened (spikes, each explained against the
weeks before it); how her queries compare; where the recall stands (calendar and events); how
favourable the talk is and how it treats the mayor; whether perceived insecurity follows the
crime figures; which topics; who argues for or against the recall; who is talking and about whom
(share of voice); the explorer (find the texts about X, read and correct one); the SQL console;
how far to trust the scores and what to label next; the alert rules.

The URL carries the whole view (``dashboard.url_state``): opening a shared link reproduces it.
The interface speaks Spanish or English (``dashboard.i18n``; the campaign file chooses, the page
switches), dates and times in the campaign's time zone. It reads aggregates computed in DuckDB:
with no query, the summary rows behind ``daily_trends``; with a query, one scan of ``mentions``
(``warehouse.series.compare``) gives every chart. It writes only an analyst's correction, event
or alert rule, and after each it clears its caches and draws again, so the change shows at once.
Run with ``vigia dashboard`` (or ``streamlit run app.py``).
Everything crawled (and every label typed by a visitor) is shown through ``render.crawled``, never
through markdown: tables via ``dashboard.frames.shown``, rich text via ``st.html``. Who may see the
page and who corrects is ``dashboard.access``'s to say. The SQL tab runs each query in a process of
its own (``warehouse.console``), after the rest of the page is drawn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from alerts.spikes import Spike, Watch, rules_in_range
from campaigns.figures import FiguresError, load_figures
from campaigns.model import Campaign, CampaignError, load_campaign
from dashboard import briefing, charts
from dashboard.access import Access, AccessError, Refusal, identify
from dashboard.frames import numbers_in, shown
from dashboard.highlight import marked, passages
from dashboard.i18n import LANGUAGES, Texts, language
from dashboard.query_charts import compare_bands, compare_lines, voice_bars, voice_over_time
from dashboard.url_state import SECTIONS, ViewState, decode, encode
from render import AUTHOR, TEXT, TITLE, crawled, link, safe_url
from warehouse import WarehouseError, alert_rules, connect, explorer, trends
from warehouse.alert_rules import AlertRule, AlertRuleError
from warehouse.console import (
    CELL_CHARS,
    Limits,
    QueryFailed,
    QueryRefused,
    QueryStopped,
    RunningQuery,
)
from warehouse.corrections import CorrectionError, add_correction
from warehouse.database import default_target
from warehouse.database import exists as warehouse_exists
from warehouse.database import snapshot_version as warehouse_snapshot
from warehouse.engines import redacted
from warehouse.events import EventError, add_event, delete_event, events, update_event
from warehouse.explain import BASELINE_DAYS, what_changed
from warehouse.explorer import Selection
from warehouse.freshness import freshness
from warehouse.query import check as query_check
from warehouse.query import parse as query_parse
from warehouse.series import COUNT_COLUMNS, MAX_QUERIES, compare, derive, drop_kept
from warehouse.shares import by_task as shares_by_task
from warehouse.shares import overview as share_overview
from warehouse.shares import queue as share_queue
from warehouse.shares import shares as task_shares
from warehouse.voice import daily_voice, display_names, voice_by_week, voice_totals
from warehouse.weeks import weekly

READ_TIMEOUT = 20.0
PAGE_SIZE = 25
# Rows tall enough for long cells to wrap (the grid wraps only in rows over 64 px): two lines,
# four (a text's title and start), six (what a share's calibration rests on).
SHORT_ROW, TEXT_ROW, LONG_ROW = 66, 80, 120
# The shares the headline needs at once; the others (topics, actors) are estimated when their tab opens.
HEADLINE_SHARES = ("sentiment", "target_sentiment", "stance")
RANKED = 10 * PAGE_SIZE  # the text list's first pages come from the query's own scan
METRICS = ("volume", "target_negative", "pro_recall", "anti_recall")
LABELS = ("negative", "neutral", "positive")
STANCES = ("pro_recall", "anti_recall", "none")

st.set_page_config(page_title="Vigia", page_icon="🗳️", layout="wide")
PAGE_STARTED = time.perf_counter()
# The widgets of the sections (tabs) whose values outlive the tab being closed.
KEPT_WIDGETS = ("spike", "cmp", "sent", "tsent", "stance", "page", "doc", "export_format", "sql_text", "sql_excel",
                "queue_pick", "event_pick", "rule_pick")

# ----------------------------------------------------------------------------- who is looking

try:
    access = Access.from_env()
except AccessError as exc:
    st.error(str(exc))
    st.stop()
client_ip = st.context.ip_address  # None from this machine (AppTest gives a stand-in object)
visitor = identify(access, headers=dict(st.context.headers or {}), user=st.user.to_dict(),
                   ip_address=client_ip if isinstance(client_ip, str) else None)
if isinstance(visitor, Refusal):
    st.title("Vigia")
    st.warning(visitor.reason)
    if visitor.sign_in:
        st.button("Sign in", on_click=st.login, type="primary")
    st.stop()


# ----------------------------------------------------------------------------- loaders


def db_path() -> str | Path:
    """The warehouse: a DuckDB file, or a shared warehouse's URL (read through this host's copy)."""
    return default_target()


def snapshot_version(path: str) -> tuple[int, int]:
    """The published snapshot's identity (inode, modification time; a shared warehouse's read
    copy synced first when due): every read is cached under it, so a publish (a crawl, a score, a
    correction) makes every figure new at the next visit, and until then no visitor waits for
    what another already read."""
    return warehouse_snapshot(path)


@contextmanager
def reading(path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection to the published snapshot. Not kept open between reads:
    DuckDB shares one open database per file path within a process, so a kept connection would
    serve the replaced snapshot to every later reader after a publish (the page's own
    corrections included)."""
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        yield con


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_campaigns(path: str, version: tuple[int, int]) -> pd.DataFrame:
    with reading(path) as con:
        return con.execute("SELECT campaign, name, topics, sample, timezone FROM campaign_info").df()


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_facets(path: str, version: tuple[int, int], campaign: str) -> dict:
    with reading(path) as con:
        return {"range": trends.day_range(con, campaign), **trends.facets(con, campaign)}


@st.cache_resource(show_spinner=False)
def campaign_file() -> Campaign | None:
    """The campaign file (``$VIGIA_CAMPAIGN`` or the bundled one): the calendar, the official
    figures, the actors, the alert rules' defaults and the interface's language."""
    try:
        return load_campaign()
    except CampaignError:
        return None


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_view(path: str, version: tuple[int, int], sel: Selection, security_topic: str | None, names: tuple[tuple[str, str], ...],
              history_days: int) -> dict:
    """Every aggregate the charts draw for the selection (its query included), with the
    ``history_days`` before its range that spikes are measured against, in one connection.
    No query: the summary rows. A query: one scan of ``mentions`` (``series.compare``)."""
    history_sel = replace(sel, start=sel.start - timedelta(days=history_days))
    in_range = lambda frame: frame[frame["day"] >= pd.Timestamp(sel.start)]  # noqa: E731
    with reading(path) as con:
        if not sel.query:
            history, topics = trends.daily(con, history_sel)
            # Every share as an estimate in its 90% interval (issue 20): stored for the whole
            # campaign, estimated for any other selection; the days before the range for spikes.
            estimated = share_overview(con, sel, days=history_sel, weekly=False, names=HEADLINE_SHARES)
            return {
                "shares": estimated,
                "history": history, "daily": in_range(history), "topics": in_range(topics),
                "platforms": trends.platforms(con, sel),
                "stance_by_platform": trends.stance_by_platform(con, sel),
                "security": trends.monthly_topic(con, sel, security_topic) if security_topic else None,
                "copies": trends.reprint_copies(con, sel),
                "coverage": None, "ranked": None, "kinds": None,
            }
        # The query's one scan for the figures, spikes and trends; its share of voice, top
        # outlets and accounts and its text list are read when their tabs open (load_voices).
        found = compare(con, sel, [sel.query], history_days=history_days, words=False, profiles=False, keep=True)
        try:
            # The query's shares from its texts found once (no second scan of the text; their
            # rows copied once for every share's count).
            estimated = share_overview(con, replace(sel, query=""), within=found.kept[0],
                                       days=replace(history_sel, query=""), weekly=False, names=HEADLINE_SHARES)
        finally:
            drop_kept(con, found)
    history = found.daily.drop(columns="q")
    topics = found.topics.drop(columns="q")
    platforms = found.platforms.drop(columns="q")
    stance_by_platform = platforms.groupby("platform", as_index=False)[["pro_recall", "anti_recall"]].sum().melt(
        id_vars=["platform"], var_name="stance", value_name="documents")
    stance_by_platform = stance_by_platform[stance_by_platform["documents"] > 0]
    security = None
    if security_topic:
        on_topic = topics[topics["topic"] == security_topic].assign(month=lambda f: f["day"].dt.to_period("M").dt.to_timestamp())
        security = on_topic.groupby("month", as_index=False)[["n", "n_scored", "n_negative"]].sum()
        security = pd.DataFrame({"month": security["month"], "documents": security["n"],
                                 "share_negative": security["n_negative"] / security["n_scored"].where(security["n_scored"] > 0)})
    return {
        "history": history, "daily": in_range(history), "topics": topics[["day", "topic", "n"]],
        "platforms": platforms[["platform", "source_type", "documents"]],
        "stance_by_platform": stance_by_platform,
        "security": security, "copies": found.reprints[0] if found.reprints else 0,
        "coverage": found.series, "ranked": None, "kinds": None, "shares": estimated,
    }


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_voices(path: str, version: tuple[int, int], sel: Selection, names: tuple[tuple[str, str], ...]) -> dict:
    """What the voices tab shows (and, for a query, the texts tab's list), read when one of them
    opens: share of voice, top outlets and accounts; for a query, from a scan of its own that
    also gives the text list's first pages (best match first)."""
    with reading(path) as con:
        if not sel.query:
            out = {"top_news": trends.top_voices(con, sel, "news"), "top_social": trends.top_voices(con, sel, "social"),
                   "voice": daily_voice(con, sel, dict(names))}
        else:
            found = compare(con, sel, [sel.query], words=False, voice_names=dict(names), ranked=RANKED)
            profile = found.profiles[0] if found.profiles else {}
            out = {"top_news": profile.get("outlets"), "top_social": profile.get("accounts"), "voice": found.voice,
                   "ranked": found.ranked, "kinds": found.kinds}
    out.update(shaped_voice(out["voice"], sel.start, sel.end))
    return out


def shaped_voice(voice: pd.DataFrame | None, start: date, end: date) -> dict:
    """Share of voice for its charts: totals and weeks (``warehouse.voice``), names made safe."""
    if voice is None or not len(voice) or not voice["documents"].sum():
        return {}
    voice = voice.assign(name=voice["name"].map(lambda n: crawled(n, limit=80)))
    return {"voice_totals": voice_totals(voice, start, end), "voice_weeks": voice_by_week(voice, start, end)}


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_by_task(path: str, version: tuple[int, int], sel: Selection) -> dict[str, dict]:
    """Every share's weekly and whole estimates (``warehouse.shares.by_task``), for the tabs
    that draw them all (trends, voices): ``load_view`` reads the stored ones, but for a query or
    a filtered selection estimates only the headline's shares and their days."""
    with reading(path) as con:
        if not sel.query:
            return shares_by_task(con, sel)
        found = compare(con, sel, [sel.query], profiles=False, words=False, keep=True)
        try:
            return shares_by_task(con, replace(sel, query=""), within=found.kept[0])
        finally:
            drop_kept(con, found)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_shaped(path: str, version: tuple[int, int], sel: Selection, security_topic: str | None, names: tuple[tuple[str, str], ...],
                watches: tuple[Watch, ...], first_day: date) -> dict:
    """``load_view`` shaped for the charts, cached with it: per day, the spikes of the range
    against the days before it, the tone, and the weeks (``warehouse.weeks``) of the target's
    tone, the topics, the stance and the share of voice."""
    history_days = max([w.window_days for w in watches] or [BASELINE_DAYS])
    data = dict(load_view(path, version, sel, security_topic, names, history_days))
    daily, start, end = data["daily"], sel.start, sel.end
    per_day = daily.groupby("day").sum(numeric_only=True) if len(daily) else daily
    data["per_day"] = per_day
    data["spikes"] = rules_in_range(data["history"], watches, start, end, first_day, shares=data["shares"]["days"])[::-1]
    if not len(daily):
        return data
    sums = daily.assign(weighted=daily["avg_sentiment"].fillna(0) * daily["n_scored"]).groupby("day")[["weighted", "n_scored"]].sum()
    sums = sums.reindex(pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D"), fill_value=0)
    data["tone"] = pd.DataFrame({
        "day": sums.index,
        "documents": sums["n_scored"].to_numpy(),
        "mean": (sums["weighted"] / sums["n_scored"].replace(0, float("nan"))).to_numpy(),
        "rolling_7d": (sums["weighted"].rolling(7, min_periods=1).sum()
                       / sums["n_scored"].rolling(7, min_periods=1).sum().replace(0, float("nan"))).to_numpy(),
    })
    about = per_day[["n_target_negative", "n_target_positive", "n_target"]].reset_index()
    about["neutral"] = about["n_target"] - about["n_target_negative"] - about["n_target_positive"]
    about = about.rename(columns={"n_target_negative": "negative", "n_target_positive": "positive"})
    data["target_week"] = weekly(about, start, end, list(LABELS)).melt(
        id_vars=["week", "week_end", "days", "partial"], value_vars=list(LABELS),
        var_name="target_sentiment", value_name="documents")
    counts = weekly(per_day[["n_scored", "n_pro_recall", "n_anti_recall"]].reset_index(), start, end,
                    ["n_scored", "n_pro_recall", "n_anti_recall"])
    stance_week = counts.drop(columns="n_scored").melt(id_vars=["week", "week_end", "days", "partial"],
                                                       var_name="stance", value_name="documents")
    stance_week["stance"] = stance_week["stance"].str.removeprefix("n_")
    data["stance_week"] = stance_week
    if len(data["topics"]):
        topic_week = weekly(data["topics"], start, end, ["n"], by=["topic"]).merge(counts[["week", "n_scored"]], on="week")
        topic_week["share"] = topic_week["n"] / topic_week["n_scored"].where(topic_week["n_scored"] > 0)
        data["topic_week"] = topic_week
    return data


@st.cache_data(ttl=300, show_spinner=False, max_entries=200)
def spec(kind: str, lang: str, *args):
    """A chart's spec (``dashboard.charts`` / ``dashboard.query_charts``), cached: laying out the
    weeks and labels in pandas costs more than reading them."""
    t = Texts(lang)
    makers = {"spikes": charts.spikes, "tone": charts.tone, "toward_target": charts.toward_target,
              "security": charts.security, "official_figures": charts.official_figures,
              "topics": charts.topics, "stance": charts.stance,
              "platforms": charts.platforms}
    if kind in makers:
        return makers[kind](*args, t=t)
    if kind == "share_bands":  # frame, colours, marks, the axis title
        frame, scale, marks, title = args
        return charts.share_bands(frame, scale, marks, title=title, t=t)
    if kind == "share_ranges":
        return charts.share_ranges(*args[:1], y_field=args[1], title=args[2], scale=args[3], t=t)
    if kind == "compare_bands":
        return compare_bands(*args, t=t)
    if kind == "voice_bars":
        return voice_bars(*args, t=t)
    if kind == "voice_over_time":
        return voice_over_time(*args, t=t)
    raise ValueError(kind)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_side(path: str, version: tuple[int, int], campaign: str, spiders: tuple[tuple[str, str], ...]) -> dict:
    """What does not depend on the filters and every tab needs: freshness, events (drawn on
    every timeline), the stored alert rules (the spikes), the crawl log."""
    with reading(path) as con:
        return {
            "freshness": freshness(con, campaign, dict(spiders), db_path=path),
            "events": pd.DataFrame(events(con, campaign), columns=[
                "event_id", "day", "label", "source", "analyst", "added_at", "identified_by", "edited_by", "edited_at"]),
            "rules": alert_rules.stored(con, campaign),
            "crawl_log": con.execute(
                "SELECT spider, started_at, finished_at, status, items_seen, items_kept, new_documents "
                "FROM crawl_log WHERE campaign = ? LIMIT 20", [campaign]).df(),
        }


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_review(path: str, version: tuple[int, int], campaign: str) -> dict:
    """The trust tab's reads, when it opens: trust, the corrections since, the review queues."""
    with reading(path) as con:
        queue = trends.review_queue(con, campaign)
        picked = share_queue(con, campaign)
        return {
            "trust": trends.trust(con, campaign),
            "corrections": trends.corrections_since_trust(con, campaign),
            "queue": queue,
            "share_queue": picked,
            "queue_excerpts": dict(con.execute(
                "SELECT doc_id, left(text, 160) FROM mentions WHERE list_contains(?, doc_id)",
                [([] if queue is None else queue["doc_id"].tolist()) + picked["doc_id"].tolist()]).fetchall()),
        }


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_compare(path: str, version: tuple[int, int], sel: Selection, queries: tuple[str, ...], stop: tuple[str, ...]):
    """The queries compared, and per query its weekly shares toward the target and of each
    stance as estimates in their 90% intervals (``warehouse.shares``, over its texts)."""
    with reading(path) as con:
        found = compare(con, sel, list(queries), extra_stop=stop, keep=True, profiles=False)
        try:
            per_query: dict[str, list[pd.DataFrame]] = {"target_sentiment": [], "stance": []}
            for q, table in zip(queries, found.kept, strict=True):
                # Two counts a query: each joins the query's texts (copying their rows first, as
                # shares.hits does for the page's eleven, cost more than it saved: 1.3 s vs 2.2 s
                # for three queries at 1M).
                for name, frames in per_query.items():
                    frames.append(task_shares(con, sel, name, "week", within=table)[0].assign(query=q))
            bands = {name: pd.concat(frames, ignore_index=True) for name, frames in per_query.items()}
        finally:
            drop_kept(con, found)
    return found, bands


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_profile(path: str, version: tuple[int, int], sel: Selection, query: str, stop: tuple[str, ...]) -> dict:
    """One compared query's top words and phrases, outlets and accounts (``series.compare``)."""
    with reading(path) as con:
        return compare(con, sel, [query], extra_stop=stop).profiles[0]


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_why(path: str, version: tuple[int, int], sel: Selection, day: date, metric: str, stop: tuple[str, ...]):
    # The selection's range is not part of the key: the baseline is the days before the spike.
    with reading(path) as con:
        return what_changed(con, sel, day, metric=metric, limit=8, extra_stop=stop)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_rows(path: str, version: tuple[int, int], doc_ids: tuple[str, ...]) -> pd.DataFrame:
    with reading(path) as con:
        return explorer.rows_of(con, list(doc_ids), texts=True)


def explorer_page(data: dict, sel: Selection, offset: int) -> tuple[int, pd.DataFrame]:
    """How many texts the list holds and one page of them: with a query, from the query's own
    scan (``load_view``'s ranked hits) when its first pages hold the page asked for; else (no
    query, or a page further down) ``warehouse.explorer.find``."""
    ranked, kinds = data.get("ranked"), data.get("kinds")
    if sel.query and ranked is not None and kinds is not None:
        keep_kinds = pd.Series(True, index=kinds.index)
        keep_best = pd.Series(True, index=ranked.index)
        for column, wanted in (("sentiment", sel.sentiments), ("target_sentiment", sel.target_sentiments),
                               ("stance", sel.stances)):
            if wanted:
                keep_kinds &= kinds[column].isin(wanted)
                keep_best &= ranked[column].isin(wanted)
        total = int(kinds.loc[keep_kinds, "n"].sum())
        best = ranked[keep_best]
        if offset + PAGE_SIZE <= len(best) or len(ranked) == int(kinds["n"].sum()):
            ids = tuple(best["doc_id"].iloc[offset:offset + PAGE_SIZE])
            return total, readable(load_rows, path, version, ids) if ids else explorer.rows_of_empty(texts=True)
    return readable(load_explorer_page, path, version, sel, offset)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_explorer_page(path: str, version: tuple[int, int], sel: Selection, offset: int) -> tuple[int, pd.DataFrame]:
    with reading(path) as con:
        return explorer.find(con, sel, offset=offset, limit=PAGE_SIZE, texts=bool(sel.query))


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def load_document(path: str, version: tuple[int, int], doc_id: str) -> dict:
    with reading(path) as con:
        return trends.document(con, doc_id)


def readable(fn, *args):
    """Call a loader; while a writer holds the file too long, show the last good answer."""
    key = f"last:{fn.__name__}:{args}"
    try:
        value = fn(*args)
    except WarehouseError as exc:
        if key in st.session_state:
            st.info(t("page.busy", error=exc))
            return st.session_state[key]
        st.error(str(exc))
        st.stop()
        raise  # st.stop() only raises inside a Streamlit run; imported bare, the error stays visible
    st.session_state[key] = value
    return value


NOTICE_COLORS = {"error": ("#fdecea", "#7d1d1d"), "info": ("#e8f1fb", "#17406d"), "warning": ("#fff6e0", "#6b4a00")}


def notice(kind: str, html: str) -> None:
    """A message box holding a query or a value someone typed or crawled: drawn as HTML (the
    value already through ``render.crawled``), never as markdown, which would turn a typed
    ``www.x.y`` into a link."""
    background, color = NOTICE_COLORS[kind]
    st.html(f'<div role="alert" data-notice="{kind}" style="background:{background};color:{color};'
            f'padding:0.8em 1em;border-radius:0.5em">{html}</div>')


def written(message: str) -> None:
    """After a write: forget every cached read and draw the page again, saying what was done,
    so the change shows everywhere at once (trust panel, timelines, counts)."""
    st.cache_data.clear()
    st.session_state["flash"] = message
    st.rerun()


def analyst_name(key: str) -> str | None:
    """Who records a correction, an event or a rule: the signed-in identity, or (on this machine,
    without sign-in) a name typed in the form, recorded as typed."""
    if visitor.name is not None:
        st.html(f"<small>{t('form.signed_in', name=crawled(visitor.name, to='html', limit=AUTHOR), how=visitor.identified_by)}</small>")
        return visitor.name
    return st.text_input(t("form.typed_name"), value=st.session_state.get("analyst", ""), key=key)


def console_limits() -> Limits | None:
    try:
        return Limits.from_env()
    except ValueError as exc:
        st.error(t("sql.limits_wrong", error=exc))
        return None


def draw_sql_result(box, limits: Limits) -> bool:
    """The last query's rows (kept for this session), its export buttons and download; True when
    the analyst asked for the whole result as CSV."""
    last = st.session_state.get("sql_result")
    if last is None:
        return False
    # As wide as the query asks: the one table that may scroll sideways (dashboard.screenshot.CUT).
    box.dataframe(shown(pd.DataFrame(last["rows"], columns=last["columns"]), links=()), hide_index=True, width="stretch", key="sql_rows")
    box.caption(last["caption"])
    export_cols = box.columns([1, 1, 3])
    export_cols[0].checkbox(t("export.excel"), key="sql_excel")
    wanted = export_cols[1].button(t("sql.prepare_csv"), help=t("sql.prepare_csv_help", mb=limits.export_mb))
    ready = st.session_state.get("sql_export")
    if ready and ready[0] == last["sql"]:
        export_cols[2].download_button(t("sql.download", size=t.number(len(ready[1]))), ready[1],
                                       file_name="vigia-query.csv", mime="text/csv")
    return wanted


def run_in_console(box, sql: str, limits: Limits, output: str | None = None, bom: bool = False):
    """Run ``sql`` in a process of its own, showing its progress and a cancel button in ``box``.

    Every 0.2 s the progress line is redrawn: each redraw is a point where Streamlit stops this
    run when the analyst presses Cancel, changes anything else, or closes the page; the process
    is killed on the way out, whatever ended the run. Returns (result, export bytes)."""
    progress = box.empty()
    box.button(t("sql.cancel"), key=f"sql_cancel_{output or 'show'}",
               on_click=lambda: st.session_state.update(sql_cancelled=True))
    with RunningQuery(path, sql, limits=limits, output=output, bom=bom) as running:
        while not running.wait(timeout=0.2):
            progress.caption(t("sql.running", seconds=f"{running.elapsed:.1f}")
                             + (t("sql.running_limit", seconds=f"{limits.seconds:g}") if limits.seconds else ""))
        progress.empty()
        result = running.result()
        payload = result.export.read_bytes() if result.export else None
    return result, payload


def local_times(frame: pd.DataFrame, columns: tuple[str, ...], zone: str) -> pd.DataFrame:
    """``frame`` with its moments in the campaign's time zone (stored in UTC), shown without
    the zone's offset: every time on the page is the campaign's wall clock."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            values = pd.to_datetime(out[column], utc=True, errors="coerce")
            out[column] = values.dt.tz_convert(zone).dt.tz_localize(None)
    return out


def describe(spike: Spike) -> str:
    """A spike in words: its day, value, what was watched and the usual level."""
    what = t.value(spike.metric, target=target_name)
    if spike.metric == "target_negative":
        value, usual = t.percent(spike.value), t.percent(spike.baseline)
    else:
        value, usual = t.number(spike.value), t.number(spike.baseline, 1)
    return f"{t.date(spike.day)}: {value} {what} ({t('spikes.usual', value=usual)})"


def time_column(label: str | None, width: int, help: str | None = None) -> st.column_config.DatetimeColumn:
    """A column of times in the campaign's zone (``local_times``), to the minute: headed by the
    zone's city ("publicado (Lima)"), the zone in full when the header is hovered."""
    return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm", width=width, help=help or zone)


def texts_in_words(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A table of texts (the list, a spike's texts) as the analyst reads it, as wide as the page
    at 1,400 px without scrolling sideways (it had a dozen columns, 1,474 px of them): stored
    labels and topic codes in the page's words (they were "news", "pro_recall", "security" on
    the Spanish page too); the source's type beside its outlet or network; the title before the
    start of the text; the models' three labels (tone and its score, toward the target, stance)
    in one cell. Long cells wrap over :data:`TEXT_ROW` pixels (the grid ignores line breaks).
    Returns the frame and its ``column_config``."""
    out = pd.DataFrame(index=frame.index)
    out["published_at"] = frame["published_at"]
    kind = frame["source_type"].map(lambda v: t.value(v) if isinstance(v, str) else "") if "source_type" in frame else ""
    out["platform"] = frame["platform"].fillna("").astype(str) + (" (" + kind + ")" if "source_type" in frame else "")
    out["author"] = frame["author"]
    title = frame["title"].map(lambda v: crawled(v, limit=TITLE) if isinstance(v, str) and v.strip() else "")
    out["excerpt"] = [f"{head} — {body}" if head and isinstance(body, str) and body else head or body or ""
                      for head, body in zip(title, frame["excerpt"], strict=True)]
    if "copies" in frame:
        out["copies"] = frame["copies"]

    def said(row: pd.Series) -> str:
        tone = t.value(row["sentiment"]) if isinstance(row.get("sentiment"), str) else ""
        score = row.get("sentiment_score")
        if score is not None and pd.notna(score):
            tone = f"{tone} ({t.number(float(score), 2)})" if tone else t.number(float(score), 2)
        lines = [f"{t('list.tone')} {tone}" if tone else "",
                 f"{t('list.toward', target=target_name)}: {t.value(row['target_sentiment'])}"
                 if isinstance(row.get("target_sentiment"), str) else "",
                 t.value(row["stance"]) if isinstance(row.get("stance"), str) else ""]
        return " · ".join(line for line in lines if line) or "—"

    out["said"] = frame.apply(said, axis=1) if len(frame) else pd.Series(dtype=object)
    if "topics" in frame:
        out["topics"] = frame["topics"].map(lambda v: ", ".join(topic_label(x) for x in v) if hasattr(v, "__len__") else "")
    out["url"] = frame["url"]
    # Widths in pixels, their sum (930) within the page's column at 1,400 px (938 px); what is
    # left over is shared out among the columns.
    config = {
        "published_at": time_column(t("list.published", timezone=city), 118, help=t("list.published", timezone=zone)),
        "platform": st.column_config.TextColumn(t("axis.platform"), width=110),
        "author": st.column_config.TextColumn(t("list.author"), width=95),
        "excerpt": st.column_config.TextColumn(t("list.text"), width=252 if "topics" in out else 290),
        "copies": st.column_config.NumberColumn(t("list.copies"), width=62),
        "said": st.column_config.TextColumn(t("list.said"), width=205),
        "topics": st.column_config.TextColumn(t("list.topics"), width=95),
        "url": st.column_config.LinkColumn(t("list.link"), display_text=t("list.open"), width=55),
    }
    return out, {name: shown_as for name, shown_as in config.items() if name in out.columns}


def flagged(frame: pd.DataFrame, counts: dict[str, str]) -> pd.DataFrame:
    """The review queue as an analyst reads it: what the text is, where and when, what the model
    said and how sure it was in words; no ids, no bare confidence."""
    out = pd.DataFrame({
        "text": [crawled(r.title if isinstance(r.title, str) and r.title else r.excerpt, limit=120)
                 for r in frame.itertuples()],
        "platform": frame["platform"],
        "published_at": frame["published_at"],
        "task": frame["task"].map(task_name),
        "label": [", ".join(t.value(v) for v in str(r.label).split(",")) if r.label else "—" for r in frame.itertuples()],
        "sure": frame["confidence"].map(lambda c: t("queue.undecided") if c < 0.1 else
                                        t("queue.unsure") if c < 0.4 else t("queue.fairly_sure")),
    })
    return out.rename(columns=counts)


# ----------------------------------------------------------------------------- the view from the link

path = str(db_path())
shown_path = redacted(path).replace("`", "'")  # shown inside a code span, never with a password
config = campaign_file()
params = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
if "view_read" not in st.session_state:
    st.session_state["view_read"] = True
    st.session_state["link_state"], st.session_state["link_problems"] = decode(params)
    linked = st.session_state["link_state"]
    st.session_state["lang"] = language(linked.lang, config.ui_language if config else None)
t = Texts(st.session_state.get("lang") or "es")

if not warehouse_exists(path):
    st.title("Vigia")
    st.error(t("page.no_warehouse", path=shown_path))
    st.stop()

version = snapshot_version(path)
campaigns = readable(load_campaigns, path, version)
if campaigns.empty:
    st.title("Vigia")
    st.warning(t("page.no_campaign"))
    st.stop()
campaign_ids = campaigns["campaign"].tolist()
linked: ViewState = st.session_state["link_state"]

with st.sidebar:
    st.selectbox(t("page.language"), list(LANGUAGES), key="lang", format_func=LANGUAGES.get)
    t = Texts(st.session_state["lang"])
    st.header(t("filters.header"))
    if "campaign" not in st.session_state:
        st.session_state["campaign"] = linked.campaign if linked.campaign in campaign_ids else (
            config.id if config and config.id in campaign_ids else campaign_ids[0])
    campaign_id = st.selectbox(t("filters.campaign"), campaign_ids, key="campaign",
                               format_func=lambda c: crawled(campaigns.set_index("campaign").loc[c, "name"]))
    info = campaigns.set_index("campaign").loc[campaign_id]
    zone = str(info["timezone"])
    city = zone.rsplit("/", 1)[-1].replace("_", " ")  # "Lima": a header's short name for the zone
    config = config if config is not None and config.id == campaign_id else None
    facets = readable(load_facets, path, version, campaign_id)
    if facets["range"] is None:
        st.warning(t("page.no_documents"))
        st.stop()
    first_day, last_day = facets["range"]
    topic_names = list(info["topics"])
    if "dates" not in st.session_state:
        # The link's own view, its unknown values named (decoded again now the campaign's are known).
        linked, problems = decode(params, known={"platforms": facets["platforms"], "topics": topic_names})
        st.session_state["link_problems"] = problems
        start = max(first_day, min(linked.start or first_day, last_day))
        end = max(start, min(linked.end or last_day, last_day))
        st.session_state.update({
            "dates": (start, end), "src": list(linked.source_types), "plat": list(linked.platforms),
            "topic": list(linked.topics), "reprints": linked.include_reprints, "q": linked.query,
            "cmp": "\n".join(linked.queries), "sent": list(linked.sentiments), "tsent": list(linked.target_sentiments),
            "stance": list(linked.stances), "page": linked.page, "doc": linked.doc, "opened_doc": linked.doc,
            "doc_in_link": linked.doc, "section_id": linked.section,
            "spike": (linked.spike, linked.spike_metric) if linked.spike else None,
        })
    picked = st.session_state["dates"]
    if not (isinstance(picked, tuple | list) and len(picked) == 2 and first_day <= picked[0] <= picked[1] <= last_day):
        st.session_state["dates"] = (first_day, last_day)  # another campaign's dates, or half a range picked

    def set_dates(days: int | None, calendar_month: bool = False) -> None:
        if calendar_month:
            first_of_month = last_day.replace(day=1)
            end_ = first_of_month - timedelta(days=1)
            start_ = end_.replace(day=1)
        elif days is None:
            start_, end_ = first_day, last_day
        else:
            start_, end_ = last_day - timedelta(days=days - 1), last_day
        st.session_state["dates"] = (max(first_day, start_), max(first_day, end_))

    st.date_input(t("filters.dates"), min_value=first_day, max_value=last_day, key="dates", format="YYYY-MM-DD")
    quick = st.columns(2) + st.columns(2)
    quick[0].button(t("filters.last_7"), on_click=set_dates, args=(7,), width="stretch")
    quick[1].button(t("filters.last_30"), on_click=set_dates, args=(30,), width="stretch")
    quick[2].button(t("filters.last_month"), on_click=set_dates, args=(None, True), width="stretch")
    quick[3].button(t("filters.all_dates"), on_click=set_dates, args=(None,), width="stretch")
    picked = st.session_state["dates"]
    start, end = (picked[0], picked[1]) if len(picked) == 2 else (first_day, last_day)
    source_types = st.multiselect(t("filters.source_type"), facets["source_types"], key="src",
                                  placeholder=t("filters.all"), format_func=t.value)
    platforms = st.multiselect(t("filters.platform"), facets["platforms"], key="plat", placeholder=t("filters.all"),
                               format_func=crawled)
    topic_label = (lambda name: config.topic_label(name, t.lang)) if config else (lambda name: name)
    topics = st.multiselect(t("filters.topic"), topic_names, key="topic", placeholder=t("filters.all"),
                            format_func=topic_label)
    show_duplicates = st.toggle(t("filters.reprints"), key="reprints", help=t("filters.reprints_help"))
    if st.button(t("page.refresh")):
        st.cache_data.clear()
        st.rerun()

target_name = config.target.name if config else t("page.the_target")
names = tuple(display_names(config).items()) if config else (("target", target_name),)
stop_words = tuple(w for w in ([config.target.name, *config.target.aliases, config.target.district or ""]
                               if config else []) if w)

st.title(t("page.title", campaign=crawled(info["name"])))
if "flash" in st.session_state:
    st.success(st.session_state.pop("flash"))
for problem in st.session_state.pop("link_problems", []):
    notice("warning", t("page.link_problems", problems=crawled(problem, to="html")))
if bool(info["sample"]):
    st.warning(t("page.sample_data"), icon="🧪")

# ----------------------------------------------------------------------------- freshness

spiders = tuple((s.name, s.spider) for s in config.sources) if config else ()
side = readable(load_side, path, version, campaign_id, spiders)
fresh = side["freshness"]
st.caption(" · ".join([
    t("fresh.last_crawl", when=t.datetime(fresh.last_success_at, zone)) if fresh.last_success_at else t("fresh.never"),
    t("fresh.backlog", unscored=t.number(fresh.unscored), spooled=t.number(fresh.spooled_batches)),
]))
# Per source, drawn when opened (a table on every page costs the browser more than the line above).
fresh_box = st.expander(t("fresh.title"), key="fresh_open", on_change="rerun")
if fresh_box.open:
    sources = local_times(fresh.sources, ("newest_published_at", "newest_fetched_at", "last_success_at", "last_attempt_at"), zone)
    sources["last_attempt_status"] = sources["last_attempt_status"].map(lambda s: t.value(s) if isinstance(s, str) else "—")
    fresh_box.dataframe(numbers_in(shown(sources), t), hide_index=True, width="stretch", column_config={
        "source": st.column_config.TextColumn(t("fresh.source"), width=120), "spider": st.column_config.TextColumn(t("fresh.spider"), width=115),
        "documents": st.column_config.NumberColumn(t("fresh.documents"), width=70),
        **{c: time_column(t(f"fresh.{c}"), 125)
           for c in ("newest_published_at", "newest_fetched_at", "last_success_at", "last_attempt_at")},
        "last_attempt_status": st.column_config.TextColumn(t("fresh.status"), width=85, help=t("fresh.last_attempt_status"))})

# ----------------------------------------------------------------------------- the query

query = st.text_input(t("query.label"), key="q", help=t("query.help"), placeholder=t("query.placeholder"))
why_not = query_check(query)
if why_not is not None:
    notice("error", t("query.error", message=crawled(t.query_error(why_not), to="html"))
           + "<br><small>" + t("query.error_rest") + "</small>")
    query = ""
elif query_parse(query) is None:  # no word in it ("#", an emoji, spaces): it filters nothing, and says so
    if query.strip():
        notice("info", t("query.no_words", query=crawled(query, to="html", limit=80)))
    query = ""
sel = Selection(campaign=campaign_id, query=query, start=start, end=end, source_types=source_types,
                platforms=platforms, topics=topics, include_reprints=show_duplicates)

compared = [q.strip() for q in st.session_state.get("cmp", "").splitlines() if q.strip()]
base_url = (st.context.url or "").split("?")[0] if isinstance(st.context.url, str) else ""

rules = alert_rules.merged(side["rules"], config)
watches = tuple(Watch(r.metric, "", r.z, r.min_count, r.window_days) for r in rules if r.enabled and not r.query)
history_days = max([w.window_days for w in watches] or [BASELINE_DAYS])
data = readable(load_shaped, path, version, sel, "security" if "security" in topic_names else None, names, watches, first_day)
daily, topic_daily, per_day = data["daily"], data["topics"], data["per_day"]
n_documents = int(daily["n_docs"].sum()) if len(daily) else 0
if query and not n_documents:
    notice("info", t("query.none_found", query=crawled(query, to="html")))
elif query:
    st.html(f"<small>{t('query.found', documents=t.number(n_documents), query=crawled(query, to='html'))}</small>")

# ----------------------------------------------------------------------------- headline figures

share_data = data["shares"]
share_tasks = share_data["tasks"]


def share_of(frame: pd.DataFrame | None, label: str) -> tuple[float, float, float] | None:
    """(estimate, low, high) of one label in a one-group share frame; None when there is no text."""
    if frame is None or frame.empty:
        return None
    row = frame[frame["label"] == label]
    if row.empty or pd.isna(row["estimate"].iloc[0]):
        return None
    return float(row["estimate"].iloc[0]), float(row["low"].iloc[0]), float(row["high"].iloc[0])


def interval(found: tuple[float, float, float] | None) -> str:
    """An estimated share and its 90% interval, as the headline shows it."""
    return t.percent(None) if found is None else f"{t.percent(found[0])} ({t.percent(found[1])}–{t.percent(found[2])})"


def rests_on(task: dict) -> str:
    """What a share chart's bands rest on, said next to it (issue 20)."""
    return t("shares.rests_on", calibration=t.calibration(task["calibration"]))


def task_name(name: str) -> str:
    """A share's task in words (the target by name); a topic's or actor's task as stored."""
    return t(f"task.{name}", target=target_name) if f"task.{name}" in t.messages else name


def every_share() -> dict[str, dict]:
    """Every share's weekly and whole estimates (the trends and voices tabs): the overview's
    when they were stored, else estimated when the tab opens (cached)."""
    if share_tasks and all(task["weekly"] is not None for task in share_tasks.values()):
        return share_tasks
    return readable(load_by_task, path, version, sel)


def whole(name: str) -> pd.DataFrame | None:
    found = share_tasks.get(name)
    return found["whole"] if found else None


header = st.columns([4, 1])
with header[0]:
    said = t("page.covered", documents=t.number(n_documents), start=t.date(start), end=t.date(end), timezone=zone)
    if show_duplicates:
        said += " " + t("page.covered_copies")
    elif data["copies"]:
        said += " " + t("page.covered_why", copies=t.number(data["copies"]))
    st.caption(said)


def make_briefing() -> bytes:
    """The briefing of the view as it is now (built when the button is pressed)."""
    with reading(path) as con:
        return briefing.build(
            con, sel, campaign_name=str(info["name"]), timezone=zone, lang=t.lang, spikes=view_spikes,
            queries=compared[:MAX_QUERIES], campaign=config, events=side["events"].to_dict("records"),
            sample=bool(info["sample"]), headline=headline_shown)


cols = st.columns(4)
# The figures as shown, for the briefing too: it prints these, never figures of its own.
headline_shown: list[tuple[str, str]] = [(t("head.documents"), t.number(n_documents))]
cols[0].metric(*headline_shown[-1], help=t("head.documents_help"))
# The last 7 days of the range against the 7 before: a change counts only when the two
# intervals do not overlap (a jump inside the noise is no change); said only over two weeks or more.
recent_shares = share_data.get("recent") or {}
now_7, before_7 = share_of(recent_shares.get("last7"), "negative"), share_of(recent_shares.get("prev7"), "negative")
# The signed number comes first: Streamlit points the arrow by the delta's first character, and a
# narrow column cuts the delta's end; what it compares is said beside it. Within the noise: grey.
moved, moved_said, moved_color, points = None, None, "inverse", 0
if now_7 and before_7 and (end - start).days >= 13:
    apart = now_7[1] > before_7[2] or now_7[2] < before_7[1]
    points = round((now_7[0] - before_7[0]) * 100)
    moved = t("head.points", change=f"{points:+d}")
    moved_said = t("head.recent") + ("" if apart else " " + t("head.noise"))
    moved_color = "inverse" if apart else "off"


def point(found: tuple[float, float, float] | None) -> str:
    return t.percent(None if found is None else found[0])


def band(*found: tuple[float, float, float] | None) -> str:
    """The 90% intervals of figures in words, said under them: beside the figure, a four-column
    headline cut "39% (0%–10…" at 1,400 px."""
    if all(f is None for f in found):
        return ""
    return t("head.interval", range=" / ".join("—" if f is None else f"{t.percent(f[1])}–{t.percent(f[2])}" for f in found))


def said_under(column: DeltaGenerator, *parts: str) -> None:
    if any(parts):
        column.caption(" · ".join(part for part in parts if part))


negative_found = share_of(whole("sentiment"), "negative")
negative = interval(negative_found)
headline_shown.append((t("head.negative", start=t.date(start, "short"), end=t.date(end, "short")),
                       negative + (f"; {moved}, {moved_said}" if moved else "")))
# What the change compares is said under the figure with its interval: as the delta's own
# description, a narrow column cut it ("last 7 days against the 7 b…").
cols[1].metric(headline_shown[-1][0], point(negative_found), delta=moved, delta_color=moved_color,
               delta_arrow="auto" if points else "off", help=t("head.negative_help"))
said_under(cols[1], band(negative_found), f"{moved}: {moved_said}" if moved else "")
toward = share_of(whole("target_sentiment"), "negative")
headline_shown.append((t("head.toward_target", target=target_name), interval(toward)))
cols[2].metric(headline_shown[-1][0], point(toward), help=t("head.toward_target_help", target=target_name))
said_under(cols[2], band(toward))
pro, anti = share_of(whole("stance"), "pro_recall"), share_of(whole("stance"), "anti_recall")
stance_value = f"{point(pro)} / {point(anti)}"
stance_said = t("head.stance_help", pro=interval(pro), anti=interval(anti))
cols[3].metric(t("head.stance"), stance_value, help=stance_said)
said_under(cols[3], band(pro, anti))
headline_shown.append((t("head.stance"), f"{stance_value}; {stance_said}"))

# Calendar milestones (campaign file) and analyst events, drawn on every timeline.
event_rows = side["events"]
marks = pd.DataFrame(
    [{"day": pd.Timestamp(m.date), "label": crawled(m.label), "who": t("calendar.who", kind=t.kind(m.kind))}
     for m in (config.calendar if config else [])]
    + [{"day": pd.Timestamp(e.day), "label": crawled(e.label), "who": t("events.who", analyst=crawled(e.analyst, limit=AUTHOR))}
       for e in event_rows.itertuples()],
    columns=["day", "label", "who"],
)
shown_marks = marks[(marks["day"] >= pd.Timestamp(start)) & (marks["day"] <= pd.Timestamp(end))]

# ----------------------------------------------------------------------------- the sections
# One tab per section, and only the open one is computed and drawn (``st.tabs`` with
# ``on_change``): a first visit reads and draws the overview, not the ten sections below it. The
# open section is kept by name (``section_id``), so it survives a change of language, and is in
# the link (``tab=``).
section_labels = {name: t(f"section.{name}") for name in SECTIONS}
# Streamlit forgets the state of a widget that a run does not draw: the closed sections' widgets
# are carried over by hand, so a filter set in the list or a query compared is still there when
# its tab is opened again.
for key in KEPT_WIDGETS:
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]
if st.session_state.get("section_id") not in SECTIONS:
    st.session_state["section_id"] = SECTIONS[0]
if st.session_state.get("section") != section_labels[st.session_state["section_id"]]:
    st.session_state["section"] = section_labels[st.session_state["section_id"]]


def section_opened(labels: dict[str, str] = section_labels) -> None:
    chosen = st.session_state.get("section")
    st.session_state["section_id"] = next((name for name, label in labels.items() if label == chosen), SECTIONS[0])


tabs = dict(zip(SECTIONS, st.tabs(list(section_labels.values()), key="section", on_change=section_opened), strict=True))
opened = st.session_state["section_id"]
if n_documents and (opened == "voices" or (query and opened == "texts")):
    data = {**data, **readable(load_voices, path, version, sel, names)}
view_spikes = data["spikes"]
# What the closed sections' widgets hold, for the link (their widgets are not drawn this run).
sentiments, targets, stances = (list(st.session_state.get(key) or []) for key in ("sent", "tsent", "stance"))
page_number = int(st.session_state.get("page") or 1)
limits, asked, wants_export = None, False, False

# ----------------------------------------------------------------------------- 1. what just happened
if opened == "overview":
    with tabs["overview"]:
        st.subheader(t("spikes.title", target=target_name))
        if n_documents:
            volume = daily.groupby(["day", "source_type"])["n_docs"].sum().reset_index(name="documents")
            spike_frame = pd.DataFrame([{"day": pd.Timestamp(s.day), "what": t.value(s.metric, target=target_name),
                                         "text": describe(s)} for s in view_spikes], columns=["day", "what", "text"])
            st.vega_lite_chart(spec("spikes", t.lang, volume, spike_frame, shown_marks), width="stretch")
            st.caption(t("spikes.caption", baseline_days=history_days))
            if data["coverage"] is not None:
                series = data["coverage"].assign(label=query)
                st.vega_lite_chart(compare_lines(series, "share_of_coverage", t("query.share_title", query=query),
                                                 t("axis.share_of_coverage"), percent=True, marks=shown_marks, t=t), width="stretch")
                st.caption(t("query.share_caption"))
        if not view_spikes:
            st.success(t("spikes.none", target=target_name))
        else:
            keys = [(s.day, s.metric) for s in view_spikes]
            if st.session_state.get("spike") not in keys:
                st.session_state["spike"] = None
            by_key = dict(zip(keys, view_spikes, strict=True))
            # What changed is read when a spike is picked (a scan of its 29 days): not on every redraw.
            chosen = st.selectbox(t("spikes.pick", n=len(keys)), keys, key="spike", format_func=lambda k: describe(by_key[k]),
                                  help=t("spikes.pick_help"), placeholder=t("spikes.pick_placeholder"))
            if chosen is None:
                st.caption(t("spikes.list", spikes=" · ".join(describe(s) for s in view_spikes[:6])))
            else:
                spike = by_key[chosen]
                why = readable(load_why, path, version, replace(sel, start=None, end=None), spike.day, spike.metric, stop_words)
                st.markdown(f"**{t('spikes.why', day=t.date(why.day), baseline_days=BASELINE_DAYS, baseline_start=t.date(why.baseline_start), baseline_end=t.date(why.baseline_end))}**")
                st.caption(t("spikes.sizes", spike=t.number(why.spike_texts), baseline=t.number(why.baseline_texts),
                             per_day=t.number(why.baseline_texts / BASELINE_DAYS, 1)))
                # Two abreast, two rows: four abreast hid each table's last column (how far above
                # its usual share an outlet or account was: what the panel is for).
                parts = st.columns(2) + st.columns(2)
                with parts[0]:
                    st.caption(t("spikes.words"))
                    words = why.words.head(10)
                    st.dataframe(numbers_in(shown(pd.DataFrame({t("spikes.term"): words["written"], t("spikes.on_day"): words["focus_share"],
                                                                t("spikes.before"): words["baseline_share"]})), t,
                                            percents=(t("spikes.on_day"), t("spikes.before"))), hide_index=True, width="stretch")
                for box, frame, column, title in ((parts[1], why.topics, "topic", "spikes.topics"),
                                                  (parts[2], why.outlets, "platform", "spikes.outlets"),
                                                  (parts[3], why.accounts, "author", "spikes.accounts")):
                    with box:
                        st.caption(t(title))
                        names_shown = frame[column].map(topic_label) if column == "topic" else frame[column]
                        st.dataframe(numbers_in(shown(pd.DataFrame({t(title): names_shown, t("spikes.on_day_texts"): frame["spike_texts"],
                                                                    t("spikes.excess"): frame["excess"]})), t,
                                                digits={t("spikes.excess"): 1}), hide_index=True, width="stretch")
                st.caption(t("spikes.texts"))
                texts = local_times(why.texts, ("published_at",), zone)
                in_words, columns = texts_in_words(texts.drop(columns=["doc_id"]))
                st.dataframe(numbers_in(shown(in_words), t), hide_index=True, width="stretch", column_config=columns, row_height=TEXT_ROW)


# ----------------------------------------------------------------------------- 2. compare queries
if opened == "compare":
    with tabs["compare"]:
        st.subheader(t("compare.title", max=MAX_QUERIES))
        st.text_area(t("compare.add"), key="cmp", height=110, placeholder=t("compare.placeholder"), help=t("compare.help"))
        bad = [(q, query_check(q)) for q in compared]
        for q, why in bad:
            if why is not None:
                notice("error", t("compare.bad", query=crawled(q, to="html", limit=80), message=crawled(t.query_error(why), to="html")))
        good = [q for q, why in bad if why is None]
        if len(good) > MAX_QUERIES:
            st.warning(t("compare.too_many", max=MAX_QUERIES))
        good = good[:MAX_QUERIES]
        if not good:
            st.info(t("compare.empty"))
            st.button(t("compare.example"), on_click=lambda: st.session_state.update(cmp=t("compare.placeholder")))
        else:
            result, bands = readable(load_compare, path, version, replace(sel, query=""), tuple(good), stop_words)
            series = result.series.assign(label=result.series["query"].map(lambda q: crawled(q, limit=60)))
            x = "day"
            if (end - start).days > 45:
                # Over more than six weeks, days are noise: the queries by week (partial weeks as such).
                series = derive(weekly(series, start, end, [*COUNT_COLUMNS, "coverage"], by=["query", "label"]))
                x = "week"
            series["share_pro"] = series["n_pro_recall"] / series["n_docs"].where(series["n_docs"] > 0)
            per = t("compare.per_week") if x == "week" else t("compare.per_day")
            lines = st.columns(2)
            lines[0].vega_lite_chart(compare_lines(series, "n_docs", t("compare.volume", per=per), t("axis.documents"),
                                                   marks=shown_marks, t=t, x=x), width="stretch")
            lines[1].vega_lite_chart(compare_lines(series, "share_of_coverage", t("compare.share"), t("axis.share_of_coverage"),
                                                   percent=True, t=t, x=x), width="stretch")
            # Toward the target and for the recall: estimated shares of each query's texts, by week, in
            # their 90% intervals (issue 20), not the model's labels counted.
            lines = st.columns(2)
            toward = bands["target_sentiment"]
            toward = toward[toward["label"] == "negative"].assign(label=toward["query"].map(lambda q: crawled(q, limit=60)))
            lines[0].vega_lite_chart(spec("compare_bands", t.lang, toward, t("compare.sentiment", target=target_name),
                                          t("axis.share_negative_target", target=target_name)), width="stretch")
            pro_side = bands["stance"]
            pro_side = pro_side[pro_side["label"] == "pro_recall"].assign(label=pro_side["query"].map(lambda q: crawled(q, limit=60)))
            lines[1].vega_lite_chart(spec("compare_bands", t.lang, pro_side, t("compare.stance"), t("axis.share_pro")),
                                     width="stretch")
            totals = result.totals
            st.dataframe(numbers_in(shown(pd.DataFrame({
                t("axis.query"): totals["query"], t("compare.texts"): totals["n_docs"],
                t("axis.share_of_coverage"): totals["share_of_coverage"],
                t("compare.sentiment_counted", target=target_name): totals["share_target_negative"],
                t("value.pro_recall"): totals["n_pro_recall"], t("value.anti_recall"): totals["n_anti_recall"]})), t,
                percents=(t("axis.share_of_coverage"), t("compare.sentiment_counted", target=target_name))),
                hide_index=True, width="stretch")
            st.caption(t("compare.caption") + " " + t("compare.bands_caption"))
            # Each query's top words, outlets and accounts, read when its box is opened (a second
            # read of its texts, sampled for the words): not for every comparison drawn.
            matched = dict(zip(totals["query"], totals["n_docs"], strict=True))
            for n, q in enumerate(good, start=1):
                box = st.expander(t("compare.profile", n=n, matched=t.number(int(matched.get(q, 0)))), key=f"profile_{n}",
                                  on_change="rerun")
                if not box.open:
                    continue
                profile = readable(load_profile, path, version, replace(sel, query=""), q, stop_words)
                with box:
                    st.html(f"<b>{crawled(q, to='html', limit=300)}</b>")
                    # Words on the left; outlets over accounts on the right, wide enough to show
                    # every column (three abreast hid the accounts' counts).
                    words_box, who_box = st.columns([2, 3])
                    boxes = [words_box, who_box, who_box]
                    boxes[0].caption(t("compare.top_words", read=t.number(profile["words_read"]), matched=t.number(profile["matched"])))
                    boxes[0].dataframe(numbers_in(shown(profile["words"][["written", "documents"]].rename(
                        columns={"written": t("spikes.term"), "documents": t("compare.texts")})), t), hide_index=True, width="stretch")
                    boxes[1].caption(t("compare.top_outlets"))
                    boxes[1].dataframe(numbers_in(shown(profile["outlets"][["platform", "stories", "reach"]].rename(
                        columns={"platform": t("axis.platform"), "stories": t("voices.stories"), "reach": t("voices.reach")})), t),
                        hide_index=True, width="stretch")
                    boxes[2].caption(t("compare.top_accounts"))
                    boxes[2].dataframe(numbers_in(shown(profile["accounts"][["author", "platform", "stories"]].rename(
                        columns={"author": t("voices.account"), "platform": t("axis.platform"), "stories": t("compare.texts")})), t),
                        hide_index=True, width="stretch")


# ----------------------------------------------------------------------------- 4-6. tone, topics, stance
if opened == "trends":
    with tabs["trends"]:
        if not n_documents:
            st.info(t("page.no_documents_here"))
        else:
            # ------------------------------------------------------------------------- 4. how favourable
            st.subheader(t("tone.title"))
            if not per_day["n_scored"].sum():
                st.info(t("tone.none"))
            else:
                st.vega_lite_chart(spec("tone", t.lang, data["tone"], shown_marks), width="stretch")
                st.caption(t("tone.caption"))
            # The weekly bands: stored for the whole campaign; estimated when this tab opens for
            # any other selection (a query, a filter), not on every page.
            all_tasks = every_share()
            weeks = {name: task["weekly"] for name, task in all_tasks.items()}
            sentiment_task = all_tasks.get("sentiment")
            if sentiment_task is not None and len(weeks.get("sentiment", ())):
                st.vega_lite_chart(spec("share_bands", t.lang, weeks["sentiment"], charts.SENTIMENT_COLORS, shown_marks,
                                        t("shares.of_week")), width="stretch")
                st.caption(rests_on(sentiment_task))

            target_task = all_tasks.get("target_sentiment")
            if per_day["n_target"].sum() or (target_task is not None and len(weeks.get("target_sentiment", ()))):
                st.subheader(t("target.title", target=target_name))
                if target_task is not None and len(weeks.get("target_sentiment", ())):
                    st.vega_lite_chart(spec("share_bands", t.lang, weeks["target_sentiment"], charts.SENTIMENT_COLORS, None,
                                            t("shares.of_week_about", target=target_name)), width="stretch")
                    st.caption(rests_on(target_task))
                if per_day["n_target"].sum():
                    st.vega_lite_chart(spec("toward_target", t.lang, data["target_week"], target_name), width="stretch")
                    st.caption(t("weeks.caption"))

            # ------------------------------------------------------------------------- 5. insecurity vs figures
            st.subheader(t("security.title"))
            security = data["security"]
            figures = None
            if config is not None and config.figures_path is not None:
                try:
                    figures = pd.DataFrame([f.__dict__ for f in load_figures(config.figures_path)])
                except FiguresError as exc:
                    st.error(t("security.figures_error", error=exc))
            if security is None:
                st.info(t("security.no_topic"))
            else:
                monthly_figures, title = None, ""
                if figures is not None and len(figures):
                    figures["month"] = pd.to_datetime(figures["date"]).dt.to_period("M").dt.to_timestamp()
                    monthly_figures = figures.groupby(["month", "indicator"])["value"].sum().reset_index()
                    title = crawled(config.figures.label) + (t("security.sample_suffix") if config.figures.sample else "")
                st.vega_lite_chart(spec("security", t.lang, security), width="stretch")
                if monthly_figures is not None:
                    figures_spec = spec("official_figures", t.lang, security, monthly_figures, title)
                    if figures_spec is not None:
                        st.vega_lite_chart(figures_spec, width="stretch")
                if figures is None:
                    st.info(t("security.no_figures"))
                elif config.figures.sample:
                    st.warning(t("security.sample_figures"), icon="🧪")
                else:
                    st.html("<small>" + t("security.source", sources=crawled(", ".join(sorted(set(figures["source"]) - {""}))
                                                                              or t("security.no_source"), to="html")) + "</small>")

            # ------------------------------------------------------------------------- 6. topics, stance
            st.subheader(t("topics.title"))
            # Each topic's share of the week's texts as an estimate in its band (issue 20); without
            # estimates (nothing scored yet for them), the counted shares.
            topic_frames = [frame[frame["label"] == "yes"].assign(label=topic_label(name.split(":", 1)[1]))
                            for name, frame in weeks.items() if name.startswith("topic:") and len(frame)]
            if topic_frames:
                st.vega_lite_chart(spec("share_bands", t.lang, pd.concat(topic_frames, ignore_index=True), None, None,
                                        t("shares.of_week")), width="stretch")
                st.caption(t("topics.caption") + " " + rests_on(next(task for name, task in all_tasks.items()
                                                                     if name.startswith("topic:"))))
            elif "topic_week" in data:
                topic_week = data["topic_week"].assign(label=data["topic_week"]["topic"].map(topic_label))
                st.vega_lite_chart(spec("topics", t.lang, topic_week), width="stretch")
                st.caption(t("topics.caption"))
            else:
                st.info(t("topics.none"))

            st.subheader(t("stance.title"))
            stance_task = all_tasks.get("stance")
            if stance_task is not None and len(weeks.get("stance", ())):
                sides = weeks["stance"][weeks["stance"]["label"] != "none"]
                st.vega_lite_chart(spec("share_bands", t.lang, sides, charts.STANCE_COLORS, shown_marks, t("shares.of_week")),
                                   width="stretch")
                st.caption(rests_on(stance_task))
            st.vega_lite_chart(spec("stance", t.lang, data["stance_week"], shown_marks), width="stretch")
            st.caption(t("weeks.caption"))
            by_platform = data["stance_by_platform"]
            if not by_platform.empty:
                st.caption(t("stance.by_platform"))
                pivot = shown(by_platform).pivot_table(index="platform", columns="stance", values="documents", fill_value=0)
                st.dataframe(numbers_in(pivot.rename(columns=t.value), t), width="stretch")


if opened == "voices":
    with tabs["voices"]:
        if not n_documents:
            st.info(t("page.no_documents_here"))
        else:
            # ------------------------------------------------------------------------- 7. who is talking
            st.subheader(t("who.title"))
            st.vega_lite_chart(spec("platforms", t.lang, shown(data["platforms"])), width="stretch")
            if "voice_totals" not in data:
                st.info(t("voice.none"))
            else:
                totals = data["voice_totals"]
                labels = {v: t.value(v) for v in LABELS}
                title = t("voice.title", target=target_name)
                st.vega_lite_chart(spec("voice_bars", t.lang, totals, title, t("axis.texts_naming"), t("axis.tone_toward"), labels,
                                        t("axis.share_of_voice")), width="stretch")
                st.dataframe(numbers_in(shown(pd.DataFrame({
                    t("axis.name"): totals["name"], t("axis.texts_naming"): totals["documents"],
                    t("axis.share_of_voice"): totals["share_of_voice"], t("value.negative"): totals["share_negative"],
                    t("value.neutral"): totals["share_neutral"], t("value.positive"): totals["share_positive"]})), t,
                    percents=(t("axis.share_of_voice"), t("value.negative"), t("value.neutral"), t("value.positive"))),
                    hide_index=True, width="stretch")
                st.vega_lite_chart(spec("voice_over_time", t.lang, data["voice_weeks"], t("voice.over_time"),
                                        t("axis.share_of_voice")), width="stretch")
                st.caption(t("voice.caption"))
            # The tone toward each name as estimates in their intervals (issue 20): the target's and
            # every actor's negative and positive shares of the texts naming them.
            display = dict(names)
            all_tasks = every_share()
            tones = [frame.assign(who=display.get(name.split(":", 1)[1] if ":" in name else "target", name))
                     for name, frame in ([("target", whole("target_sentiment"))]
                                         + [(n, task["whole"]) for n, task in all_tasks.items() if n.startswith("actor:")])
                     if frame is not None and len(frame)]
            if tones:
                ranges = pd.concat(tones, ignore_index=True)
                ranges = ranges[ranges["label"] != "neutral"].assign(who=lambda f: f["who"].map(lambda n: crawled(n, limit=80)))
                st.vega_lite_chart(spec("share_ranges", t.lang, ranges, "who", t("shares.of_naming"), charts.SENTIMENT_COLORS),
                                   width="stretch")
                actor_task = next((task for n, task in all_tasks.items() if n.startswith("actor:")),
                                  all_tasks.get("target_sentiment"))
                if actor_task is not None:
                    st.caption(t("voice.tone_caption") + " " + rests_on(actor_task))
            voice_columns = {"avg_sentiment": t("voices.sentiment"), "share_negative_to_target": t("voices.negative_to", target=target_name),
                             "stories": t("voices.stories"), "reach": t("voices.reach"), "author": t("voices.account"),
                             "platform": t("axis.platform")}
            # One above the other, each the page's width: side by side, half their columns were hidden.
            st.caption(t("voices.outlets"))
            st.dataframe(numbers_in(shown(data["top_news"]), t, percents=("share_negative_to_target",)), hide_index=True, width="stretch",
                         column_config=voice_columns)
            st.caption(t("voices.accounts"))
            st.dataframe(numbers_in(shown(data["top_social"]), t, percents=("share_negative_to_target",)), hide_index=True, width="stretch",
                         column_config=voice_columns)


# ----------------------------------------------------------------------------- 8. explorer
if opened == "texts":
    with tabs["texts"]:
        st.subheader(t("explorer.title"))
        st.html(f"<small>{t('explorer.uses_query', query=crawled(query, to='html')) if query else t('explorer.no_query')}</small>")
        filter_cols = st.columns(3)
        sentiments = filter_cols[0].multiselect(t("list.sentiment"), list(LABELS), key="sent", placeholder=t("filters.all"),
                                                format_func=t.value)
        targets = filter_cols[1].multiselect(t("explorer.toward", target=target_name), list(LABELS), key="tsent",
                                             placeholder=t("filters.all"), format_func=t.value)
        stances = filter_cols[2].multiselect(t("explorer.stance"), list(STANCES), key="stance", placeholder=t("filters.all"),
                                             format_func=t.value)
        found_sel = replace(sel, sentiments=sentiments, target_sentiments=targets, stances=stances)
        total, _ = explorer_page(data, found_sel, 0)
        pages = max(1, -(-total // PAGE_SIZE))
        if int(st.session_state.get("page") or 1) > pages:
            st.session_state["page"] = 1
        page_number = st.number_input(t("explorer.page", pages=t.number(pages), total=t.number(total)),
                                      min_value=1, max_value=pages, step=1, key="page")
        _, rows = explorer_page(data, found_sel, (int(page_number) - 1) * PAGE_SIZE)
        if rows.empty:
            notice("info", t("query.none_found", query=crawled(query, to="html")) if query else t("explorer.empty"))
        else:
            listing = local_times(rows, ("published_at",), zone)
            if query:
                # Where the query matches in each text, its words marked (the excerpt is the text's start).
                hits = [passages(r.text, query, most=1) for r in rows.itertuples()]
                st.html("<table style='width:100%;font-size:0.9em'>" + "".join(
                    f"<tr><td style='white-space:nowrap;vertical-align:top;padding-right:1em'>{crawled(r.platform, to='html', limit=40)}"
                    f"<br><small>{pd.Timestamp(r.published_at):%Y-%m-%d %H:%M}</small></td>"
                    f"<td><b>{marked(r.title, query, limit=TITLE)}</b> {found[0] if found else marked(r.excerpt, query, limit=240)}</td></tr>"
                    for r, found in zip(listing.itertuples(), hits, strict=True)) + "</table>")
                listing = listing.drop(columns=["text"])
            in_words, columns = texts_in_words(listing.drop(columns=["doc_id"]))
            st.dataframe(numbers_in(shown(in_words), t), hide_index=True, width="stretch", column_config=columns, row_height=TEXT_ROW)
        export_cols = st.columns([1, 1, 3])
        fmt = export_cols[0].selectbox(t("explorer.export"), ["csv", "parquet"], key="export_format")
        excel = export_cols[1].checkbox(t("export.excel"), value=False, disabled=fmt != "csv", help=t("export.excel_help"))


        def export_now(selection: Selection = found_sel, fmt: str = fmt, bom: bool = excel) -> bytes:
            """The selection shown now, whole (read when the button is pressed: never an earlier
            search's file)."""
            with reading(path) as con:
                return explorer.export(con, selection, fmt, bom=bom, timezone=zone)


        export_cols[2].download_button(
            t("explorer.download", format=fmt.upper(), total=t.number(min(total, explorer.EXPORT_LIMIT))),
            export_now, file_name=f"vigia-{campaign_id}.{fmt}", key=f"export_{fmt}",
            mime="text/csv" if fmt == "csv" else "application/octet-stream", disabled=not total,
            help=t("explorer.download_help", limit=t.number(explorer.EXPORT_LIMIT)))

        # ----------------------------------------------------------------------------- 9. read and correct

        st.subheader(t("doc.title"))
        choices = {
            row.doc_id: f"{pd.Timestamp(row.published_at):%Y-%m-%d} · {row.platform} · "
            f"{crawled(row.title if isinstance(row.title, str) and row.title else row.excerpt, limit=90)}"
            for row in (listing if not rows.empty else rows).itertuples()
        }
        # A text opened on purpose (from the review queue, or named by the link) stays offered beside
        # the list's page; otherwise the reader follows the list.
        # (not ``opened``: that name holds the open tab, which the link writes below)
        opened_doc = st.session_state.get("opened_doc")
        if opened_doc and opened_doc not in choices:
            found = load_document(path, version, opened_doc)
            if found:
                choices = {opened_doc: f"{t('doc.opened')} · {crawled(found.get('title') or found.get('text'), limit=90)}", **choices}
            else:
                st.session_state["opened_doc"] = None
        if st.session_state.get("doc") not in choices:
            st.session_state["doc"] = next(iter(choices), None)
        doc_id = st.selectbox(t("doc.pick"), list(choices), format_func=choices.get, key="doc",
                              help=t("doc.pick_help")) if choices else None
        st.session_state["doc_in_link"] = doc_id if doc_id and doc_id != next(iter(choices), None) else None
        if doc_id:
            doc = load_document(path, version, doc_id)
            title, text = doc.get("title") or t("doc.no_title"), doc.get("text") or ""
            longest = max(len(title), len(doc.get("author") or ""), len(text) * TITLE // TEXT)
            show_all = longest > TITLE and st.toggle(t("doc.show_all", title=t.number(len(title)), text=t.number(len(text))),
                                                  key=f"whole_{doc_id}")
            st.html(
                f"<p><b>{marked(title, query, limit=None if show_all else TITLE)}</b> — {crawled(doc.get('platform'), to='html')}, "
                f"{crawled(doc.get('author') or t('doc.no_author'), to='html', limit=None if show_all else AUTHOR)}, "
                f"{crawled(t.datetime(doc.get('published_at'), zone), to='html')} ({crawled(zone, to='html')}) · "
                f"{link(t('doc.source'), doc.get('url'))}</p>"
            )
            if query:
                found_in = passages(text, query)
                if found_in:
                    st.html(f"<small>{t('doc.matches', query=crawled(query, to='html', limit=80))}</small><ul>"
                            + "".join(f"<li>{p}</li>" for p in found_in) + "</ul>")
            st.text_area(t("doc.text"), crawled(text, lines=True, limit=None if show_all else TEXT), height=200, disabled=True)
            match = doc.get("target_match")
            st.html(
                "<small>" + t("doc.scores", model=crawled(doc.get("model") or "—", to="html"), sentiment=t.value(doc.get("sentiment")),
                              score=f"{doc.get('sentiment_score') or 0:+.2f}", target=target_name,
                              toward=t.value(doc.get("target_sentiment")),
                              topics=crawled(", ".join(topic_label(x) for x in (doc.get("topics") or [])) or t("doc.no_topics"), to="html"),
                              stance=t.value(doc.get("stance")))
                + (" " + t("doc.found_by", how=t(f"match.{match}")) if match in ("name", "office", "implicit") else "")
                + (" · " + t("doc.corrected") if doc.get("corrected") else "") + "</small>"
            )
            with st.form("correction"):
                analyst = analyst_name("correction_analyst")
                options = ["(not scored)", *LABELS]
                current_target = doc.get("target_sentiment")
                new_target = st.selectbox(t("doc.toward", target=target_name), options, key="correct_target",
                                          index=options.index(current_target) if current_target in options else 0,
                                          format_func=lambda v: t("doc.not_scored") if v == "(not scored)" else t.value(v))
                new_topics = st.multiselect(t("filters.topic"), topic_names, key="correct_topics", format_func=topic_label,
                                            default=[x for x in (doc.get("topics") or []) if x in topic_names])
                new_stance = st.selectbox(t("doc.stance"), list(STANCES), key="correct_stance", format_func=t.value,
                                          index=STANCES.index(doc.get("stance")) if doc.get("stance") in STANCES else 2)
                if st.form_submit_button(t("doc.save")):
                    changes = []
                    if new_target != current_target and new_target in LABELS:
                        changes.append(("target_sentiment", new_target))
                    if sorted(new_topics) != sorted(doc.get("topics") or []):
                        changes.append(("topics", sorted(new_topics)))
                    if new_stance != doc.get("stance"):
                        changes.append(("stance", new_stance))
                    if not changes:
                        st.info(t("doc.nothing_changed"))
                    else:
                        try:
                            with connect(path, timeout=READ_TIMEOUT) as con:
                                for field, value in changes:
                                    add_correction(con, doc_id, field, value, analyst or "", allowed_topics=topic_names,
                                                   identified_by=visitor.identified_by)
                        except (CorrectionError, WarehouseError) as exc:
                            notice("error", crawled(exc, to="html"))
                        else:
                            st.session_state["analyst"] = analyst
                            written(t("doc.saved", n=len(changes)))


# ----------------------------------------------------------------------------- 3. the recall's calendar
if opened == "calendar":
    with tabs["calendar"]:
        st.subheader(t("calendar.title"))
        calendar = pd.DataFrame(
            [{"day": m.date, "milestone": crawled(m.label), "kind": t.kind(m.kind), "source": safe_url(m.source)}
             for m in (config.calendar if config else [])],
            columns=["day", "milestone", "kind", "source"],
        )
        if calendar.empty:
            st.info(t("calendar.none"))
        else:
            upcoming = calendar[calendar["day"] > end]
            done = calendar[calendar["day"] <= end]
            where_now = (t("calendar.last", label=crawled(done.iloc[-1]["milestone"], to="html"), day=t.date(done.iloc[-1]["day"]))
                         if len(done) else t("calendar.none_passed"))
            if len(upcoming):
                nxt = upcoming.iloc[0]
                where_now += " " + t("calendar.next", label=crawled(nxt["milestone"], to="html"), day=t.date(nxt["day"]),
                                     days=(nxt["day"] - end).days)
            st.html(f"<p>{where_now}</p>")
            st.dataframe(shown(calendar), hide_index=True, width="stretch", column_config={
                "day": st.column_config.DateColumn(t("events.day")), "milestone": t("calendar.milestone"),
                "kind": t("calendar.kind"), "source": st.column_config.LinkColumn(t("events.source_short"), display_text=t("list.open"))})
        if len(event_rows):
            st.caption(t("events.title"))
            table = local_times(event_rows, ("added_at", "edited_at"), zone)[
                ["day", "label", "analyst", "identified_by", "source", "added_at", "edited_by", "edited_at"]]
            st.dataframe(shown(table), hide_index=True, width="stretch", row_height=TEXT_ROW, column_config={
                "day": st.column_config.DateColumn(t("events.day"), width=95),
                "label": st.column_config.TextColumn(t("events.label"), width=200),
                "analyst": st.column_config.TextColumn(t("events.added_by"), width=100),
                "identified_by": st.column_config.TextColumn(t("events.identified_by"), width=110),
                "source": st.column_config.LinkColumn(t("events.source_short"), display_text=t("list.open"), width=60),
                "added_at": time_column(t("events.added_at", timezone=city), 130),
                "edited_by": st.column_config.TextColumn(t("events.edited_by"), width=100),
                "edited_at": time_column(t("events.edited_at", timezone=city), 130)})
        with st.expander(t("events.add")):
            with st.form("event"):
                event_day = st.date_input(t("events.day"), value=end, key="event_day")
                event_label = st.text_input(t("events.label"), key="event_label")
                event_source = st.text_input(t("events.source"), key="event_source")
                event_analyst = analyst_name("event_analyst")
                if st.form_submit_button(t("events.add_button")):
                    try:
                        with connect(path, timeout=READ_TIMEOUT) as con:
                            add_event(con, campaign_id, event_day, event_label, event_analyst or "", event_source,
                                      identified_by=visitor.identified_by)
                    except (EventError, WarehouseError) as exc:
                        notice("error", crawled(exc, to="html"))
                    else:
                        st.session_state["analyst"] = event_analyst
                        written(t("events.added"))
        if len(event_rows):
            with st.expander(t("events.edit")):
                options = {int(e.event_id): f"{t.date(e.day)} · {crawled(e.label, limit=80)}" for e in event_rows.itertuples()}
                chosen_event = st.selectbox(t("events.which"), list(options), format_func=options.get, key="event_pick")
                current = event_rows.set_index("event_id").loc[chosen_event]
                with st.form("event_edit"):
                    new_day = st.date_input(t("events.day"), value=current["day"], key=f"event_edit_day_{chosen_event}")
                    new_label = st.text_input(t("events.label"), value=current["label"], key=f"event_edit_label_{chosen_event}")
                    new_source = st.text_input(t("events.source"), value=current["source"] or "", key=f"event_edit_source_{chosen_event}")
                    editor = analyst_name("event_edit_analyst")
                    save_col, delete_col = st.columns(2)
                    save = save_col.form_submit_button(t("events.save"))
                    remove = delete_col.form_submit_button(t("events.delete"))
                    if save or remove:
                        try:
                            with connect(path, timeout=READ_TIMEOUT) as con:
                                if remove:
                                    delete_event(con, campaign_id, chosen_event)
                                else:
                                    update_event(con, campaign_id, chosen_event, new_day, new_label, editor or "", new_source)
                        except (EventError, WarehouseError) as exc:
                            notice("error", crawled(exc, to="html"))
                        else:
                            st.session_state["analyst"] = editor
                            written(t("events.deleted") if remove else t("events.saved"))


# ----------------------------------------------------------------------------- 11. trust, review queue
if opened == "trust":
    with tabs["trust"]:
        review = readable(load_review, path, version, campaign_id)
        st.subheader(t("trust.title"))
        trust = review["trust"]
        pending = review["corrections"]
        if trust is None or trust.empty:
            st.info(t("trust.none"))
        else:
            shown_trust = local_times(trust, ("computed_at",), zone)
            shown_trust["task"] = shown_trust["task"].map(task_name)
            st.dataframe(numbers_in(shown_trust, t), hide_index=True, width="stretch", row_height=TEXT_ROW, column_config={
                "task": st.column_config.TextColumn(t("trust.task"), width=160),
                "model_set": st.column_config.TextColumn(t("trust.model_set"), width=170),
                "n_labels": st.column_config.NumberColumn(t("trust.n_labels"), width=80),
                "agreement": st.column_config.NumberColumn(t("trust.agreement"), width=80),
                "macro_f1": st.column_config.NumberColumn("macro-F1", width=80),
                "method": st.column_config.TextColumn(t("trust.method"), width=200),
                "computed_at": time_column(t("trust.computed_at", timezone=city), 150)})
            st.caption(t("trust.caption"))
        if len(pending):
            waiting = int(pending["since"].sum())
            st.caption(t("trust.corrections", total=t.number(int(pending["corrections"].sum())), since=t.number(waiting))
                       + (" " + t("trust.rerun") if waiting else ""))
        share_trust = share_data.get("trust")
        if share_trust is not None and len(share_trust):
            st.caption(t("trust.shares_caption"))
            said = share_trust.assign(
                task=share_trust["task"].map(task_name), calibration=share_trust["calibration"].map(t.calibration),
                halve=share_trust["labels_to_halve"].map(lambda v: t("trust.halve_never") if pd.isna(v)
                                                         else t("trust.halve", n=t.number(int(v)))))
            st.dataframe(numbers_in(shown(said[["task", "week", "n", "width", "halve", "n_labels", "calibration"]]), t),
                         hide_index=True, width="stretch", row_height=LONG_ROW, column_config={
                             "task": st.column_config.TextColumn(t("trust.task"), width=140),
                             "week": st.column_config.DateColumn(t("axis.week"), width=110),
                             "n": st.column_config.NumberColumn(t("trust.texts"), width=70, help=t("trust.texts_that_week")),
                             "width": st.column_config.NumberColumn(t("trust.interval_width"), width=130),
                             "halve": st.column_config.TextColumn(t("trust.to_halve"), width=175),
                             "n_labels": st.column_config.NumberColumn(t("trust.n_labels"), width=80, help=t("trust.in_domain_labels")),
                             "calibration": st.column_config.TextColumn(t("trust.calibration"), width=220)})
        st.subheader(t("queue.title"))
        picked_shares = review["share_queue"]
        if picked_shares is not None and len(picked_shares):
            st.caption(t("queue.share_caption"))
            share_rows = local_times(picked_shares, ("published_at",), zone)
            st.dataframe(shown(pd.DataFrame({
                t("queue.text"): [crawled(r.title if isinstance(r.title, str) and r.title else review["queue_excerpts"].get(r.doc_id)
                                          or r.doc_id, limit=120) for r in share_rows.itertuples()],
                t("axis.platform"): share_rows["platform"], t("list.published", timezone=city): share_rows["published_at"],
                t("trust.task"): share_rows["task"].map(task_name),
                t("queue.label"): share_rows["label"].map(lambda v: t.value(v) if isinstance(v, str) else "—")})),
                hide_index=True, width="stretch", row_height=TEXT_ROW, column_config={
                    t("queue.text"): st.column_config.TextColumn(width=340), t("axis.platform"): st.column_config.TextColumn(width=115),
                    t("list.published", timezone=city): time_column(None, 130),
                    t("trust.task"): st.column_config.TextColumn(width=170), t("queue.label"): st.column_config.TextColumn(width=165)})
        queue = review["queue"]
        if queue is None or queue.empty:
            st.info(t("queue.none"))
        else:
            queue = local_times(queue, ("published_at",), zone)
            queue["excerpt"] = queue["doc_id"].map(review["queue_excerpts"])
            columns = {"text": t("queue.text"), "platform": t("axis.platform"), "published_at": t("list.published", timezone=city),
                       "task": t("trust.task"), "label": t("queue.label"), "sure": t("queue.sure")}
            st.dataframe(shown(flagged(queue, columns)), hide_index=True, width="stretch", row_height=TEXT_ROW, column_config={
                columns["text"]: st.column_config.TextColumn(width=260), columns["platform"]: st.column_config.TextColumn(width=110),
                columns["published_at"]: time_column(None, 130),
                columns["task"]: st.column_config.TextColumn(width=140), columns["label"]: st.column_config.TextColumn(width=130),
                columns["sure"]: st.column_config.TextColumn(width=160)})
            st.caption(t("queue.caption"))
            queued = {r.doc_id: f"{crawled(r.title if isinstance(r.title, str) and r.title else r.excerpt, limit=80)} · {task_name(r.task)}"
                      for r in queue.itertuples()}
            open_cols = st.columns([3, 1])
            to_open = open_cols[0].selectbox(t("queue.open_pick"), list(queued), format_func=lambda d: queued.get(d, d), key="queue_pick")
            open_cols[1].button(t("queue.open"), on_click=lambda: st.session_state.update(doc=to_open, opened_doc=to_open, section_id="texts",
                                                                         flash=t("queue.opened")),
                                width="stretch")


# ----------------------------------------------------------------------------- 12. alert rules
if opened == "alerts":
    with tabs["alerts"]:
        st.subheader(t("alerts.title"))
        st.caption(t("alerts.caption"))
        rule_table = pd.DataFrame([{
            "metric": t.value(r.metric, target=target_name), "query": r.query or t("alerts.every_text"),
            "enabled": r.enabled, "z": r.z, "min_count": r.min_count, "window_days": r.window_days,
            "origin": t("alerts.from_file") if r.rule_id is None else t("alerts.from_warehouse"),
            "updated_by": r.updated_by or "—"} for r in rules])
        st.dataframe(numbers_in(shown(rule_table), t, digits={"z": 1}), hide_index=True, width="stretch", row_height=SHORT_ROW,
                     column_config={
            "metric": st.column_config.TextColumn(t("alerts.metric"), width=175),
            "query": st.column_config.TextColumn(t("alerts.query_short"), width=165, help=t("alerts.query")),
            "enabled": st.column_config.CheckboxColumn(t("alerts.enabled"), width=60),
            "z": st.column_config.NumberColumn(t("alerts.z_short"), width=100, help=t("alerts.z")),
            "min_count": st.column_config.NumberColumn(t("alerts.min_short"), width=105, help=t("alerts.min_count")),
            "window_days": st.column_config.NumberColumn(t("alerts.window_short"), width=130, help=t("alerts.window")),
            "origin": st.column_config.TextColumn(t("alerts.origin"), width=100),
            "updated_by": st.column_config.TextColumn(t("alerts.updated_by"), width=95)})
        with st.expander(t("alerts.edit")):
            rule_names = {i: f"{t.value(r.metric, target=target_name)} · {r.query or t('alerts.every_text')}" for i, r in enumerate(rules)}
            rule_names[-1] = t("alerts.new")
            which = st.selectbox(t("alerts.which"), list(rule_names), format_func=rule_names.get, key="rule_pick")
            base = rules[which] if which >= 0 else AlertRule(metric="volume")
            with st.form("alert_rule"):
                metric = st.selectbox(t("alerts.metric"), list(METRICS), index=METRICS.index(base.metric),
                                      format_func=lambda m: t.value(m, target=target_name), key=f"rule_metric_{which}")
                rule_query = st.text_input(t("alerts.query"), value=base.query, key=f"rule_query_{which}")
                enabled = st.checkbox(t("alerts.enabled"), value=base.enabled, key=f"rule_enabled_{which}")
                numbers = st.columns(3)
                z = numbers[0].number_input(t("alerts.z"), min_value=1.0, max_value=10.0, value=float(base.z), step=0.5, key=f"rule_z_{which}")
                min_count = numbers[1].number_input(t("alerts.min_count"), min_value=1, value=int(base.min_count), key=f"rule_min_{which}")
                window = numbers[2].number_input(t("alerts.window"), min_value=7, max_value=120, value=int(base.window_days),
                                                 key=f"rule_window_{which}")
                who = analyst_name("rule_analyst")
                save_col, reset_col = st.columns(2)
                save_rule = save_col.form_submit_button(t("alerts.save"))
                reset_rule = reset_col.form_submit_button(t("alerts.delete"), disabled=base.rule_id is None)
                if save_rule or reset_rule:
                    try:
                        with connect(path, timeout=READ_TIMEOUT) as con:
                            if reset_rule and base.rule_id is not None:
                                alert_rules.delete(con, campaign_id, base.rule_id)
                            else:
                                alert_rules.save(con, campaign_id, AlertRule(metric, rule_query, enabled, float(z), int(min_count),
                                                                             int(window)), who or "")
                    except (AlertRuleError, WarehouseError) as exc:
                        notice("error", crawled(exc, to="html"))
                    else:
                        st.session_state["analyst"] = who
                        written(t("alerts.reset") if reset_rule else t("alerts.saved"))

        with st.expander(t("page.crawl_log")):
            st.dataframe(numbers_in(shown(local_times(side["crawl_log"], ("started_at", "finished_at"), zone)), t),
                         hide_index=True, width="stretch", column_config={
                "spider": st.column_config.TextColumn(t("crawl.spider"), width=120),
                "started_at": time_column(t("crawl.started", timezone=city), 140),
                "finished_at": time_column(t("crawl.finished", timezone=city), 140),
                "status": st.column_config.TextColumn(t("crawl.status"), width=100),
                "items_seen": st.column_config.NumberColumn(t("crawl.seen"), width=80),
                "items_kept": st.column_config.NumberColumn(t("crawl.kept"), width=90),
                "new_documents": st.column_config.NumberColumn(t("crawl.new"), width=80)})


# ----------------------------------------------------------------------------- 10. SQL
if opened == "sql":
    with tabs["sql"]:
        st.subheader(t("sql.title"))
        limits = console_limits()
        if limits is not None:
            st.caption(t("sql.caption", limits=limits.describe()))
            with st.form("sql"):
                st.session_state.setdefault("sql_text", "SELECT day, source_type, n_docs, avg_sentiment FROM daily_trends ORDER BY day DESC LIMIT 20")
                sql_text = st.text_area(t("sql.query"), height=100, key="sql_text")
                asked = st.form_submit_button(t("sql.run"))
            # The query runs at the end of the page (see below) and draws here.
            sql_box = st.container()
            if st.session_state.pop("sql_cancelled", False):
                sql_box.warning(t("sql.cancelled"))
            wants_export = False if asked else draw_sql_result(sql_box, limits)


# ----------------------------------------------------------------------------- the link and the briefing

# Every filter and query into the link, so the address always reproduces the view (defaults
# left out: the newest spike, the list's first text, page 1, the whole date range).
spike_key = st.session_state.get("spike") if view_spikes else None
view = ViewState(
    campaign=campaign_id, start=start if start != first_day else None, end=end if end != last_day else None,
    source_types=tuple(source_types), platforms=tuple(platforms), topics=tuple(topics),
    sentiments=tuple(sentiments), target_sentiments=tuple(targets), stances=tuple(stances),
    include_reprints=show_duplicates, query=st.session_state.get("q", ""), queries=tuple(compared[:MAX_QUERIES]),
    lang=t.lang, spike=spike_key[0] if spike_key else None, spike_metric=spike_key[1] if spike_key else None,
    page=int(page_number), doc=st.session_state.get("doc_in_link"), section=opened,
)
wanted_params = encode(view)
if {k: (v if isinstance(v, list) else [v]) for k, v in wanted_params.items()} != params:
    st.query_params.from_dict(wanted_params)


with st.sidebar:
    st.header(t("page.share"))
    st.caption(t("page.link_help"))
    if base_url:
        st.code(base_url + ("?" + urlencode(wanted_params, doseq=True) if wanted_params else ""), language=None, wrap_lines=True)
    st.download_button(t("briefing.button"), make_briefing, file_name=f"vigia-{campaign_id}-{start}-{end}.pdf",
                       mime="application/pdf", type="primary", key="briefing", help=t("briefing.help"), width="stretch")

st.caption(t("page.computed", seconds=f"{time.perf_counter() - PAGE_STARTED:.2f}"))

# ----------------------------------------------------------------------------- the SQL query, last
# Run after everything else is drawn, so the page stays whole while a query runs; drawn in sql_box.
if limits is not None and (asked or wants_export):
    try:
        if asked:
            st.session_state.pop("sql_result", None)
            result, _ = run_in_console(sql_box, sql_text, limits)
            more = t("sql.more") if result.more else ""
            cut = t("sql.cut", cells=t.number(result.cut_cells), chars=t.number(CELL_CHARS)) if result.cut_cells else ""
            st.session_state["sql_result"] = {
                "sql": sql_text, "columns": result.columns, "rows": result.rows,
                "caption": t("sql.rows", rows=t.number(len(result.rows)), more=more, seconds=f"{result.seconds:.1f}", cut=cut),
            }
            draw_sql_result(sql_box, limits)
        else:
            result, payload = run_in_console(sql_box, st.session_state["sql_result"]["sql"], limits, output="csv",
                                             bom=bool(st.session_state.get("sql_excel")))
            st.session_state["sql_export"] = (st.session_state["sql_result"]["sql"], payload or b"")
            sql_box.download_button(t("sql.download_rows", size=t.number(len(payload or b"")), rows=t.number(result.written)),
                                    payload or b"", file_name="vigia-query.csv", mime="text/csv", key="sql_download_new")
    except QueryRefused as exc:
        sql_box.error(t("sql.refused", reason=str(exc).removeprefix("refused: ")))
    except (QueryFailed, QueryStopped) as exc:
        sql_box.error(str(exc))
