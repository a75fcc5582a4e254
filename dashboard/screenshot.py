"""Screenshots of the dashboard, so anyone can see the page without a browser: the whole page, and
one picture per section for the README.

    .venv/bin/python -m dashboard.screenshot [--db data/vigia.duckdb] [--out docs/dashboard.png]
        [--sections docs/sections] [--query "..."] [--compare "a" --compare "b"] [--lang es|en]

Serves the dashboard on the warehouse as `vigia dashboard` does, opens it in headless Chromium
at a width where nothing is cut (1440 px; it fails when the page, a chart or a table is wider
than its column), waits until every chart is drawn, and writes PNGs scaled to half size and reduced to 256
colours to keep them small. A section runs from its heading to the next one; each tab of the
page is opened in turn (from its link, ``tab=``).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from dashboard.browser import DONE, BrowserUnavailable, launch, serve

SECTIONS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] h3')).map(h => {
  const r = h.getBoundingClientRect(); return {title: h.innerText.trim(), top: r.top + window.scrollY};
})"""
# Anything drawn wider than the page's main column: the page itself, a chart wider than its box, or
# a table whose columns do not all fit it, so that it scrolls sideways (the compared queries' top
# accounts hid their counts; the text list, the share queue and the alert rules ran past the page
# at 1,400 px), or a headline figure cut short. The SQL tab's result (`st-key-sql_rows`) is as wide
# as the query asks.
CUT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = [];
  if (main.scrollWidth > main.clientWidth + 1) out.push('page ' + main.scrollWidth + ' > ' + main.clientWidth);
  for (const table of document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')) {
    const grid = table.querySelector('.dvn-scroller');
    if (table.closest('.st-key-sql_rows')) continue;
    if (grid && grid.scrollWidth > grid.clientWidth + 2) {
      const box = table.closest('[data-testid="stElementContainer"]');
      let said = '';  // what the table is: the caption or heading above it
      for (let p = box && box.previousElementSibling; p && !said; p = p.previousElementSibling) said = (p.innerText || '').trim();
      out.push('table ' + grid.scrollWidth + ' > ' + grid.clientWidth + ': ' + said.slice(0, 50));
    }
  }
  // A headline figure or its change cut short ("39% (0%–10…" at 1,400 px): Streamlit ends it with an ellipsis.
  for (const figure of document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricDelta"]')) {
    for (const e of [figure, ...figure.querySelectorAll('*')]) {
      if (e.scrollWidth > e.clientWidth + 1) { out.push('figure cut: ' + (figure.textContent || '').trim().slice(0, 50)); break; }
    }
  }
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    const drawn = chart.querySelector('canvas, svg.marks');
    if (drawn && drawn.getBoundingClientRect().width > chart.getBoundingClientRect().width + 2)
      out.push('chart ' + Math.round(drawn.getBoundingClientRect().width) + ' > ' + Math.round(chart.getBoundingClientRect().width));
  }
  return out;
}"""


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().encode("ascii", "ignore").decode()).strip("-")[:40]


def take(db: Path, out: Path, *, sections: Path | None = None, params: dict | None = None,
         width: int = 1440, height: int = 4000, scale: float = 0.5) -> list[Path]:
    """``out``: the page as it opens (its first tab); ``sections``: the page's top, then each
    section of each tab (``dashboard.url_state.SECTIONS``, opened in turn from the link)."""
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from dashboard.url_state import SECTIONS as TABS

    out.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(picture: Image.Image, path: Path) -> None:
        picture = picture.resize((int(picture.width * scale), int(picture.height * scale)), Image.LANCZOS)
        picture.quantize(colors=256).save(path, optimize=True)
        written.append(path)

    if sections is not None:
        sections.mkdir(parents=True, exist_ok=True)
        for old in sections.glob("*.png"):
            old.unlink()
    number = 0
    with tempfile.TemporaryDirectory() as tmp, serve(db) as (url, _), sync_playwright() as p:
        browser = launch(p)
        try:
            for tab in TABS:
                raw = Path(tmp) / f"{tab}.png"
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url + "/?" + urlencode({**(params or {}), "tab": tab}, doseq=True), wait_until="domcontentloaded")
                page.wait_for_function(DONE, timeout=300_000, polling=100)
                errors = page.locator('[data-testid="stException"]').all_inner_texts()
                if errors:
                    raise RuntimeError(f"the page raised in tab {tab}: {errors[0][:300]}")
                # A Streamlit page scrolls inside its own container: make the window as tall as the page.
                tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                if tall + 100 > height:
                    page.set_viewport_size({"width": width, "height": tall + 100})
                    page.wait_for_timeout(1500)
                    page.wait_for_function(DONE, timeout=300_000, polling=100)
                cut = page.evaluate(CUT)
                if cut:
                    raise RuntimeError(f"drawn wider than its column at {width} px in tab {tab}: {'; '.join(cut)}")
                page.screenshot(path=str(raw), full_page=True)
                heads = page.evaluate(SECTIONS)
                bottom = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.close()
                image = Image.open(raw).convert("RGB")
                if tab == TABS[0]:
                    save(image, out)
                if sections is None:
                    continue
                # The page's top (title, freshness, query, headline, the tabs) is a section of its own.
                starts = ([("top", 0.0)] if tab == TABS[0] else []) + [(h["title"], h["top"] - 16) for h in heads]
                for i, (title, top) in enumerate(starts):
                    end = starts[i + 1][1] if i + 1 < len(starts) else min(bottom, image.height)
                    box = (0, max(0, int(top)), image.width, min(image.height, int(end)))
                    if box[3] - box[1] > 40:
                        save(image.crop(box), sections / f"{number:02d}-{slug(title) or 'top'}.png")
                        number += 1
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of the Vigia dashboard.")
    parser.add_argument("--db", type=Path, default=Path("data/vigia.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    parser.add_argument("--sections", type=Path, help="also one PNG per section into this folder")
    parser.add_argument("--query", default="", help="the query box's text")
    parser.add_argument("--compare", action="append", default=[], help="a query compared (repeat)")
    parser.add_argument("--lang", choices=("es", "en"), help="the interface's language (default: the campaign file's)")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"screenshot: no warehouse at {args.db}: run `vigia demo --no-dashboard` first")
    params = {k: v for k, v in (("q", args.query), ("cmp", args.compare), ("lang", args.lang)) if v}
    try:
        paths = take(args.db, args.out, sections=args.sections, params=params)
    except BrowserUnavailable as exc:
        sys.exit(f"screenshot: {exc}")
    except RuntimeError as exc:
        sys.exit(f"screenshot: {exc}")
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
