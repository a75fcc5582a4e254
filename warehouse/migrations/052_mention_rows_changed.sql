-- engines: duckdb
-- Each `mentions` row carries its document's change stamp, so a read copy's sync rebuilds the
-- rows of the documents it touched reading only the newer row groups (zone maps), not the table.
ALTER TABLE mention_rows ADD COLUMN changed BIGINT;
