-- How far to trust the scores: cross-validated agreement of the model with the analyst's own
-- corrections, per campaign and task (target_sentiment, topics, stance), written by `vigia trust`
-- (and by `vigia train`). `method` says how it was measured ('5-fold', or 'scorer' when too few
-- labels per class allow no cross-validation and the scorer's answers are compared as they are).
CREATE TABLE IF NOT EXISTS model_trust (
    campaign VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    model_set VARCHAR NOT NULL,
    n_labels INTEGER NOT NULL,
    agreement DOUBLE,
    macro_f1 DOUBLE,
    method VARCHAR NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign, task, model_set)
);
-- Document confidence per task for the "least sure, label next" queue: the target's top-class
-- probability is in scores.target_confidence; stance and topics read their probabilities.
