"""Extraction and language on real material kept in ../shared (skipped when it is absent).

The extractor runs on every real page with gold in ../shared/real/news/pages beside plain
``trafilatura.extract`` (the report is printed: ``pytest -s``; ``make eval-extract`` prints the
same); real Spanish tweets must survive language detection.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.extraction import PAGES, evaluate, real_pages, report
from crawler.language import LanguageGuesser

SHARED = Path(__file__).parents[3] / "shared"
REAL_SOCIAL = Path(__file__).parents[1] / "fixtures" / "real" / "social"


@pytest.fixture(scope="module")
def extraction():
    pages = real_pages(PAGES) if PAGES.exists() else []
    if not pages:
        pytest.skip(f"no real pages with gold under {PAGES}")
    result = evaluate(pages)
    print(report(result))
    return result


def test_every_real_page_gives_title_and_body(extraction):
    for name, rows in extraction["pages"].items():
        assert rows["vigia"]["chars"] >= 500, name
        assert rows["vigia"]["got"]["title"], name


def test_extraction_matches_or_beats_plain_trafilatura(extraction):
    ours, theirs = extraction["total"]["vigia"], extraction["total"]["trafilatura"]
    assert ours["token_f1"] >= theirs["token_f1"]
    assert ours["snippets"][0] >= theirs["snippets"][0]
    for field in ("title", "date", "author"):
        assert ours[field][0] >= theirs[field][0], field


def test_outlet_names_are_never_authors(extraction):
    for name, rows in extraction["pages"].items():
        author = (rows["vigia"]["got"]["author"] or "").lower()
        assert author not in ("24horas.cl", "la nacion", "noticias trome"), name
        assert "drupal" not in author


def _spanish_tweets() -> list[str]:
    texts = []
    umsab = SHARED / "data" / "umsab-es"
    for split in ("train", "test"):
        if (umsab / f"{split}_text.txt").exists():
            texts += (umsab / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    intertass = SHARED / "data" / "intertass-pe" / "train.jsonl"
    if intertass.exists():
        texts += [json.loads(line)["text"] for line in intertass.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [t for t in texts if t.strip()]


def test_real_spanish_tweets_are_kept():
    texts = _spanish_tweets()
    if not texts:
        pytest.skip(f"no real Spanish tweets under {SHARED / 'data'} (umsab-es, intertass-pe)")
    guesser = LanguageGuesser(["es"])
    kept = sum(guesser.kept(guesser.detect(t)) for t in texts)
    assert kept / len(texts) >= 0.98, f"{kept}/{len(texts)} kept"


def test_english_bluesky_posts_are_kept_for_an_english_campaign():
    posts = json.loads((REAL_SOCIAL / "bluesky" / "atrrr_searchPosts_q_rstats_limit100_2025-07.json").read_text())["posts"]
    guesser = LanguageGuesser(["en"])
    tagged_en = [p for p in posts if (p["record"].get("langs") or [None])[0] == "en"]
    assert all(guesser.kept(guesser.detect(p["record"]["text"], hint="en")) for p in tagged_en)
    kept = sum(guesser.kept(guesser.detect(p["record"]["text"], hint=(p["record"].get("langs") or [None])[0])) for p in posts)
    assert kept >= 95


def test_handles_urls_and_hashtags_are_not_language():
    guesser = LanguageGuesser(["es"])
    assert guesser.detect("Partido podrido, partido prostituido = @PPopular https://t.co/abc #corrupcion") == "es"


# ------------------------------------------------------------------ issue 22
def _real(name: str):
    from crawler.articles import decode_html, extract_article

    page = PAGES / "trafilatura" / f"{name}.html"
    if not page.exists():
        pytest.skip(f"{page} is absent")
    gold = json.loads((page.parent / f"{name}.expected.json").read_text(encoding="utf-8"))
    return extract_article(decode_html(page.read_bytes()), gold.get("url") or "https://example.org/"), gold


def test_a_byline_shown_in_capitals_names_every_author():
    # The JSON-LD credits only "Eduardo Barreneche"; the page shows "e. barreneche / J. I. da silva"
    # (capitals by CSS), the gold says "E. BARRENECHE / J. I. DA SILVA".
    article, _ = _real("elpais.com.uy-gobierno")
    assert article.author == "E. Barreneche, J. I. da Silva"


def test_a_le_puede_interesar_line_is_not_part_of_the_story():
    article, gold = _real("elespectador.com-orion")
    assert "Le puede interesar" in gold["must_not_contain"]
    assert "Le puede interesar" not in article.text
    assert all(s in article.text for s in gold["must_contain"])
