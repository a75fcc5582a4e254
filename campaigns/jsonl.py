"""The project's one JSON Lines reader: labelled sets (``vigia eval``, ``vigia train``), texts to
check (``vigia check --file``).

JSON Lines is one JSON value per line, lines ended by ``\\n`` (a ``\\r\\n`` ending is whitespace
JSON ignores). Only ``\\n`` ends a line: ``str.splitlines()`` also breaks on U+2028, U+2029,
U+0085 (NEXT LINE) and a few control characters, which real tweets carry inside their text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def numbered_jsonl(path: str | Path) -> list[tuple[int, Any]]:
    """(line number, value) per non-blank line of a JSON Lines file, numbered from 1 as editors do.

    A line that is not JSON raises ``ValueError`` naming the file and the line.
    """
    path = Path(path)
    rows = []
    # utf-8-sig: a byte-order mark some editors write is not part of the first value
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").split("\n"), 1):
        if line.strip():
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON: {exc}") from None
    return rows
