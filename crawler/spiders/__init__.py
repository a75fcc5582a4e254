"""One spider per source family; each reads its sources from the campaign."""
