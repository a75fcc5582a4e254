-- Vigia warehouse, first schema. Applied once, in a transaction, by warehouse.database.migrate().

CREATE TABLE campaigns (
    campaign    VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    topics      VARCHAR[] NOT NULL,
    sample      BOOLEAN NOT NULL DEFAULT false,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE documents (
    doc_id        VARCHAR PRIMARY KEY,      -- hash of campaign + canonical URL (news) or platform id (social)
    campaign      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,         -- the campaign source that found it
    source_type   VARCHAR NOT NULL CHECK (source_type IN ('news', 'social')),
    platform      VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    title         VARCHAR,
    text          VARCHAR NOT NULL,
    author        VARCHAR,
    published_at  TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    lang          VARCHAR,
    native_id     VARCHAR,                  -- the platform's own id for social posts
    content_hash  VARCHAR NOT NULL,         -- hash of the normalised title + text
    duplicate_of  VARCHAR,                  -- first copy of the same story (near-duplicate), if any
    crawl_run_id  BIGINT,
    extra         JSON
);

CREATE SEQUENCE crawl_run_ids START 1;

CREATE TABLE crawl_runs (
    run_id         BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
    campaign       VARCHAR NOT NULL,
    spider         VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,        -- running, finished, failed
    finish_reason  VARCHAR,
    items_seen     BIGINT NOT NULL DEFAULT 0,
    items_kept     BIGINT NOT NULL DEFAULT 0,
    new_documents  BIGINT NOT NULL DEFAULT 0,
    dropped        JSON,                    -- {"reason": count}
    errors         JSON,                    -- {"error type": count}
    skipped        JSON                     -- {"source": "why it was off"}
);

CREATE TABLE scores (
    doc_id             VARCHAR NOT NULL,
    model_set          VARCHAR NOT NULL,
    scored_at          TIMESTAMPTZ NOT NULL,
    sentiment          VARCHAR NOT NULL,
    p_negative         DOUBLE NOT NULL,
    p_neutral          DOUBLE NOT NULL,
    p_positive         DOUBLE NOT NULL,
    sentiment_score    DOUBLE NOT NULL,
    target_sentiment   VARCHAR,
    target_score       DOUBLE,
    target_confidence  DOUBLE,
    target_passages    INTEGER NOT NULL DEFAULT 0,
    topics             VARCHAR[] NOT NULL,
    topic_probs        JSON,
    stance             VARCHAR NOT NULL,
    stance_probs       JSON,
    PRIMARY KEY (doc_id, model_set)
);

CREATE TABLE source_state (
    campaign    VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,           -- e.g. newest_id, cursor, since
    value       VARCHAR,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign, source, key)
);

CREATE SEQUENCE correction_ids START 1;

CREATE TABLE corrections (
    correction_id  BIGINT PRIMARY KEY DEFAULT nextval('correction_ids'),
    doc_id         VARCHAR NOT NULL,
    field          VARCHAR NOT NULL CHECK (field IN ('target_sentiment', 'topics', 'stance')),
    old_value      JSON,
    new_value      JSON NOT NULL,
    analyst        VARCHAR NOT NULL,
    corrected_at   TIMESTAMPTZ NOT NULL
);
