"""How good is collection: Vigia's article extractor beside plain trafilatura on real pages.

    .venv/bin/python benchmarks/extraction.py [--pages DIR] [--json]

Reads every ``*.html`` page under ``../shared/real/news/pages`` (or ``--pages``) with its gold
(``NAME.expected.json``, and ``NAME.expected.txt`` where the gold holds the full text), runs
``crawler.articles.extract_article`` and ``trafilatura.extract(..., output_format="json",
with_metadata=True)`` on the same bytes, and prints per page and in total:

- text: token F1 against the full gold text, and gold snippets (``must_contain`` present,
  ``must_not_contain`` absent) for the pages that only have snippets;
- title, date (same calendar day as the page wrote it) and author (same set of names) accuracy where gold gives one.

The last stdout line is one JSON object with the totals (what the README table shows).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from campaigns.recognition import fold  # noqa: E402

PAGES = REPO.parent / "shared" / "real" / "news" / "pages"


@dataclass
class Gold:
    """What a page's gold says: any field may be missing (None)."""

    page: Path
    url: str
    title: str | None = None
    date: str | None = None            # YYYY-MM-DD
    authors: list[str] | None = None   # None: gold says nothing; []: gold says no author
    text: str | None = None
    must_contain: list[str] = field(default_factory=list)
    must_not_contain: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    title: str | None
    author: str | None
    date: str | None
    text: str


def load_gold(page: Path) -> Gold:
    """The gold of one saved page (``NAME.html`` beside ``NAME.expected.json``/``.txt``)."""
    stem = page.name.removesuffix(".html")
    meta = json.loads((page.parent / f"{stem}.expected.json").read_text(encoding="utf-8"))
    full = page.parent / f"{stem}.expected.txt"
    gold = Gold(page=page, url=meta.get("url") or "")
    gold.title = (meta.get("title") or "").strip() or None
    date = meta.get("date") or meta.get("publishing_date") or ""
    gold.date = date[:10] or None
    if "authors" in meta:
        if meta["authors"] or meta.get("source", "").startswith("fundus"):
            gold.authors = [a for a in meta["authors"] if a.strip()]
    elif meta.get("author"):
        gold.authors = [meta["author"]]
    gold.text = full.read_text(encoding="utf-8") if full.exists() else None
    gold.must_contain = list(meta.get("must_contain") or [])
    gold.must_not_contain = list(meta.get("must_not_contain") or [])
    return gold


def real_pages(root: Path = PAGES) -> list[Path]:
    """Every saved page under ``root`` that has a gold file, sorted."""
    return sorted(p for p in root.rglob("*.html") if (p.parent / f"{p.name[:-5]}.expected.json").exists())


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text or ""))


def token_f1(found: str, gold: str) -> float:
    """Bag-of-words F1 between an extraction and the gold text."""
    got, want = Counter(tokens(found)), Counter(tokens(gold))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _squash(text: str | None) -> str:
    text = (text or "").replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    return " ".join(text.split()).strip().lower()


def snippets(found: str, gold: Gold) -> tuple[int, int]:
    """(snippets right, snippets checked): wanted ones present, unwanted ones absent."""
    text = _squash(found)
    right = sum(_squash(s) in text for s in gold.must_contain)
    right += sum(_squash(s) not in text for s in gold.must_not_contain)
    return right, len(gold.must_contain) + len(gold.must_not_contain)


def _names(value: str | list[str] | None) -> set[str]:
    if not value:
        return set()
    # a gold byline may itself list several ("E. BARRENECHE / J. I. DA SILVA"): split it as ours
    parts = [p for v in (value if isinstance(value, list) else [value])
             for p in re.split(r"\s*[;,/]\s*|\s+y\s+|\s+and\s+", v)]
    return {" ".join(tokens(p)) for p in parts if tokens(p)}


def author_right(found: str | None, gold: Gold) -> bool:
    return _names(found) == _names(gold.authors)


def ours(raw: bytes, url: str) -> Extraction:
    from crawler.articles import decode_html, extract_article

    article = extract_article(decode_html(raw), url)
    # the extractor keeps the offset the page wrote the date in, so this is the page's own day
    date = article.published_at.date().isoformat() if article.published_at else None
    return Extraction(article.title, article.author, date, article.text)


def plain_trafilatura(raw: bytes, url: str) -> Extraction:
    import trafilatura

    result = trafilatura.extract(raw, url=url, output_format="json", with_metadata=True)
    data: dict[str, Any] = json.loads(result) if result else {}
    return Extraction(data.get("title"), data.get("author"), (data.get("date") or "")[:10] or None, data.get("text") or "")


EXTRACTORS = {"vigia": ours, "trafilatura": plain_trafilatura}


def score_page(gold: Gold, got: Extraction) -> dict[str, Any]:
    """One page's scores; a field is None where the gold says nothing about it."""
    row: dict[str, Any] = {"chars": len(got.text)}
    row["token_f1"] = round(token_f1(got.text, gold.text), 3) if gold.text else None
    right, checked = snippets(got.text, gold)
    row["snippets"] = [right, checked] if checked else None
    row["title"] = _squash(got.title) == _squash(gold.title) if gold.title else None
    row["date"] = got.date == gold.date if gold.date else None
    row["author"] = author_right(got.author, gold) if gold.authors is not None else None
    row["got"] = {"title": got.title, "author": got.author, "date": got.date}
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over pages: mean token F1, snippets right, and right/checked per field."""
    f1s = [r["token_f1"] for r in rows if r["token_f1"] is not None]
    snips = [r["snippets"] for r in rows if r["snippets"]]
    total: dict[str, Any] = {
        "pages": len(rows),
        "token_f1": round(sum(f1s) / len(f1s), 3) if f1s else None,
        "token_f1_pages": len(f1s),
        "snippets": [sum(s[0] for s in snips), sum(s[1] for s in snips)],
    }
    for key in ("title", "date", "author"):
        checked = [r[key] for r in rows if r[key] is not None]
        total[key] = [sum(checked), len(checked)]
    return total


def evaluate(pages: list[Path]) -> dict[str, Any]:
    """Both extractors on every page: ``{"pages": {name: {extractor: row}}, "total": {...}}``."""
    per_page: dict[str, dict[str, Any]] = {}
    for page in pages:
        gold = load_gold(page)
        raw = page.read_bytes()
        per_page[f"{page.parent.name}/{page.name}"] = {
            name: score_page(gold, extract(raw, gold.url)) for name, extract in EXTRACTORS.items()
        }
    totals = {name: summarise([rows[name] for rows in per_page.values()]) for name in EXTRACTORS}
    return {"pages": per_page, "total": totals}


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return f"{value[0]}/{value[1]}"
    return "-" if value is None else str(value)


def report(result: dict[str, Any]) -> str:
    """The per-page table and the totals as plain text."""
    lines = [f"{'page':48} {'extractor':12} {'chars':>6} {'F1':>6} {'snip':>6} title date author"]
    for name, rows in result["pages"].items():
        for extractor, row in rows.items():
            flags = " ".join(_cell(row[k]).replace("True", "ok").replace("False", "NO") for k in ("title", "date", "author"))
            lines.append(
                f"{name[:48]:48} {extractor:12} {row['chars']:6} {_cell(row['token_f1']):>6} "
                f"{_cell(row['snippets']):>6} {flags}"
            )
    lines.append("")
    lines.append("| extractor | token F1 | snippets | title | date | author |")
    lines.append("|---|---|---|---|---|---|")
    for extractor, total in result["total"].items():
        lines.append(
            f"| {extractor} | {_cell(total['token_f1'])} ({total['token_f1_pages']} pages) | "
            f"{_cell(total['snippets'])} | {_cell(total['title'])} | {_cell(total['date'])} | {_cell(total['author'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, default=PAGES, help="folder of saved pages with gold")
    args = parser.parse_args(argv)
    pages = real_pages(args.pages)
    if not pages:
        print(f"no pages with gold under {args.pages}", file=sys.stderr)
        return 1
    import logging

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    result = evaluate(pages)
    print(report(result))
    print(json.dumps(result["total"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
