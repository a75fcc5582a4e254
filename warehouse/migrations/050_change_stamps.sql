-- Read copies (warehouse/readcopy.py) are brought up to date with only the rows changed since
-- their last sync. Every table a read copy mirrors carries two stamps, added by
-- warehouse.database.stamp_tables() to each table the migrations create (so a new table is
-- mirrored without being listed anywhere): `changed`, the write that last changed the row, and
-- `created`, the write that first stored it (how a sync tells an updated row from a new one).
-- A stamp is the column's default, so inserts and upserts (`changed = EXCLUDED.changed`) renew
-- it without naming it: in DuckDB a number from one sequence (writes are one at a time), in
-- PostgreSQL the id of the writing transaction (warehouse/engines.py: Dialect.change_stamp).
CREATE SEQUENCE IF NOT EXISTS change_seq START 1;

-- A row deleted from a mirrored table leaves what it matched here (warehouse.database.forget),
-- so each read copy deletes it too at its next sync.
CREATE TABLE IF NOT EXISTS deletions (
    table_name  VARCHAR NOT NULL,
    key         JSON NOT NULL,       -- {column: value, ...}: the deleted rows were those equal to it
    changed     BIGINT NOT NULL DEFAULT {change_stamp}
);
