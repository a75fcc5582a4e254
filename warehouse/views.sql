-- Analyst-facing views, recreated by warehouse.views.create_views() after every migration and
-- whenever a campaign adds topics. The topic-columns placeholder gets one count per known topic;
-- topic names are validated slugs (campaigns.model.Topic), so they are safe as identifiers.

CREATE OR REPLACE VIEW latest_scores AS
SELECT * EXCLUDE (rank_newest)
FROM (
    SELECT s.*,
           row_number() OVER (PARTITION BY doc_id ORDER BY scored_at DESC, model_set) AS rank_newest
    FROM scores AS s
)
WHERE rank_newest = 1;

CREATE OR REPLACE VIEW latest_corrections AS
SELECT doc_id, field, new_value, analyst, corrected_at
FROM (
    SELECT c.*,
           row_number() OVER (PARTITION BY doc_id, field ORDER BY corrected_at DESC, correction_id DESC) AS rank_newest
    FROM corrections AS c
)
WHERE rank_newest = 1;

-- Copies of one story (documents.duplicate_of links each copy to the copy held first) and
-- which copy is the original: the earliest published, whatever order the crawl met them in.
CREATE OR REPLACE VIEW stories AS
SELECT doc_id,
       coalesce(duplicate_of, doc_id) AS story,
       first_value(doc_id) OVER (
           PARTITION BY coalesce(duplicate_of, doc_id) ORDER BY published_at NULLS LAST, fetched_at, doc_id
       ) AS original
FROM documents;

-- One row per collected document, with its newest scores; analyst corrections win over models.
-- Read from mention_rows, which warehouse.mention_rows.refresh() keeps current at write time.
CREATE OR REPLACE VIEW mentions AS
SELECT
    doc_id, campaign, source_type, platform, url, title, text, author, published_at, fetched_at, lang,
    sentiment, sentiment_score, target_sentiment, topics, stance, model,
    -- extensions beyond the contract
    source, duplicate_of, native_id, p_negative, p_neutral, p_positive, target_score,
    target_confidence, target_match, topic_probs, stance_probs, scored_at, corrected,
    day,           -- calendar day of published_at in the campaign's time zone
    search_text    -- title and text folded (lower case, no accents) for search
FROM mention_rows;

-- One row per (day, campaign, source_type). Days are calendar days in the campaign's time zone.
-- Near-duplicate copies (duplicate_of set) count as reach, not as separate opinions.
-- Summary rows kept current at write time (daily_rows).
CREATE OR REPLACE VIEW daily_trends AS
SELECT
    day, campaign, source_type, n_docs, avg_sentiment, share_negative,
    {topic_columns}
    n_reach, n_scored, n_pro_recall, n_anti_recall, n_target, avg_target_sentiment,
    -- extensions for the dashboard
    n_target_negative, n_target_positive, topic_counts
FROM daily_rows;

-- What the dashboard needs to know about each campaign (sample data is labelled as such).
CREATE OR REPLACE VIEW campaign_info AS
SELECT campaign, name, topics, sample, timezone, updated_at FROM campaigns;

-- The crawl log, newest first, for `vigia status` and the dashboard.
CREATE OR REPLACE VIEW crawl_log AS
SELECT run_id, campaign, spider, started_at, finished_at, status, finish_reason,
       items_seen, items_kept, new_documents, dropped, errors, skipped
FROM crawl_runs
ORDER BY run_id DESC;

-- Every score ever computed, with the model set that produced it (older sets stay queryable).
CREATE OR REPLACE VIEW score_history AS
SELECT s.doc_id, d.campaign, s.model_set, s.scored_at, s.sentiment, s.sentiment_score,
       s.target_sentiment, s.target_score, s.target_match, list_sort(s.topics) AS topics, s.stance
FROM scores AS s JOIN documents AS d USING (doc_id);
