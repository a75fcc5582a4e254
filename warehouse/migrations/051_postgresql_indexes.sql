-- engines: postgresql
-- What the shared warehouse's readers and scorers look rows up by: each read copy's sync asks
-- for the rows changed since its last one, and scorers skip expired claims and scored documents.
CREATE INDEX IF NOT EXISTS campaigns_changed ON campaigns (changed);
CREATE INDEX IF NOT EXISTS documents_changed ON documents (changed);
CREATE INDEX IF NOT EXISTS crawl_runs_changed ON crawl_runs (changed);
CREATE INDEX IF NOT EXISTS scores_changed ON scores (changed);
CREATE INDEX IF NOT EXISTS actor_scores_changed ON actor_scores (changed);
CREATE INDEX IF NOT EXISTS corrections_changed ON corrections (changed);
CREATE INDEX IF NOT EXISTS model_trust_changed ON model_trust (changed);
CREATE INDEX IF NOT EXISTS analyst_events_changed ON analyst_events (changed);
CREATE INDEX IF NOT EXISTS source_state_changed ON source_state (changed);
CREATE INDEX IF NOT EXISTS documents_to_score ON documents (fetched_at, doc_id);
CREATE INDEX IF NOT EXISTS corrections_doc ON corrections (doc_id);
CREATE INDEX IF NOT EXISTS score_claims_until ON score_claims (claimed_until);
