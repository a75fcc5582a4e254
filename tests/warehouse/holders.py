"""Processes that hold a warehouse file the way an analyst's session would (for the tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Opens the file, says so, and keeps it open until its stdin closes.
_HOLD = """
import duckdb, sys, time
deadline = time.monotonic() + 60
while True:  # a writer may hold the file for a moment: keep trying, as a person would
    try:
        con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.02)
print(con.execute(sys.argv[3]).fetchall()[0][0] if sys.argv[3] else "held", flush=True)
sys.stdin.read()
con.close()
"""


def hold(path: Path, mode: str = "read", query: str = "") -> tuple[subprocess.Popen, str]:
    """Start a process holding ``path`` (``read`` or ``write``); returns it and its first line."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode, query],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    first = holder.stdout.readline().strip()
    if not first:
        raise AssertionError(f"holder did not start: {holder.stderr.read()}")
    return holder, first


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=30)
