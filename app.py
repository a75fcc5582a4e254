"""Vigia dashboard: each section answers one question an analyst of the recall asks.

Top to bottom: what just happened (spikes), where the recall stands (calendar and events), how
favourable the talk is and how it treats the mayor, whether perceived insecurity follows the
crime figures, which topics, who argues for or against the recall, who is talking and about
whom, the explorer (find the texts about X, read and correct one), the SQL console, and how far
to trust the scores.

It reads aggregates computed in DuckDB (``warehouse.trends``, ``warehouse.explorer``) over the
views, a page of rows at a time, and a document's text only when it is opened. It writes only an
analyst's correction and an analyst's event. Run with ``vigia dashboard`` (or ``streamlit run app.py``).
Everything crawled (and every label typed by a visitor) is shown through ``render.crawled``, never
through markdown: tables via ``dashboard.frames.shown``, rich text via ``st.html``. Who may see the
page and who corrects is ``dashboard.access``'s to say. The SQL tab runs each query in a process of
its own (``warehouse.console``), after the rest of the page is drawn.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from alerts.spikes import METRICS, find_spikes
from campaigns.figures import FiguresError, load_figures
from campaigns.model import Campaign, CampaignError, load_campaign
from dashboard import charts
from dashboard.access import Access, AccessError, Refusal, identify
from dashboard.frames import shown
from render import AUTHOR, TEXT, TITLE, crawled, link, safe_url
from warehouse import WarehouseError, connect, default_db_path, explorer, trends
from warehouse.console import (
    CELL_CHARS,
    Limits,
    QueryFailed,
    QueryRefused,
    QueryStopped,
    RunningQuery,
)
from warehouse.corrections import CorrectionError, add_correction
from warehouse.events import EventError, add_event, events
from warehouse.explorer import Selection

READ_TIMEOUT = 20.0
PAGE_SIZE = 25

st.set_page_config(page_title="Vigia", page_icon="🗳️", layout="wide")
PAGE_STARTED = time.perf_counter()

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


def db_path() -> Path:
    return Path(os.environ.get("VIGIA_DB") or default_db_path())


@st.cache_data(ttl=60, show_spinner=False)
def load_campaigns(path: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return con.execute("SELECT campaign, name, topics, sample, timezone FROM campaign_info").df()


@st.cache_data(ttl=60, show_spinner=False)
def load_facets(path: str, campaign: str) -> dict:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return {"range": trends.day_range(con, campaign), **trends.facets(con, campaign)}


@st.cache_data(ttl=60, show_spinner="Reading the warehouse ...")
def load_overview(path: str, sel: Selection, security_topic: str | None) -> dict:
    """Every aggregate the charts draw, in one connection."""
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        daily, topics = trends.daily(con, sel)
        return {
            "daily": daily,
            "topics": topics,
            "platforms": trends.platforms(con, sel),
            "stance_by_platform": trends.stance_by_platform(con, sel),
            "top_news": trends.top_voices(con, sel, "news"),
            "top_social": trends.top_voices(con, sel, "social"),
            "security": trends.monthly_topic(con, sel, security_topic) if security_topic else None,
            "actors": trends.actor_voice(con, sel),
            "events": pd.DataFrame(events(con, sel.campaign),
                                   columns=["event_id", "day", "label", "source", "analyst", "added_at", "identified_by"]),
            "trust": trends.trust(con, sel.campaign),
            "queue": trends.review_queue(con, sel.campaign),
        }


@st.cache_data(ttl=60, show_spinner=False)
def load_texts_of_day(path: str, sel: Selection, day: date, order: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return trends.texts_of_day(con, sel, day, order)


@st.cache_data(ttl=60, show_spinner=False)
def load_explorer_page(path: str, sel: Selection, offset: int) -> tuple[int, pd.DataFrame]:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return explorer.find(con, sel, offset=offset, limit=PAGE_SIZE)


@st.cache_data(ttl=60, show_spinner=False)
def load_crawl_log(path: str, campaign: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return con.execute(
            "SELECT spider, started_at, finished_at, status, items_seen, items_kept, new_documents "
            "FROM crawl_log WHERE campaign = ? LIMIT 20",
            [campaign],
        ).df()


@st.cache_resource(show_spinner=False)
def campaign_file(campaign_id: str) -> Campaign | None:
    """The campaign file (``$VIGIA_CAMPAIGN`` or the bundled one) when it is this campaign's:
    it holds the calendar, the official figures and the alerts."""
    try:
        found = load_campaign()
    except CampaignError:
        return None
    return found if found.id == campaign_id else None


def load_document(path: str, doc_id: str) -> dict:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return trends.document(con, doc_id)


# How the scorer found the mayor in a text (mentions.target_match).
MATCH_WORDS = {"name": "his name", "office": "his office only", "implicit": "his administration or recall only"}


def readable(fn, *args):
    """Call a loader; while a writer holds the file too long, show the last good answer."""
    key = f"last:{fn.__name__}:{args}"
    try:
        value = fn(*args)
    except WarehouseError as exc:
        if key in st.session_state:
            st.info(f"The warehouse is busy ({exc}); showing the last data read.")
            return st.session_state[key]
        st.error(str(exc))
        st.stop()
        raise  # st.stop() only raises inside a Streamlit run; imported bare, the error stays visible
    st.session_state[key] = value
    return value


def analyst_name(key: str) -> str | None:
    """Who records a correction or an event: the signed-in identity, or (on this machine, without
    sign-in) a name typed in the form, recorded as typed."""
    if visitor.name is not None:
        st.html(f"<small>Recorded as {crawled(visitor.name, to='html', limit=AUTHOR)} "
                f"(signed in through {visitor.identified_by}).</small>")
        return visitor.name
    return st.text_input("Your name (typed, not verified: this page has no sign-in)",
                         value=st.session_state.get("analyst", ""), key=key)


def console_limits() -> Limits | None:
    try:
        return Limits.from_env()
    except ValueError as exc:
        st.error(f"The SQL console's limits are misconfigured: {exc}")
        return None


def draw_sql_result(box, limits: Limits) -> bool:
    """The last query's rows (kept for this session), its export buttons and download; True when
    the analyst asked for the whole result as CSV."""
    last = st.session_state.get("sql_result")
    if last is None:
        return False
    box.dataframe(shown(pd.DataFrame(last["rows"], columns=last["columns"]), links=()), hide_index=True, width="stretch")
    box.caption(last["caption"])
    export_cols = box.columns([1, 1, 3])
    export_cols[0].checkbox("For Excel (UTF-8 with BOM)", key="sql_excel")
    wanted = export_cols[1].button("Prepare the whole result as CSV",
                                   help=f"Every row, in its own process, up to {limits.export_mb} MB.")
    ready = st.session_state.get("sql_export")
    if ready and ready[0] == last["sql"]:
        export_cols[2].download_button(f"Download CSV ({len(ready[1]):,} bytes)", ready[1],
                                       file_name="vigia-query.csv", mime="text/csv")
    return wanted


def run_in_console(box, sql: str, limits: Limits, output: str | None = None, bom: bool = False):
    """Run ``sql`` in a process of its own, showing its progress and a cancel button in ``box``.

    Every 0.2 s the progress line is redrawn: each redraw is a point where Streamlit stops this
    run when the analyst presses Cancel, changes anything else, or closes the page; the process
    is killed on the way out, whatever ended the run. Returns (result, export bytes)."""
    progress = box.empty()
    box.button("Cancel the query", key=f"sql_cancel_{output or 'show'}",
               on_click=lambda: st.session_state.update(sql_cancelled=True))
    with RunningQuery(path, sql, limits=limits, output=output, bom=bom) as running:
        while not running.wait(timeout=0.2):
            limit = f" of at most {limits.seconds:g} s" if limits.seconds else ""
            progress.caption(f"Running for {running.elapsed:.1f} s{limit} in its own process ...")
        progress.empty()
        result = running.result()
        payload = result.export.read_bytes() if result.export else None
    return result, payload


TEXT_COLUMNS = {
    "published_at": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD HH:mm"),
    "url": st.column_config.LinkColumn("link", display_text="open"),
    "sentiment_score": st.column_config.NumberColumn("sentiment", format="%.2f"),
    "source": st.column_config.LinkColumn("source", display_text="source"),
}


# ----------------------------------------------------------------------------- page

path = str(db_path())
shown_path = path.replace("`", "'")  # shown inside a code span
if not Path(path).exists():
    st.title("Vigia")
    st.error(f"No warehouse at `{shown_path}`. Run `vigia demo` or `vigia run` first.")
    st.stop()

campaigns = readable(load_campaigns, path)
if campaigns.empty:
    st.title("Vigia")
    st.warning("The warehouse holds no campaign yet: run `vigia crawl`.")
    st.stop()

with st.sidebar:
    st.header("Filters")
    campaign_id = st.selectbox(
        "Campaign", campaigns["campaign"].tolist(),
        format_func=lambda c: campaigns.set_index("campaign").loc[c, "name"],
    )
    info = campaigns.set_index("campaign").loc[campaign_id]
    facets = readable(load_facets, path, campaign_id)
    if facets["range"] is None:
        st.warning("No documents yet for this campaign.")
        st.stop()
    first_day, last_day = facets["range"]
    picked = st.date_input("Published between", (first_day, last_day), min_value=first_day, max_value=last_day)
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first_day, last_day))
    source_types = st.multiselect("Source type", facets["source_types"], placeholder="all")
    platforms = st.multiselect("Platform", facets["platforms"], placeholder="all", format_func=crawled)
    topic_names = list(info["topics"])
    topics = st.multiselect("Topic", topic_names, placeholder="all")
    show_duplicates = st.toggle(
        "Count reprints separately", value=False,
        help="Agency copies and sister-outlet reprints are one story; on, each copy counts as a mention.",
    )
    if st.button("Refresh data"):
        st.cache_data.clear()
        st.rerun()

sel = Selection(campaign=campaign_id, start=start, end=end, source_types=source_types, platforms=platforms,
                topics=topics, include_reprints=show_duplicates)
config = campaign_file(campaign_id)
security_topic = "security" if "security" in topic_names else None
data = readable(load_overview, path, sel, security_topic)
daily, topic_daily = data["daily"], data["topics"]

st.title(f"Vigia: {info['name']}")
if bool(info["sample"]):
    st.warning(
        "**Sample data.** These documents come from the bundled sample sources served by "
        "`vigia demo`, not from the real outlets and platforms.", icon="🧪",
    )
n_documents = int(daily["n_docs"].sum()) if len(daily) else 0
st.caption(f"{n_documents:,} documents shown, {start} to {end} ({info['timezone']} days). Warehouse: `{shown_path}`.")

# ----------------------------------------------------------------------------- headline figures

per_day = daily.groupby("day").sum(numeric_only=True) if len(daily) else daily
anchor = pd.Timestamp(min(date.today(), end))
recent = per_day[per_day.index > anchor - pd.Timedelta(days=7)] if len(per_day) else per_day
before = per_day[(per_day.index <= anchor - pd.Timedelta(days=7)) & (per_day.index > anchor - pd.Timedelta(days=14))] if len(per_day) else per_day


def share(num: str, den: str, frame: pd.DataFrame) -> float | None:
    total = float(frame[den].sum()) if len(frame) else 0.0
    return float(frame[num].sum()) / total if total else None


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


neg_now, neg_before = share("n_negative", "n_scored", recent), share("n_negative", "n_scored", before)
cols = st.columns(4)
cols[0].metric("Documents", f"{n_documents:,}", help="Documents in the filters (reprints folded unless toggled).")
cols[1].metric(
    "Negative, last 7 days", pct(neg_now),
    delta=None if neg_now is None or neg_before is None else f"{(neg_now - neg_before) * 100:+.0f} pts vs 7 days before",
    delta_color="inverse",
    help=f"Share of documents scored negative in the 7 days up to {anchor.date()}, against the 7 days before.",
)
cols[2].metric(
    "Toward the mayor: negative", pct(share("n_target_negative", "n_target", per_day)),
    help="Among documents about him: share whose passages about him are negative.",
)
cols[3].metric(
    "Pro / anti recall", f"{int(per_day['n_pro_recall'].sum()) if len(per_day) else 0} / "
    f"{int(per_day['n_anti_recall'].sum()) if len(per_day) else 0}",
    help="Documents arguing for / against the recall.",
)

if daily.empty:
    st.info("No documents match these filters.")
    st.stop()

# Calendar milestones (campaign file) and analyst events, drawn on every timeline.
marks = pd.DataFrame(
    [{"day": pd.Timestamp(m.date), "label": crawled(m.label), "who": f"calendar ({m.kind})"} for m in (config.calendar if config else [])]
    + [{"day": pd.Timestamp(e.day), "label": crawled(e.label), "who": f"added by {crawled(e.analyst, limit=AUTHOR)}"}
       for e in data["events"].itertuples()],
    columns=["day", "label", "who"],
)
shown_marks = marks[(marks["day"] >= pd.Timestamp(start)) & (marks["day"] <= pd.Timestamp(end))]


# ----------------------------------------------------------------------------- 1. what just happened

st.subheader("What just happened? Spikes in volume, negativity toward the mayor and stance")
spikes = find_spikes(daily)
volume = daily.groupby(["day", "source_type"])["n_docs"].sum().reset_index(name="documents")
spike_frame = pd.DataFrame(
    [{"day": pd.Timestamp(s.day), "what": METRICS[s.metric], "text": s.describe()} for s in spikes],
    columns=["day", "what", "text"],
)
st.vega_lite_chart(charts.spikes(volume, spike_frame, shown_marks), width="stretch")
st.caption("Bars: documents a day. Red triangles: spikes (a day far above the 4 weeks before it). "
           "Dashed orange rules: the recall's calendar and the analyst's events.")
if not spikes:
    st.success("No spike in these days: volume, negativity toward the mayor and stance stayed within their usual range.")
else:
    labels = {i: s.describe() for i, s in enumerate(reversed(spikes))}
    picked_spike = st.selectbox("Spike", list(labels), format_func=labels.get,
                                help="Newest first; the texts below are those that drove it.")
    spike = list(reversed(spikes))[picked_spike]
    driving = readable(load_texts_of_day, path, sel, spike.day, spike.metric)
    st.caption(f"The texts that drove it ({METRICS[spike.metric]}, {spike.day}):")
    st.dataframe(shown(driving.drop(columns=["doc_id"])), column_config=TEXT_COLUMNS, hide_index=True,
                 width="stretch")

# ----------------------------------------------------------------------------- 2. the recall's calendar

st.subheader("Where are we in the recall? The calendar and the analyst's events")
calendar = pd.DataFrame(
    [{"day": m.date, "milestone": m.label, "kind": m.kind, "source": safe_url(m.source)} for m in (config.calendar if config else [])],
    columns=["day", "milestone", "kind", "source"],
)
if calendar.empty:
    st.info("The campaign file declares no calendar: add `[[calendar]]` entries (date, label, kind, source).")
else:
    upcoming = calendar[calendar["day"] > end]
    done = calendar[calendar["day"] <= end]
    where_now = (f"Last milestone passed: <b>{crawled(done.iloc[-1]['milestone'], to='html')}</b> ({done.iloc[-1]['day']})."
                 if len(done) else "No milestone passed yet.")
    if len(upcoming):
        nxt = upcoming.iloc[0]
        where_now += (f" Next: <b>{crawled(nxt['milestone'], to='html')}</b> on {nxt['day']}, "
                      f"{(nxt['day'] - end).days} days after the last day shown.")
    st.html(f"<p>{where_now}</p>")
    st.dataframe(shown(calendar), column_config=TEXT_COLUMNS, hide_index=True, width="stretch")
event_table = data["events"][["day", "label", "analyst", "identified_by", "source", "added_at"]]
if len(event_table):
    st.caption("Events added by analysts")
    st.dataframe(shown(event_table), column_config=TEXT_COLUMNS, hide_index=True, width="stretch")
with st.expander("Add an event to the timelines (a debate, a scandal)"):
    with st.form("event"):
        event_day = st.date_input("Day", value=end, key="event_day")
        event_label = st.text_input("What happened", key="event_label")
        event_source = st.text_input("Source link (optional, http/https)", key="event_source")
        event_analyst = analyst_name("event_analyst")
        if st.form_submit_button("Add event"):
            try:
                with connect(path, timeout=READ_TIMEOUT) as con:
                    add_event(con, campaign_id, event_day, event_label, event_analyst or "", event_source,
                              identified_by=visitor.identified_by)
            except (EventError, WarehouseError) as exc:
                st.error(str(exc))
            else:
                st.session_state["analyst"] = event_analyst
                st.cache_data.clear()
                st.success("Event added: it is drawn on the timelines.")

# ----------------------------------------------------------------------------- 3. how favourable

st.subheader("How favourable is it? Sentiment over time")
scored_days = per_day[per_day["n_scored"] > 0]
if scored_days.empty:
    st.info("Nothing scored yet: run `vigia score`.")
else:
    sums = daily.assign(weighted=daily["avg_sentiment"].fillna(0) * daily["n_scored"]).groupby("day")[["weighted", "n_scored"]].sum()
    sums = sums.reindex(pd.date_range(sums.index.min(), sums.index.max(), freq="D"), fill_value=0)
    tone = pd.DataFrame({
        "day": sums.index,
        "documents": sums["n_scored"].to_numpy(),
        "mean": (sums["weighted"] / sums["n_scored"].replace(0, float("nan"))).to_numpy(),
        "rolling_7d": (sums["weighted"].rolling(7, min_periods=1).sum()
                       / sums["n_scored"].rolling(7, min_periods=1).sum().replace(0, float("nan"))).to_numpy(),
    })
    st.vega_lite_chart(charts.tone(tone, shown_marks), width="stretch")
    st.caption("Line: 7-day mean of P(positive) − P(negative), weighted by documents; bars: the daily counts it rests on.")

    if per_day["n_target"].sum():
        st.subheader("How do texts treat the mayor himself?")
        weekly = per_day[["n_target_negative", "n_target_positive", "n_target"]].resample("W-MON").sum()
        weekly["neutral"] = weekly["n_target"] - weekly["n_target_negative"] - weekly["n_target_positive"]
        weekly = weekly.rename(columns={"n_target_negative": "negative", "n_target_positive": "positive"})
        target_week = weekly[["negative", "neutral", "positive"]].reset_index(names="day").melt(
            "day", var_name="target_sentiment", value_name="documents")
        st.vega_lite_chart(charts.toward_target(target_week), width="stretch")

# ----------------------------------------------------------------------------- 4. insecurity vs figures

st.subheader("Is the perception of insecurity following the crime figures?")
security = data["security"]
figures = None
if config is not None and config.figures_path is not None:
    try:
        figures = pd.DataFrame([f.__dict__ for f in load_figures(config.figures_path)])
    except FiguresError as exc:
        st.error(f"The official figures could not be read: {exc}")
if security is None:
    st.info("This campaign has no `security` topic.")
else:
    monthly_figures, title = None, ""
    if figures is not None and len(figures):
        figures["month"] = pd.to_datetime(figures["date"]).dt.to_period("M").dt.to_timestamp()
        monthly_figures = figures.groupby(["month", "indicator"])["value"].sum().reset_index()
        title = config.figures.label + (" — SAMPLE FIGURES, NOT OFFICIAL" if config.figures.sample else "")
    st.vega_lite_chart(charts.security(security, monthly_figures, title), width="stretch")
    if figures is None:
        st.info("No official figures: point the campaign file's `[figures] path` at a CSV (date, district, indicator, value, source).")
    elif config.figures.sample:
        st.warning("The official figures shown are **made-up sample figures** shipped with the demo, not real police data.", icon="🧪")
    else:
        st.html("<small>Figures: " + crawled(", ".join(sorted(set(figures["source"]) - {""})) or "source not given", to="html")
                + "</small>")

# ----------------------------------------------------------------------------- 5. topics, stance

st.subheader("Which topics? Share of documents per topic, by week")
if topic_daily.empty:
    st.info("No topic detected in these documents.")
else:
    week_total = per_day["n_scored"].resample("W-MON").sum()
    topic_week = (topic_daily.set_index("day").groupby("topic")["n"].resample("W-MON").sum().reset_index())
    topic_week["share"] = topic_week["n"] / topic_week["day"].map(week_total).replace(0, float("nan"))
    st.vega_lite_chart(charts.topics(topic_week), width="stretch")

st.subheader("Who argues for or against the recall?")
stance_week = per_day[["n_pro_recall", "n_anti_recall"]].resample("W-MON").sum().reset_index(names="day").melt(
    "day", var_name="stance", value_name="documents")
stance_week["stance"] = stance_week["stance"].str.removeprefix("n_")
st.vega_lite_chart(charts.stance(stance_week, shown_marks), width="stretch")
by_platform = data["stance_by_platform"]
if not by_platform.empty:
    st.caption("Stance by platform (documents)")
    st.dataframe(shown(by_platform).pivot_table(index="platform", columns="stance", values="documents", fill_value=0),
                 width="stretch")

# ----------------------------------------------------------------------------- 6. who is talking

st.subheader("Who is talking, and about whom?")
where = shown(data["platforms"])
st.vega_lite_chart(charts.platforms(where), width="stretch")
actors = data["actors"]
if actors is None or actors.empty:
    st.info("No actor scores yet: share of voice per actor appears once the campaign file lists actors "
            "and `vigia score` has scored them (view `actor_mentions`).")
else:
    totals = actors.groupby("actor")["documents"].sum()
    actors["share_of_voice"] = actors["actor"].map(totals / totals.sum())
    st.vega_lite_chart(charts.actors(actors), width="stretch")
left, right = st.columns(2)
with left:
    st.caption("Top outlets (stories: reprints folded; reach: every copy)")
    st.dataframe(shown(data["top_news"]), hide_index=True, width="stretch",
                 column_config={"avg_sentiment": st.column_config.NumberColumn(format="%.2f"),
                                "share_negative_to_target": st.column_config.NumberColumn("negative to mayor", format="%.2f")})
with right:
    st.caption("Top accounts on social networks")
    st.dataframe(shown(data["top_social"]), hide_index=True, width="stretch",
                 column_config={"avg_sentiment": st.column_config.NumberColumn(format="%.2f"),
                                "share_negative_to_target": st.column_config.NumberColumn("negative to mayor", format="%.2f")})

# ----------------------------------------------------------------------------- 7. explorer

st.subheader("Find me the texts about X: search, filter, read, export")
search_cols = st.columns([3, 1, 1, 1])
query = search_cols[0].text_input("Search (accents and case ignored; \"quoted phrase\" kept together)", key="explorer_query")
sentiments = search_cols[1].multiselect("Sentiment", ["negative", "neutral", "positive"], placeholder="all")
targets = search_cols[2].multiselect("Toward the mayor", ["negative", "neutral", "positive"], placeholder="all")
stances = search_cols[3].multiselect("Stance", ["pro_recall", "anti_recall", "none"], placeholder="all")
found_sel = replace(sel, query=query, sentiments=sentiments, target_sentiments=targets, stances=stances)
total, _ = readable(load_explorer_page, path, found_sel, 0)
pages = max(1, -(-total // PAGE_SIZE))
page_number = st.number_input(f"Page (of {pages:,}; {total:,} texts, best match first)", min_value=1, max_value=pages, value=1, step=1)
_, rows = readable(load_explorer_page, path, found_sel, (int(page_number) - 1) * PAGE_SIZE)
st.dataframe(shown(rows.drop(columns=["doc_id"])), column_config=TEXT_COLUMNS, hide_index=True, width="stretch")
export_cols = st.columns([1, 1, 1, 3])
fmt = export_cols[0].selectbox("Export as", ["csv", "parquet"])
excel = export_cols[1].checkbox("For Excel (UTF-8 with BOM)", value=False, disabled=fmt != "csv",
                                help="CSV cells a spreadsheet would run as formulas start with an apostrophe either way.")
if export_cols[2].button("Prepare export", help=f"The whole selection, at most {explorer.EXPORT_LIMIT:,} rows."):
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        st.session_state["export"] = (fmt, explorer.export(con, found_sel, fmt, bom=excel))
if "export" in st.session_state:
    export_fmt, payload = st.session_state["export"]
    export_cols[3].download_button(f"Download {export_fmt.upper()} ({len(payload):,} bytes)", payload,
                                   file_name=f"vigia-{campaign_id}.{export_fmt}",
                                   mime="text/csv" if export_fmt == "csv" else "application/octet-stream")

st.subheader("Read a document and correct its scores")
choices = {
    row.doc_id: f"{pd.Timestamp(row.published_at):%Y-%m-%d} · {row.platform} · "
    f"{crawled(row.title if isinstance(row.title, str) and row.title else row.excerpt, limit=90)}"
    for row in rows.itertuples()
}
doc_id = st.selectbox("Document", list(choices), format_func=choices.get,
                      help="The texts of the explorer page above.") if choices else None
if doc_id:
    doc = load_document(path, doc_id)
    title, text = doc.get("title") or "(no title)", doc.get("text") or ""
    longest = max(len(title), len(doc.get("author") or ""), len(text) * TITLE // TEXT)
    whole = longest > TITLE and st.toggle(f"Show all ({len(title):,} characters of title, {len(text):,} of text)",
                                          key=f"whole_{doc_id}")
    st.html(
        f"<p><b>{crawled(title, to='html', limit=None if whole else TITLE)}</b> — {crawled(doc.get('platform'), to='html')}, "
        f"{crawled(doc.get('author') or 'unknown author', to='html', limit=None if whole else AUTHOR)}, "
        f"{crawled(doc.get('published_at'), to='html')} · {link('source', doc.get('url'))}</p>"
    )
    st.text_area("Text", crawled(text, lines=True, limit=None if whole else TEXT), height=200, disabled=True)
    st.html(
        f"<small>Model {crawled(doc.get('model') or '—', to='html')}: sentiment {doc.get('sentiment')} "
        f"({doc.get('sentiment_score') or 0:+.2f}), toward the mayor {doc.get('target_sentiment')}"
        + (f" (found by {MATCH_WORDS.get(doc.get('target_match'), doc.get('target_match'))})" if doc.get("target_match") else "")
        + f", topics {crawled(', '.join(doc.get('topics') or []) or 'none', to='html')}, stance {doc.get('stance')}"
        + (" · corrected by an analyst" if doc.get("corrected") else "") + "</small>"
    )
    with st.form("correction"):
        analyst = analyst_name("correction_analyst")
        options = ["(not scored)", "negative", "neutral", "positive"]
        current_target = doc.get("target_sentiment")
        new_target = st.selectbox("Sentiment toward the mayor", options,
                                  index=options.index(current_target) if current_target in options else 0)
        new_topics = st.multiselect("Topics", topic_names, default=[t for t in (doc.get("topics") or []) if t in topic_names])
        stance_options = ["pro_recall", "anti_recall", "none"]
        new_stance = st.selectbox("Recall stance", stance_options,
                                  index=stance_options.index(doc.get("stance")) if doc.get("stance") in stance_options else 2)
        if st.form_submit_button("Save correction"):
            changes = []
            if new_target != current_target and new_target in options[1:]:
                changes.append(("target_sentiment", new_target))
            if sorted(new_topics) != sorted(doc.get("topics") or []):
                changes.append(("topics", sorted(new_topics)))
            if new_stance != doc.get("stance"):
                changes.append(("stance", new_stance))
            if not changes:
                st.info("Nothing changed.")
            else:
                try:
                    with connect(path, timeout=READ_TIMEOUT) as con:
                        for field, value in changes:
                            add_correction(con, doc_id, field, value, analyst or "", allowed_topics=topic_names,
                                           identified_by=visitor.identified_by)
                except (CorrectionError, WarehouseError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state["analyst"] = analyst
                    st.cache_data.clear()
                    st.success(f"Saved {len(changes)} correction(s); re-scoring will not overwrite them. "
                               "Run `vigia train` then `vigia score --rescore` to teach the models.")

# ----------------------------------------------------------------------------- 8. SQL

st.subheader("Ask the warehouse in SQL (read-only)")
limits = console_limits()
if limits is not None:
    st.caption(f"The same guard as `vigia sql`; each query runs in a process of its own, within {limits.describe()} "
               "(`VIGIA_SQL_*`, see the README).")
    with st.form("sql"):
        sql_text = st.text_area("Query", value="SELECT day, source_type, n_docs, avg_sentiment FROM daily_trends ORDER BY day DESC LIMIT 20",
                                height=100, key="sql_text")
        asked = st.form_submit_button("Run")
    # The query runs at the end of the page (see below) and draws here.
    sql_box = st.container()
    if st.session_state.pop("sql_cancelled", False):
        sql_box.warning("Stopped: cancelled by the analyst.")
    wants_export = False if asked else draw_sql_result(sql_box, limits)

# ----------------------------------------------------------------------------- 9. trust

st.subheader("How far can these scores be trusted?")
trust = data["trust"]
if trust is None or trust.empty:
    st.info("No agreement figures yet: they are computed from the analysts' own corrections "
            "(table `model_trust`) once there are some; correct a few texts above.")
else:
    st.dataframe(trust, hide_index=True, width="stretch",
                 column_config={"agreement": st.column_config.NumberColumn(format="%.2f"),
                                "macro_f1": st.column_config.NumberColumn(format="%.2f")})
    st.caption("Cross-validated agreement of the models with the analysts' corrections, per task, with the number of labels it rests on.")
st.subheader("Which texts should be labelled next?")
queue = data["queue"]
if queue is None or queue.empty:
    st.info("No review queue yet (view `review_queue`): it lists the texts the models are least sure of.")
else:
    st.dataframe(shown(queue), hide_index=True, width="stretch",
                 column_config={"confidence": st.column_config.NumberColumn(format="%.2f")})

with st.expander("Crawl log"):
    st.dataframe(shown(readable(load_crawl_log, path, campaign_id)), hide_index=True, width="stretch")
st.caption(f"End of page. Computed in {time.perf_counter() - PAGE_STARTED:.2f} s on the server.")

# ----------------------------------------------------------------------------- the SQL query, last
# Run after everything else is drawn, so the page stays whole while a query runs; drawn in sql_box.
if limits is not None and (asked or wants_export):
    try:
        if asked:
            st.session_state.pop("sql_result", None)
            result, _ = run_in_console(sql_box, sql_text, limits)
            more = " (more not shown: prepare the whole result as CSV)" if result.more else ""
            cut = f"; {result.cut_cells} long cells cut to {CELL_CHARS:,} characters" if result.cut_cells else ""
            st.session_state["sql_result"] = {
                "sql": sql_text, "columns": result.columns, "rows": result.rows,
                "caption": f"{len(result.rows):,} rows{more} in {result.seconds:.1f} s{cut}.",
            }
            draw_sql_result(sql_box, limits)
        else:
            result, payload = run_in_console(sql_box, st.session_state["sql_result"]["sql"], limits, output="csv",
                                             bom=bool(st.session_state.get("sql_excel")))
            st.session_state["sql_export"] = (st.session_state["sql_result"]["sql"], payload or b"")
            sql_box.download_button(f"Download CSV ({len(payload or b''):,} bytes, {result.written:,} rows)",
                                    payload or b"", file_name="vigia-query.csv", mime="text/csv", key="sql_download_new")
    except QueryRefused as exc:
        sql_box.error(f"Refused: {str(exc).removeprefix('refused: ')}")
    except (QueryFailed, QueryStopped) as exc:
        sql_box.error(str(exc))
