"""The view in the URL: every filter and query as query parameters, and back.

A link carries the whole view so that opening it reproduces it: the campaign, the dates, each
filter, the search box, the queries compared, the language, the section open, the spike and the
text list's page.
Defaults are left out (short links). A list is a repeated key (``?plat=x&plat=reddit``), as
``st.query_params`` writes it from a list and reads it back with ``get_all``.

Decoding never fails on a hand-edited link: a value it cannot read is dropped and named in the
returned problems, so the page can say so and show the rest.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from warehouse.explorer import Selection
from warehouse.query import problem as query_problem
from warehouse.series import MAX_QUERIES

LANGUAGES = ("es", "en")
SPIKE_METRICS = ("volume", "target_negative", "pro_recall", "anti_recall")
# The page's sections (its tabs), by a name that does not change with the language; the first is
# the default and is left out of the link.
SECTIONS = ("overview", "compare", "trends", "voices", "texts", "calendar", "trust", "alerts", "sql")

# Field -> parameter name, for the filters that are lists.
LISTS = {"source_types": "src", "platforms": "plat", "topics": "topic", "sentiments": "sent",
         "target_sentiments": "tsent", "stances": "stance", "queries": "cmp"}
LABEL_VALUES = {"sentiments": ("negative", "neutral", "positive"),
                "target_sentiments": ("negative", "neutral", "positive"),
                "stances": ("pro_recall", "anti_recall", "none"), "source_types": ("news", "social")}


@dataclass(frozen=True)
class ViewState:
    """What the page shows; ``selection()`` gives the warehouse's filter."""

    campaign: str | None = None
    start: date | None = None
    end: date | None = None
    source_types: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    target_sentiments: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    include_reprints: bool = False
    query: str = ""
    queries: tuple[str, ...] = field(default=())
    lang: str | None = None
    spike: date | None = None
    spike_metric: str | None = None
    page: int = 1
    doc: str | None = None
    section: str = SECTIONS[0]

    def selection(self, campaign: str | None = None) -> Selection:
        """The filter the reads take (``campaign`` when the state names none)."""
        chosen = self.campaign or campaign
        if chosen is None:
            raise ValueError("no campaign in the view")
        return Selection(campaign=chosen, query=self.query, start=self.start, end=self.end,
                         source_types=list(self.source_types), platforms=list(self.platforms),
                         topics=list(self.topics), sentiments=list(self.sentiments),
                         target_sentiments=list(self.target_sentiments), stances=list(self.stances),
                         include_reprints=self.include_reprints)


def encode(state: ViewState) -> dict[str, str | list[str]]:
    """Query parameters for ``state``: defaults left out, lists as repeated keys."""
    out: dict[str, str | list[str]] = {}
    if state.campaign:
        out["c"] = state.campaign
    if state.start is not None:
        out["from"] = state.start.isoformat()
    if state.end is not None:
        out["to"] = state.end.isoformat()
    for name, key in LISTS.items():
        values = [v for v in getattr(state, name) if v != "" or name == "queries"]
        if values:
            out[key] = list(values)
    if state.include_reprints:
        out["reprints"] = "1"
    if state.query:
        out["q"] = state.query
    if state.lang:
        out["lang"] = state.lang
    if state.spike is not None:
        out["spike"] = state.spike.isoformat()
        if state.spike_metric:
            out["metric"] = state.spike_metric
    if state.page != 1:
        out["page"] = str(state.page)
    if state.doc:
        out["doc"] = state.doc
    if state.section != SECTIONS[0]:
        out["tab"] = state.section
    return out


def _all(params: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    value = params.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _one(params: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    values = _all(params, key)
    return values[-1] if values else None


def decode(params: Mapping[str, str | Sequence[str]],
           known: Mapping[str, Collection[str]] | None = None) -> tuple[ViewState, list[str]]:
    """The view a link's parameters describe, and a message per value that was dropped.
    ``known``: the values each list filter may take (e.g. the campaign's topics and platforms,
    keyed by field name); others are dropped."""
    problems: list[str] = []
    values: dict = {}

    def day(key: str) -> date | None:
        raw = _one(params, key)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            problems.append(f"'{key}={raw}' is not a date (YYYY-MM-DD): ignored")
            return None

    values["campaign"] = _one(params, "c") or None
    values["start"], values["end"] = day("from"), day("to")
    if values["start"] and values["end"] and values["start"] > values["end"]:
        problems.append("the link's start is after its end: the dates were swapped")
        values["start"], values["end"] = values["end"], values["start"]
    allowed = {**LABEL_VALUES, **(known or {})}
    for name, key in LISTS.items():
        items = list(dict.fromkeys(_all(params, key)))
        if name == "queries":
            kept = []
            for text in items:
                why = query_problem(text)
                if why:
                    problems.append(f"compared query {text[:60]!r} dropped: {why}")
                else:
                    kept.append(text)
            if len(kept) > MAX_QUERIES:
                problems.append(f"at most {MAX_QUERIES} queries are compared: the others were dropped")
            values[name] = tuple(kept[:MAX_QUERIES])
            continue
        if name in allowed:
            bad = [v for v in items if v not in allowed[name]]
            if bad:
                problems.append(f"unknown {key} {', '.join(map(repr, bad))}: ignored")
            items = [v for v in items if v in allowed[name]]
        values[name] = tuple(items)
    values["include_reprints"] = _one(params, "reprints") in ("1", "true", "yes")
    values["query"] = _one(params, "q") or ""
    why = query_problem(values["query"])
    if why:
        # The search box shows it with its message; the view stays as linked.
        problems.append(f"the search {values['query'][:60]!r} cannot be read: {why}")
    lang = _one(params, "lang")
    if lang is not None and lang not in LANGUAGES:
        problems.append(f"language {lang!r} is not one of {', '.join(LANGUAGES)}: ignored")
        lang = None
    values["lang"] = lang
    values["spike"] = day("spike")
    metric = _one(params, "metric")
    if metric is not None and metric not in SPIKE_METRICS:
        problems.append(f"spike metric {metric!r} unknown: ignored")
        metric = None
    values["spike_metric"] = metric
    raw_page = _one(params, "page")
    try:
        values["page"] = max(1, int(raw_page)) if raw_page is not None else 1
    except ValueError:
        problems.append(f"'page={raw_page}' is not a number: page 1 shown")
        values["page"] = 1
    values["doc"] = _one(params, "doc") or None
    section = _one(params, "tab")
    if section is not None and section not in SECTIONS:
        problems.append(f"section {section!r} unknown (one of {', '.join(SECTIONS)}): the first shown")
        section = None
    values["section"] = section or SECTIONS[0]
    return ViewState(**{f.name: values[f.name] for f in fields(ViewState)}), problems
