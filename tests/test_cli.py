"""The `vigia` command as a user runs it: a real process, real warehouse files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import _run_lock, parse_duration

REPO = Path(__file__).resolve().parents[1]


def vigia(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_sql_answers_in_table_csv_and_json(filled_db: Path) -> None:
    query = "SELECT source_type, count(*) AS n FROM mentions GROUP BY 1 ORDER BY 1"
    table = vigia("sql", "--db", str(filled_db), query)
    assert table.returncode == 0, table.stderr
    assert "(2 rows)" in table.stdout and "social" in table.stdout
    rows = list(csv.reader(io.StringIO(vigia("sql", "--db", str(filled_db), "--format", "csv", query).stdout)))
    assert rows == [["source_type", "n"], ["news", "60"], ["social", "30"]]
    data = json.loads(vigia("sql", "--db", str(filled_db), "--format", "json", query).stdout)
    assert data == [{"source_type": "news", "n": 60}, {"source_type": "social", "n": 30}]


def test_sql_refuses_writes_with_one_line_and_changes_nothing(filled_db: Path) -> None:
    for statement in ("DELETE FROM documents", "DROP VIEW mentions", "UPDATE scores SET sentiment = 'x'",
                      "SELECT 1; DELETE FROM documents", "CREATE TABLE t AS SELECT 1"):
        result = vigia("sql", "--db", str(filled_db), statement)
        assert result.returncode != 0
        assert result.stderr.strip().count("\n") == 0 and "read-only" in result.stderr, result.stderr
    after = vigia("sql", "--db", str(filled_db), "--format", "json", "SELECT count(*) AS n FROM mentions")
    assert json.loads(after.stdout) == [{"n": 90}]


def test_sql_on_a_missing_warehouse_is_one_clear_line(tmp_path: Path) -> None:
    result = vigia("sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1")
    assert result.returncode == 1
    assert result.stderr.strip() == f"vigia: error: no warehouse at {tmp_path / 'none.duckdb'}: run `vigia crawl` or `vigia demo` first"


def test_vigia_db_environment_variable_names_the_warehouse(filled_db: Path) -> None:
    result = vigia("sql", "--format", "csv", "SELECT count(*) FROM mentions", env={"VIGIA_DB": str(filled_db)})
    assert result.stdout.splitlines()[-1] == "90"


def test_status_reports_sources_backlog_and_sources_that_are_off(filled_db: Path) -> None:
    env = {k: "" for k in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "YOUTUBE_API_KEY", "X_BEARER_TOKEN")}
    result = vigia("status", "--db", str(filled_db), env=env)
    assert result.returncode == 0, result.stderr
    assert "unscored backlog: 30 never scored" in result.stdout
    # said as what the next crawl in this shell does, not as if the stored documents were wrong
    assert "reddit_peru: credentials not set in this shell: REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET" in result.stdout
    assert "x_search: credentials not set in this shell: X_BEARER_TOKEN" in result.stdout
    assert "REDDIT_CLIENT_SECRET (its 30 stored documents came from earlier runs that had them)" in result.stdout
    assert "elcomercio" in result.stdout
    table = result.stdout.split("\n\n")[1]
    assert "next crawl" in table.splitlines()[0]
    assert all(line.rstrip().endswith(("crawled", "skipped")) for line in table.splitlines()[2:-1])


def test_bad_campaign_file_fails_with_the_field(tmp_path: Path, filled_db: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((REPO / "campaigns" / "miraflores.toml").read_text().replace('languages = ["es", "en"]', 'languages = ["spanish"]'))
    result = vigia("status", "--db", str(filled_db), "--campaign", str(bad))
    assert result.returncode == 1
    assert "field 'languages'" in result.stderr and "ISO 639-1" in result.stderr


def test_correct_command_stores_a_correction(filled_db: Path) -> None:
    ok = vigia("correct", "--db", str(filled_db), "doc0003", "--field", "topics", "--value", "recall,security", "--analyst", "luis")
    assert ok.returncode == 0, ok.stderr
    shown = vigia("sql", "--db", str(filled_db), "--format", "json", "SELECT topics, corrected FROM mentions WHERE doc_id = 'doc0003'")
    assert json.loads(shown.stdout) == [{"topics": ["recall", "security"], "corrected": True}]
    bad = vigia("correct", "--db", str(filled_db), "doc0003", "--field", "topics", "--value", "weather", "--analyst", "luis")
    assert bad.returncode == 1 and "unknown topics" in bad.stderr


def test_durations() -> None:
    assert parse_duration("30m") == 1800 and parse_duration("2h") == 7200 and parse_duration("45s") == 45
    for wrong in ("0m", "30", "m", "-5m", "1w"):
        with pytest.raises(Exception, match="positive number"):
            parse_duration(wrong)


def test_a_second_run_on_the_same_warehouse_is_skipped_not_stacked(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with _run_lock(db) as held:
        assert held
        result = vigia("run", "--db", str(db), "--profile", "offline")
        assert result.returncode == 0
        assert "still going; skipped" in result.stderr
    with _run_lock(db) as held_again:
        assert held_again


def test_dashboard_command_serves_the_app_on_its_port(filled_db: Path) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "dashboard", "--db", str(filled_db), "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health != b"ok":
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
            except OSError:
                time.sleep(0.5)
        assert health == b"ok"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_dashboard_on_a_missing_warehouse_fails_with_one_line(tmp_path: Path) -> None:
    result = vigia("dashboard", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1 and "no warehouse" in result.stderr


def test_sql_refuses_the_file_and_network_bypasses(filled_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "leak.csv"
    for statement in (f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{out}'", "SELECT * FROM read_text('/etc/passwd')",
                      "SELECT * FROM glob('/root/**')", "SELECT content FROM read_text('/proc/self/environ')",
                      "INSTALL 'http://127.0.0.1:9/x.duckdb_extension'", "PRAGMA version"):
        result = vigia("sql", "--db", str(filled_db), statement)
        assert result.returncode == 1, statement
        assert result.stderr.strip().count("\n") == 0 and "refused" in result.stderr, result.stderr
        assert "root:" not in result.stdout
    assert not out.exists()


def test_score_and_correct_refuse_a_warehouse_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    for args in (("score", "--profile", "offline"), ("correct", "doc1", "--field", "stance", "--value", "none",
                                                     "--analyst", "ana")):
        result = vigia(*args, "--db", str(missing))
        assert result.returncode == 1, result.stderr
        assert f"no warehouse at {missing}" in result.stderr and result.stderr.strip().count("\n") == 0
    assert not missing.exists() and not (tmp_path / "typo.duckdb.d").exists()


def test_a_crawl_on_a_corrupt_or_unwritable_warehouse_exits_non_zero_naming_the_spider(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a duckdb file" * 200)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for db in (corrupt, blocker / "w.duckdb"):
        result = vigia("crawl", "--db", str(db), "--spider", "mastodon", timeout=180)
        assert result.returncode == 1, result.stderr[-2000:]
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("vigia: error: 1 of 1 spiders failed: mastodon (") and str(db) in last, last
        assert (f"creating a new warehouse at {db}" in result.stderr) == (db != corrupt)


def test_a_blank_target_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    from campaigns import DEFAULT_CAMPAIGN

    campaign = tmp_path / "blank.toml"
    campaign.write_text(DEFAULT_CAMPAIGN.read_text(encoding="utf-8").replace('name = "Carlos Canales"', 'name = "  "', 1),
                        encoding="utf-8")
    result = vigia("crawl", "--campaign", str(campaign), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1 and "target.name" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_check_says_why_a_text_is_kept_or_not(tmp_path: Path) -> None:
    lines = [
        {"text": "El alcalde anunció más serenazgo en Miraflores"},
        {"text": "O alcalde de Miraflores é ótimo e todos os moradores sabem disso muito bem"},
        {"text": "Carlos Canales é um prefeito corrupto e todos sabem disso"},
        {"text": "Hoy llueve en Lima y el tráfico está imposible"},
    ]
    jsonl = tmp_path / "texts.jsonl"
    jsonl.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    done = vigia("check", "--file", str(jsonl))
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(v["target_match"], v["kept"], v["reason"]) for v in verdicts] == [
        ("office", True, None), ("office", False, "language:pt"), ("name", True, None), (None, False, "no_target"),
    ]
    assert verdicts[2]["lang"] == "pt"
    refused = vigia("check")
    assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1


def test_check_reads_any_valid_json_lines_even_with_next_line_characters_inside(tmp_path: Path) -> None:
    # Real tweets carry U+0085 (NEXT LINE) and U+2028 inside their text; str.splitlines() broke
    # such a line in two and refused the file. JSON Lines ends a line at "\n" only.
    stompol = REPO.parent / "shared" / "data" / "stompol" / "train.jsonl"
    if not stompol.exists():
        pytest.skip(f"{stompol} is absent: the real tweets live in ../shared beside the checkout")
    lines = stompol.read_text(encoding="utf-8").split("\n")
    inside = [line for line in lines if "\u0085" in line][:3]
    assert inside, "STOMPOL's real tweets hold U+0085"
    rows = [*inside, json.dumps({"text": "El alcalde Canales\u2028respondió"}, ensure_ascii=False)]
    jsonl = tmp_path / "tweets.jsonl"
    jsonl.write_text("\r\n".join(rows) + "\n", encoding="utf-8")   # Windows line ends are valid too
    done = vigia("check", "--file", str(jsonl))
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.split("\n") if line]
    assert len(verdicts) == len(rows)
    assert verdicts[-1]["target_match"] == "name"
    broken = tmp_path / "broken.jsonl"
    broken.write_text(inside[0] + "\n{not json\n", encoding="utf-8")
    refused = vigia("check", "--file", str(broken))
    assert refused.returncode != 0 and f"{broken}:2:" in refused.stderr


def test_extract_prints_the_article_as_json() -> None:
    page = Path(__file__).parent / "fixtures" / "pages" / "elcomercio_arc.html"
    done = vigia("extract", str(page), "--url", "https://elcomercio.pe/lima/x-noticia/")
    assert done.returncode == 0, done.stderr
    article = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"title", "author", "published_at", "lang", "text"} <= set(article)
    assert article["title"] and len(article["text"]) > 200 and article["lang"] == "es"
    missing = vigia("extract", "no-such-file.html")
    assert missing.returncode != 0 and "neither a file nor" in missing.stderr


def test_eval_refuses_a_label_outside_the_set_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "labels.jsonl"
    data.write_text('{"text": "ok", "stance": "none"}\n{"text": "x", "stance": "a_favor"}\n', encoding="utf-8")
    result = vigia("eval", "--task", "stance", "--data", str(data), "--profile", "offline")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("vigia: error:")
    assert f"{data}:2: stance label 'a_favor'" in result.stderr


def test_trust_without_corrections_says_so(filled_db: Path) -> None:
    result = vigia("trust", "--db", str(filled_db))
    assert result.returncode == 0, result.stderr
    assert "no analyst corrections yet" in result.stderr and json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_train_refuses_contradictory_options_before_any_work(tmp_path: Path) -> None:
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text('{"doc_id": "x", "text": "t", "field": "stance", "value": "none"}\n', encoding="utf-8")
    both = vigia("train", "--out", str(tmp_path / "heads"), "--corrections", str(corrections), "--no-corrections")
    assert both.returncode == 2 and "--corrections and --no-corrections contradict each other" in both.stderr
    window = vigia("train", "--out", str(tmp_path / "heads"), "--window-only", "--corrections", str(corrections))
    assert window.returncode == 2 and "--window-only retrains the window head from the seeds" in window.stderr
    empty = vigia("train", "--out", str(tmp_path / "empty"), "--window-only")
    assert empty.returncode == 1 and f"no heads in {tmp_path / 'empty'}" in empty.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "text": "t", "field": "stance", "value": "maybe"}\n', encoding="utf-8")
    refused = vigia("train", "--out", str(tmp_path / "heads"), "--corrections", str(bad))
    assert refused.returncode == 1 and "stance must be one of" in refused.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "heads").exists()
