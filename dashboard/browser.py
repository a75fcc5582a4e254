"""Driving the real page in headless Chromium: the end-to-end test, `make bench` and `make screenshot`.

Uses Debian's ``chromium`` through the ``playwright`` package's ``executable_path``, so no browser
is ever downloaded. :func:`serve` starts the dashboard as ``vigia dashboard`` does (``streamlit run
dashboard/server.py``, which serves ``app.py``) on a warehouse; :func:`visit`
loads the page and waits until it is done: the last element drawn, every chart drawn, nothing
running.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard import streamlit_command

REPO = Path(__file__).resolve().parents[1]
# The page's last line ("End of page. Computed in 0.42 s on the server."), read from its caption's
# ``textContent``: the polls below run every 20-50 ms while the page draws, and ``innerText``
# makes the browser lay the whole page out first (4-200 ms a call on the 1M page's overview,
# measured; ``textContent`` 1-4 ms), which took the page's own main thread from its drawing.
LAST_LINE = """() => { let line = '';
  for (const e of document.querySelectorAll('[data-testid="stCaptionContainer"]')) {
    const text = e.textContent || '';
    if (text.startsWith('End of page') || text.startsWith('Fin de la página')) line = text;
  }
  return line; }"""


# Done: the last line drawn, the status widget not running, nothing stale, and every chart of
# the open tab drawn (a tab without charts, the text list or SQL, has none).
DONE = f"""() => {{
  if (!({LAST_LINE})()) return false;
  const w = document.querySelector('[data-testid="stStatusWidget"]');
  if (w && /running|connecting/i.test(w.textContent || '')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {{
    if (!c.querySelector('canvas, svg.marks')) return false;
  }}
  return true;
}}"""


# A rerun is under way: elements marked stale, or the status widget running.
RUNNING = """() => !!document.querySelector('[data-stale="true"]')
  || /running/i.test((document.querySelector('[data-testid="stStatusWidget"]') || {}).textContent || '')"""


def rerun(page: Any, act: Any, *, timeout: float = 180.0) -> float:
    """Do ``act()`` (type in a box, click) and wait until the rerun it starts is over and every
    chart is drawn again; the seconds it took. Waits for the rerun to begin first, so a page
    still showing the previous run is never taken for the new one."""
    before = page.evaluate(LAST_LINE)
    started = time.perf_counter()
    act()
    try:  # begun: elements stale, the status widget running, or already a new last line
        page.wait_for_function(f"() => ({RUNNING})() || ({LAST_LINE})() !== {json.dumps(before)}",
                               timeout=10_000, polling=20)
    except Exception:  # nothing to see: the same page drawn again just as fast
        pass
    page.wait_for_function(DONE, timeout=timeout * 1000, polling=50)
    return time.perf_counter() - started


class BrowserUnavailable(RuntimeError):
    """No Chromium (Debian's ``chromium``) or no ``playwright`` package here."""


def chromium_path() -> str:
    """The Chromium executable, or BrowserUnavailable saying what to install."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise BrowserUnavailable("the playwright package is not installed (pip install playwright)") from None
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise BrowserUnavailable("no chromium executable on PATH (apt-get install -y chromium)")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(db: Path, *, port: int | None = None, env: dict[str, str] | None = None,
          timeout: float = 60.0, script: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve the dashboard (``dashboard/server.py``, or ``script``) on ``db`` at 127.0.0.1; yields
    (url, process). Stopped when the block ends."""
    port = port or free_port()
    script = script or REPO / "dashboard" / "server.py"
    command = streamlit_command(str(script), port, address="127.0.0.1")
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {}), "VIGIA_DB": str(db)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Visit:
    seconds: float
    exceptions: list[str]
    subheaders: list[str]
    server_seconds: float | None  # what the page says it took to compute


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])


def visit(browser: Any, url: str, *, viewport: tuple[int, int] = (1440, 900), timeout: float = 120.0,
          screenshot: Path | None = None) -> Visit:
    """Open ``url`` in a new page and wait until it is done; the time it took, and what it shows.

    ``browser`` is a Browser (each page a fresh profile: a first visit) or a BrowserContext
    (pages share its cache, as an analyst's browser coming back does)."""
    page = browser.new_page()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        page.wait_for_function(DONE, timeout=timeout * 1000, polling=50)
        seconds = time.perf_counter() - started
        exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
        subheaders = [t.strip() for t in page.locator("h3").all_inner_texts()]
        said = re.search(r"(?:Computed in|Calculada en) ([0-9.]+) s", page.inner_text("body"))
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        return Visit(seconds, exceptions, subheaders, float(said.group(1)) if said else None)
    finally:
        page.close()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pids += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024
