"""A full-page screenshot of the dashboard, so anyone can see the page without a browser.

    .venv/bin/python -m dashboard.screenshot [--db data/vigia.duckdb] [--out docs/dashboard.png]

Serves the dashboard on the warehouse as `vigia dashboard` does, opens it in headless Chromium with a tall viewport (a Streamlit
page scrolls inside its own container), waits until every chart is drawn, and writes a PNG
scaled to half size and reduced to 256 colours to keep it small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dashboard.browser import BrowserUnavailable, launch, serve, visit


def take(db: Path, out: Path, *, width: int = 1440, height: int = 7400, scale: float = 0.5) -> Path:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve(db) as (url, _), sync_playwright() as p:
        raw = Path(tmp) / "page.png"
        browser = launch(p)
        try:
            shown = visit(browser, url, viewport=(width, height), screenshot=raw, timeout=180)
        finally:
            browser.close()
        if shown.exceptions:
            raise RuntimeError(f"the page raised: {shown.exceptions[0][:300]}")
        image = Image.open(raw).convert("RGB")
        image = image.resize((int(image.width * scale), int(image.height * scale)), Image.LANCZOS)
        image.quantize(colors=256).save(out, optimize=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Full-page screenshot of the Vigia dashboard.")
    parser.add_argument("--db", type=Path, default=Path("data/vigia.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"screenshot: no warehouse at {args.db}: run `vigia demo --no-dashboard` first")
    try:
        path = take(args.db, args.out)
    except BrowserUnavailable as exc:
        sys.exit(f"screenshot: {exc}")
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
