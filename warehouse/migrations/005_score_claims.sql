-- Scoring work handed out in batches: a scorer claims documents (under the writer lock) for a
-- lease, so concurrent `vigia score` runs share the backlog; a claim whose scorer died
-- expires at claimed_until and the documents go back to the backlog.
CREATE TABLE score_claims (
    doc_id         VARCHAR NOT NULL,
    model_set      VARCHAR NOT NULL,
    claimed_by     VARCHAR NOT NULL,   -- host:pid of the scorer
    claimed_until  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (doc_id, model_set)
);
