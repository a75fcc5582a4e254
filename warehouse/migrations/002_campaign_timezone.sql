-- Trends are counted by calendar day in the campaign's own time zone (Lima is UTC-5).
ALTER TABLE campaigns ADD COLUMN timezone VARCHAR DEFAULT 'UTC';
