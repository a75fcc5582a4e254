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
-- Its columns are mention_rows' own (migration 030 and later), in the contract's order:
--   doc_id, campaign, source_type, platform, url, title, text, author, published_at, fetched_at,
--   lang, sentiment, sentiment_score, target_sentiment, topics, stance, model,
-- then the extensions: source, duplicate_of, native_id, p_negative, p_neutral, p_positive,
-- target_score, target_confidence, target_match, topic_probs, stance_probs, scored_at,
-- corrected, day (calendar day of published_at in the campaign's time zone), search_text (title
-- and text folded for search), row_key (its postings' key in the term index mention_terms), and
-- any column a later migration adds to mention_rows.
CREATE OR REPLACE VIEW mentions AS
SELECT * EXCLUDE (stance_confidence, topics_confidence, changed)  -- internal: the review queue's, the sync's
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

-- Sentiment toward each of the campaign's other actors, from the newest model set that scored
-- the document (share of voice per actor: count rows per actor).
CREATE OR REPLACE VIEW actor_mentions AS
SELECT a.doc_id, m.campaign, a.actor, a.sentiment, a.score, m.platform, m.source_type, m.published_at,
       a.model_set AS model, a.confidence, a.match, m.day
FROM actor_scores AS a
-- mention_rows.model is the newest model set that scored the document (kept at write time)
JOIN mention_rows AS m ON m.doc_id = a.doc_id AND m.model = a.model_set;

-- Uncorrected documents, least sure first, per task: what the analyst should label next.
-- Confidence is the top-class probability (target sentiment, stance) or, for topics, how close
-- the least decided topic is to its 0.5 threshold (1 = all topics clear-cut).
CREATE OR REPLACE VIEW review_candidates AS
-- Read from mention_rows, where each task's confidence is computed once, at write time; a
-- corrected field leaves the queue. Each branch carries its own columns (no join back), so
-- "the 15 least sure" is one scan and a top-N at a million documents.
WITH per_task AS (
    SELECT doc_id, campaign, 'target_sentiment' AS task, target_sentiment AS label,
           target_confidence AS confidence, published_at, platform, title
    FROM mention_rows WHERE target_sentiment IS NOT NULL AND target_confidence IS NOT NULL
    UNION ALL
    SELECT doc_id, campaign, 'stance', stance, stance_confidence, published_at, platform, title
    FROM mention_rows WHERE stance IS NOT NULL AND stance_confidence IS NOT NULL
    UNION ALL
    SELECT doc_id, campaign, 'topics', array_to_string(topics, ','), topics_confidence, published_at, platform, title
    FROM mention_rows WHERE topics_confidence IS NOT NULL
)
SELECT q.doc_id, q.campaign, q.task, q.label, q.confidence, q.published_at, q.platform, q.title
FROM per_task AS q
WHERE NOT EXISTS (SELECT 1 FROM corrections AS c WHERE c.doc_id = q.doc_id AND c.field = q.task);

-- The same, least sure first (ties: newest first, then doc_id and task, so the order is stable).
-- A top-N over this ordered view sorts every row; `warehouse.trends.review_queue` takes its
-- top-N from review_candidates instead (0.05 s against 0.45 s at a million documents).
CREATE OR REPLACE VIEW review_queue AS
SELECT * FROM review_candidates ORDER BY confidence ASC, published_at DESC NULLS LAST, doc_id, task;

-- Shares with intervals (issue 20): each share estimated from the texts' labels and how sure the
-- model was, its errors learnt from labels it never trained on (warehouse/shares.py). `task` is
-- sentiment, target_sentiment, stance, topic:<name> or actor:<id>; `label` a class of it (for
-- topics: yes/no); `estimate` the share of the group's texts, `low`/`high` its 90% interval,
-- `n` the texts it rests on (`n_known` of them labelled by an analyst), `n_labels` the in-domain
-- calibration labels, `calibration` which calibration in words. Stored at the end of every
-- `vigia score`, `correct` and `train`.
CREATE OR REPLACE VIEW daily_shares AS
SELECT period_start AS day, campaign, source_type, task, label, estimate, low, high, n, n_known,
       n_labels, calibration, model, computed_at
FROM share_estimates WHERE period = 'day';

-- The same per calendar week (Monday to Sunday), per source type (`news`, `social`, `all`).
CREATE OR REPLACE VIEW weekly_shares AS
SELECT period_start AS week, period_end AS week_end, campaign, source_type, task, label, estimate, low,
       high, n, n_known, n_labels, calibration, model, computed_at
FROM share_estimates WHERE period = 'week';

-- The same for the whole campaign, per source type.
CREATE OR REPLACE VIEW campaign_shares AS
SELECT period_start AS first_day, period_end AS last_day, campaign, source_type, task, label, estimate,
       low, high, n, n_known, n_labels, calibration, model, computed_at
FROM share_estimates WHERE period = 'all';

-- What to label to narrow this week's share intervals: the uncorrected texts of each campaign's
-- latest week, per task, in a fixed random order (`draw`: take the first N). A random sample,
-- not the least sure: each label both fixes one of the week's texts and, being drawn at random,
-- teaches the estimator how the models err without the bias a least-sure pick would give it
-- (the share model learns each class's spread from its labels; review_queue's picks would make
-- every class look harder than it is).
CREATE OR REPLACE VIEW share_queue AS
WITH latest AS (
    SELECT campaign, CAST(date_trunc('week', max(day)) AS DATE) AS week FROM mention_rows
    WHERE day IS NOT NULL AND sentiment IS NOT NULL GROUP BY campaign
)
SELECT m.doc_id, m.campaign, q.task, q.label, m.published_at, m.platform, m.title,
       hash(m.doc_id || q.task) AS draw
FROM mention_rows AS m
JOIN latest AS l ON l.campaign = m.campaign AND m.day >= l.week
CROSS JOIN LATERAL (
    SELECT 'target_sentiment' AS task, m.target_sentiment AS label WHERE m.target_sentiment IS NOT NULL
    UNION ALL SELECT 'stance', m.stance WHERE m.stance IS NOT NULL
) AS q
WHERE m.duplicate_of IS NULL
  AND NOT EXISTS (SELECT 1 FROM corrections AS c WHERE c.doc_id = m.doc_id AND c.field = q.task);
