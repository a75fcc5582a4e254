"""The explorer: accent- and case-insensitive ranked search, filters, paging, export; events."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import synthetic_documents
from warehouse import connect
from warehouse.documents import insert_documents
from warehouse.events import EventError, add_event, events
from warehouse.explorer import Selection, count, export, page, search_terms

CAMPAIGN = "miraflores-canales"


@pytest.fixture
def searchable(filled_db: Path) -> Path:
    docs = synthetic_documents(3, seed=5)
    texts = [
        ("Cámaras de VIGILANCIA en el malecón", "La Municipalidad instaló cámaras. Cámaras y más cámaras."),
        (None, "Hoy hablé de camaras con un vecino de Miraflores"),
        ("Otro tema", "El concejo aprobó el presupuesto"),
    ]
    for i, (doc, (title, text)) in enumerate(zip(docs, texts, strict=True)):
        doc.update(doc_id=f"s{i}", title=title, text=text)
    with connect(filled_db) as con:
        insert_documents(con, docs)
    return filled_db


def test_search_ignores_accents_and_case_and_ranks_title_hits_first(searchable: Path) -> None:
    with connect(searchable, read_only=True) as con:
        sel = Selection(campaign=CAMPAIGN, query="CAMARAS")
        assert count(con, sel) == 2
        assert page(con, sel)["doc_id"].tolist() == ["s0", "s1"]  # the title holds it
        assert count(con, Selection(campaign=CAMPAIGN, query='"cámaras de vigilancia" malecon')) == 1
        assert count(con, Selection(campaign=CAMPAIGN, query="cámaras presupuesto")) == 0


def test_filters_and_paging(searchable: Path) -> None:
    with connect(searchable, read_only=True) as con:
        everything = Selection(campaign=CAMPAIGN)
        total = count(con, everything)
        first, second = page(con, everything, offset=0, limit=10), page(con, everything, offset=10, limit=10)
        assert total == 93 and len(first) == 10 and not set(first["doc_id"]) & set(second["doc_id"])
        reddit = Selection(campaign=CAMPAIGN, platforms=["reddit"], stances=["pro_recall"])
        rows = page(con, reddit, limit=100)
        assert set(rows["platform"]) == {"reddit"} and set(rows["stance"]) == {"pro_recall"}
        assert len(page(con, Selection(campaign=CAMPAIGN, start=date(2026, 10, 1), end=date(2026, 10, 1)), limit=100)) == 4  # doc0, 30, 60 and s0
        assert "text" not in first.columns and first["excerpt"].str.len().max() <= 240


# The export once warned "Arrow output on a DB-API result makes an extra copy" on every download.
@pytest.mark.filterwarnings("error::UserWarning")
def test_export_holds_the_whole_selection_in_csv_and_parquet(searchable: Path) -> None:
    sel = Selection(campaign=CAMPAIGN, query="camaras")
    with connect(searchable, read_only=True) as con:
        csv_rows = pd.read_csv(io.BytesIO(export(con, sel, "csv")))
        table = pq.read_table(io.BytesIO(export(con, sel, "parquet")))
        with pytest.raises(ValueError, match="csv or parquet"):
            export(con, sel, "xlsx")
    assert csv_rows["doc_id"].tolist() == ["s0", "s1"] and "text" in csv_rows.columns
    assert table.column("doc_id").to_pylist() == ["s0", "s1"]


def test_search_terms_fold_and_keep_phrases() -> None:
    # in the query's order, once each; excluded words are not terms a hit holds
    assert search_terms('Ñandú "Revocatoria YA"  ñandu -robo') == ["nandu", "revocatoria ya"]


def test_events_are_stored_with_who_and_only_http_sources(filled_db: Path) -> None:
    with connect(filled_db) as con:
        add_event(con, CAMPAIGN, date(2026, 10, 5), "Debate", "ana", "https://example.pe/debate")
        with pytest.raises(EventError, match="http"):
            add_event(con, CAMPAIGN, date(2026, 10, 6), "X", "ana", "javascript:alert(1)")
        with pytest.raises(EventError, match="who"):
            add_event(con, CAMPAIGN, date(2026, 10, 6), "X", " ")
        stored = events(con, CAMPAIGN)
    assert [(e["label"], e["analyst"], e["source"]) for e in stored] == [("Debate", "ana", "https://example.pe/debate")]


def test_one_where_clause_serves_every_relation_and_refuses_a_filter_it_cannot_apply() -> None:
    from datetime import date

    import pytest

    from warehouse.explorer import Selection

    sel = Selection(campaign="c", start=date(2026, 1, 1), platforms=["x"])
    where, params = sel.where(alias="a", columns=("campaign", "day", "platform"))
    assert where == "a.campaign = ? AND a.day >= ? AND list_contains(?, a.platform)"
    assert params == ["c", date(2026, 1, 1), ["x"]]
    with pytest.raises(ValueError, match="cannot be filtered on platform"):
        sel.where(columns=("campaign", "day", "source_type"))


def test_the_export_writes_times_in_the_campaigns_zone(searchable: Path) -> None:
    # The page shows every time in the campaign's zone; its export wrote them in UTC.
    sel = Selection(campaign=CAMPAIGN, query="camaras")
    with connect(searchable, read_only=True) as con:
        stored = pd.read_csv(io.BytesIO(export(con, sel, "csv")))["published_at"]
        lima = pd.read_csv(io.BytesIO(export(con, sel, "csv", timezone="America/Lima")))["published_at"]
        table = pq.read_table(io.BytesIO(export(con, sel, "parquet", timezone="America/Lima")))
    assert all(value.endswith("-05:00") for value in lima)
    assert (pd.to_datetime(lima, utc=True) == pd.to_datetime(stored, utc=True)).all()  # the same moments
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=America/Lima]"
