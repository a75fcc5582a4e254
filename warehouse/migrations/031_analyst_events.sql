-- Events an analyst adds from the dashboard (a debate, a scandal), drawn on the timelines beside
-- the campaign file's calendar; who added each is kept.
CREATE SEQUENCE analyst_event_ids START 1;

CREATE TABLE analyst_events (
    event_id    BIGINT PRIMARY KEY DEFAULT nextval('analyst_event_ids'),
    campaign    VARCHAR NOT NULL,
    day         DATE NOT NULL,
    label       VARCHAR NOT NULL,
    source      VARCHAR,                 -- an http(s) link, optional
    analyst     VARCHAR NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL
);
