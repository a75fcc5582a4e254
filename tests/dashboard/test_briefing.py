"""The briefing PDF: built from the same reads as the page, opened here and read page by page."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from alerts.spikes import spikes_in_view
from campaigns.model import load_campaign
from dashboard.briefing import build
from tests.warehouse import analyst_db
from warehouse import connect
from warehouse.documents import insert_documents
from warehouse.explorer import Selection
from warehouse.scores import write_scores

HOSTILE_TITLE = "Cámaras robadas \u202etxet desrever\u202c\x07 <b>ya</b>"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = analyst_db.build(tmp_path_factory.mktemp("briefing") / "vigia.duckdb")
    doc = analyst_db._doc(90000, analyst_db.SPIKE, "x", analyst_db.SCANDAL + " otra vez", "@denunciante")
    doc.update(title=HOSTILE_TITLE, url="javascript:alert(1)")
    with connect(path) as con:
        insert_documents(con, [doc])
        write_scores(con, [analyst_db._score(doc, "negative", "negative", ["security"], "pro_recall")])
    return path


def make(db: Path, lang: str, **options) -> tuple[bytes, PdfReader, str]:
    campaign = load_campaign()
    with connect(db, read_only=True) as con:
        sel = Selection(campaign=analyst_db.CAMPAIGN)
        pdf = build(con, sel, campaign_name=campaign.name, timezone=campaign.timezone, lang=lang,
                    spikes=spikes_in_view(con, sel), campaign=campaign,
                    events=[{"day": analyst_db.SPIKE, "label": "Debate municipal", "analyst": "ana"}],
                    now=datetime(2026, 10, 11, 1, 30, tzinfo=UTC), **options)
    reader = PdfReader(io.BytesIO(pdf))
    return pdf, reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_briefing_holds_the_view_dated_and_labelled(db: Path) -> None:
    _, reader, text = make(db, "es", queries=["cámaras", "serenazgo"])
    assert 2 <= len(reader.pages) <= 6
    flat = " ".join(text.split())
    assert "Informe: Revocatoria de Carlos Canales (Miraflores)" in flat
    # made at 01:30 UTC on the 11th: still the 10th in Lima, the campaign's zone
    assert "Generado el 10 oct 2026, 20:30" in flat and "America/Lima" in flat
    assert "1 sept 2026 a 10 oct 2026" in flat and "271 textos" in flat
    for heading in ("Cifras principales", "Picos y los textos que los impulsaron", "Consultas comparadas",
                    "Calendario y eventos", "Cuota de voz: Carlos Canales"):
        assert heading in flat
    assert "5 oct 2026: 37 textos" in flat  # the spike, with what rose and the texts behind it
    assert "@denunciante" in flat
    rose = flat.split("Subieron: ", 1)[1][:120]  # the words that rose, as the texts write them (not folded)
    assert "cámaras robadas" in rose and "camaras" not in rose, rose
    assert "cámaras: 31" in flat and "Debate municipal" in flat  # the query as typed, not folded
    assert "(muestra) · firmas" in flat and "signatures" not in flat  # a milestone's kind in the language
    assert f"Página 1 de {len(reader.pages)}" in flat
    images = sum(len(page.images) for page in reader.pages)
    assert images == 4  # volume with spikes, the two comparison charts, share of voice


def test_sample_data_is_said_in_plain_words(db: Path) -> None:
    _, _, text = make(db, "en", sample=True)
    assert "Sample data. These texts come from the bundled sample sources of vigia demo" in " ".join(text.split())
    assert "`" not in text and "**" not in text  # the page's markdown, printed as such


def test_crawled_text_cannot_reorder_or_link_out(db: Path) -> None:
    _, reader, text = make(db, "en")
    assert "Briefing: Revocatoria" in text and "Share of voice" in text
    assert "\u202e" not in text and "\x07" not in text
    links = [a.get_object().get("/A", {}).get("/URI") for page in reader.pages
             for a in (page.get("/Annots") or [])]
    assert links and all(str(uri).startswith(("http://", "https://")) for uri in links if uri)
    assert "javascript" not in " ".join(str(uri) for uri in links)


def test_without_dejavu_the_briefing_is_still_written_in_latin_1(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    import dashboard.briefing as briefing

    monkeypatch.setattr(briefing, "FONT_DIRS", ())
    _, reader, text = make(db, "es")
    assert len(reader.pages) >= 2 and "Informe: Revocatoria de Carlos Canales" in " ".join(text.split())
    assert "fonts-dejavu-core" in caplog.text


def test_with_dejavu_every_character_of_the_view_is_printed() -> None:
    from dashboard.briefing import _PDF, FONT_DIRS

    if not any((folder / "DejaVuSans.ttf").exists() for folder in FONT_DIRS):
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")

    doc = _PDF("Vigía", "{page}")
    assert doc.unicode and doc.fit("“Lucía” → ½ … ✓") == "“Lucía” → ½ … ✓"


def test_the_hostile_corpus_reaches_the_briefing_without_a_link_a_control_character_or_a_freeze(
        tmp_path: Path) -> None:
    """Issue 19's corpus (tests/fixtures/hostile/) as the spike's own texts: each shown through the
    one renderer, so no bidi or control character, no link out of a crawled URL, e-mail or
    markdown, and the 1 MB title cut instead of filling the PDF."""
    from tests.hostile import EVIL_HOSTS, hostile_documents, invisible

    path = analyst_db.build(tmp_path / "vigia.duckdb")
    docs = hostile_documents(analyst_db.CAMPAIGN)
    for i, doc in enumerate(docs):
        doc.update(published_at=datetime(2026, 10, 5, 18, i, tzinfo=UTC), source="x", source_type="social",
                   platform="x", text=analyst_db.SCANDAL + " " + doc["text"][:2000], author=doc["author"] or "@x")
    with connect(path) as con:
        insert_documents(con, docs)
        write_scores(con, [analyst_db._score(d, "negative", "negative", ["security"], "pro_recall") for d in docs])
    pdf, reader, text = make(path, "es", queries=["cámaras"])
    assert invisible(text) == []
    assert "evil.example" in text  # shown, as plain text ...
    links = [str(a.get_object().get("/A", {}).get("/URI")) for page in reader.pages
             for a in (page.get("/Annots") or [])]
    assert not [uri for uri in links if any(host in uri for host in EVIL_HOSTS) or uri.startswith("mailto:")]
    assert len(pdf) < 2_000_000 and len(reader.pages) <= 8  # the 1 MB title is cut, not printed
