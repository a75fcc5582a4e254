"""The dashboard at a million documents: build the warehouse through the project's own write path,
then measure the page in headless Chromium and the views.

    .venv/bin/python benchmarks/dashboard_scale.py [--docs 1000000] [--rebuild]

The warehouse is cached under data/bench/ (its name carries the document count), so a rerun
measures at once. Documents are synthetic but shaped like the crawler's: a year, nine outlets
and five networks, tweet-length posts and article-length news, reprints, a few thousand
accounts, topics, stances, target sentiment, two spikes. They are written in chunks with
``warehouse.documents.insert_document_frame`` and ``warehouse.scores.write_score_frame``, the
bulk forms of what the crawler and the scorer call, so the summary tables are maintained as in
a real run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from warehouse import connect  # noqa: E402
from warehouse.campaigns import register_campaign  # noqa: E402
from warehouse.database import writer_folder  # noqa: E402
from warehouse.documents import insert_document_frame  # noqa: E402
from warehouse.scores import write_score_frame  # noqa: E402

CAMPAIGN = "miraflores-canales"
OUTLETS = ["elcomercio.pe", "larepublica.pe", "infobae.com", "rpp.pe", "andina.pe", "peru21.pe",
           "gestion.pe", "exitosanoticias.pe", "canaln.pe"]
NETWORKS = ["x", "reddit", "bluesky", "mastodon", "youtube"]
NETWORK_WEIGHTS = [0.45, 0.15, 0.15, 0.1, 0.15]
FRAGMENTS = [
    "El alcalde Carlos Canales anunció nuevas cámaras de videovigilancia en Miraflores.",
    "Los vecinos denuncian más robos cerca del malecón y piden más serenazgo.",
    "La revocatoria avanza: los promotores dicen haber reunido miles de firmas.",
    "La ONPE confirmó la fecha límite para entregar el kit de revocatoria.",
    "Según la municipalidad, los hurtos bajaron 27% este año.",
    "Canales defendió su gestión ante el concejo municipal.",
    "¿Quién cree en esas cifras? La inseguridad sigue igual en el distrito.",
    "El JNE verificará las firmas presentadas por los promotores de la consulta.",
    "Opositores acusan al burgomaestre de usar el presupuesto con fines de campaña.",
    "Vecinos de Miraflores marcharon contra la revocatoria del alcalde.",
    "La policía reporta una banda de extorsión desarticulada en la zona.",
    "Firmé para revocar a Canales, ya basta de promesas. #RevocatoriaYa",
    "No a la revocatoria: que siga trabajando por Miraflores. #NoALaRevocatoria",
    "Drones y patrullaje integrado: la apuesta de seguridad del municipio.",
    "Regidores piden explicaciones por las obras paralizadas en la avenida Larco.",
    "La encuesta muestra que el 60% percibe más inseguridad que el año pasado.",
]
TITLES = ["Canales responde a la revocatoria", "Miraflores: más cámaras y serenos", "Revocatoria: la ONPE fija plazos",
          "Vecinos reclaman por la inseguridad", "El concejo cuestiona el presupuesto", "Cifras de robos en debate"]
TOPICS = ["security", "politics", "recall"]
# Named as the bundled heads' model sets are, so the share estimates learn the errors from their
# bundled calibration (nlp/heads/calibration.json), as a real warehouse's would.
MODEL_SET = "bench:synthetic+heads-ef08232f"


def _day_weights(days: int, rng: np.random.Generator) -> np.ndarray:
    """Volume per day: slow growth toward the vote, a weekly rhythm, noise, two spikes."""
    t = np.arange(days)
    weights = (1 + t / days) * (1 + 0.25 * np.sin(2 * np.pi * t / 7)) * rng.uniform(0.85, 1.15, days)
    weights[days - 40] *= 5  # signature deadline
    weights[days - 19] *= 3  # a scandal
    return weights / weights.sum()


def synthetic_frames(n: int, offset: int, seed: int, start: datetime, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` documents (ids from ``offset``) and one score row each."""
    rng = np.random.default_rng(seed)
    ids = offset + np.arange(n)
    doc_id = pd.Series(ids).map(lambda i: f"b{i:07d}")
    day = rng.choice(days, size=n, p=_day_weights(days, np.random.default_rng(7)))
    published = pd.to_datetime(start) + pd.to_timedelta(day, unit="D") + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")
    social = rng.random(n) < 0.7
    platform = np.where(social, rng.choice(NETWORKS, size=n, p=NETWORK_WEIGHTS), rng.choice(OUTLETS, size=n))
    n_fragments = np.where(social, rng.integers(1, 3, n), rng.integers(8, 16, n))
    pick = rng.integers(0, len(FRAGMENTS), (n, 16))
    text = [" ".join(FRAGMENTS[j] for j in row[:k]) for row, k in zip(pick, n_fragments, strict=True)]
    title = np.where(social, None, np.array(TITLES, dtype=object)[rng.integers(0, len(TITLES), n)])
    accounts = rng.zipf(1.6, n) % 20000
    author = np.where(social, pd.Series(accounts).map(lambda a: f"@vecino{a}").to_numpy(),
                      pd.Series(rng.integers(0, 200, n)).map(lambda a: f"Redacción {a}").to_numpy())
    url = [f"https://{'x.com' if p == 'x' else p}/{'post' if s else 'noticia'}/{i}" for p, s, i in zip(platform, social, ids, strict=True)]
    reprint = (~social) & (rng.random(n) < 0.05) & (np.arange(n) > 0)
    duplicate_of = np.where(reprint, doc_id.shift(1).to_numpy(), None)
    docs = pd.DataFrame({
        "doc_id": doc_id, "campaign": CAMPAIGN,
        "source": np.where(social, platform, "news_feeds"), "source_type": np.where(social, "social", "news"),
        "platform": platform, "url": url, "title": title, "text": text, "author": author,
        "published_at": published, "fetched_at": published + pd.Timedelta(hours=1), "lang": "es",
        "native_id": np.where(social, doc_id, None), "content_hash": doc_id, "duplicate_of": duplicate_of,
        "crawl_run_id": pd.Series([None] * n, dtype="Int64"), "extra": None,
    })
    # Scores: more negative on the scandal day.
    alpha = np.where(day[:, None] == days - 19, [[6, 2, 1]], [[2, 2, 1.5]])
    p = rng.gamma(alpha)
    p = p / p.sum(axis=1, keepdims=True)
    labels = np.array(["negative", "neutral", "positive"])
    sentiment = labels[p.argmax(axis=1)]
    about = rng.random(n) < 0.6
    target = np.where(about, labels[(p + rng.normal(0, 0.1, p.shape)).argmax(axis=1)], None)
    topic_mask = rng.random((n, 3)) < [0.45, 0.35, 0.4]
    topic_lists = [[t for t, on in zip(TOPICS, row, strict=True) if on] for row in topic_mask]
    stance = rng.choice(["pro_recall", "anti_recall", "none"], size=n, p=[0.2, 0.15, 0.65])
    scores = pd.DataFrame({
        "doc_id": doc_id, "model_set": MODEL_SET, "scored_at": pd.Timestamp.now(tz="UTC"),
        "sentiment": sentiment, "p_negative": p[:, 0], "p_neutral": p[:, 1], "p_positive": p[:, 2],
        "sentiment_score": p[:, 2] - p[:, 0], "target_sentiment": target,
        "target_score": np.where(about, p[:, 2] - p[:, 0], np.nan), "target_confidence": np.where(about, p.max(axis=1), np.nan),
        "target_passages": np.where(about, 1, 0).astype("int32"),
        "target_match": np.where(about, "name", None), "topics": topic_lists,
        "topic_probs": '{"politics": 0.4, "recall": 0.4, "security": 0.5}', "stance": stance,
        "stance_probs": '{"anti_recall": 0.2, "none": 0.6, "pro_recall": 0.2}',
    })
    return docs, scores


def built(path: Path) -> Path:
    """The mark of a finished build (a build cut short is redone)."""
    return path.with_name(path.name + ".built")


def build(path: Path, n_docs: int, chunk: int = 100_000) -> dict:
    """Write ``n_docs`` synthetic documents and their scores into a new warehouse at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    built(path).unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    shutil.rmtree(writer_folder(path), ignore_errors=True)  # a build cut short
    partial = path  # the warehouse's own layout (writer file, read copies): built in place
    start = datetime(2025, 11, 25, 5, tzinfo=UTC)
    days = 365
    timings = {"generate_s": 0.0, "insert_documents_s": 0.0, "write_scores_s": 0.0}
    with connect(partial) as con:
        register_campaign(con, CAMPAIGN, "Revocatoria de Carlos Canales (Miraflores) [benchmark]",
                          TOPICS, "America/Lima", False)
        for offset in range(0, n_docs, chunk):
            size = min(chunk, n_docs - offset)
            t = time.perf_counter()
            docs, scores = synthetic_frames(size, offset, seed=offset + 1, start=start, days=days)
            timings["generate_s"] += time.perf_counter() - t
            t = time.perf_counter()
            insert_document_frame(con, docs)
            timings["insert_documents_s"] += time.perf_counter() - t
            t = time.perf_counter()
            write_score_frame(con, scores)
            timings["write_scores_s"] += time.perf_counter() - t
            print(f"  {offset + size:,} documents written", file=sys.stderr, flush=True)
        con.execute("CHECKPOINT")
    built(path).touch()  # readers read `path`, the read copy the last write published
    return {k: round(v, 1) for k, v in timings.items()}


def refresh_shares(path: Path) -> dict:
    """What the end of `vigia score` does: keep the heads' bundled calibration, estimate every
    share per day, week and in all, and store them (tables behind `daily_shares` & co.)."""
    from nlp.calibration import load as load_calibration
    from warehouse import shares

    started = time.perf_counter()
    with connect(path) as con:
        shares.store_calibration(con, shares.heads_of(MODEL_SET), load_calibration(REPO / "nlp" / "heads"))
    with connect(path, read_only=True) as con:
        frame, trusted = shares.refresh(con, CAMPAIGN), shares.trust(con, CAMPAIGN)
    computed = time.perf_counter() - started
    with connect(path) as con:
        stored = shares.store(con, CAMPAIGN, frame, trusted)
    return {"rows": stored, "compute_s": round(computed, 1), "total_s": round(time.perf_counter() - started, 1)}


def time_query(con, sql: str, params: list | None = None, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        con.execute(sql, params or []).fetchall()
        best = min(best, time.perf_counter() - t)
    return round(best, 4)


def measure(path: Path) -> dict:
    from warehouse import explorer, trends
    from warehouse.explorer import Selection

    results: dict = {}
    with connect(path, read_only=True) as con:
        results["n_documents"] = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        results["count_mentions_s"] = time_query(con, "SELECT count(*) FROM mentions")
        results["daily_trends_s"] = time_query(con, "SELECT * FROM daily_trends")
        results["review_queue_top15_s"] = time_query(
            con, "SELECT * FROM review_queue WHERE campaign = ? LIMIT 15", [CAMPAIGN], repeat=1)
        t = time.perf_counter()
        trends.review_queue(con, CAMPAIGN)  # what the page runs
        results["review_queue_page_s"] = round(time.perf_counter() - t, 3)
        for name, query in (("search_one_word_s", "inseguridad"), ("search_two_words_s", "camaras malecon"),
                            ("search_rare_s", "avenida larco")):
            sel = Selection(campaign=CAMPAIGN, query=query)
            t = time.perf_counter()
            total, _ = explorer.find(con, sel)  # what the explorer runs: the count and the first page
            results[name] = round(time.perf_counter() - t, 3)
            results[name.replace("_s", "_hits")] = total
    results.update(measure_page(path))
    return results


QUERY_BOX = r"^(Query|Consulta) \((whole words|palabras enteras)"
TYPED = ("cámaras OR drones", "serenazgo -revocatoria", '"avenida larco"')
COMPARED = ("cámaras OR drones", "serenazgo", "presupuesto")


def redraw_seconds(page, act) -> float:
    """From an action in the page (typing a query and pressing Enter) until the rerun it starts
    is over and every chart is drawn again (``dashboard.browser.rerun``)."""
    from dashboard.browser import rerun

    return rerun(page, act, timeout=300)


def typed(page, label: str, text: str, keys: str = "Enter"):
    import re

    # The box is found before the clock starts: Playwright's first search by role and name reads
    # the whole page's accessibility tree (0.6-0.7 s on this page at 1M, 0.03 s the next times),
    # which is the harness's time, not the analyst's.
    box = page.get_by_role("textbox", name=re.compile(label)).element_handle()

    def act() -> None:
        box.fill(text)
        box.press(keys)
    return act


def tab_click(page, name: str):
    """Open a section's tab (``dashboard.url_state.SECTIONS``) by its English label."""
    from dashboard.i18n import Texts

    return page.get_by_role("tab", name=Texts("en")(f"section.{name}")).click


def measure_page(path: Path) -> dict:
    """In headless Chromium, each beside the floor measured in the same run: the first render,
    a second visit, a query typed in the box (three different queries, none cached), three
    queries compared, the briefing PDF downloaded."""
    from playwright.sync_api import sync_playwright

    from dashboard.browser import DONE, launch, serve, tree_rss_mb, visit
    from dashboard.url_state import SECTIONS

    out: dict = {}
    # What this machine's browser takes for a page with one chart and no data: the floor, for a
    # first render and for a redraw after typing in its box.
    with serve(path, script=REPO / "benchmarks" / "baseline_page.py") as (url, _), sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context()
            out["baseline_first_render_s"] = round(visit(context, url).seconds, 2)
            out["baseline_second_visit_s"] = round(visit(context, url).seconds, 2)
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_function(DONE, timeout=60_000, polling=50)
            out["baseline_redraw_s"] = round(min(redraw_seconds(page, typed(page, "^Query", w)) for w in ("uno", "dos", "tres")), 2)
        finally:
            browser.close()
    with serve(path, timeout=120) as (url, process), sync_playwright() as p:
        url += "/?lang=en"
        out["streamlit_rss_idle_mb"] = round(tree_rss_mb(process.pid))
        browser = launch(p)
        try:
            # A first visit: fresh browser profile, nothing cached in Streamlit.
            context = browser.new_context(accept_downloads=True)
            first = visit(context, url, timeout=300)
            out["first_render_s"] = round(first.seconds, 2)
            out["first_render_server_s"] = first.server_seconds
            out["streamlit_rss_after_first_mb"] = round(tree_rss_mb(process.pid))
            # The analyst comes back (same browser); then someone new (fresh profile, warm server).
            second = visit(context, url, timeout=300)
            out["second_visit_s"] = round(second.seconds, 2)
            out["second_visit_server_s"] = second.server_seconds
            third = visit(browser.new_context(), url, timeout=300)
            out["second_visit_fresh_browser_s"] = round(third.seconds, 2)
            # The share bands (issue 20) are in the trends tab: a fresh browser opening its link
            # (the server has read the overview once, not this tab).
            bands = visit(browser.new_context(), url + "&tab=trends", timeout=300)
            out["bands_tab_first_s"] = round(bands.seconds, 2)
            out["bands_tab_first_server_s"] = bands.server_seconds
            out["page_exceptions"] = len(first.exceptions) + len(second.exceptions)
            page = context.new_page()
            page.set_viewport_size({"width": 1440, "height": 900})
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_function(DONE, timeout=300_000, polling=50)
            # A query typed in the box: every chart, the list and the export redrawn for it.
            seconds = [redraw_seconds(page, typed(page, QUERY_BOX, q)) for q in TYPED]
            out["query_redraw_s"] = [round(x, 2) for x in seconds]
            out["query_redraw_median_s"] = round(sorted(seconds)[1], 2)
            out["query_redraw_server_s"] = _server_seconds(page)
            # The page is in tabs and only the open one is computed and drawn: each other tab
            # opened with the last query still typed (what the analyst waits for on a click).
            out["tab_open_s"] = {}
            for name in SECTIONS[1:]:
                out["tab_open_s"][name] = round(redraw_seconds(page, tab_click(page, name)), 2)
                out["tab_open_s"][name + "_server"] = _server_seconds(page)
            # Three queries compared side by side (the box above cleared: every text), in their tab.
            redraw_seconds(page, typed(page, QUERY_BOX, ""))
            redraw_seconds(page, tab_click(page, "compare"))
            out["compare_three_s"] = round(redraw_seconds(
                page, typed(page, "^(Queries to compare|Consultas a comparar)", "\n".join(COMPARED), "Control+Enter")), 2)
            out["compare_three_server_s"] = _server_seconds(page)
            # The briefing of this view, from the click to the file.
            started = time.perf_counter()
            with page.expect_download(timeout=300_000) as info:
                page.get_by_role("button", name="Download the briefing (PDF)").click()
            Path(info.value.path()).read_bytes()
            out["briefing_s"] = round(time.perf_counter() - started, 2)
            out["page_exceptions"] += page.locator('[data-testid="stException"]').count()
            out["streamlit_rss_after_visits_mb"] = round(tree_rss_mb(process.pid))
        finally:
            browser.close()
    return out


def _server_seconds(page) -> float | None:
    import re

    said = re.search(r"(?:Computed in|Calculada en) ([0-9.]+) s", page.inner_text("body"))
    return float(said.group(1)) if said else None


GOALS = [
    # (key, what, goal, limit, floor key: the goal is "within 1 s of the floor" when set)
    ("first_render_s", "first render, headless Chromium, charts drawn and nothing running", "floor + 1 s", 1.0,
     "baseline_first_render_s"),
    ("second_visit_s", "a second visit", "< 1 s", 1.0, None),
    ("bands_tab_first_s", "the share bands' tab opened from its link (fresh browser)", "floor + 1 s", 1.0,
     "baseline_first_render_s"),
    ("query_redraw_median_s", "a query typed: every chart redrawn (median of 3 queries)", "< 1.5 s", 1.5, None),
    ("compare_three_s", "three queries compared", "< 2.5 s", 2.5, None),
    ("briefing_s", "the briefing PDF, click to file", "< 10 s", 10.0, None),
    ("streamlit_rss_after_visits_mb", "Streamlit process memory (MB, after the visits)", "< 1.5 GB", 1536, None),
    ("daily_trends_s", "SELECT * FROM daily_trends", "< 0.2 s", 0.2, None),
    ("count_mentions_s", "SELECT count(*) FROM mentions", "< 0.05 s", 0.05, None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="Build the cached warehouse again.")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--warehouse", type=Path, help="Measure this warehouse instead (benchmarks/crawled_warehouse.py's).")
    parser.add_argument("--refresh-shares", action="store_true", help="Estimate the shares again (as `vigia score` does).")
    args = parser.parse_args()
    path = (args.warehouse or REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb").absolute()  # not resolve(): a published warehouse is a link to its read copy
    report: dict = {"bench": "dashboard", "docs": args.docs, "warehouse": str(path)}
    if args.warehouse is None and (args.rebuild or not built(path).exists()):
        t = time.perf_counter()
        report["build"] = build(path, args.docs)
        report["build"]["total_s"] = round(time.perf_counter() - t, 1)
    with connect(path):  # a cached warehouse gets the views of this code (they are redone when changed)
        pass
    with connect(path, read_only=True) as con:
        from warehouse.shares import is_current

        current = is_current(con, CAMPAIGN)
    if not current or args.refresh_shares:
        report["shares"] = refresh_shares(path)
    report["file_mb"] = round(path.stat().st_size / 1e6)
    if not args.build_only:
        report.update(measure(path))
        report["first_render_over_baseline_s"] = round(report["first_render_s"] - report["baseline_first_render_s"], 2)
    print(json.dumps(report))
    if not args.build_only:
        print(f"\n{'measurement':<72} {'measured':>10}  goal", file=sys.stderr)
        for key, label, goal, limit, floor in GOALS:
            value = report.get(key)
            bound = limit + report[floor] if floor and report.get(floor) is not None else limit
            shown = f"{value} (floor {report[floor]})" if floor and report.get(floor) is not None else str(value)
            mark = "ok" if value is not None and value < bound else "MISSED"
            print(f"{label:<66} {shown:>18}  {goal} {mark}", file=sys.stderr)
        print(f"{'the floor: an empty one-chart page redrawn after typing':<66} {report.get('baseline_redraw_s')!s:>18}",
              file=sys.stderr)
        for name, seconds in (report.get("tab_open_s") or {}).items():
            if not name.endswith("_server"):
                print(f"{'a tab opened with the query typed: ' + name:<66} {seconds!s:>18}  "
                      f"(server {report['tab_open_s'].get(name + '_server')})", file=sys.stderr)


if __name__ == "__main__":
    main()
