-- engines: postgresql
-- What the shared warehouse's scorers and read copies look rows up by (each mirrored table's
-- index on `changed` comes with its stamps: warehouse.database.stamp_tables).
CREATE INDEX IF NOT EXISTS deletions_changed ON deletions (changed);
CREATE INDEX IF NOT EXISTS documents_to_score ON documents (fetched_at, doc_id);
CREATE INDEX IF NOT EXISTS corrections_doc ON corrections (doc_id);
CREATE INDEX IF NOT EXISTS score_claims_until ON score_claims (claimed_until);
