"""What a spider hands to the pipelines: one candidate document, not yet filtered or cleaned."""

from __future__ import annotations

import scrapy


class DocumentItem(scrapy.Item):
    """A news article or a social post as a spider saw it.

    Spiders fill what the source gives; the pipelines canonicalise the URL, parse the
    date to UTC, detect the language, check that the target is named, drop duplicates,
    derive ``doc_id`` and store it.
    """

    source = scrapy.Field()        # campaign source name (campaigns.Source.name)
    source_type = scrapy.Field()   # "news" or "social"
    platform = scrapy.Field()      # outlet domain or network name
    url = scrapy.Field()           # as fetched; canonicalised by the pipeline
    title = scrapy.Field()         # None for posts without one
    text = scrapy.Field()          # main text, boilerplate removed
    author = scrapy.Field()
    published_at = scrapy.Field()  # datetime (aware) or the raw string/epoch the source gave
    lang = scrapy.Field()          # the source's own language hint, if any
    native_id = scrapy.Field()     # the platform's id for social posts (doc_id derives from it)
    extra = scrapy.Field()         # dict of source-specific metadata (metrics, outlet, lead info)
    # Set by the pipelines (a spider may set fetched_at when it knows better):
    fetched_at = scrapy.Field()    # when the page or post was fetched (aware datetime)
    doc_id = scrapy.Field()        # stable id (crawler.documents.doc_id)
    content_hash = scrapy.Field()  # hash of the folded title + text
    duplicate_of = scrapy.Field()  # doc_id of the first copy of the same story on another platform
    target_match = scrapy.Field()  # how the text refers to the target: "name", "office", "implicit"
