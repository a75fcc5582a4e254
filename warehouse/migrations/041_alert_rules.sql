-- (Idempotent: a warehouse built on this branch before the renumbering applied it as 040.)
-- Alert rules the dashboard edits and `vigia alerts` reads (warehouse/alert_rules.py). The
-- campaign file's [alerts] values are the defaults: one rule per metric over every text; a row
-- here for (campaign, metric, query) overrides it, and a row with a query adds a rule watching
-- that query's texts. Who changed a rule and when is kept.
CREATE SEQUENCE IF NOT EXISTS alert_rule_ids START 1;

CREATE TABLE IF NOT EXISTS alert_rules (
    rule_id      BIGINT PRIMARY KEY DEFAULT nextval('alert_rule_ids'),
    campaign     VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL CHECK (metric IN ('volume', 'target_negative', 'pro_recall', 'anti_recall')),
    query        VARCHAR NOT NULL DEFAULT '',   -- '' watches every text; else the query language
    enabled      BOOLEAN NOT NULL,
    z            DOUBLE NOT NULL,               -- standard deviations above the trailing window
    min_count    INTEGER NOT NULL,              -- texts a day needs before it can be a spike
    window_days  INTEGER NOT NULL,              -- the trailing baseline
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign, metric, query)
);

-- Analyst events can be corrected: who changed one last, and when.
ALTER TABLE analyst_events ADD COLUMN IF NOT EXISTS edited_by VARCHAR;
ALTER TABLE analyst_events ADD COLUMN IF NOT EXISTS edited_at TIMESTAMPTZ;
