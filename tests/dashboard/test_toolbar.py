"""The page as an analyst sees it: no Streamlit "Deploy" button or developer menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import streamlit_command
from dashboard.browser import BrowserUnavailable, chromium_path, launch, serve

REPO = Path(__file__).resolve().parents[2]


def test_the_served_page_has_no_deploy_button(tmp_path: Path) -> None:
    assert "--client.toolbarMode" in streamlit_command("app.py", 8501)
    try:
        chromium_path()
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser here: {exc}")
    from playwright.sync_api import sync_playwright

    with serve(tmp_path / "none.duckdb", script=REPO / "benchmarks" / "baseline_page.py") as (url, _), \
            sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("text=End of page.", timeout=60_000)
            page.wait_for_timeout(1000)  # the toolbar is drawn after the script's first element
            assert page.locator('[data-testid="stToolbar"], header').count() > 0  # the header is there
            assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
            assert page.get_by_text("Deploy", exact=True).count() == 0
        finally:
            browser.close()
