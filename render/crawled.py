"""The one way crawled text reaches a person: a screen, a PDF, an alert, a spreadsheet.

Titles, authors, urls and texts come from anyone on the web, and so do analyst-typed labels and
campaign-file strings shown beside them. :func:`crawled` is the only function that turns such a
value into something shown; callers never escape by hand. What it knows:

- **Unicode format controls** (category Cf: bidi embeddings, overrides and isolates such as
  U+202E, marks, invisible operators, the BOM, tag characters) are removed, so a field cannot
  reverse or hide the text around it (the page's own source label and date). ZWJ and ZWNJ stay:
  emoji sequences and several scripts need them and they reorder nothing. C0/C1 control
  characters go too (a terminal escape sequence in `vigia sql`'s table is harmless text).
- **No plain text becomes a link.** Streamlit's markdown autolinks ``www.x.y`` and ``a@b.c``
  even when every mark is backslash-escaped, and renders ``[x](url)``; so crawled text never goes
  through markdown. ``to="html"`` escapes it for HTML without markdown (``st.html``, a PDF's
  paragraph markup) inside ``<bdi>``, which isolates its direction from what surrounds it; the
  one link the page draws is :func:`link`, only to a plain http(s) address.
- **Caps.** What is shown is cut at ``limit`` characters with "…" (a 1 MB title froze the
  page for minutes); the caller offers "show all" with ``limit=None``.
- **Spreadsheets.** ``to="csv"`` neutralises formulas the way spreadsheet-safe CSV writers do
  (OWASP "CSV injection"; the rule set of ``defusedcsv``): a text cell starting with ``=``,
  ``+``, ``-``, ``@``, ``|``, ``%``, a tab or a carriage return gets a leading apostrophe,
  unless it is a plain number. :func:`write_csv` writes whole tables that way, UTF-8, with an
  optional byte-order mark for Excel.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any, Literal
from urllib.parse import urlsplit

import regex

Target = Literal["text", "html", "csv"]

# What each kind of field shows before "show all" (characters).
TITLE = 300
AUTHOR = 120
CELL = 300
TEXT = 5_000
URL = 2_000

# Format controls except ZWNJ/ZWJ, control characters except tab and newline, and the
# separators that break lines without being a newline.
_INVISIBLE = regex.compile(r"[[\p{Cf}--[\u200c\u200d]]\p{Cc}--[\t\n]]+", regex.V1)
_BREAKS = re.compile(r"[\r\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"\s+")
_FORMULA = ("=", "+", "-", "@", "|", "%", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9,.]*$")


def crawled(value: object, *, to: Target = "text", limit: int | None = CELL, lines: bool = False) -> str:
    """``value`` (anything; None is empty) as shown text for ``to``:

    - ``text``: plain text for a widget label, a table cell, an e-mail, a webhook, a terminal,
      a PDF's plain text: no control or format characters; one line unless ``lines``.
    - ``html``: the same, HTML-escaped inside ``<bdi>`` (newlines as ``<br>`` with ``lines``),
      for ``st.html`` or a PDF's paragraph markup; never a tag, entity trick or link.
    - ``csv``: a spreadsheet cell: newlines kept, formulas neutralised; not cut unless
      ``limit`` is given (exports carry whole texts).

    ``limit``: the most characters shown (an ellipsis marks the cut); None shows all.
    """
    if value is None:
        return "" if to != "html" else "<bdi></bdi>"
    text = str(value)
    if limit is not None and to != "csv":
        # Bound the work on a huge field before cleaning it: cleaning only removes characters.
        text = text[: max(4 * limit, limit + 64)]
    keep_lines = lines or to == "csv"
    text = _BREAKS.sub("\n" if keep_lines else " ", text)
    if to == "csv" and str(value)[:1] in ("\t", "\r"):
        text = "'" + text  # neutralised before the control-character pass removes the evidence
    text = _INVISIBLE.sub("", text)
    if not keep_lines:
        text = _SPACES.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    if to == "html":
        escaped = html.escape(text, quote=True)
        return "<bdi>" + (escaped.replace("\n", "<br>") if lines else escaped) + "</bdi>"
    if to == "csv" and text.startswith(_FORMULA) and not _NUMBER.match(text):
        return "'" + text
    return text


def safe_url(value: object) -> str | None:
    """The URL when it is a plain http(s) address with a host, else None (never a
    ``javascript:``, ``data:`` or relative link, nor one carrying control characters)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > URL or any(ch.isspace() for ch in url) or _INVISIBLE.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def link(label: object, url: object, *, limit: int | None = CELL) -> str:
    """An HTML link (for ``st.html``) with a :func:`crawled` label, only to a plain http(s)
    address, opened in a new tab without a referrer; otherwise the label and why no link."""
    target = safe_url(url)
    shown = crawled(label, to="html", limit=limit)
    if target is None:
        return f"{shown} (link not shown: not an http(s) address)"
    return (f'<a href="{html.escape(target, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{shown}</a>')


def text_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, width: int = 60) -> str:
    """Rows as an aligned plain-text table for a terminal, every cell through :func:`crawled`
    (one line, no control characters, at most ``width`` characters), NULL for None."""
    cells = [["NULL" if v is None else crawled(v, limit=width) for v in row] for row in rows]
    heads = [crawled(c, limit=width) for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str], *, bom: bool = False) -> int:
    """Write a header and ``rows`` to ``out`` as spreadsheet-safe CSV (every text cell through
    :func:`crawled`, numbers as they are); a UTF-8 byte-order mark first with ``bom`` (Excel
    then reads the file as UTF-8). Returns the rows written."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([crawled(c, to="csv", limit=None) for c in columns])
    n = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        n += 1
    return n


def csv_cell(value: object) -> object:
    """One value of a spreadsheet-safe CSV row: text through :func:`crawled`, lists joined
    with ``;``, numbers, booleans and None (an empty cell) as they are."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = ";".join("" if v is None else str(v) for v in value)
    return crawled(value, to="csv", limit=None)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False) -> bytes:
    """:func:`write_csv` into UTF-8 bytes (a download)."""
    buffer = io.StringIO(newline="")
    write_csv(columns, rows, buffer, bom=bom)
    return buffer.getvalue().encode("utf-8")
