-- How a collected document refers to the campaign's target, as the crawler's relevance filter
-- found it (crawler.mentions.TargetRecogniser): 'name', 'office' or 'implicit'. NULL for
-- documents stored before the crawler kept office and implicit mentions.
ALTER TABLE documents ADD COLUMN target_match VARCHAR;
