"""A document's identity: its doc_id and the hash of its content.

doc_id is stable across re-crawls and independent of the sample server's port: news is
keyed by the canonical URL, social posts by the platform's own id.
"""

from __future__ import annotations

import hashlib

from crawler.text import words


def doc_id(
    campaign_id: str,
    source_type: str,
    *,
    url: str | None = None,
    platform: str | None = None,
    native_id: str | None = None,
) -> str:
    """``sha1(campaign|canonical_url)`` for news, ``sha1(campaign|platform:native_id)`` for posts."""
    if source_type == "social" and native_id:
        key = f"{campaign_id}|{platform}:{native_id}"
    elif url:
        key = f"{campaign_id}|{url}"
    else:
        raise ValueError("a document needs a canonical URL, or a platform and native id")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def content_hash(title: str | None, text: str | None) -> str:
    """Hash of the folded words of title and text: equal for the same story, however spaced or accented."""
    joined = " ".join(words(title) + ["|"] + words(text))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()
