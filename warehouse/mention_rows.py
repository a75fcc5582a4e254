"""The tables `mentions` and `daily_trends` read, built in each read copy.

Each sync of a read copy (``warehouse.readcopy``) calls :func:`refresh` with the documents the
incoming rows touched (of the tables in :data:`SOURCES`). The rows of those documents, and of
every other copy of the same stories (a new copy can change which one is the original), are
computed again from `documents`, `scores` and `corrections`; then the per-day summary rows of
the days they fall on. A read then scans one table instead of re-joining a million scores.

The work follows the touched documents, not the warehouse: each document carries a change stamp,
copies of a story are stored after its first copy, and scores and corrections after their
document, so every row involved is stamped no earlier than the oldest touched document or story
(found by key through ``lookup``), and DuckDB's zone maps skip the row groups before it.

Beside the rows, their term index `mention_terms` (migrations 053, 054): each distinct word of a
row's ``search_text`` (runs of letters and digits, the query language's whole words), and each
pair of adjacent words (a two-word phrase), with the row's ``row_key``. A rebuilt row whose text did not change keeps its key, so scores and corrections
write no postings; a new or changed text gets a new key and its postings (``warehouse.query``
looks a query's words up there instead of scanning the text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb
import pandas as pd

from warehouse.database import first_row

# The tables a `mentions` row is built from, by doc_id (a sync rebuilds the rows they touch).
SOURCES = ("documents", "scores", "corrections")

Lookup = Callable[[list[str]], pd.DataFrame]

# The documents to recompute: every copy of the touched stories, stamped no earlier than the
# oldest of them (zone maps skip older row groups).
_AFFECTED = """
CREATE OR REPLACE TEMP TABLE affected_docs AS
SELECT doc_id, changed FROM documents
WHERE changed >= $since AND coalesce(duplicate_of, doc_id) IN (SELECT story FROM touched_stories)
"""

_AFFECTED_ALL = "CREATE OR REPLACE TEMP TABLE affected_docs AS SELECT doc_id, changed FROM documents"

# The days whose summary rows change: where the affected documents were, and where they are now.
_DAYS_BEFORE = """
CREATE OR REPLACE TEMP TABLE affected_days AS
SELECT DISTINCT campaign, day FROM mention_rows
WHERE day IS NOT NULL AND changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)
"""

_ROWS = """
INSERT INTO mention_rows BY NAME
WITH d AS (
    SELECT * FROM documents WHERE changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)
),
st AS (
    SELECT doc_id,
           first_value(doc_id) OVER (
               PARTITION BY coalesce(duplicate_of, doc_id) ORDER BY published_at NULLS LAST, fetched_at, doc_id
           ) AS original
    FROM d
),
s AS (
    SELECT * FROM scores WHERE changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)
    QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY scored_at DESC, model_set) = 1
),
c AS (
    SELECT doc_id, field, new_value FROM corrections
    WHERE changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)
    QUALIFY row_number() OVER (PARTITION BY doc_id, field ORDER BY corrected_at DESC, correction_id DESC) = 1
)
-- BY NAME: each value lands in the column it is named for, whatever mention_rows' order.
SELECT
    d.doc_id, d.campaign, d.source_type, d.platform, d.url, d.title, d.text, d.author,
    d.published_at, d.fetched_at, d.lang, d.source, d.native_id,
    s.sentiment, s.sentiment_score,
    CASE WHEN ct.doc_id IS NOT NULL THEN ct.new_value ->> '$' ELSE s.target_sentiment END AS target_sentiment,
    CASE WHEN cto.doc_id IS NOT NULL THEN list_sort(CAST(from_json(cto.new_value, '["VARCHAR"]') AS VARCHAR[]))
         ELSE list_sort(s.topics) END AS topics,
    CASE WHEN cs.doc_id IS NOT NULL THEN cs.new_value ->> '$' ELSE s.stance END AS stance,
    s.model_set AS model,
    CASE WHEN st.original = d.doc_id THEN NULL ELSE st.original END AS duplicate_of,
    s.p_negative, s.p_neutral, s.p_positive, s.target_score, s.target_confidence, s.target_match,
    s.topic_probs, s.stance_probs, s.scored_at,
    (ct.doc_id IS NOT NULL OR cto.doc_id IS NOT NULL OR cs.doc_id IS NOT NULL) AS corrected,
    greatest(coalesce(CAST(s.stance_probs ->> 'pro_recall' AS DOUBLE), 0),
             coalesce(CAST(s.stance_probs ->> 'anti_recall' AS DOUBLE), 0),
             coalesce(CAST(s.stance_probs ->> 'none' AS DOUBLE), 0)) AS stance_confidence,
    list_min(list_transform(json_keys(s.topic_probs),
                            lambda k: abs(CAST(s.topic_probs ->> k AS DOUBLE) - 0.5))) * 2 AS topics_confidence,
    CAST(timezone(coalesce(k.timezone, 'UTC'), d.published_at) AS DATE) AS day,
    strip_accents(lower(coalesce(d.title, '') || ' ' || d.text)) AS search_text,
    d.changed,
    -- the row's key in mention_terms: kept while its text is the same (a score, a correction, a
    -- new copy of the story change no word), else a new one, whose postings _TERMS writes
    coalesce(o.row_key, $base + row_number() OVER ()) AS row_key
FROM d
JOIN st USING (doc_id)
LEFT JOIN s USING (doc_id)
LEFT JOIN c AS ct ON ct.doc_id = d.doc_id AND ct.field = 'target_sentiment'
LEFT JOIN c AS cto ON cto.doc_id = d.doc_id AND cto.field = 'topics'
LEFT JOIN c AS cs ON cs.doc_id = d.doc_id AND cs.field = 'stance'
LEFT JOIN campaigns AS k ON k.campaign = d.campaign
LEFT JOIN old_keys AS o ON o.doc_id = d.doc_id AND o.search_text = strip_accents(lower(coalesce(d.title, '') || ' ' || d.text))
"""

# The term index (migrations 053, 054): each distinct folded word of the new rows, and each pair
# of adjacent words ("avenida larco", one space apart) -> their key. Runs of letters and digits
# are exactly the query language's whole words (warehouse.query), and two adjacent runs are what
# a two-word phrase matches (its gap is any run of other characters), so a phrase is a lookup
# too. Ordered by term within the batch so a lookup reads few row groups of it.
TERM_PATTERN = r"[\pL\pN]+"

_TERMS = f"""
INSERT INTO mention_terms
SELECT term, row_key FROM (
    SELECT row_key, unnest(list_distinct(list_concat(words, list_transform(words[2:], lambda w, i: words[i] || ' ' || w))))
           AS term
    FROM (SELECT row_key, regexp_extract_all(search_text, '{TERM_PATTERN}') AS words FROM mention_rows WHERE row_key > $base)
)
ORDER BY term, row_key
"""

# How the local tables' contents are built, beyond their columns: a read copy's layout carries it
# (warehouse.readcopy.layout), so a copy built by other code is made again.
BUILT = _TERMS

_DAYS_AFTER = """
INSERT INTO affected_days
SELECT DISTINCT campaign, day FROM mention_rows
WHERE day IS NOT NULL AND changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)
"""

# Near-duplicate copies count as reach, not as separate opinions.
_DAILY = """
INSERT INTO daily_rows
WITH m AS (
    SELECT * FROM mention_rows
    -- the day range first: zone maps skip the row groups of other days (rows come in time order)
    WHERE day BETWEEN $first AND $last AND (campaign, day) IN (SELECT (campaign, day) FROM affected_days)
),
topic_counts AS (
    SELECT campaign, day, source_type, map(list(topic), list(n)) AS topic_counts
    FROM (
        SELECT campaign, day, source_type, topic, count(*) AS n
        FROM (SELECT campaign, day, source_type, unnest(topics) AS topic FROM m WHERE duplicate_of IS NULL)
        GROUP BY ALL
    )
    GROUP BY ALL
)
SELECT
    m.day, m.campaign, m.source_type,
    count(*) FILTER (WHERE m.duplicate_of IS NULL),
    avg(m.sentiment_score) FILTER (WHERE m.duplicate_of IS NULL),
    avg(CASE WHEN m.sentiment = 'negative' THEN 1.0 WHEN m.sentiment IS NULL THEN NULL ELSE 0.0 END)
        FILTER (WHERE m.duplicate_of IS NULL),
    any_value(t.topic_counts),
    count(*),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.sentiment IS NOT NULL),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.stance = 'pro_recall'),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.stance = 'anti_recall'),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.target_sentiment IS NOT NULL),
    avg(CASE m.target_sentiment WHEN 'positive' THEN 1.0 WHEN 'negative' THEN -1.0 WHEN 'neutral' THEN 0.0 END)
        FILTER (WHERE m.duplicate_of IS NULL),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.target_sentiment = 'negative'),
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.target_sentiment = 'positive')
FROM m
LEFT JOIN topic_counts AS t USING (campaign, day, source_type)
GROUP BY m.day, m.campaign, m.source_type
"""


def refresh(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str] | None = None,
            lookup: Lookup | None = None) -> int:
    """Recompute the rows of ``doc_ids`` (and their stories' other copies) and their days.

    ``None`` recomputes everything (a first sync, or a campaign's time zone change). ``lookup``
    gives ``doc_id``, ``changed`` and ``duplicate_of`` of documents by key (the store's index);
    without it they are read from ``con``'s own `documents` (a scan). Returns how many document
    rows were written.
    """
    own_transaction = _begin(con)
    try:
        count = _refresh(con, doc_ids, lookup or _scan_lookup(con))
    except Exception:
        if own_transaction:
            con.execute("ROLLBACK")
        raise
    if own_transaction:
        con.execute("COMMIT")
    return count


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Open a transaction unless the caller already holds one (a refresh is all or nothing).

    A failed ``BEGIN`` would abort the caller's transaction, so ask first: outside a
    transaction every statement gets a new transaction id, inside one they share it.
    """
    ids = [first_row(con.execute("SELECT current_transaction_id()")) for _ in range(2)]
    if ids[0] == ids[1]:
        return False
    con.execute("BEGIN TRANSACTION")
    return True


def _scan_lookup(con: duckdb.DuckDBPyConnection) -> Lookup:
    def lookup(doc_ids: list[str]) -> pd.DataFrame:
        return con.execute("SELECT doc_id, changed, duplicate_of FROM documents "
                           "WHERE doc_id IN (SELECT unnest(CAST(? AS VARCHAR[])))", [doc_ids]).df()

    return lookup


def _refresh(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str] | None, lookup: Lookup) -> int:
    if doc_ids is None:
        con.execute(_AFFECTED_ALL)
        since = {"since": 0}
    else:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return 0
        found = lookup(ids)
        stories = set(found["duplicate_of"].where(found["duplicate_of"].notna(), found["doc_id"]))
        roots = lookup(sorted(stories - set(found["doc_id"])))  # first copies stored earlier
        stamps = pd.concat([found["changed"], roots["changed"]]).dropna()
        if stamps.empty:
            return 0
        # Rows stamped before the oldest touched document or story cannot belong to them (copies
        # come after their first copy, scores and corrections after their document, and a
        # `mentions` row carries its document's stamp): DuckDB's zone maps skip them.
        since = {"since": int(stamps.min())}
        con.register("touched_stories", pd.DataFrame({"story": sorted(stories)}, dtype=object))
        try:
            con.execute(_AFFECTED, since)
        finally:
            con.unregister("touched_stories")
    con.execute(_DAYS_BEFORE, since)
    # New keys start above every key in use.
    top = first_row(con.execute("SELECT coalesce(max(row_key), 0) FROM mention_rows"))
    base = {"base": int(top[0]) if top else 0}
    if doc_ids is None:
        con.execute("CREATE OR REPLACE TEMP TABLE old_keys AS SELECT doc_id, row_key, search_text FROM mention_rows LIMIT 0")
        con.execute("DELETE FROM mention_terms")
        con.execute("DELETE FROM mention_rows")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE old_keys AS SELECT doc_id, row_key, search_text FROM mention_rows "
                    "WHERE changed >= $since AND doc_id IN (SELECT doc_id FROM affected_docs)", since)
        con.execute("DELETE FROM mention_rows WHERE changed >= $since "
                    "AND doc_id IN (SELECT doc_id FROM affected_docs)", since)
    con.execute(_ROWS, {**since, **base})
    _drop_stale_postings(con, since)
    con.execute(_TERMS, base)
    con.execute("DROP TABLE old_keys")
    con.execute(_DAYS_AFTER, since)
    con.execute("DELETE FROM daily_rows WHERE (campaign, day) IN (SELECT (campaign, day) FROM affected_days)")
    first, last = first_row(con.execute("SELECT min(day), max(day) FROM affected_days")) or (None, None)
    if first is not None:
        con.execute(_DAILY, {"first": first, "last": last})
    row = first_row(con.execute("SELECT count(*) FROM affected_docs"))
    con.execute("DROP TABLE affected_docs")
    con.execute("DROP TABLE affected_days")
    return int(row[0]) if row else 0


def _drop_stale_postings(con: duckdb.DuckDBPyConnection, since: dict[str, int]) -> None:
    """Delete the postings of the rebuilt rows whose text changed (their key was not kept). The
    key range first: postings are stored batch after batch, so zone maps skip all but the
    row groups of the batches those keys were written in."""
    con.execute("CREATE OR REPLACE TEMP TABLE stale_keys AS SELECT row_key FROM old_keys "
                "WHERE row_key NOT IN (SELECT row_key FROM mention_rows WHERE changed >= $since "
                "AND doc_id IN (SELECT doc_id FROM affected_docs))", since)
    low, high = first_row(con.execute("SELECT min(row_key), max(row_key) FROM stale_keys")) or (None, None)
    if low is not None:
        con.execute("DELETE FROM mention_terms WHERE row_key BETWEEN ? AND ? "
                    "AND row_key IN (SELECT row_key FROM stale_keys)", [low, high])
    con.execute("DROP TABLE stale_keys")


def is_stale(con: duckdb.DuckDBPyConnection) -> bool:
    """True when documents exist that `mention_rows` does not hold (a warehouse migrated from
    before these tables existed)."""
    row = first_row(con.execute(
        "SELECT (SELECT count(*) FROM documents) <> (SELECT count(*) FROM mention_rows)"
    ))
    return bool(row and row[0])
