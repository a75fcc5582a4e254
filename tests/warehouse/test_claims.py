"""Scoring claims held by a process known to be gone (this host, its pid not running) go back to
the backlog at once, as crawl runs are closed; other hosts' claims wait for their lease."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from warehouse import connect
from warehouse.documents import claim_documents_to_score

REPO = Path(__file__).resolve().parents[2]
CLAIM_AND_WAIT = (
    "import os, socket, sys, time\n"
    "from warehouse import connect\n"
    "from warehouse.documents import claim_documents_to_score\n"
    "with connect(sys.argv[1]) as con:\n"
    "    rows = claim_documents_to_score(con, 'm', claimer=f'{socket.gethostname()}:{os.getpid()}', limit=256)\n"
    "print(len(rows), flush=True)\n"
    "time.sleep(120)\n"
)


def test_the_claims_of_a_killed_scorer_are_taken_again_at_once(filled_db: Path) -> None:
    scorer = subprocess.Popen([sys.executable, "-c", CLAIM_AND_WAIT, str(filled_db)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    assert scorer.stdout.readline().strip() == "90"
    scorer.send_signal(signal.SIGKILL)
    scorer.wait(timeout=10)
    with connect(filled_db) as con:  # the lease (10 minutes) is far from over
        again = claim_documents_to_score(con, "m", claimer=f"{socket.gethostname()}:1", limit=256)
    assert len(again) == 90


def test_the_claims_of_a_live_scorer_or_another_host_are_left_alone(filled_db: Path) -> None:
    with connect(filled_db) as con:
        mine = claim_documents_to_score(con, "m", claimer=f"{socket.gethostname()}:1", limit=30)  # pid 1 runs
        theirs = claim_documents_to_score(con, "m", claimer="other-host.example:999999", limit=30)
        rest = claim_documents_to_score(con, "m", claimer=f"{socket.gethostname()}:2", limit=256)
    assert (len(mine), len(theirs), len(rest)) == (30, 30, 30)
