-- How a document's target sentiment found the target: 'name' (his name, an alias, his surname or
-- handle), 'office' (only "el alcalde", "the mayor of Miraflores"), 'implicit' (only his
-- administration or his recall), NULL when the document is not about him.
ALTER TABLE scores ADD COLUMN target_match VARCHAR;
