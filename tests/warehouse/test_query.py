"""The query language: whole words, phrases, OR, AND, -exclusion, prefix*, parentheses; parsed
once, compiled to SQL with parameters, the same tree for counts, charts, exports and highlighting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import synthetic_documents
from warehouse import connect
from warehouse.documents import insert_documents
from warehouse.explorer import Selection, count, export, page
from warehouse.query import QueryError, canonical, highlight_spans, index_words, parse, problem

CAMPAIGN = "miraflores-canales"
TEXTS = {
    "q_paro": (None, "Convocan un paro de transportistas en Miraflores."),
    "q_particip": (None, "Los vecinos participaron en la marcha del malecón."),
    "q_robo": ("Robo en Larco", "Un robo a plena luz del día, denuncian vecinos."),
    "q_aprobo": (None, "El concejo aprobó el presupuesto de seguridad."),
    "q_robos": (None, "Los robos siguen; ROBÓ otra vez la banda."),
    "q_camaras": ("Más cámaras", "La municipalidad instaló cámaras de vigilancia, dijo el alcalde."),
    "q_serenazgo": (None, "El serenazgo patrulla el parque Kennedy."),
    "q_both": (None, "Serenazgo y cámaras: la apuesta de seguridad del alcalde."),
    "q_alcalde_rev": (None, "El alcalde enfrenta la revocatoria en Miraflores."),
    "q_phrase_punct": (None, "Pidieron cámaras, de vigilancia, en cada esquina."),
    "q_tag": (None, "Firmé hoy. #RevocatoriaYa @carloscanalesa"),
    "q_quote": (None, "Dijo 100% d'accord y O'Brien; DROP TABLE mentions; --"),
    "q_pairs_apart": (None, "Barranco tiene malecón; el malecón tiene parque."),
}


@pytest.fixture
def texts_db(filled_db: Path) -> Path:
    docs = synthetic_documents(len(TEXTS), seed=9)
    for doc, (doc_id, (title, text)) in zip(docs, TEXTS.items(), strict=True):
        doc.update(doc_id=doc_id, title=title, text=text, content_hash=doc_id)
    with connect(filled_db) as con:
        insert_documents(con, docs)
    return filled_db


def hits(path: Path, query: str) -> set[str]:
    with connect(path, read_only=True) as con:
        sel = Selection(campaign=CAMPAIGN, query=query)
        rows = page(con, sel, limit=500)
        assert count(con, sel) == len(rows)
        return {d for d in rows["doc_id"] if d.startswith("q_")}


def test_whole_words_by_default_accents_and_case_ignored(texts_db: Path) -> None:
    # today's substring search found "participaron" for "paro" and "aprobó" for "robo"
    assert hits(texts_db, "paro") == {"q_paro"}
    assert hits(texts_db, "robo") == {"q_robo", "q_robos"}  # "ROBÓ" is the word robo
    assert hits(texts_db, "ROBÓ") == {"q_robo", "q_robos"}
    assert hits(texts_db, "rob*") == {"q_robo", "q_robos"}  # robo, robos, robó; never aprobó


def test_or_and_exclusion_and_parentheses(texts_db: Path) -> None:
    assert hits(texts_db, "serenazgo OR cámaras") == {"q_serenazgo", "q_both", "q_camaras", "q_phrase_punct"}
    assert hits(texts_db, "serenazgo cámaras") == {"q_both"}
    assert hits(texts_db, "serenazgo AND cámaras") == {"q_both"}
    # today "alcalde -revocatoria" found nothing: the '-' was read as part of a word
    assert hits(texts_db, "alcalde -revocatoria") == {"q_camaras", "q_both"}
    assert hits(texts_db, "alcalde NOT revocatoria") == {"q_camaras", "q_both"}
    assert hits(texts_db, "(serenazgo OR revocatoria) alcalde") == {"q_both", "q_alcalde_rev"}
    assert hits(texts_db, "cámaras -(serenazgo OR vigilancia)") == set()
    assert hits(texts_db, 'cámaras -"de vigilancia"') == {"q_both"}


def test_phrases_hold_across_punctuation_and_tags_need_their_mark(texts_db: Path) -> None:
    assert hits(texts_db, '"cámaras de vigilancia"') == {"q_camaras", "q_phrase_punct"}
    assert hits(texts_db, '"vigilancia de cámaras"') == set()
    assert hits(texts_db, "#revocatoriaya") == {"q_tag"}
    assert hits(texts_db, "revocatoriaya") == {"q_tag"}
    assert hits(texts_db, "@carloscanalesa") == {"q_tag"}


def test_quotes_and_sql_in_a_query_are_words_never_sql(texts_db: Path) -> None:
    assert hits(texts_db, "O'Brien") == {"q_quote"}  # the word pair o, brien as a phrase
    assert hits(texts_db, "100%") == {"q_quote"}
    assert hits(texts_db, '"DROP TABLE mentions"') == {"q_quote"}
    assert hits(texts_db, "'; DROP TABLE mentions; --") == {"q_quote"}
    with connect(texts_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mentions").fetchall()[0][0] == 90 + len(TEXTS)


def test_export_uses_the_same_tree(texts_db: Path) -> None:
    with connect(texts_db, read_only=True) as con:
        csv = export(con, Selection(campaign=CAMPAIGN, query="serenazgo OR cámaras -vigilancia"), "csv").decode()
    assert "q_serenazgo" in csv and "q_both" in csv and "q_camaras" not in csv and "q_phrase_punct" not in csv


@pytest.mark.parametrize(("query", "says"), [
    ('"cámaras de vigilancia', "never closed"),
    ("OR", "needs something before"),
    ("cámaras OR", "needs something after"),
    ("OR cámaras", "needs something before"),
    ("(cámaras OR drones", "never closed"),
    ("cámaras)", "closes nothing"),
    ("c*", "too short"),
    ("cam*ras", "may only end a word"),
    ("alcalde - revocatoria", "stands alone"),
    ('""', "Empty quotes"),
    ("()", "Empty parentheses"),
    ("x" * 10_000, "at most 1,000 characters"),
    (" ".join(f"w{i}" for i in range(41)), "at most 40"),
])
def test_malformed_queries_get_a_clear_message(query: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse(query)
    assert says in (problem(query) or "")


def test_a_malformed_query_raises_before_any_sql_runs(texts_db: Path) -> None:
    with connect(texts_db, read_only=True) as con, pytest.raises(QueryError):
        count(con, Selection(campaign=CAMPAIGN, query='"unclosed'))


def test_empty_and_punctuation_only_queries_select_everything() -> None:
    assert parse("") is None and parse("   ") is None and parse("¿?") is None
    assert problem("") is None


@pytest.mark.parametrize("query", [
    "cámaras OR drones", "alcalde -revocatoria", '"cámaras de vigilancia" malecón', "camar*",
    "(serenazgo OR cámaras) -(drones OR presupuesto)", "a OR b c", "#RevocatoriaYa NOT robo",
])
def test_the_tree_reads_back_to_the_same_tree(query: str) -> None:
    assert parse(canonical(query)) == parse(query)


def test_and_binds_tighter_than_or() -> None:
    assert canonical("cámaras OR drones presupuesto") == "camaras OR drones presupuesto"
    assert parse("cámaras OR drones presupuesto") == parse("cámaras OR (drones presupuesto)")
    assert parse("cámaras OR drones presupuesto") != parse("(cámaras OR drones) presupuesto")


def test_highlight_spans_mark_whole_words_in_the_original_text() -> None:
    text = "Participaron en el PARO; aprobó el robo, y los Robos."
    spans = highlight_spans(text, "paro OR rob* -aprobó")
    assert [text[a:b] for a, b in spans] == ["PARO", "robo", "Robos"]
    assert highlight_spans(text, '"el robo"') == [(32, 39)]
    assert highlight_spans(text, "-paro") == []


def test_index_words_are_the_positive_plain_words() -> None:
    assert index_words('"cámaras de vigilancia" OR drones -robo camar*') == ["camaras", "de", "vigilancia", "drones"]


# Every kind of node: words, accents and case, OR, AND, exclusions, prefixes, phrases, tags,
# punctuation inside words, and words in no text.
SAME_HITS = [
    "paro", "robo", "ROBÓ", "rob*", "robo*", "serenazgo OR cámaras", "serenazgo cámaras", "serenazgo AND cámaras",
    "alcalde -revocatoria", "alcalde NOT revocatoria", "(serenazgo OR revocatoria) alcalde",
    "cámaras -(serenazgo OR vigilancia)", 'cámaras -"de vigilancia"', '"cámaras de vigilancia"',
    '"vigilancia de cámaras"', "#revocatoriaya", "revocatoriaya", "@carloscanalesa", "revoca*", "#revoca*",
    "O'Brien", "100%", '"DROP TABLE mentions"', "-robo", "huelga", "huelga OR paro", "camar* OR robo -larco",
    "cámaras OR drones presupuesto", "(cámaras OR drones) vigilancia", '"en miraflores" OR #revocatoriaya',
    # phrases: two words (one pair of adjacent words), across the title's end, with accents, a
    # three words across commas, three words whose pairs all occur but apart, one repeated
    '"la banda"', '"larco un robo"', '"ROBÓ otra"', '"de vigilancia en"', '"barranco tiene parque"',
    '"malecón tiene parque"', '"el malecón" -barranco', '"tiene parque" OR "la banda"', '"malecón malecón"',
]
EMPTY = ("huelga", '"vigilancia de cámaras"', "cámaras -(serenazgo OR vigilancia)", '"barranco tiene parque"',
         '"el malecón" -barranco', '"malecón malecón"')


def keys(con, predicate: tuple[str, list[str]]) -> set[str]:
    return {r[0] for r in con.execute(f"SELECT doc_id FROM mentions WHERE {predicate[0]}", predicate[1]).fetchall()}


@pytest.mark.parametrize("query", SAME_HITS)
def test_the_term_index_finds_the_same_texts_as_the_scan(texts_db: Path, query: str) -> None:
    from warehouse.query import where

    with connect(texts_db, read_only=True) as con:
        scanned = keys(con, where(query, "search_text"))
        indexed = keys(con, where(query, "search_text", key="row_key"))
    assert indexed == scanned
    if query not in EMPTY:
        assert scanned  # a comparison of two empty sets would prove nothing


def test_a_two_word_phrase_is_one_lookup_and_a_longer_one_reads_only_its_pairs_rows(texts_db: Path) -> None:
    from warehouse.query import where

    two = where('"malecón tiene"', "search_text", key="row_key")
    assert "search_text" not in two[0] and two[1] == ["malecon tiene"]
    three = where('"barranco tiene parque"', "search_text", key="row_key")
    assert three[1][:2] == ["barranco tiene", "tiene parque"] and "HAVING count(*) = 2" in three[0]
    with connect(texts_db, read_only=True) as con:
        # the pairs alone find the text holding both apart; the text read then drops it
        pairs_only = keys(con, (three[0].split(" AND (contains")[0] + ")", three[1][:2]))
        assert "q_pairs_apart" in pairs_only and "q_pairs_apart" not in keys(con, three)


def test_plain_words_are_answered_by_the_index_not_the_text(texts_db: Path) -> None:
    from warehouse.query import where

    predicate = where("serenazgo OR cámaras -rob* alcalde", "search_text", key="row_key")
    assert "search_text" not in predicate[0]  # only phrases and tags read the text
    clause, _ = Selection(campaign=CAMPAIGN, query="serenazgo OR cámaras").where()
    assert "mention_terms" in clause and "search_text" not in clause  # the explorer and charts use it
    with connect(texts_db, read_only=True) as con:
        assert count(con, Selection(campaign=CAMPAIGN, query="serenazgo OR cámaras")) == len(
            keys(con, where("serenazgo OR cámaras", "search_text")))
