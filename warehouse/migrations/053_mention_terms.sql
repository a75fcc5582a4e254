-- engines: duckdb (built in each read copy beside mention_rows, like it)
-- A term index kept at write time beside `mention_rows`: each folded word of a row's
-- search_text (runs of letters and digits, the query language's whole words) -> the row's
-- `row_key`, a compact integer given each time the row is (re)built. A query's words then become
-- lookups instead of a scan of the text column (warehouse.query, Node.index_sql);
-- warehouse.mention_rows.refresh() deletes a rebuilt row's postings and writes its new ones.
-- Rows are stored ordered by term, so DuckDB's zone maps skip the row groups of other terms.
ALTER TABLE mention_rows ADD COLUMN row_key BIGINT;
UPDATE mention_rows SET row_key = rowid + 1;
CREATE TABLE mention_terms (term VARCHAR NOT NULL, row_key BIGINT NOT NULL);
INSERT INTO mention_terms
SELECT term, row_key FROM (
    SELECT row_key, unnest(list_distinct(regexp_extract_all(search_text, '[\pL\pN]+'))) AS term FROM mention_rows
)
ORDER BY term, row_key;
