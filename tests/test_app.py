"""The dashboard, driven through Streamlit's AppTest on a real warehouse file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from warehouse import connect

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(filled_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("VIGIA_DB", str(filled_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_dashboard_draws_every_section_without_error(app: AppTest) -> None:
    assert not app.exception, app.exception
    subheaders = [s.value for s in app.subheader]
    for question in ("How much is said about the mayor each day?", "Where is it said?",
                     "How favourable is it? Sentiment over time", "Which topics? Share of documents per topic, by week",
                     "Who argues for or against the recall?", "The texts: latest and most negative"):
        assert question in subheaders
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
    app.text_input[0].input("ana")
    form_selects = [s for s in app.selectbox if s.label == "Recall stance"]
    doc_select = [s for s in app.selectbox if s.label == "Document"][0]
    doc_id = doc_select.value
    with connect(filled_db, read_only=True) as con:
        before = con.execute("SELECT stance FROM mentions WHERE doc_id = ?", [doc_id]).fetchone()[0]
    new = "pro_recall" if before != "pro_recall" else "anti_recall"
    form_selects[0].select(new)
    app.get("form_submit_button")[0].click().run()
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
