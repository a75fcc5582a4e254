"""Vigia dashboard: what is said about the mayor, where, how favourable, on which topics, and
who argues for or against the recall.

Reads the warehouse views only (``mentions``, ``daily_trends``, ``campaign_info``,
``crawl_log``); the one thing it writes is an analyst's correction, through
``warehouse.corrections``. Run with ``vigia dashboard`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from warehouse import WarehouseError, connect, default_db_path, first_row
from warehouse.corrections import CorrectionError, add_correction

SENTIMENT_COLORS = alt.Scale(
    domain=["negative", "neutral", "positive"], range=["#c0392b", "#95a5a6", "#27ae60"]
)
STANCE_COLORS = alt.Scale(
    domain=["pro_recall", "anti_recall", "none"], range=["#8e44ad", "#2980b9", "#bdc3c7"]
)
READ_TIMEOUT = 20.0

st.set_page_config(page_title="Vigia", page_icon="🗳️", layout="wide")


# ----------------------------------------------------------------------------- loaders


def db_path() -> Path:
    return Path(os.environ.get("VIGIA_DB") or default_db_path())


@st.cache_data(ttl=30, show_spinner=False)
def load_campaigns(path: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return con.execute("SELECT campaign, name, topics, sample, timezone FROM campaign_info").df()


@st.cache_data(ttl=30, show_spinner="Reading the warehouse ...")
def load_mentions(path: str, campaign: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        frame = con.execute(
            "SELECT m.doc_id, m.source_type, m.platform, m.url, m.title, left(m.text, 600) AS excerpt, "
            "m.author, m.published_at, m.lang, m.sentiment, m.sentiment_score, m.target_sentiment, "
            "m.topics, m.stance, m.model, m.duplicate_of, m.corrected, "
            "CAST(timezone(coalesce(c.timezone, 'UTC'), m.published_at) AS DATE) AS day "
            "FROM mentions AS m LEFT JOIN campaign_info AS c USING (campaign) "
            "WHERE m.campaign = ? AND m.published_at IS NOT NULL",
            [campaign],
        ).df()
    frame["day"] = pd.to_datetime(frame["day"])
    frame["topics"] = frame["topics"].apply(lambda t: list(t) if isinstance(t, list | tuple) or hasattr(t, "tolist") else [])
    return frame


@st.cache_data(ttl=30, show_spinner=False)
def load_crawl_log(path: str, campaign: str) -> pd.DataFrame:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        return con.execute(
            "SELECT spider, started_at, finished_at, status, items_seen, items_kept, new_documents "
            "FROM crawl_log WHERE campaign = ? LIMIT 20",
            [campaign],
        ).df()


# How the scorer found the mayor in a text (mentions.target_match).
MATCH_WORDS = {"name": "his name", "office": "his office only", "implicit": "his administration or recall only"}


def load_document(path: str, doc_id: str) -> dict:
    with connect(path, read_only=True, timeout=READ_TIMEOUT) as con:
        cur = con.execute(
            "SELECT doc_id, title, text, url, platform, author, published_at, sentiment, sentiment_score, "
            "target_sentiment, target_match, topics, stance, model, corrected, duplicate_of FROM mentions WHERE doc_id = ?",
            [doc_id],
        )
        row = first_row(cur)
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


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
    st.session_state[key] = value
    return value


# ----------------------------------------------------------------------------- page

path = str(db_path())
if not Path(path).exists():
    st.title("Vigia")
    st.error(f"No warehouse at `{path}`. Run `vigia demo` or `vigia run` first.")
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
    data = readable(load_mentions, path, campaign_id)
    if data.empty:
        st.warning("No documents yet for this campaign.")
        st.stop()
    first_day, last_day = data["day"].min().date(), data["day"].max().date()
    picked = st.date_input("Published between", (first_day, last_day), min_value=first_day, max_value=last_day)
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first_day, last_day))
    source_types = st.multiselect("Source type", sorted(data["source_type"].unique()), placeholder="all")
    platforms = st.multiselect("Platform", sorted(data["platform"].unique()), placeholder="all")
    topic_names = list(info["topics"])
    topics = st.multiselect("Topic", topic_names, placeholder="all")
    show_duplicates = st.toggle(
        "Count reprints separately", value=False,
        help="Agency copies and sister-outlet reprints are one story; on, each copy counts as a mention.",
    )
    if st.button("Refresh data"):
        st.cache_data.clear()
        st.rerun()

view = data[(data["day"].dt.date >= start) & (data["day"].dt.date <= end)]
if source_types:
    view = view[view["source_type"].isin(source_types)]
if platforms:
    view = view[view["platform"].isin(platforms)]
if topics:
    view = view[view["topics"].apply(lambda ts: any(t in ts for t in topics))]
if not show_duplicates:
    view = view[view["duplicate_of"].isna()]
scored = view[view["sentiment"].notna()]

st.title(f"Vigia: {info['name']}")
if bool(info["sample"]):
    st.warning(
        "**Sample data.** These documents come from the bundled sample sources served by "
        "`vigia demo`, not from the real outlets and platforms.", icon="🧪",
    )
models = sorted(view["model"].dropna().unique())
st.caption(
    f"{len(view)} documents shown, {start} to {end} ({info['timezone']} days). "
    f"Scores by: {', '.join(models) if models else 'not scored yet'}. Warehouse: `{path}`."
)

# ----------------------------------------------------------------------------- headline figures

anchor = min(date.today(), last_day)
recent = scored[scored["day"].dt.date > anchor - timedelta(days=7)]
before = scored[(scored["day"].dt.date <= anchor - timedelta(days=7)) & (scored["day"].dt.date > anchor - timedelta(days=14))]


def share_negative(frame: pd.DataFrame) -> float | None:
    return float((frame["sentiment"] == "negative").mean()) if len(frame) else None


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


neg_now, neg_before = share_negative(recent), share_negative(before)
targeted = scored[scored["target_sentiment"].notna()]
cols = st.columns(4)
cols[0].metric("Documents", f"{len(view):,}", help="Documents in the filters (reprints folded unless toggled).")
cols[1].metric(
    "Negative, last 7 days", pct(neg_now),
    delta=None if neg_now is None or neg_before is None else f"{(neg_now - neg_before) * 100:+.0f} pts vs 7 days before",
    delta_color="inverse",
    help=f"Share of documents scored negative in the 7 days up to {anchor}, against the 7 days before.",
)
cols[2].metric(
    "Toward the mayor: negative", pct(float((targeted["target_sentiment"] == "negative").mean()) if len(targeted) else None),
    help="Among documents that name him: share whose passages about him are negative.",
)
stance_counts = scored["stance"].value_counts()
cols[3].metric(
    "Pro / anti recall", f"{stance_counts.get('pro_recall', 0)} / {stance_counts.get('anti_recall', 0)}",
    help="Documents arguing for / against the recall.",
)

if view.empty:
    st.info("No documents match these filters.")
    st.stop()

# ----------------------------------------------------------------------------- how much, where

st.subheader("How much is said about the mayor each day?")
volume = view.groupby(["day", "source_type"]).size().reset_index(name="documents")
st.altair_chart(
    alt.Chart(volume).mark_bar().encode(
        x=alt.X("day:T", title="day"), y=alt.Y("documents:Q", title="documents"),
        color=alt.Color("source_type:N", title="source type"),
        tooltip=["day:T", "source_type:N", "documents:Q"],
    ).properties(height=220),
    use_container_width=True,
)

st.subheader("Where is it said?")
where = view.groupby(["platform", "source_type"]).size().reset_index(name="documents")
st.altair_chart(
    alt.Chart(where).mark_bar().encode(
        y=alt.Y("platform:N", sort="-x", title=None), x=alt.X("documents:Q"),
        color=alt.Color("source_type:N", title="source type"), tooltip=["platform", "documents"],
    ).properties(height=max(160, 22 * where["platform"].nunique())),
    use_container_width=True,
)

# ----------------------------------------------------------------------------- how favourable

st.subheader("How favourable is it? Sentiment over time")
if scored.empty:
    st.info("Nothing scored yet: run `vigia score`.")
else:
    daily = scored.groupby("day").agg(documents=("doc_id", "size"), mean=("sentiment_score", "mean"))
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max(), freq="D"))
    daily.index.name = "day"
    daily["documents"] = daily["documents"].fillna(0)
    weighted = (daily["mean"].fillna(0) * daily["documents"]).rolling(7, min_periods=1).sum()
    daily["rolling_7d"] = weighted / daily["documents"].rolling(7, min_periods=1).sum().replace(0, float("nan"))
    daily = daily.reset_index()
    bars = alt.Chart(daily).mark_bar(opacity=0.25, color="#7f8c8d").encode(
        x=alt.X("day:T"), y=alt.Y("documents:Q", title="documents scored that day"),
        tooltip=["day:T", "documents:Q"],
    )
    line = alt.Chart(daily).mark_line(color="#2c3e50", strokeWidth=2).encode(
        x="day:T",
        y=alt.Y("rolling_7d:Q", title="7-day mean sentiment (-1 to 1)", scale=alt.Scale(domain=[-1, 1])),
        tooltip=["day:T", alt.Tooltip("rolling_7d:Q", format=".2f"), alt.Tooltip("mean:Q", format=".2f", title="that day")],
    )
    st.altair_chart(alt.layer(bars, line).resolve_scale(y="independent").properties(height=260), use_container_width=True)
    st.caption("Line: 7-day mean of P(positive) − P(negative), weighted by documents; bars: the daily counts it rests on.")

    if len(targeted):
        st.subheader("How do texts treat the mayor himself?")
        tone = targeted.groupby([pd.Grouper(key="day", freq="W-MON"), "target_sentiment"]).size().reset_index(name="documents")
        st.altair_chart(
            alt.Chart(tone).mark_bar().encode(
                x=alt.X("day:T", title="week"), y=alt.Y("documents:Q", stack="normalize", title="share"),
                color=alt.Color("target_sentiment:N", scale=SENTIMENT_COLORS, title="toward the mayor"),
                tooltip=["day:T", "target_sentiment:N", "documents:Q"],
            ).properties(height=220),
            use_container_width=True,
        )

# ----------------------------------------------------------------------------- topics, stance

st.subheader("Which topics? Share of documents per topic, by week")
exploded = scored.explode("topics").dropna(subset=["topics"])
if exploded.empty:
    st.info("No topic detected in these documents.")
else:
    weekly_total = scored.groupby(pd.Grouper(key="day", freq="W-MON")).size().rename("total")
    topic_week = exploded.groupby([pd.Grouper(key="day", freq="W-MON"), "topics"]).size().rename("documents").reset_index()
    topic_week = topic_week.join(weekly_total, on="day")
    topic_week["share"] = topic_week["documents"] / topic_week["total"]
    st.altair_chart(
        alt.Chart(topic_week).mark_line(point=True).encode(
            x=alt.X("day:T", title="week"), y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of documents"),
            color=alt.Color("topics:N", title="topic"),
            tooltip=["day:T", "topics:N", "documents:Q", alt.Tooltip("share:Q", format=".0%")],
        ).properties(height=240),
        use_container_width=True,
    )

st.subheader("Who argues for or against the recall?")
stance_week = scored.groupby([pd.Grouper(key="day", freq="W-MON"), "stance"]).size().reset_index(name="documents")
st.altair_chart(
    alt.Chart(stance_week[stance_week["stance"] != "none"]).mark_bar().encode(
        x=alt.X("day:T", title="week"), y=alt.Y("documents:Q"),
        color=alt.Color("stance:N", scale=STANCE_COLORS, title="stance"),
        tooltip=["day:T", "stance:N", "documents:Q"],
    ).properties(height=220),
    use_container_width=True,
)
by_platform = scored[scored["stance"] != "none"].groupby(["platform", "stance"]).size().unstack(fill_value=0)
if not by_platform.empty:
    st.caption("Stance by platform (documents)")
    st.dataframe(by_platform, use_container_width=True)

# ----------------------------------------------------------------------------- the texts

st.subheader("The texts: latest and most negative")
columns = {
    "published_at": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD HH:mm"),
    "url": st.column_config.LinkColumn("link", display_text="open"),
    "sentiment_score": st.column_config.NumberColumn("sentiment", format="%.2f"),
}
shown = ["published_at", "platform", "title", "excerpt", "sentiment_score", "target_sentiment", "stance", "topics", "url"]
latest_tab, negative_tab = st.tabs(["Latest", "Most negative"])
with latest_tab:
    st.dataframe(view.sort_values("published_at", ascending=False)[shown].head(50),
                 column_config=columns, hide_index=True, use_container_width=True)
with negative_tab:
    st.dataframe(scored.sort_values("sentiment_score")[shown].head(50),
                 column_config=columns, hide_index=True, use_container_width=True)

# ----------------------------------------------------------------------------- drill down + correct

st.subheader("Read a document and correct its scores")
choices = view.sort_values("published_at", ascending=False).head(500)
labels = {
    row.doc_id: f"{row.published_at:%Y-%m-%d} · {row.platform} · "
    f"{(row.title if isinstance(row.title, str) and row.title else row.excerpt)[:90]}"
    for row in choices.itertuples()
}
doc_id = st.selectbox("Document", list(labels), format_func=labels.get,
                      help="The 500 newest documents in the filters.")
if doc_id:
    doc = load_document(path, doc_id)
    st.markdown(f"**{doc.get('title') or '(no title)'}** — {doc.get('platform')}, {doc.get('author') or 'unknown author'}, "
                f"{doc.get('published_at')} · [source]({doc.get('url')})")
    st.text_area("Text", doc.get("text") or "", height=200, disabled=True)
    st.caption(
        f"Model {doc.get('model') or '—'}: sentiment {doc.get('sentiment')} ({doc.get('sentiment_score') or 0:+.2f}), "
        f"toward the mayor {doc.get('target_sentiment')}"
        + (f" (found by {MATCH_WORDS.get(doc.get('target_match'), doc.get('target_match'))})" if doc.get("target_match") else "")
        + f", topics {list(doc.get('topics') or [])}, stance {doc.get('stance')}"
        + (" · corrected by an analyst" if doc.get("corrected") else "")
    )
    with st.form("correction"):
        analyst = st.text_input("Your name", value=st.session_state.get("analyst", ""))
        options = ["(not scored)", "negative", "neutral", "positive"]
        current_target = doc.get("target_sentiment")
        new_target = st.selectbox("Sentiment toward the mayor", options,
                                  index=options.index(current_target) if current_target in options else 0)
        new_topics = st.multiselect("Topics", topic_names, default=[t for t in (doc.get("topics") or []) if t in topic_names])
        stances = ["pro_recall", "anti_recall", "none"]
        new_stance = st.selectbox("Recall stance", stances,
                                  index=stances.index(doc.get("stance")) if doc.get("stance") in stances else 2)
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
                            add_correction(con, doc_id, field, value, analyst, allowed_topics=topic_names)
                except (CorrectionError, WarehouseError) as exc:
                    st.error(str(exc))
                else:
                    st.session_state["analyst"] = analyst
                    st.cache_data.clear()
                    st.success(f"Saved {len(changes)} correction(s); re-scoring will not overwrite them. "
                               "Run `vigia train` then `vigia score --rescore` to teach the models.")

with st.expander("Crawl log"):
    st.dataframe(readable(load_crawl_log, path, campaign_id), hide_index=True, use_container_width=True)
