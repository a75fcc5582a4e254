"""The real page in headless Chromium (Debian's chromium + the playwright package): every
section renders, no exception, on a warehouse with documents, scores, events and corrections."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.browser import BrowserUnavailable, chromium_path, launch, serve, visit
from tests.test_app import SECTIONS
from warehouse import connect
from warehouse.events import add_event


@pytest.fixture(scope="module")
def browser_ready() -> None:
    try:
        chromium_path()
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser here: {exc}")


def test_every_section_renders_in_a_real_browser(browser_ready: None, filled_db: Path) -> None:
    from playwright.sync_api import sync_playwright

    with connect(filled_db) as con:
        add_event(con, "miraflores-canales", __import__("datetime").date(2026, 10, 10), "Debate en TV", "ana")
    with serve(filled_db) as (url, _), sync_playwright() as p:
        browser = launch(p)
        try:
            shown = visit(browser, url, timeout=90)
        finally:
            browser.close()
    assert shown.exceptions == []
    for question in SECTIONS:
        assert question in shown.subheaders, (question, shown.subheaders)
