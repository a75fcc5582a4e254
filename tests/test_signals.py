"""SIGTERM and SIGINT stop `vigia demo` and `vigia score` quickly, with the exit status a
scheduler expects, nothing half-written and no crawl run left 'running'."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse import connect

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=REPO, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))  # noqa: SIM115


def wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8", errors="replace"):
        assert process.poll() is None, f"ended before {text!r}: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in time"
        time.sleep(0.1)


def stop_and_time(process: subprocess.Popen, signum: int) -> float:
    sent = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=60)
    return time.monotonic() - sent


def test_sigterm_during_the_demo_crawl_exits_143_within_10s_and_marks_the_run_interrupted(tmp_path: Path) -> None:
    db, log = tmp_path / "demo.duckdb", tmp_path / "demo.log"
    demo = start(["demo", "--no-dashboard", "--db", str(db)], log)
    wait_for(log, "sample sources served", demo)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until a crawl run is visible in the snapshot
        if db.exists():
            with connect(db, read_only=True) as con:
                if con.execute("SELECT count(*) FROM crawl_runs").fetchall()[0][0]:
                    break
        time.sleep(0.2)
    took = stop_and_time(demo, signal.SIGTERM)
    assert demo.returncode == 143, log.read_text()[-3000:]
    assert took < 10
    with connect(db) as con:  # a writer: also proves no lock was left behind
        statuses = [s for (s,) in con.execute("SELECT status FROM crawl_runs").fetchall()]
        scored = con.execute("SELECT count(*) FROM scores").fetchall()[0][0]
    assert "interrupted" in statuses and "running" not in statuses, statuses
    assert scored == 0  # scoring never started
    assert "SIGTERM" in log.read_text().strip().splitlines()[-1]


def test_sigint_during_scoring_exits_130_within_10s_with_whole_chunks_only(filled_db: Path, tmp_path: Path) -> None:
    log = tmp_path / "score.log"
    score = start(["score", "--db", str(filled_db), "--profile", "offline"], log)
    wait_for(log, "scoring 90 documents", score)
    time.sleep(0.5)
    took = stop_and_time(score, signal.SIGINT)
    assert score.returncode == 130, log.read_text()[-3000:]
    assert took < 10
    with connect(filled_db) as con:
        new_model = con.execute("SELECT count(*) FROM scores WHERE model_set <> 'test:model-a'").fetchall()[0][0]
        claims = con.execute("SELECT count(*) FROM score_claims").fetchall()[0][0]
    assert new_model in (0, 90) and claims == 0


def test_kill_9_during_scoring_then_an_immediate_rerun_scores_everything(filled_db: Path, tmp_path: Path) -> None:
    """The dead scorer's claims (a 10-minute lease) are released at once: its pid is gone."""
    log = tmp_path / "score.log"
    score = start(["score", "--db", str(filled_db), "--profile", "offline"], log)
    wait_for(log, "scoring 90 documents", score)
    deadline = time.monotonic() + 120
    while True:
        # Under the writer lock: once its batch is claimed the scorer cannot write its scores
        # before it is killed, however fast the machine scores (a fixed sleep raced on CI).
        with connect(filled_db, publish_when="due") as con:
            held = con.execute("SELECT count(*) FROM score_claims").fetchall()[0][0]
            if held:
                score.send_signal(signal.SIGKILL)
                score.wait(timeout=30)
                break
        assert score.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.02)
    assert held == 90  # the killed scorer held its batch
    rerun = subprocess.run([sys.executable, "-m", "cli", "score", "--db", str(filled_db), "--profile", "offline"],
                           cwd=REPO, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    with connect(filled_db) as con:
        scored = con.execute("SELECT count(DISTINCT doc_id) FROM scores WHERE model_set <> 'test:model-a'").fetchall()[0][0]
        left = con.execute("SELECT count(*) FROM score_claims").fetchall()[0][0]
    assert (scored, left) == (90, 0), (held, rerun.stderr[-2000:])
    assert "scored 90 documents" in rerun.stderr
