-- Sentiment toward each of the campaign's other actors (rivals, the recall's promoters, parties)
-- named in a document, one row per (document, model set, actor); the target keeps its columns in
-- scores. `match` says how the actor was found ('name': a name, alias, handle, hashtag, nickname,
-- leader or acronym). `confidence` is the top-class probability.
CREATE TABLE IF NOT EXISTS actor_scores (
    doc_id VARCHAR NOT NULL,
    model_set VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,
    sentiment VARCHAR NOT NULL CHECK (sentiment IN ('negative', 'neutral', 'positive')),
    score DOUBLE,
    confidence DOUBLE,
    match VARCHAR,
    PRIMARY KEY (doc_id, model_set, actor)
);
