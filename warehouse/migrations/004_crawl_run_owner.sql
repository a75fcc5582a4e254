-- Which process runs a crawl (host and pid), so a run left 'running' by a process that was
-- killed is marked 'interrupted' by the next crawl instead of staying 'running' for ever.
-- Status values: running, finished, failed, interrupted.
ALTER TABLE crawl_runs ADD COLUMN host VARCHAR;
ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
