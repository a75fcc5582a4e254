-- Every row a read copy mirrors carries the stamp of the write that last changed it, so a read
-- copy is brought up to date by copying only the rows changed since its last sync
-- (warehouse/readcopy.py). The stamp is the column's default, so inserts and upserts
-- (`changed = EXCLUDED.changed`) renew it without naming it: in DuckDB a number from one
-- sequence (writes are one at a time), in PostgreSQL the id of the writing transaction
-- (warehouse/engines.py: Dialect.change_stamp).
CREATE SEQUENCE IF NOT EXISTS change_seq START 1;
ALTER TABLE campaigns ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE documents ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE crawl_runs ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE scores ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE actor_scores ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE corrections ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE model_trust ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE analyst_events ADD COLUMN changed BIGINT DEFAULT {change_stamp};
ALTER TABLE source_state ADD COLUMN changed BIGINT DEFAULT {change_stamp};
