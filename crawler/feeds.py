"""Feeds and sitemaps to entries: RSS 2.0, RSS 1.0, Atom, Google News search, sitemaps.

Pure functions over response bytes. Feeds in the wild have undeclared namespace prefixes,
stray whitespace before the XML declaration, broken entities and truncated bodies: lxml's
recover mode keeps what it can. A body that is no feed at all (an HTML page served where a
feed should be, an empty answer) raises :class:`FeedError`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.gz import gunzip

from crawler.articles import fragment_text
from crawler.dates import parse_date
from crawler.text import fold, normalise_text
from crawler.urls import domain

log = logging.getLogger("vigia.feeds")

# Bounds on what one answer may hold, so a hostile or broken source costs a log line, not the
# crawl's memory or minutes: what a gzipped body may unpack to (Scrapy's DOWNLOAD_MAXSIZE bounds
# bodies sent with Content-Encoding; a .xml.gz file is unpacked here), the sitemaps protocol's
# own limit of URLs per sitemap, and the entries read from one feed (real feeds list 10 to 100).
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000
MAX_FEED_ENTRIES = 1_000


class FeedError(ValueError):
    """The body is not a feed (or a sitemap) that anything can be read from."""


@dataclass
class FeedEntry:
    """One item of a feed, as the feed describes it."""

    title: str
    link: str
    guid: str | None = None
    published: str | None = None           # as written in the feed
    published_at: datetime | None = None   # parsed, UTC (absolute dates only)
    author: str | None = None
    summary: str = ""                      # description / summary, as plain text
    content: str = ""                      # content:encoded / atom content, as plain text
    categories: list[str] = field(default_factory=list)
    source_name: str | None = None         # Google News: the outlet's name
    source_url: str | None = None          # Google News: the outlet's address

    @property
    def full_text(self) -> str:
        """The longest text the feed gives for this entry."""
        return self.content if len(self.content) >= len(self.summary) else self.summary


@dataclass
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published_at: datetime | None = None   # news:publication_date
    title: str | None = None               # news:title

    @property
    def when(self) -> datetime | None:
        return self.published_at or self.lastmod


@dataclass
class Sitemap:
    kind: str                              # "urlset" or "index"
    entries: list[SitemapEntry]


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    # "{ns}name" from a declared namespace, "prefix:name" from an undeclared one (recover mode)
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _children(node: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in node if _local(c.tag) == name]


def _child_text(node: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in _children(node, name):
            text = "".join(child.itertext()) if len(child) else (child.text or "")
            if text.strip():
                return text.strip()
    return None


def _parse_xml(body: bytes, url: str) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=MAX_UNPACKED_BYTES)
        except ValueError:  # Scrapy's "decompression max size exceeded" (a ValueError)
            raise FeedError(f"{url}: gzipped body unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB: refused") from None
        except (OSError, EOFError) as exc:
            raise FeedError(f"{url}: broken gzip body") from exc
    body = body.lstrip(b"\xef\xbb\xbf").lstrip()
    if not body:
        raise FeedError(f"{url}: empty body")
    head = body[:512].lower()
    if head.startswith((b"<!doctype html", b"<html")) or (b"<html" in head and b"<rss" not in head):
        raise FeedError(f"{url}: an HTML page, not a feed")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{url}: not XML ({exc})") from exc
    if root is None:
        raise FeedError(f"{url}: nothing could be parsed")
    if _local(root.tag) == "html":
        raise FeedError(f"{url}: an HTML page, not a feed")
    return root


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The entries of an RSS 2.0 / RSS 1.0 / Atom feed, in feed order.

    Raises :class:`FeedError` when the body is not a feed or no entry can be recovered
    from it; an entry without a link is skipped.
    """
    root = _parse_xml(body, url)
    kind = _local(root.tag)
    if kind == "feed":
        items = [e for e in root.iter() if _local(e.tag) == "entry"]
        read = _atom_entry
    elif kind in ("rss", "rdf", "channel"):
        items = [e for e in root.iter() if _local(e.tag) == "item"]
        read = _rss_item
    else:
        raise FeedError(f"{url}: <{kind}> is not a feed")
    if len(items) > MAX_FEED_ENTRIES:
        log.warning("feed %s lists %d entries: reading the first %d", url, len(items), MAX_FEED_ENTRIES)
        items = items[:MAX_FEED_ENTRIES]
    entries = [read(e, url) for e in items]
    kept = [e for e in entries if e is not None]
    if not kept and not _channel_ok(root):
        raise FeedError(f"{url}: no entries could be recovered")
    return kept


def _channel_ok(root: etree._Element) -> bool:
    # A well-formed but empty feed is not an error: it just has nothing new.
    return any(_local(e.tag) in ("channel", "title") for e in root.iter())


def _rss_item(item: etree._Element, base: str) -> FeedEntry | None:
    # FeedBurner's <link> is its redirect; the story's own address is <feedburner:origLink>
    link = _child_text(item, "origlink") or _child_text(item, "link")
    guid = _child_text(item, "guid")
    if not link and guid and guid.startswith("http"):
        link = guid
    if not link:
        return None
    source = _children(item, "source")
    content_raw = None
    for child in item:
        if _local(child.tag) == "encoded":
            content_raw = child.text or ""
    summary_raw = _child_text(item, "description")
    published = _child_text(item, "pubdate", "date", "published", "issued")
    return FeedEntry(
        title=normalise_text(fragment_text(_child_text(item, "title") or "")).replace("\n", " "),
        link=urljoin(base, link.strip()),
        guid=guid,
        published=published,
        published_at=parse_date(published) if published else None,
        author=_author(item),
        summary=fragment_text(summary_raw),
        content=fragment_text(content_raw),
        categories=[normalise_text(c.text) for c in _children(item, "category") if c.text and c.text.strip()],
        source_name=normalise_text(source[0].text) if source and source[0].text else None,
        source_url=source[0].get("url") if source else None,
    )


def _author(item: etree._Element) -> str | None:
    raw = _child_text(item, "creator", "author")
    if not raw:
        return None
    # RSS <author> is "email (Name)"
    match = re.match(r"^\S+@\S+\s*\((.+)\)$", raw.strip())
    return normalise_text(match.group(1) if match else raw) or None


def _atom_entry(entry: etree._Element, base: str) -> FeedEntry | None:
    link = _child_text(entry, "origlink")
    for candidate in [] if link else _children(entry, "link"):
        rel = candidate.get("rel", "alternate")
        if rel == "alternate" and candidate.get("href"):
            link = candidate.get("href")
            break
    if link is None:
        link = next((c.get("href") for c in _children(entry, "link") if c.get("href")), None)
    if not link:
        return None
    authors = [_child_text(a, "name") for a in _children(entry, "author")]
    content = _children(entry, "content")
    content_raw = content[0].text if content and len(content[0]) == 0 else (
        etree.tostring(content[0], encoding="unicode") if content else None
    )
    published = _child_text(entry, "published", "updated", "issued")
    return FeedEntry(
        title=normalise_text(fragment_text(_child_text(entry, "title") or "")).replace("\n", " "),
        link=urljoin(base, link.strip()),
        guid=_child_text(entry, "id"),
        published=published,
        published_at=parse_date(published) if published else None,
        author=", ".join(a for a in authors if a) or None,
        summary=fragment_text(_child_text(entry, "summary")),
        content=fragment_text(content_raw),
        categories=[c.get("term") for c in _children(entry, "category") if c.get("term")],
    )


# --------------------------------------------------------------------------- Google News search


@dataclass
class Lead:
    """A news-search result: a headline, the outlet, a date, but no article body."""

    title: str
    outlet: str | None
    outlet_domain: str | None
    link: str
    published: str | None
    published_at: datetime | None
    summary: str


def split_headline(title: str, outlet: str | None = None) -> tuple[str, str | None]:
    """Google News titles are "Headline - Outlet": the headline and the outlet."""
    title = " ".join(title.split())
    if outlet and title.endswith(f" - {outlet}"):
        return title[: -len(outlet) - 3].strip(), outlet
    head, sep, tail = title.rpartition(" - ")
    if sep and head and 0 < len(tail) <= 60:
        return head.strip(), tail.strip()
    return title, outlet


def news_leads(entries: list[FeedEntry]) -> list[Lead]:
    """News-search entries as leads: headline without the outlet suffix, outlet domain, date."""
    leads = []
    for entry in entries:
        headline, outlet = split_headline(entry.title, entry.source_name)
        summary = entry.summary
        # The description usually just repeats the headline and the outlet; keep it only when it says more.
        if title_key(summary.replace(outlet or "\0", "")) in ("", title_key(headline)):
            summary = ""
        leads.append(
            Lead(
                title=headline,
                outlet=outlet,
                outlet_domain=domain(entry.source_url) if entry.source_url else None,
                link=entry.link,
                published=entry.published,
                published_at=entry.published_at,
                summary=summary,
            )
        )
    return leads


def title_key(title: str | None) -> str:
    """How titles are compared across feeds: folded words only."""
    return " ".join(re.findall(r"\w+", fold(title)))


# --------------------------------------------------------------------------- sitemaps


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """A sitemap (``urlset``, with Google News extensions) or a sitemap index."""
    root = _parse_xml(body, url)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"{url}: <{kind}> is not a sitemap")
    entries = []
    child_name = "url" if kind == "urlset" else "sitemap"
    for node in root.iter():
        if _local(node.tag) != child_name:
            continue
        if len(entries) == MAX_SITEMAP_URLS:
            log.warning("sitemap %s lists more than %d URLs (the sitemaps protocol's limit): reading the first %d",
                        url, MAX_SITEMAP_URLS, MAX_SITEMAP_URLS)
            break
        loc = _child_text(node, "loc")
        if not loc:
            continue
        news = next((n for n in node.iter() if _local(n.tag) == "news" and n is not node), None)
        lastmod = _child_text(node, "lastmod")
        entries.append(
            SitemapEntry(
                loc=urljoin(url, loc.strip()),
                lastmod=parse_date(lastmod) if lastmod else None,
                published_at=parse_date(_child_text(news, "publication_date")) if news is not None else None,
                title=normalise_text(_child_text(news, "title")) or None if news is not None else None,
            )
        )
    return Sitemap(kind="urlset" if kind == "urlset" else "index", entries=entries)
