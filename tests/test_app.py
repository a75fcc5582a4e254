"""The dashboard, driven through Streamlit's AppTest on a real warehouse file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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


@pytest.fixture
def hostile_app(filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    from tests.hostile import hostile_documents
    from warehouse.documents import insert_documents

    with connect(filled_db) as con:
        insert_documents(con, hostile_documents())
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def shown_texts(at: AppTest) -> list[str]:
    """Every text the page put in markdown, captions, HTML, widgets' labels and options."""
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [h.proto.body for h in at.get("html")]
    for box in at.selectbox:
        texts += [box.label] + [str(o) for o in box.options]
    return texts + [t.value for t in at.text_area]


def test_hostile_crawled_fields_reach_the_page_without_links_controls_or_markup(hostile_app: AppTest) -> None:
    from tests.hostile import hostile_fields, invisible

    at = hostile_app
    assert not at.exception
    for doc in hostile_fields():
        [s for s in at.selectbox if s.label == "Document"][0].select(f"hostile-{doc['id']}").run()
        assert not at.exception, doc["id"]
        for text in shown_texts(at):
            assert invisible(text) == [], (doc["id"], invisible(text))
        markdown = [m.value for m in at.markdown] + [c.value for c in at.caption]
        assert not [t for t in markdown if "evil" in t or "Canales revocatoria" in t], \
            f"{doc['id']}: crawled text went through markdown, which autolinks www.x.y and a@b.c"
        html = " ".join(h.proto.body for h in at.get("html"))
        assert "<img" not in html and "<script" not in html and "<iframe" not in html, doc["id"]
        links = re.findall(r'<a href="([^"]*)"', html)
        assert all(href.startswith(("http://", "https://")) and "evil.example" not in href for href in links), links
        assert len(html) < 20_000, f"{doc['id']}: the page shows {len(html):,} characters of HTML before 'show all'"
    frames = [df.value for df in at.dataframe]
    cells = [str(v) for frame in frames for column in frame.columns for v in frame[column].tolist()]
    assert all(invisible(c) == [] and len(c) <= 2_000 for c in cells)


def test_show_all_opens_a_long_field_whole(hostile_app: AppTest) -> None:
    at = hostile_app
    [s for s in at.selectbox if s.label == "Document"][0].select("hostile-huge").run()
    assert len(at.text_area[0].value) <= 5_000
    [t for t in at.toggle if t.label.startswith("Show all")][0].set_value(True).run()
    assert not at.exception
    assert len([t for t in at.text_area if t.label == "Text"][0].value) > 1_000_000


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


def test_with_oidc_the_page_shows_nothing_before_sign_in(filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    monkeypatch.setenv("VIGIA_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.subheader and not at.dataframe and not at.metric


def test_corrections_and_events_carry_the_signed_in_identity_not_a_typed_name(
        filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    monkeypatch.setenv("VIGIA_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "email": "rosa@municipio.example", "name": "Rosa"}
    at.run()
    assert not at.exception
    assert not [t for t in at.text_input if t.key in ("correction_analyst", "event_analyst")]  # no name to type
    [t for t in at.text_input if t.key == "event_label"][0].input("Debate municipal")
    [b for b in at.get("form_submit_button") if b.label == "Add event"][0].click().run()
    doc_id = [s for s in at.selectbox if s.label == "Document"][0].value
    stance = [s for s in at.selectbox if s.label == "Recall stance"][0]
    stance.select("pro_recall" if stance.value != "pro_recall" else "anti_recall")
    [b for b in at.get("form_submit_button") if b.label == "Save correction"][0].click().run()
    assert not at.exception
    with connect(filled_db, read_only=True) as con:
        events = con.execute("SELECT analyst, identified_by FROM analyst_events").fetchall()
        corrections = con.execute("SELECT analyst, identified_by FROM corrections WHERE doc_id = ?", [doc_id]).fetchall()
    assert events == [("rosa@municipio.example", "oidc")]
    assert corrections and set(corrections) == {("rosa@municipio.example", "oidc")}


def test_without_sign_in_a_typed_name_is_recorded_as_typed(app: AppTest, filled_db: Path) -> None:
    [t for t in app.text_input if t.key == "event_label"][0].input("Mitin")
    [t for t in app.text_input if t.key == "event_analyst"][0].input("ana")
    [b for b in app.get("form_submit_button") if b.label == "Add event"][0].click().run()
    with connect(filled_db, read_only=True) as con:
        assert con.execute("SELECT analyst, identified_by FROM analyst_events").fetchall() == [("ana", "typed")]
