"""The dashboard, driven through Streamlit's AppTest on a real warehouse file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.markup import md_text
from warehouse import connect

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SECTIONS = (
    "What just happened? Spikes in volume, negativity toward the mayor and stance",
    "Where are we in the recall? The calendar and the analyst's events",
    "How favourable is it? Sentiment over time",
    "Is the perception of insecurity following the crime figures?",
    "Which topics? Share of documents per topic, by week",
    "Who argues for or against the recall?",
    "Who is talking, and about whom?",
    "Find me the texts about X: search, filter, read, export",
    "Read a document and correct its scores",
    "Ask the warehouse in SQL (read-only)",
    "How far can these scores be trusted?",
    "Which texts should be labelled next?",
)


@pytest.fixture
def app(filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_dashboard_draws_every_section_without_error(app: AppTest) -> None:
    assert not app.exception, app.exception
    subheaders = [s.value for s in app.subheader]
    for question in SECTIONS:
        assert question in subheaders
    assert subheaders.index(SECTIONS[0]) < subheaders.index(SECTIONS[-1])
    labels = {m.label: m.value for m in app.metric}
    assert labels["Documents"] == "90"
    assert "Negative, last 7 days" in labels


def test_dashboard_says_plainly_it_shows_sample_data(app: AppTest) -> None:
    assert any("Sample data" in w.value for w in app.warning)


def test_platform_filter_narrows_the_documents(app: AppTest) -> None:
    app.sidebar.multiselect[1].select("reddit").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Documents"] == "30"


def test_correction_from_the_dashboard_is_stored_with_who_and_old_value(app: AppTest, filled_db: Path) -> None:
    [t for t in app.text_input if t.key == "correction_analyst"][0].input("ana")
    form_selects = [s for s in app.selectbox if s.label == "Recall stance"]
    doc_select = [s for s in app.selectbox if s.label == "Document"][0]
    doc_id = doc_select.value
    with connect(filled_db, read_only=True) as con:
        before = con.execute("SELECT stance FROM mentions WHERE doc_id = ?", [doc_id]).fetchone()[0]
    new = "pro_recall" if before != "pro_recall" else "anti_recall"
    form_selects[0].select(new)
    [b for b in app.get("form_submit_button") if b.label == "Save correction"][0].click().run()
    assert not app.exception
    with connect(filled_db, read_only=True) as con:
        row = con.execute(
            "SELECT analyst, old_value, new_value FROM corrections WHERE doc_id = ? AND field = 'stance'", [doc_id]
        ).fetchone()
        shown = con.execute("SELECT stance, corrected FROM mentions WHERE doc_id = ?", [doc_id]).fetchone()
    assert row is not None and row[0] == "ana"
    assert row[2] == f'"{new}"'
    assert shown == (new, True)


def test_missing_warehouse_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIA_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    assert any("No warehouse" in e.value for e in at.error)


def test_explorer_search_ignores_accents_and_case_and_pages(app: AppTest) -> None:
    search = [t for t in app.text_input if t.key == "explorer_query"][0]
    search.input("SEGURIDAD miraflores").run()
    assert not app.exception
    assert any("; 90 texts" in n.label for n in app.number_input)  # every synthetic text says it
    [t for t in app.text_input if t.key == "explorer_query"][0].input("zzz-nothing-like-this").run()
    assert any("0 texts" in n.label for n in app.number_input)


def test_analyst_event_is_stored_with_who_added_it(app: AppTest, filled_db: Path) -> None:
    [t for t in app.text_input if t.key == "event_label"][0].input("Debate municipal en TV")
    [t for t in app.text_input if t.key == "event_analyst"][0].input("rosa")
    [b for b in app.get("form_submit_button") if b.label == "Add event"][0].click().run()
    assert not app.exception
    with connect(filled_db, read_only=True) as con:
        rows = con.execute("SELECT label, analyst FROM analyst_events").fetchall()
    assert rows == [("Debate municipal en TV", "rosa")]


HOSTILE = {
    "title": "**Gana** [clic](javascript:alert(1)) <img src=x onerror=alert(1)> ![p](http://evil.example/p.png)",
    "author": "[@admin](javascript:steal()) :red[rojo]",
    "url": "javascript:alert(document.cookie)",
}


def test_hostile_crawled_fields_are_shown_as_text_not_markup(filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import synthetic_documents
    from warehouse.documents import insert_documents

    doc = synthetic_documents(1)[0] | HOSTILE | {"doc_id": "hostile", "published_at": "2026-10-30T23:00:00Z"}
    with connect(filled_db) as con:
        insert_documents(con, [doc])
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    [s for s in at.selectbox if s.label == "Document"][0].select("hostile").run()
    assert not at.exception
    header = [m.value for m in at.markdown if "Gana" in m.value][0]
    # every markup character from the crawled fields arrives escaped: no link, image, tag or directive
    assert not re.search(r"(?<!\\)[\[\]<>!`*_]", header.replace("**", "", 2).replace("**", "", 1))
    assert md_text(HOSTILE["title"]) in header and md_text(HOSTILE["author"]) in header
    assert "link not shown" in header


def test_sql_tab_runs_reads_and_refuses_what_vigia_sql_refuses(app: AppTest) -> None:
    box = [t for t in app.text_area if t.key == "sql_text"][0]
    run = [b for b in app.get("form_submit_button") if b.label == "Run"][0]
    box.input("SELECT count(*) AS n FROM mentions")
    run.click().run()
    assert not app.exception
    assert any(df.value.iloc[0, 0] == 90 for df in app.dataframe if list(df.value.columns) == ["n"])
    box = [t for t in app.text_area if t.key == "sql_text"][0]
    box.input("SELECT * FROM read_text('/etc/passwd')")
    [b for b in app.get("form_submit_button") if b.label == "Run"][0].click().run()
    assert any(e.value.startswith("Refused") for e in app.error)


def test_every_share_chart_has_bands_and_says_what_they_rest_on(app: AppTest) -> None:
    """Shares are estimates with 90% intervals, never bare counts, and each chart says which
    calibration its bands rest on and how many labels (here none: the flat prior alone)."""
    assert not app.exception, app.exception
    specs = [c.proto.spec for c in app.get("vega_lite_chart")] if app.get("vega_lite_chart") else []
    banded = [s for s in specs if '"y2"' in s and '"low"' in s]
    assert len(banded) >= 3  # overall sentiment, toward the mayor, stance (and topics when detected)
    captions = [c.value for c in app.caption if c.value.startswith("Bands: 90% intervals")]
    assert len(captions) >= 3 and all("learnt from" in c for c in captions)
    negative = {m.label: m.value for m in app.metric}["Negative, last 7 days"]
    assert re.fullmatch(r"\d+% \(\d+%–\d+%\)", negative), negative  # an estimate and its interval
