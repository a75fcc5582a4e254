-- What each stored share estimate was computed from (issue 20): a fingerprint of the group's
-- texts per cell, its analyst-labelled texts and the calibration. A refresh recomputes only the
-- groups whose fingerprint changed (the days a write touched, their weeks, the campaign totals)
-- and keeps the others' rows in share_estimates as they are. Internal to warehouse/shares.py.
CREATE TABLE IF NOT EXISTS share_groups (
    campaign      VARCHAR NOT NULL,
    task          VARCHAR NOT NULL,
    period        VARCHAR NOT NULL,    -- as share_estimates.period, or 'trust' for share_trust's row
    period_start  DATE NOT NULL,
    source_type   VARCHAR NOT NULL,
    inputs        VARCHAR NOT NULL,    -- the fingerprint
    PRIMARY KEY (campaign, task, period, period_start, source_type)
);
