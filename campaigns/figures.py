"""Official crime figures a campaign points to, read as the open-data export comes.

The file is a CSV with one row per (date, district, indicator) and these columns (English or
the Spanish names open-data portals use; any order, extra columns ignored):

| column | also read as | holds |
|---|---|---|
| `date` | `fecha`, `periodo`, `mes` | `2026-09-30`, `30/09/2026`, `2026-09`, `202609` (a month means its first day) |
| `district` | `distrito`, `ubigeo_distrito` | e.g. `Miraflores` |
| `indicator` | `indicador`, `delito`, `tipo` | e.g. `hurtos`, `robos`, `denuncias` |
| `value` | `valor`, `cantidad`, `total`, `casos` | a number; `1.234,5` and `1,234.5` both read |
| `source` | `fuente` | who published the row (optional: empty when absent) |

Separators `,` `;` or tab, UTF-8 (with or without BOM) or Latin-1. A row that cannot be read
raises :class:`FiguresError` naming the file, the row number and the column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

COLUMNS = {
    "date": ("date", "fecha", "periodo", "mes"),
    "district": ("district", "distrito", "ubigeo_distrito"),
    "indicator": ("indicator", "indicador", "delito", "tipo"),
    "value": ("value", "valor", "cantidad", "total", "casos"),
    "source": ("source", "fuente"),
}
REQUIRED = ("date", "district", "indicator", "value")


class FiguresError(ValueError):
    """A figures file that cannot be read; the message names the row and the column."""


@dataclass(frozen=True)
class Figure:
    date: date
    district: str
    indicator: str
    value: float
    source: str


def _header_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.lower()).strip("_")


def _parse_date(raw: str) -> date:
    text = raw.strip()
    for pattern, build in (
        (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", lambda m: date(int(m[1]), int(m[2]), int(m[3]))),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", lambda m: date(int(m[3]), int(m[2]), int(m[1]))),
        (r"^(\d{4})-(\d{1,2})$", lambda m: date(int(m[1]), int(m[2]), 1)),
        (r"^(\d{4})/(\d{1,2})$", lambda m: date(int(m[1]), int(m[2]), 1)),
        (r"^(\d{4})(\d{2})$", lambda m: date(int(m[1]), int(m[2]), 1)),
        (r"^(\d{4})(\d{2})(\d{2})$", lambda m: date(int(m[1]), int(m[2]), int(m[3]))),
    ):
        match = re.match(pattern, text)
        if match:
            return build(match)
    raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD, DD/MM/YYYY, YYYY-MM or YYYYMM)")


def _parse_number(raw: str) -> float:
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        raise ValueError("empty")
    if "," in text and "." in text:  # the later mark is the decimal one
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if re.search(r",\d{1,2}$", text) else text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_figures(text: str, name: str = "figures") -> list[Figure]:
    """Read figures from CSV text; ``name`` is how errors refer to the file."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FiguresError(f"{name}: empty file, expected a header with {', '.join(REQUIRED)}")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [_header_key(h) for h in next(reader)]
    where: dict[str, int] = {}
    for field, names in COLUMNS.items():
        for i, column in enumerate(header):
            if column in names and field not in where:
                where[field] = i
    missing = [f for f in REQUIRED if f not in where]
    if missing:
        raise FiguresError(
            f"{name}: row 1 (header): no column for {', '.join(missing)} "
            f"(found {', '.join(header)}; accepted names: "
            + "; ".join(f"{f}: {'/'.join(COLUMNS[f])}" for f in missing) + ")"
        )
    figures = []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {}
        for field, index in where.items():
            cell = row[index] if index < len(row) else ""
            try:
                if field == "date":
                    values[field] = _parse_date(cell)
                elif field == "value":
                    values[field] = _parse_number(cell)
                else:
                    values[field] = cell.strip()
                    if field != "source" and not values[field]:
                        raise ValueError("empty")
            except ValueError as exc:
                raise FiguresError(f"{name}: row {row_number}, column '{header[index]}': {exc}") from None
        figures.append(Figure(values["date"], values["district"], values["indicator"], values["value"],
                              values.get("source", "")))
    if not figures:
        raise FiguresError(f"{name}: no data rows after the header")
    return figures


def load_figures(path: str | Path) -> list[Figure]:
    """Read a figures CSV file (see the module docstring for its columns)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FiguresError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_figures(_decode(data), str(path))
