"""Scrapy project: spiders for news feeds, sitemaps, news search and social platforms."""
