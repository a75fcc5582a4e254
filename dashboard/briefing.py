"""The briefing: a PDF of the current view, built from the same reads as the page.

It holds what an analyst forwards: the campaign and the moment it was made (in the campaign's
time zone), the dates, filters, query and counts it covers, the headline figures, the charts
(the page's Vega-Lite specs rendered offline by vl-convert), the spikes with the texts that
drove them, the queries compared, and the calendar with the analysts' events.

Libraries (measured in ``benchmarks/briefing_scale.py``): vl-convert-python renders a spec to PNG
with no browser and no network; fpdf2 writes the PDF in pure Python with a Unicode TrueType font
(DejaVu Sans from Debian's fonts-dejavu-core; without it, the PDF core font and Latin-1).

Everything crawled or typed (titles, authors, excerpts, links, event labels, the query) goes
through the project's one renderer of crawled text, :func:`render.crawled` and
:func:`render.safe_url`, as plain text for the PDF.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import charts
from dashboard.i18n import CHART_LOCALES, Texts
from dashboard.query_charts import compare_lines, inline, voice_bars
from render import crawled, safe_url
from warehouse import trends
from warehouse.explain import what_changed
from warehouse.explorer import Selection
from warehouse.series import compare
from warehouse.voice import daily_voice, voice_totals

log = logging.getLogger(__name__)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
MAX_SPIKES = 3  # each is explained by a scan of its 29 days: the briefing stays under 10 s
TEXTS_PER_SPIKE = 3

@dataclass
class Briefing:
    """What the PDF shows, gathered from the reads (``gather``) and drawn by ``render``."""

    lang: str
    campaign_name: str
    target_name: str
    timezone: str
    sample: bool
    start: date
    end: date
    generated_at: datetime
    documents: int
    filters: list[str]
    headline: list[tuple[str, str]]
    charts: list[tuple[str, dict]]
    spikes: list[tuple[str, pd.DataFrame]]
    calendar: list[tuple[date, str, str]]
    queries: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _filters(sel: Selection, t: Texts, topic_label) -> list[str]:
    out = []
    if sel.query:
        out.append(f"{t('query.label').split(' (')[0]}: {sel.query}")
    for key, values in (("filters.source_type", [t.value(v) for v in sel.source_types]),
                        ("filters.platform", sel.platforms),
                        ("filters.topic", [topic_label(v) for v in sel.topics])):
        if values:
            out.append(f"{t(key)}: {', '.join(values)}")
    if sel.include_reprints:
        out.append(t("filters.reprints"))
    return out


def gather(con, sel: Selection, *, campaign_name: str, timezone: str, lang: str, spikes: Sequence[Any] = (),
           queries: Sequence[str] = (), campaign=None, events: Sequence[dict] = (), sample: bool = False,
           now: datetime | None = None, headline: Sequence[tuple[str, str]] | None = None) -> Briefing:
    """Read what the briefing shows for the view ``sel``. ``spikes``: the page's spikes
    (``alerts.spikes.Spike``: day, metric, value, baseline, n, query), newest shown first;
    ``queries``: the queries compared; ``campaign``: the campaign file (target, actors, calendar,
    topic names); ``events``: the analysts' events (``warehouse.events.events``); ``headline``:
    the figures the page shows (label, value), printed as they are, so the briefing never says
    other numbers than the page (the page's shares are estimates with their intervals, issue 20);
    without it, the shares of the model's labels, counted."""
    t = Texts(lang)
    clock: dict[str, float] = {}
    started = time.perf_counter()
    span = (sel.start, sel.end)
    if span[0] is None or span[1] is None:
        found = trends.day_range(con, sel.campaign)
        span = (sel.start or (found[0] if found else date.today()), sel.end or (found[1] if found else date.today()))
    sel = Selection(**{**sel.__dict__, "start": span[0], "end": span[1]})
    daily, _ = trends.daily(con, sel)
    clock["daily_s"] = time.perf_counter() - started
    per_day = daily.groupby("day").sum(numeric_only=True) if len(daily) else daily
    total = int(per_day["n_docs"].sum()) if len(per_day) else 0
    scored = float(per_day["n_scored"].sum()) if len(per_day) else 0.0
    about = float(per_day["n_target"].sum()) if len(per_day) else 0.0
    target_name = campaign.target.name if campaign is not None else "target"
    headline = list(headline) if headline is not None else [
        (t("head.documents"), t.number(total)),
        (t("head.negative", start=t.date(span[0], "short"), end=t.date(span[1], "short")),
         t.percent(per_day["n_negative"].sum() / scored if scored else None)),
        (t("head.toward_target", target=target_name),
         t.percent(per_day["n_target_negative"].sum() / about if about else None)),
        (t("head.stance"), f"{t.number(per_day['n_pro_recall'].sum() if len(per_day) else 0)} / "
                           f"{t.number(per_day['n_anti_recall'].sum() if len(per_day) else 0)}"),
    ]
    milestones = [(m.date, crawled(m.label, limit=None), t.kind(m.kind))
                  for m in (campaign.calendar if campaign is not None else [])]
    added = [(e["day"], crawled(e["label"], limit=None), crawled(e["analyst"], limit=None)) for e in events]
    calendar = sorted(milestones + added, key=lambda r: r[0])
    marks = pd.DataFrame([{"day": pd.Timestamp(d), "label": label, "who": who} for d, label, who in calendar
                          if span[0] <= d <= span[1]], columns=["day", "label", "who"])
    volume = daily.groupby(["day", "source_type"])["n_docs"].sum().reset_index(name="documents")
    newest = sorted(spikes, key=lambda s: s.day, reverse=True)[:MAX_SPIKES]
    flags = pd.DataFrame([{"day": pd.Timestamp(s.day), "what": t.value(s.metric, target=target_name),
                           "text": ""} for s in newest], columns=["day", "what", "text"])
    chart_list: list[tuple[str, dict]] = [
        (t("spikes.title", target=target_name), charts.spikes(volume, flags, marks, t=t)),
    ]
    compared = None
    if queries:
        started = time.perf_counter()
        result = compare(con, sel, list(queries), profiles=False)
        clock["compare_s"] = time.perf_counter() - started
        # Each line named by its query as typed (the label is its folded form), as on the page.
        series = result.series.assign(label=result.series["query"].where(result.series["label"] != "(all texts)",
                                                                          t("query.all_texts")))
        chart_list.append((t("compare.volume", per=t("compare.per_day")),
                           compare_lines(series, "n_docs", t("compare.volume", per=t("compare.per_day")), t("axis.documents"), t=t)))
        chart_list.append((t("compare.share"), compare_lines(series, "share_of_coverage", t("compare.share"),
                                                             t("axis.share"), percent=True, t=t)))
        compared = result.totals
    if campaign is not None and campaign.actors:
        from warehouse.voice import display_names

        started = time.perf_counter()
        voice = voice_totals(daily_voice(con, sel, display_names(campaign)))
        clock["voice_s"] = time.perf_counter() - started
        labels = {v: t.value(v) for v in ("negative", "neutral", "positive")}
        chart_list.append((t("voice.title", target=target_name),
                           voice_bars(voice, t("voice.title", target=target_name), t("axis.documents"), "", labels, t=t)))
    spike_texts = []
    started = time.perf_counter()
    stop = [target_name, *(campaign.target.aliases if campaign is not None else []),
            *([campaign.target.district] if campaign is not None and campaign.target.district else [])]
    for s in newest:
        what = t.value(s.metric, target=target_name)
        value = t.percent(s.value) if s.metric == "target_negative" else t.number(s.value)
        usual = t.percent(s.baseline) if s.metric == "target_negative" else t.number(s.baseline, 1)
        line = (f"{t.date(s.day)}: {value} {what}" + (f" ({s.query})" if getattr(s, "query", "") else "")
                + f" ({t('spikes.usual', value=usual)})")
        spike_sel = Selection(**{**sel.__dict__, "query": getattr(s, "query", "") or sel.query})
        why = what_changed(con, spike_sel, s.day, metric=s.metric, limit=TEXTS_PER_SPIKE, extra_stop=stop)
        rose = ", ".join(why.words["written"].head(6))
        if rose:
            line += ". " + t("spikes.rose", terms=rose)
        spike_texts.append((line, why.texts.head(TEXTS_PER_SPIKE)))
    clock["spike_texts_s"] = time.perf_counter() - started
    topic_label = (lambda name: campaign.topic_label(name, t.lang)) if campaign is not None else (lambda name: name)
    return Briefing(
        lang=t.lang, campaign_name=campaign_name, target_name=target_name, timezone=timezone, sample=sample, start=span[0], end=span[1],
        generated_at=now or datetime.now(UTC), documents=total, filters=_filters(sel, t, topic_label),
        headline=headline, charts=chart_list, spikes=spike_texts, calendar=calendar, queries=compared,
        timings=clock,
    )


class _PDF:
    """fpdf2 with the page furniture of a briefing (header line, page numbers)."""

    def __init__(self, title: str, footer: str) -> None:
        from fpdf import FPDF

        outer = self

        class Page(FPDF):
            def footer(self) -> None:  # noqa: D401 - fpdf2's hook
                self.set_y(-12)
                outer.font(8)
                self.set_text_color(120)
                self.cell(0, 6, outer.fit(f"{title} · {footer.format(page=self.page_no(), pages='{nb}')}"),
                          align="C")
                self.set_text_color(0)

        self.pdf = Page(format="A4", unit="mm")
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.set_margins(15, 15, 15)
        self.unicode = False
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.pdf.add_font("body", "", str(regular))
                self.pdf.add_font("body", "B", str(bold))
                self.unicode = True
                break
        if not self.unicode:
            log.warning("briefing: no DejaVu Sans in %s (Debian: apt-get install fonts-dejavu-core); "
                        "writing it in a Latin-1 core font, characters outside Latin-1 shown as '?'",
                        ", ".join(str(f) for f in FONT_DIRS))
        self.family = "body" if self.unicode else "helvetica"
        self.pdf.add_page()

    def fit(self, text: str) -> str:
        """Text the font can draw (the core font knows Latin-1 only)."""
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def heading(self, text: str, size: float = 13) -> None:
        if self.pdf.get_y() > 250:
            self.pdf.add_page()
        self.pdf.ln(3)
        self.font(size, bold=True)
        self.pdf.multi_cell(0, 7, self.fit(text), new_x="LMARGIN", new_y="NEXT")
        self.font(10)

    def para(self, text: str, size: float = 10, link: str | None = None) -> None:
        self.font(size)
        self.pdf.multi_cell(0, 5, self.fit(text), new_x="LMARGIN", new_y="NEXT", link=link or "")


def render(b: Briefing) -> bytes:
    """The PDF bytes of a gathered briefing."""
    import vl_convert as vlc

    t = Texts(b.lang)
    when = t.datetime(b.generated_at, b.timezone)
    doc = _PDF(crawled(b.campaign_name, limit=80), t("briefing.page", page="{page}", pages="{pages}"))
    pdf = doc.pdf
    pdf.set_title(doc.fit(t("briefing.title", campaign=crawled(b.campaign_name, limit=None))))
    pdf.set_creator("Vigia")
    doc.heading(t("briefing.title", campaign=crawled(b.campaign_name, limit=None)), size=16)
    doc.para(t("briefing.generated", when=when, timezone=b.timezone, start=t.date(b.start), end=t.date(b.end),
               documents=t.number(b.documents)))
    if b.filters:
        doc.para(t("briefing.filters", filters=" · ".join(crawled(f, limit=300) for f in b.filters)))
    if b.sample:
        doc.para(t("page.sample_data").replace("**", "").replace("`", ""), size=9)  # the page's markdown, in plain words
    doc.heading(t("briefing.headline"))
    for label, value in b.headline:
        doc.font(10, bold=True)
        pdf.cell(95, 6, doc.fit(label))
        doc.font(10)
        pdf.multi_cell(0, 6, doc.fit(value), new_x="LMARGIN", new_y="NEXT")  # the 7-day change can take two lines
    started = time.perf_counter()
    for title, spec in b.charts:
        png = vlc.vegalite_to_png(inline(spec), scale=2, format_locale=CHART_LOCALES[t.lang],
                                  time_format_locale=CHART_LOCALES[t.lang])
        width_px, height_px = _png_size(png)
        width_mm = pdf.epw
        height_mm = width_mm * height_px / width_px
        if pdf.get_y() + height_mm + 12 > pdf.h - 16:
            pdf.add_page()
        doc.heading(title, size=11)
        pdf.image(io.BytesIO(png), w=width_mm, h=height_mm)
    b.timings["charts_png_s"] = time.perf_counter() - started
    if b.queries is not None and len(b.queries):
        doc.heading(t("briefing.queries"))
        for row in b.queries.itertuples():
            label = t("query.all_texts") if row.label == "(all texts)" else row.query  # as typed, not folded
            doc.para(f"{crawled(label, limit=200)}: {t.number(row.n_docs)} · {t.percent(row.share_of_coverage, 1)} · "
                     f"{t('compare.sentiment', target=b.target_name)}: {t.percent(row.share_target_negative)}")
    doc.heading(t("briefing.spikes"))
    if not b.spikes:
        doc.para(t("briefing.no_spikes"))
    for line, texts in b.spikes:
        doc.para(line, size=10.5)
        for row in texts.itertuples():
            headline = crawled(_given(row.title) or _given(row.excerpt), limit=160)
            who = " · ".join(x for x in (crawled(_given(row.platform), limit=40),
                                         crawled(_given(row.author), limit=60)) if x)
            doc.para(f"    – {headline} ({who})", size=9, link=safe_url(row.url))
    doc.heading(t("briefing.calendar"))
    for day, label, who in b.calendar:
        doc.para(f"{t.date(day)} · {label} · {who}", size=9.5)
    out = pdf.output()
    return bytes(out)


def _given(value: object) -> object:
    # A missing field of a pandas row (None or NaN) shows as nothing, never as "nan".
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _png_size(png: bytes) -> tuple[int, int]:
    # PNG header: width and height are the IHDR chunk's first two big-endian integers.
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def build(con, sel: Selection, **options: Any) -> bytes:
    """``render(gather(con, sel, **options))``."""
    return render(gather(con, sel, **options))
