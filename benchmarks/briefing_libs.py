"""How to draw the briefing: vl-convert + fpdf2 (what dashboard/briefing.py does) against Chromium
printing an HTML page of the same charts (vl-convert SVG) to PDF.

    .venv/bin/python benchmarks/briefing_libs.py [--docs 1000000]

Reads the view once from the 1,000,000-document warehouse of dashboard_scale.py (the reads are
the same for both), then times each way of drawing it, best of three. Chromium is Debian's
(``apt-get install -y chromium``), driven by playwright as the browser tests do; its time is
given cold (launching the browser) and warm (a browser already running).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from alerts.spikes import spikes_in_view  # noqa: E402
from benchmarks.dashboard_scale import CAMPAIGN  # noqa: E402
from benchmarks.timing import best  # noqa: E402
from campaigns.model import load_campaign  # noqa: E402
from dashboard.briefing import Briefing, crawled, gather, render  # noqa: E402
from dashboard.i18n import Texts  # noqa: E402
from dashboard.query_charts import inline  # noqa: E402
from warehouse import connect  # noqa: E402
from warehouse.explorer import Selection  # noqa: E402


def as_html(b: Briefing) -> str:
    import vl_convert as vlc

    t = Texts(b.lang)
    parts = [f"<h1>{html.escape(t('briefing.title', campaign=crawled(b.campaign_name)))}</h1>"]
    parts += [f"<p><b>{html.escape(k)}</b> {html.escape(v)}</p>" for k, v in b.headline]
    for title, spec in b.charts:
        parts.append(f"<h3>{html.escape(title)}</h3>{vlc.vegalite_to_svg(inline(spec))}")
    for line, texts in b.spikes:
        parts.append(f"<p>{html.escape(line)}</p><ul>")
        parts += [f"<li>{html.escape(crawled(r.title if isinstance(r.title, str) else r.excerpt, 160))}</li>"
                  for r in texts.itertuples()]
        parts.append("</ul>")
    return ("<html><head><meta charset='utf-8'><style>body{font-family:'DejaVu Sans';font-size:10pt}"
            "svg{max-width:100%;height:auto}</style></head><body>" + "".join(parts) + "</body></html>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    args = parser.parse_args()
    path = REPO / "data" / "bench" / f"dashboard-{args.docs}.duckdb"
    campaign = load_campaign()
    out: dict = {"bench": "briefing_libs", "docs": args.docs}
    with connect(path, read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        sel = Selection(campaign=CAMPAIGN)
        t = time.perf_counter()
        data = gather(con, sel, campaign_name=campaign.name, timezone=campaign.timezone, lang="es",
                      spikes=spikes_in_view(con, sel), queries=["cámaras OR drones", "serenazgo", "presupuesto"],
                      campaign=campaign)
        out["reads_s"] = round(time.perf_counter() - t, 3)
    out["vlconvert_png_fpdf2_s"], pdf = best(lambda: render(data))
    out["vlconvert_png_fpdf2_kb"] = round(len(pdf) / 1024)
    out["vlconvert_svg_html_s"], page = best(lambda: as_html(data))
    from playwright.sync_api import sync_playwright

    from dashboard.browser import launch

    with sync_playwright() as p:
        t = time.perf_counter()
        browser = launch(p)
        tab = browser.new_page()
        tab.set_content(as_html(data))
        printed = tab.pdf(format="A4")
        out["chromium_cold_s"] = round(time.perf_counter() - t, 3)

        def warm() -> bytes:
            tab.set_content(as_html(data))
            return tab.pdf(format="A4")

        out["chromium_warm_s"], printed = best(warm)
        out["chromium_kb"] = round(len(printed) / 1024)
        browser.close()
    print(json.dumps(out))
    for key in ("reads_s", "vlconvert_png_fpdf2_s", "vlconvert_svg_html_s", "chromium_cold_s", "chromium_warm_s"):
        print(f"{key:<28} {out[key]:>7}", file=sys.stderr)


if __name__ == "__main__":
    main()
