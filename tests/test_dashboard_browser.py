"""The real page in headless Chromium (Debian's chromium + the playwright package), one server and
one warehouse for the module: every section renders; a runaway SQL query in one session leaves
the others whole and dies when cancelled or when its page closes; every hostile crawled field
is shown without a link, a control character or a freeze."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dashboard.browser import DONE, BrowserUnavailable, chromium_path, launch, serve, visit
from dashboard.url_state import SECTIONS as TABS
from tests.conftest import synthetic_documents, synthetic_scores
from tests.hostile import hostile_documents, hostile_fields, invisible
from tests.test_app import SECTIONS
from warehouse import connect
from warehouse.campaigns import register_campaign
from warehouse.documents import insert_documents
from warehouse.events import add_event
from warehouse.scores import write_scores

# Four copies of `mentions` joined on a text test: hours of work on any warehouse.
RUNAWAY = ("SELECT count(*) FROM mentions a, mentions b, mentions c, mentions d "
           "WHERE a.title || b.text || c.text || d.text LIKE '%no such words%'")
VISIBLE_TEXT = "() => document.querySelector('[data-testid=\"stMain\"]').innerText"
LINKS = "() => Array.from(document.querySelectorAll('[data-testid=\"stMain\"] a[href]')).map(a => a.getAttribute('href'))"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    try:
        chromium_path()
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless browser here: {exc}")
    db = tmp_path_factory.mktemp("browser") / "vigia.duckdb"
    docs = synthetic_documents(90)
    with connect(db) as con:
        register_campaign(con, "miraflores-canales", "Revocatoria de Carlos Canales (Miraflores)",
                          ["security", "politics", "recall"], "America/Lima", True)
        insert_documents(con, docs + hostile_documents())
        write_scores(con, synthetic_scores([d["doc_id"] for d in docs[:60]]))
        add_event(con, "miraflores-canales", date(2026, 10, 10), "Debate en TV", "ana")
    with serve(db) as (url, process):
        yield url + "/?lang=en", process


@pytest.fixture(scope="module")
def browser(server: tuple[str, object]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def console_processes(server_process: object) -> list[int]:
    """The SQL console's query processes under the dashboard's server."""
    found, pids = [], [server_process.pid]
    while pids:
        pid = pids.pop()
        children = []
        for task in Path(f"/proc/{pid}/task").glob("*"):  # the page's script threads start them
            try:
                children += (task / "children").read_text().split()
            except OSError:
                continue
        for child in map(int, children):
            pids.append(child)
            try:
                if b"warehouse.console" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
            except OSError:
                pass
    return found


def wait_for(check, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, what
        time.sleep(0.2)
    return time.monotonic() - started


def start_runaway(page, url: str) -> None:
    page.goto(url + "&tab=sql", wait_until="domcontentloaded")
    page.wait_for_function(DONE, timeout=120_000, polling=100)
    box = page.get_by_label("SQL query")
    box.fill(RUNAWAY)
    box.press("Control+Enter")  # submits the form, as the Run button does
    page.get_by_text("Running for").wait_for(timeout=60_000)


def test_every_section_renders_in_a_real_browser(server, browser) -> None:
    url, _ = server
    subheaders = []
    for name in TABS:  # each tab from its link
        shown = visit(browser, url + f"&tab={name}", timeout=120)
        assert shown.exceptions == [], name
        subheaders += shown.subheaders
    for question in SECTIONS:
        assert question in subheaders, (question, subheaders)


def test_a_runaway_query_in_one_session_leaves_every_other_session_whole(server, browser) -> None:
    url, process = server
    usual = visit(browser, url, timeout=120)  # the page as any visitor gets it, no query running
    first = browser.new_context()
    try:
        runaway = first.new_page()
        start_runaway(runaway, url)
        assert len(console_processes(process)) == 1
        time.sleep(2)  # the query well under way
        other = visit(browser, url, timeout=120)  # a second visitor, while the first one's query runs
        assert other.exceptions == [] and other.subheaders == [SECTIONS[0]]
        trends = visit(browser, url + "&tab=trends", timeout=120)
        assert trends.exceptions == [] and SECTIONS[2] in trends.subheaders
        assert other.seconds < 2 * usual.seconds + 5, (other.seconds, usual.seconds)
        assert len(console_processes(process)) == 1, "the runaway query should still be running"
        runaway.get_by_role("button", name="Cancel the query").click()
        took = wait_for(lambda: not console_processes(process), 15, "the cancelled query's process is still running")
        runaway.get_by_text("cancelled by the analyst").wait_for(timeout=30_000)
        assert took < 10
    finally:
        first.close()


def test_closing_the_page_stops_its_query(server, browser) -> None:
    url, process = server
    context = browser.new_context()
    try:
        start_runaway(context.new_page(), url)
        assert len(console_processes(process)) == 1
    finally:
        context.close()  # the analyst closes the tab
    wait_for(lambda: not console_processes(process), 20, "the query outlived the page that asked for it")


def test_every_hostile_field_is_shown_without_a_link_a_control_character_or_a_freeze(server, browser) -> None:
    url, _ = server
    page = browser.new_page(viewport={"width": 1440, "height": 2000})
    try:
        started = time.perf_counter()
        page.goto(url + "&tab=texts", wait_until="domcontentloaded")  # the text list and the reader
        page.wait_for_function(DONE, timeout=120_000, polling=100)
        first_load = time.perf_counter() - started
        seen = set()
        for position in range(len(hostile_fields())):  # newest first: the hostile documents head the explorer
            document = page.locator('[data-testid="stSelectbox"]', has=page.get_by_text("Text to read", exact=True))
            for attempt in range(4):  # the list can close again while the page settles after a rerun
                document.locator('[role="combobox"]').click()
                try:
                    page.get_by_role("option").first.wait_for(timeout=5_000)
                    break
                except Exception:
                    if attempt == 3:
                        raise
                    page.keyboard.press("Escape")
            option = page.get_by_role("option").nth(position)
            seen.add(option.inner_text()[:40])
            started = time.perf_counter()
            option.click()
            page.wait_for_timeout(300)
            page.wait_for_function(DONE, timeout=60_000, polling=100)
            took = time.perf_counter() - started
            text = page.evaluate(VISIBLE_TEXT)
            links = page.evaluate(LINKS)
            assert invisible(text) == [], (position, invisible(text))
            assert [h for h in links if not h.startswith(("http://", "https://", "#"))] == [], links
            assert [h for h in links if "evil" in h] == [], links
            assert not page.locator('[data-testid="stMain"] img[src*="evil"], [data-testid="stMain"] script').count()
            assert took < 20, f"document {position} took {took:.1f} s to show"
        assert len(seen) == len(hostile_fields())
        assert first_load < 60
        for name in TABS:  # the hostile accounts and outlets in every other tab (voices, comparisons...)
            page.goto(url + f"&tab={name}&cmp=revocatoria", wait_until="domcontentloaded")
            page.wait_for_function(DONE, timeout=120_000, polling=100)
            text, links = page.evaluate(VISIBLE_TEXT), page.evaluate(LINKS)
            assert invisible(text) == [], (name, invisible(text))
            assert [h for h in links if not h.startswith(("http://", "https://", "#")) or "evil" in h] == [], (name, links)
    finally:
        page.close()
