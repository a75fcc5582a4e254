-- engines: duckdb (built in each read copy beside mention_rows, like 053's words)
-- The term index also holds each pair of adjacent words of a row's search_text, one space apart
-- ("avenida larco"): a two-word phrase is then one lookup, and a longer one narrowed to the rows
-- holding all its pairs before its text is read (warehouse.query, Match.index_sql). Reading
-- every text for a phrase cost 3x a word query's time at 1M documents (benchmarks/README.md).
-- A word never holds a space, so a pair is never taken for a word. warehouse.mention_rows
-- writes both for new rows.
INSERT INTO mention_terms
SELECT term, row_key FROM (
    SELECT row_key, unnest(list_distinct(list_transform(words[2:], lambda w, i: words[i] || ' ' || w))) AS term
    FROM (SELECT row_key, regexp_extract_all(search_text, '[\pL\pN]+') AS words FROM mention_rows)
)
ORDER BY term, row_key;
