"""The hostile corpus (tests/fixtures/hostile/): crawled fields written to attack whatever shows
them. The dashboard, console, export and alert tests load it here (issue 23's briefing too)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "fixtures" / "hostile"
FIELDS = ("title", "author", "text", "url")
# What shown text must never hold: format controls but ZWJ/ZWNJ, control characters but tab/newline.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
EVIL_HOSTS = ("evil.example",)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def _value(raw: Any) -> Any:
    if isinstance(raw, dict) and "repeat" in raw:
        return raw["repeat"] * raw["times"] + raw.get("then", "")
    return raw


def hostile_fields() -> list[dict[str, Any]]:
    """Each hostile document: ``id``, ``why`` and the crawler's ``title``, ``author``, ``text``, ``url``."""
    raw = json.loads((FOLDER / "documents.json").read_text(encoding="utf-8"))
    return [{k: _value(v) for k, v in doc.items()} for doc in raw]


def hostile_documents(campaign: str = "miraflores-canales") -> list[dict[str, Any]]:
    """The corpus as stored documents (``doc_id`` = ``hostile-<id>``), ready for ``insert_documents``."""
    start = datetime(2026, 11, 2, 15, tzinfo=UTC)  # newer than tests.conftest.synthetic_documents: first in the explorer
    docs = []
    for i, doc in enumerate(hostile_fields()):
        docs.append({
            "doc_id": f"hostile-{doc['id']}", "campaign": campaign, "source": "elcomercio", "source_type": "news",
            "platform": "elcomercio.pe", "url": doc["url"], "title": doc["title"], "text": doc["text"],
            "author": doc["author"], "published_at": start + timedelta(hours=i), "fetched_at": start + timedelta(days=1),
            "lang": "es", "content_hash": f"hostile{i}",
        })
    return docs


def invisible(text: str) -> list[str]:
    """The format and control characters ``text`` holds (but ZWJ, ZWNJ, tab and newline), by name."""
    found = [ch for ch in text if (unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d") or FORBIDDEN.match(ch)]
    return [unicodedata.name(ch, f"U+{ord(ch):04X}") for ch in found]


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run as a formula: starting with = + - @ tab CR | % and not a plain number."""
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_START) and not re.fullmatch(r"[+-]?[0-9][0-9,.]*", cell)]
