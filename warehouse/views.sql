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
CREATE OR REPLACE VIEW mentions AS
SELECT
    d.doc_id,
    d.campaign,
    d.source_type,
    d.platform,
    d.url,
    d.title,
    d.text,
    d.author,
    d.published_at,
    d.fetched_at,
    d.lang,
    s.sentiment,
    s.sentiment_score,
    CASE WHEN ct.doc_id IS NOT NULL THEN ct.new_value ->> '$' ELSE s.target_sentiment END AS target_sentiment,
    CASE WHEN cto.doc_id IS NOT NULL THEN list_sort(CAST(from_json(cto.new_value, '["VARCHAR"]') AS VARCHAR[]))
         ELSE list_sort(s.topics) END AS topics,
    CASE WHEN cs.doc_id IS NOT NULL THEN cs.new_value ->> '$' ELSE s.stance END AS stance,
    s.model_set AS model,
    -- extensions beyond the contract
    d.source,
    CASE WHEN st.original = d.doc_id THEN NULL ELSE st.original END AS duplicate_of,
    d.native_id,
    s.p_negative,
    s.p_neutral,
    s.p_positive,
    s.target_score,
    s.target_confidence,
    s.target_match,
    s.topic_probs,
    s.stance_probs,
    s.scored_at,
    (ct.doc_id IS NOT NULL OR cto.doc_id IS NOT NULL OR cs.doc_id IS NOT NULL) AS corrected
FROM documents AS d
JOIN stories AS st USING (doc_id)
LEFT JOIN latest_scores AS s USING (doc_id)
LEFT JOIN latest_corrections AS ct ON ct.doc_id = d.doc_id AND ct.field = 'target_sentiment'
LEFT JOIN latest_corrections AS cto ON cto.doc_id = d.doc_id AND cto.field = 'topics'
LEFT JOIN latest_corrections AS cs ON cs.doc_id = d.doc_id AND cs.field = 'stance';

-- One row per (day, campaign, source_type). Days are calendar days in the campaign's time zone.
-- Near-duplicate copies (duplicate_of set) count as reach, not as separate opinions.
CREATE OR REPLACE VIEW daily_trends AS
SELECT
    CAST(timezone(coalesce(c.timezone, 'UTC'), m.published_at) AS DATE) AS day,
    m.campaign,
    m.source_type,
    count(*) FILTER (WHERE m.duplicate_of IS NULL) AS n_docs,
    avg(m.sentiment_score) FILTER (WHERE m.duplicate_of IS NULL) AS avg_sentiment,
    avg(CASE WHEN m.sentiment = 'negative' THEN 1.0 WHEN m.sentiment IS NULL THEN NULL ELSE 0.0 END)
        FILTER (WHERE m.duplicate_of IS NULL) AS share_negative,
    {topic_columns}
    count(*) AS n_reach,
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.sentiment IS NOT NULL) AS n_scored,
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.stance = 'pro_recall') AS n_pro_recall,
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.stance = 'anti_recall') AS n_anti_recall,
    count(*) FILTER (WHERE m.duplicate_of IS NULL AND m.target_sentiment IS NOT NULL) AS n_target,
    avg(CASE m.target_sentiment WHEN 'positive' THEN 1.0 WHEN 'negative' THEN -1.0 WHEN 'neutral' THEN 0.0 END)
        FILTER (WHERE m.duplicate_of IS NULL) AS avg_target_sentiment
FROM mentions AS m
LEFT JOIN campaigns AS c USING (campaign)
WHERE m.published_at IS NOT NULL
GROUP BY ALL;

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
SELECT a.doc_id, d.campaign, a.actor, a.sentiment, a.score, d.platform, d.source_type, d.published_at,
       a.model_set AS model, a.confidence, a.match
FROM actor_scores AS a
JOIN latest_scores AS s ON s.doc_id = a.doc_id AND s.model_set = a.model_set
JOIN documents AS d ON d.doc_id = a.doc_id;

-- Uncorrected documents, least sure first, per task: what the analyst should label next.
-- Confidence is the top-class probability (target sentiment, stance) or, for topics, how close
-- the least decided topic is to its 0.5 threshold (1 = all topics clear-cut).
CREATE OR REPLACE VIEW review_queue AS
WITH per_task AS (
    SELECT s.doc_id, 'target_sentiment' AS task, s.target_sentiment AS label, s.target_confidence AS confidence
    FROM latest_scores AS s WHERE s.target_sentiment IS NOT NULL AND s.target_confidence IS NOT NULL
    UNION ALL
    SELECT s.doc_id, 'stance', s.stance,
           greatest(coalesce(CAST(s.stance_probs ->> 'pro_recall' AS DOUBLE), 0),
                    coalesce(CAST(s.stance_probs ->> 'anti_recall' AS DOUBLE), 0),
                    coalesce(CAST(s.stance_probs ->> 'none' AS DOUBLE), 0))
    FROM latest_scores AS s WHERE s.stance_probs IS NOT NULL
    UNION ALL
    SELECT s.doc_id, 'topics', array_to_string(list_sort(s.topics), ','),
           (SELECT min(abs(CAST(e.value AS DOUBLE) - 0.5)) * 2 FROM json_each(s.topic_probs) AS e)
    FROM latest_scores AS s WHERE s.topic_probs IS NOT NULL
)
SELECT q.doc_id, d.campaign, q.task, q.label, q.confidence, d.published_at, d.platform, d.title
FROM per_task AS q
JOIN documents AS d USING (doc_id)
WHERE q.confidence IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM corrections AS c WHERE c.doc_id = q.doc_id AND c.field = q.task)
ORDER BY q.confidence ASC, d.published_at DESC NULLS LAST;
