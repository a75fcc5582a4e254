"""The sample news sources: outlet feeds, article pages, news sitemaps and Google News search.

``outlets`` holds the routes, ``corpus`` what the outlets publish (texts in ``articles/``)
and ``formats`` how each outlet writes its feeds and pages.
"""

from samples.news.corpus import SAMPLE_NOW, Lead, SampleArticle, corpus, leads
from samples.news.outlets import register, relevant_articles

__all__ = ["SAMPLE_NOW", "Lead", "SampleArticle", "corpus", "leads", "register", "relevant_articles"]
