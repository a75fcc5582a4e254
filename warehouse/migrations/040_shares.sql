-- Shares with intervals (issue 20). `mentions` keeps per-text labels; share estimates are
-- computed from them by prevalence.estimate (Python: a Bayesian model, not SQL) and stored here
-- by warehouse.shares.refresh() at the end of every scoring, correction or training job.

-- The calibration bundled with a model set's heads (nlp/heads/calibration.json): per task, each
-- held-out text's label and the heads' probabilities for it. Numbers only, no text.
CREATE TABLE IF NOT EXISTS share_calibration (
    heads       VARCHAR NOT NULL,      -- the heads hash, as in a model set's "heads-<hash>"
    task        VARCHAR NOT NULL,      -- sentiment, target_sentiment, stance, topic:<name>
    classes     VARCHAR[] NOT NULL,
    source      VARCHAR NOT NULL,      -- where the labels come from, in words
    texts       JSON NOT NULL,         -- [[label index, p_1, ..., p_C], ...]
    stored_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (heads, task)
);

-- Which corrections trained which heads: a correction never calibrates the heads it trained
-- (cross-fitting). Written by `vigia train`.
CREATE TABLE IF NOT EXISTS correction_use (
    heads       VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,
    PRIMARY KEY (heads, doc_id, field)
);

-- One row per (campaign, task, period, group, label): the share estimate and its interval.
CREATE TABLE IF NOT EXISTS share_estimates (
    campaign      VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,    -- sentiment, target_sentiment, stance, topic:<name>, actor:<id>
    period        VARCHAR NOT NULL,    -- day, week, all; last7 / prev7: overall sentiment in the last 7 days and the 7 before
    period_start  DATE NOT NULL,       -- the day, the Monday of the week, or the first day
    period_end    DATE NOT NULL,       -- the day, the Sunday of the week, or the last day
    source_type   VARCHAR NOT NULL,    -- news, social, or all
    label         VARCHAR NOT NULL,
    estimate      DOUBLE,              -- NULL for a group with no text
    low           DOUBLE,              -- the interval (level below), never narrower than the data allow
    high          DOUBLE,
    level         DOUBLE NOT NULL,     -- 0.9
    n             BIGINT NOT NULL,     -- texts in the group
    n_known       BIGINT NOT NULL,     -- of which an analyst labelled (counted as labelled)
    n_labels      INTEGER NOT NULL,    -- in-domain calibration labels
    calibration   VARCHAR NOT NULL,    -- which calibration, in words
    model         VARCHAR,             -- the model set whose errors were learnt
    computed_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign, task, period, period_start, source_type, label)
);

-- What the trust panel says per share: this week's interval width and how many more in-domain
-- labels would halve it (NULL: no number tried would, the week's few texts bound it).
CREATE TABLE IF NOT EXISTS share_trust (
    campaign         VARCHAR NOT NULL,
    task             VARCHAR NOT NULL,
    week             DATE NOT NULL,    -- the Monday of the campaign's latest week with texts
    n                BIGINT NOT NULL,  -- texts that week
    width            DOUBLE,           -- mean width of its 90% intervals
    labels_to_halve  INTEGER,
    n_labels         INTEGER NOT NULL,
    calibration      VARCHAR NOT NULL,
    computed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign, task)
);
