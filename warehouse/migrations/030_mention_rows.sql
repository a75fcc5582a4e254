-- engines: duckdb (what the read copies hold; PostgreSQL stores only the tables they are built from)
-- What the dashboard and the analyst views read at a million documents, maintained at write
-- time by warehouse.mention_rows.refresh(): one row per document with its current scores
-- (newest model set, analyst corrections on top, reprints resolved), and one summary row per
-- (campaign, day, source_type). `mentions` and `daily_trends` are views over these tables, so
-- a count or a trend chart never re-joins scores, corrections and stories.

CREATE TABLE mention_rows (
    doc_id             VARCHAR NOT NULL,
    campaign           VARCHAR NOT NULL,
    source_type        VARCHAR NOT NULL,
    platform           VARCHAR NOT NULL,
    url                VARCHAR NOT NULL,
    title              VARCHAR,
    text               VARCHAR NOT NULL,
    author             VARCHAR,
    published_at       TIMESTAMPTZ,
    fetched_at         TIMESTAMPTZ NOT NULL,
    lang               VARCHAR,
    sentiment          VARCHAR,
    sentiment_score    DOUBLE,
    target_sentiment   VARCHAR,
    topics             VARCHAR[],
    stance             VARCHAR,
    model              VARCHAR,
    source             VARCHAR NOT NULL,
    duplicate_of       VARCHAR,
    native_id          VARCHAR,
    p_negative         DOUBLE,
    p_neutral          DOUBLE,
    p_positive         DOUBLE,
    target_score       DOUBLE,
    target_confidence  DOUBLE,
    target_match       VARCHAR,
    topic_probs        JSON,
    stance_probs       JSON,
    scored_at          TIMESTAMPTZ,
    corrected          BOOLEAN NOT NULL,
    stance_confidence  DOUBLE,              -- top stance probability
    topics_confidence  DOUBLE,              -- how far the least decided topic is from 0.5, times 2
    day                DATE,                -- calendar day of published_at in the campaign's zone
    search_text        VARCHAR NOT NULL     -- title + text, lower case, accents stripped
);

CREATE TABLE daily_rows (
    day                   DATE NOT NULL,
    campaign              VARCHAR NOT NULL,
    source_type           VARCHAR NOT NULL,
    n_docs                BIGINT NOT NULL,
    avg_sentiment         DOUBLE,
    share_negative        DOUBLE,
    topic_counts          MAP(VARCHAR, BIGINT),
    n_reach               BIGINT NOT NULL,
    n_scored              BIGINT NOT NULL,
    n_pro_recall          BIGINT NOT NULL,
    n_anti_recall         BIGINT NOT NULL,
    n_target              BIGINT NOT NULL,
    avg_target_sentiment  DOUBLE,
    n_target_negative     BIGINT NOT NULL,
    n_target_positive     BIGINT NOT NULL,
    PRIMARY KEY (campaign, day, source_type)
);
