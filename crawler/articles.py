"""Article pages to :class:`Article`: title, body, author, date, language, paywall flag.

Pure functions over HTML strings, tested on saved pages (``tests/fixtures/pages``). Each
field comes from the most reliable place the page offers, in order:

- the outlet's own markup (Arc XP: ``h1.sht__title``, ``.story-contents__content p``;
  La República: ``div.html-content p``),
- the script-only body of Arc pages (``Fusion.globalContent={...}``),
- JSON-LD ``NewsArticle`` (parsed leniently: the blocks are built from string templates
  and are sometimes malformed),
- OpenGraph / ``article:*`` meta tags,
- trafilatura's generic extraction, and for the date, the date in the URL.
"""

from __future__ import annotations

import copy
import html as html_lib
import json
import logging
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import trafilatura
from lxml import html as lxml_html
from parsel import Selector

from crawler.dates import LIMA, date_from_url, parse_date
from crawler.settings import USER_AGENT
from crawler.text import fold, normalise_text

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "blogposting", "liveblogposting", "report",
}
_FALSE = {"false", "no", "0"}
# Paragraphs that are navigation, not story ("LEE TAMBIÉN: ...", "MIRA: ...").
_BOILERPLATE = re.compile(
    r"^(lee|leer|mira|ver|te puede interesar|también lee|tambi[eé]n puedes leer|video recomendado|"
    r"suscr[ií]bete|s[ií]guenos|recomendado|m[aá]s informaci[oó]n|m[aá]s en|relacionad[oa]s?|"
    r"(?:tambi[eé]n )?(?:le|te) (?:puede|podr[ií]a) interesar|(?:puede|podr[ií]a) interesarte|"
    r"lea (?:tambi[eé]n|adem[aá]s)|vea tambi[eé]n|(?:te|le) recomendamos|noticias relacionadas|"
    r"art[ií]culos relacionados|(?:sigue|contin[uú]a) leyendo)\b[^\n]{0,12}[:|]"
    r"|^para (seguir|continuar) leyendo",
    re.IGNORECASE,
)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "q", "svg", "form", "button", "figure", "aside", "nav")
_BODY_SELECTORS = (
    ".story-contents__content p.story-contents__font-paragraph",
    ".story-contents__content p",
    "div.html-content p",
    "[itemprop=articleBody] p",
    ".entry-content p",
    ".news-text-content p",
)
_DATE_TEXT_SELECTORS = (
    ".story-contents__author-date time",
    ".story-contents__author-date",
    "time",
    "[class*=date]",
    "[class*=fecha]",
)
MIN_BODY = 200
# trafilatura is a fallback here; its "discarding data" notes are about its own heuristics.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass
class Article:
    """What an article page says about itself; empty strings where it says nothing."""

    url: str
    title: str = ""
    text: str = ""
    author: str | None = None
    published_at: datetime | None = None
    lang: str | None = None
    description: str = ""
    paywalled: bool = False
    canonical_url: str | None = None
    keywords: list[str] = field(default_factory=list)
    body_from: str = ""            # which extractor gave the body, for debugging and tests
    date_from: str = ""            # which field gave the date


# --------------------------------------------------------------------------- decoding


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Page bytes to text, trusting valid UTF-8 over a declared ISO-8859-1/cp1252.

    Servers often declare ISO-8859-1 for UTF-8 pages; UTF-8 is self-validating, so bytes
    that decode as UTF-8 are UTF-8. Anything else is read as the declared encoding, with
    latin-1 widened to cp1252 (what browsers do).
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = (declared or _meta_charset(body) or "cp1252").lower()
    if encoding in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "utf-8", "utf8"):
        encoding = "cp1252"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("cp1252", errors="replace")


def _meta_charset(body: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", body[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None


# --------------------------------------------------------------------------- HTML fragments


def fragment_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment (a feed's content:encoded, a Fusion text element).

    Scripts, "LEE TAMBIÉN" ``<q>`` blocks and lists made only of links are dropped; block
    elements become lines.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return normalise_text(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return normalise_text(re.sub(r"<[^>]+>", " ", fragment))
    return _element_text(root)


def _element_text(root: Any) -> str:
    """What :func:`fragment_text` reads from a ``<div>`` it may change: a parsed fragment, or a
    copy of a page's element wrapped in one (re-serialising and re-parsing each paragraph of a
    page cost more than the rest of its extraction)."""
    for tag in _DROP_TAGS:
        for el in root.findall(f".//{tag}"):
            el.drop_tree()
    for listing in root.xpath(".//ul|.//ol"):
        items = listing.findall("li")
        if items and all(_only_links(li) for li in items):
            listing.drop_tree()
    for br in root.findall(".//br"):
        br.tail = "\n" + (br.tail or "")
    lines = []
    blocks = root.xpath(".//p|.//h2|.//h3|.//h4|.//li|.//blockquote")
    if blocks:
        for block in blocks:
            if block.xpath("ancestor::p|ancestor::li|ancestor::blockquote"):
                continue
            lines.append(block.text_content())
        tail = (root.text or "").strip()
        if tail:
            lines.insert(0, tail)
    else:
        lines.append(root.text_content())
    return _join_paragraphs(lines)


def _only_links(li: Any) -> bool:
    text = " ".join(li.text_content().split())
    link_text = " ".join(" ".join(a.text_content().split()) for a in li.findall(".//a"))
    return bool(text) and len(link_text) >= len(text) * 0.9


def _join_paragraphs(lines: list[str]) -> str:
    kept = []
    for line in lines:
        line = normalise_text(line)
        if line and not _BOILERPLATE.match(line):
            kept.append(line)
    return "\n".join(kept)


# --------------------------------------------------------------------------- JSON-LD


def _json_lenient(raw: str) -> Any | None:
    raw = raw.strip().rstrip(";")
    if raw.startswith("<!--"):
        raw = raw.removeprefix("<!--").removesuffix("-->")
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        pass
    repaired = re.sub(r",\s*([}\]])", r"\1", raw)
    try:
        return json.loads(repaired, strict=False)
    except ValueError:
        return None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk(child)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk(node["@graph"])


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


_LD_STRING = r'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"'


def _salvage(raw: str) -> dict[str, Any]:
    """Fields read one by one from a JSON-LD block that does not parse."""
    found: dict[str, Any] = {}
    if not re.search(r'"@type"\s*:\s*"(\w*Article|BlogPosting|Report)"', raw):
        return found
    for key in ("headline", "description", "datePublished", "dateModified", "articleBody", "inLanguage"):
        match = re.search(_LD_STRING.format(key=key), raw, re.DOTALL)
        if match:
            try:
                found[key] = json.loads(f'"{match.group(1)}"', strict=False)
            except ValueError:
                found[key] = match.group(1)
    authors = re.findall(r'"@type"\s*:\s*"Person"\s*,\s*"name"\s*:\s*"([^"]+)"', raw)
    if authors:
        found["author"] = [{"name": name} for name in authors]
    if re.search(r'"isAccessibleForFree"\s*:\s*"?(false|False)', raw):
        found["isAccessibleForFree"] = False
    return found


def news_article_ld(sel: Selector) -> dict[str, Any]:
    """The page's JSON-LD article object (merged over blocks), salvaged field by field if malformed.

    References by ``@id`` (``"author": {"@id": "#author-1"}``, ``"publisher": {"@id": ...}``)
    are replaced by the node they name, from any block of the page.
    """
    merged: dict[str, Any] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        data = _json_lenient(raw)
        if data is None:
            candidate = _salvage(raw)
        else:
            nodes = list(_walk(data))
            for node in nodes:
                if isinstance(node.get("@id"), str) and len(node) > 1:
                    by_id.setdefault(node["@id"], node)
            candidate = next((n for n in nodes if _types(n) & ARTICLE_TYPES), {})
        for key, value in candidate.items():
            merged.setdefault(key, value)
    for key in ("author", "publisher"):
        if key in merged:
            merged[key] = _resolve_ids(merged[key], by_id)
    return merged


def _resolve_ids(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """``{"@id": X}`` references replaced by the node with that ``@id`` (left as they are when absent)."""
    if isinstance(value, list):
        return [_resolve_ids(v, by_id) for v in value]
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
        return by_id.get(value["@id"], value)
    return value


def _ld_authors(value: Any) -> str | None:
    """Author names of a JSON-LD ``author`` (a name, a node, a list of them, ``;``-joined lists)."""
    names = []
    for node in value if isinstance(value, list) else [value]:
        name = node.get("name") if isinstance(node, dict) else node
        if isinstance(name, str):
            names.extend(split_authors(name))
    return ", ".join(dict.fromkeys(names)) or None


def split_authors(value: str) -> list[str]:
    """One byline string as names: ``;``, `` | `` and `` / `` separate authors; URLs are not names."""
    names = []
    for part in re.split(r"\s*[;|]\s*|\s+/\s+", html_lib.unescape(value)):
        part = normalise_text(part)
        if part and not part.startswith(("http://", "https://", "www.")):
            names.append(part)
    return names


def _ld_paywalled(ld: dict[str, Any]) -> bool:
    def closed(value: Any) -> bool:
        return value is False or (isinstance(value, str) and value.strip().lower() in _FALSE)

    if closed(ld.get("isAccessibleForFree")):
        return True
    parts = ld.get("hasPart")
    return any(isinstance(p, dict) and closed(p.get("isAccessibleForFree")) for p in (parts if isinstance(parts, list) else [parts]))


# --------------------------------------------------------------------------- Arc Fusion


def fusion_content(page: str) -> dict[str, Any]:
    """The ``Fusion.globalContent`` object of an Arc XP page, or {}."""
    match = re.search(r"Fusion\.globalContent\s*=\s*", page)
    if not match:
        return {}
    try:
        data, _ = json.JSONDecoder(strict=False).raw_decode(page, match.end())
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _fusion_body(content: dict[str, Any]) -> str:
    lines = []
    for element in content.get("content_elements") or []:
        if isinstance(element, dict) and element.get("type") in ("text", "header"):
            lines.append(fragment_text(str(element.get("content") or "")))
    return _join_paragraphs(lines)


def _fusion_authors(content: dict[str, Any]) -> str | None:
    credits = content.get("credits") or {}
    people = credits.get("by") if isinstance(credits, dict) else None
    return _ld_authors(people) if people else None


# --------------------------------------------------------------------------- the page


def _first(*values: Any) -> Any:
    for value in values:
        if isinstance(value, str):
            if value.strip():
                return value
        elif value:
            return value
    return None


# Compiled once: building the XPath for every meta lookup of every page added up.
_META_CONTENT = lxml_html.etree.XPath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content")


def _meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        found = _META_CONTENT(sel.root, n=name) if sel.root is not None else []
        value = str(found[0]) if found else None
        if value and value.strip():
            return value.strip()
    return None


def _clean_title(title: str | None) -> str:
    return normalise_text(title).replace("\n", " ") if title else ""


def _strip_site_suffix(title: str) -> str:
    return re.sub(r"\s+[|\-–—]\s+[^|\-–—]{2,40}$", "", title).strip()


def _selector_body(sel: Selector) -> str:
    for css in _BODY_SELECTORS:
        paragraphs = sel.css(css)
        if paragraphs:
            return _join_paragraphs([_element_text(_wrapped(p.root)) for p in paragraphs])
    return ""


def _wrapped(element: Any) -> Any:
    wrapper = lxml_html.Element("div")
    wrapper.append(copy.deepcopy(element))
    wrapper[0].tail = None
    return wrapper


_RELATIVE = re.compile(r"\b(hace|ayer|hoy|anteayer|ago|yesterday|today)\b", re.IGNORECASE)


def _visible_date(sel: Selector, now: datetime | None) -> tuple[datetime | None, str]:
    """The date a reader sees on the page, and whether it was "visible", "visible-day" (a day
    without its hour) or "relative" (hace 2 horas)."""
    for css in _DATE_TEXT_SELECTORS:
        for node in sel.css(css)[:5]:
            stamp = node.attrib.get("datetime")
            when = parse_date(stamp, now=now) if stamp else None
            if when is not None:
                return when, "visible"
            text = " ".join(node.css("::text").getall()).strip()
            if 4 <= len(text) <= 80 and re.search(r"\d|ayer|hoy|hace", text, re.IGNORECASE):
                when = parse_date(text, now=now)
                if when is not None:
                    if _RELATIVE.search(text):
                        return when, "relative"
                    # "21/11/2026" alone gives the day, not the hour: a feed's timestamp is better
                    return when, "visible" if re.search(r"\d:\d\d", text) else "visible-day"
    return None, ""


class _Trafilatura:
    """trafilatura's own reading of a page, in its balanced default mode: the body at once, the
    metadata (title, author, date, description) only when asked for.

    Its metadata costs more than the body (JSON-LD normalisation, htmldate, categories: about
    three quarters of a page's extraction, measured in benchmarks/crawl.py), and it is only a
    fallback here: most pages give every field in their own markup or JSON-LD first.
    ``favor_recall`` is not used: on real pages it cut whole articles short.
    """

    def __init__(self, page: str, url: str):
        self.page, self.url = page, url
        self._meta: dict[str, Any] | None = None
        self.text = ""
        if page:
            try:
                doc = trafilatura.bare_extraction(
                    page, url=url, with_metadata=False, include_comments=False, include_tables=False,
                )
            except Exception:  # trafilatura raises assorted errors on odd markup
                doc = None
            self.text = (doc.text if doc is not None else "") or ""

    def get(self, key: str) -> Any:
        if self._meta is None:
            self._meta = {}
            if self.page:
                from trafilatura.metadata import extract_metadata
                from trafilatura.settings import DEFAULT_CONFIG, set_date_params
                from trafilatura.utils import load_html

                try:  # with the parameters bare_extraction(with_metadata=True) would use
                    tree = load_html(self.page)
                    if tree is not None:
                        doc = extract_metadata(
                            tree, self.url, set_date_params(DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH")),
                            False, set(),
                        )
                        self._meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
                except Exception:
                    self._meta = {}
        return self._meta.get(key)


def _ld_body(ld: dict[str, Any]) -> str:
    """JSON-LD ``articleBody`` as paragraphs; outlets often put the article's HTML in it."""
    body = str(ld.get("articleBody") or "")
    if "<" in body and re.search(r"<(p|br|div|strong|em|a)\b", body, re.IGNORECASE):
        return fragment_text(body)
    return _join_paragraphs(body.split("\n"))


def extract_article(page: str, url: str, *, now: datetime | None = None) -> Article:
    """Everything an article page says about itself.

    ``now`` anchors relative dates ("hace 2 horas"); it defaults to the current time.
    """
    sel = Selector(text=page or "<html></html>")
    ld = news_article_ld(sel)
    fusion = fusion_content(page) if "Fusion.globalContent" in (page or "") else {}
    traf = _Trafilatura(page, url)

    headlines = fusion.get("headlines") if isinstance(fusion.get("headlines"), dict) else {}
    title = _first(
        " ".join(sel.css("h1.sht__title ::text").getall()),
        ld.get("headline"),
        headlines.get("basic"),
        _meta(sel, "og:title", "twitter:title"),
        " ".join(sel.css("h1 ::text").getall()),
    ) or _first(traf.get("title"), _strip_site_suffix(" ".join(sel.css("title::text").getall())))
    title = _clean_title(title)
    if _SITE_SEPARATOR.search(title):  # "Headline | Outlet | Author": trafilatura's title tells the headline
        title = _without_site_name(title, traf.get("title"), _meta(sel, "og:site_name"))

    traf_text = _strip_title_line(normalise_text(traf.text), title)
    traf_text = _join_paragraphs(traf_text.split("\n"))
    body_from, text = _body(
        {
            "selectors": _selector_body(sel),
            "fusion": _fusion_body(fusion) if fusion else "",
            "json-ld": _ld_body(ld),
        },
        traf_text,
    )

    subheadlines = fusion.get("subheadlines") if isinstance(fusion.get("subheadlines"), dict) else {}
    descriptions = fusion.get("description") if isinstance(fusion.get("description"), dict) else {}
    description = _first(
        " ".join(sel.css("h2.sht__summary ::text").getall()),
        ld.get("description"),
        subheadlines.get("basic"),
        descriptions.get("basic"),
        _meta(sel, "og:description", "description", "twitter:description"),
    ) or _first(traf.get("description"))

    outlet = _outlet_names(sel, ld, url)
    author = _byline(
        [
            ", ".join(dict.fromkeys(a.strip() for a in sel.css("a.story-contents__author-link ::text").getall() if a.strip())),
            _ld_authors(ld.get("author")),
            _fusion_authors(fusion),
            _author_meta(_meta(sel, "article:author")),
            _author_meta(_meta(sel, "author", "dc.creator", "parsely-author")),
            _lead_byline(text),
        ],
        outlet,
    ) or _byline([traf.get("author")], outlet)
    author = _with_visible_byline(author, _visible_byline(sel), outlet)

    published_at, date_from = _published(sel, ld, fusion, traf, url, now)

    lang = _first(
        (sel.xpath("/html/@lang").get() or "").split("-")[0].lower(),
        str(ld.get("inLanguage") or "").split("-")[0].lower(),
        (_meta(sel, "og:locale") or "").split("_")[0].lower(),
    )

    keywords = ld.get("keywords") or _meta(sel, "keywords", "news_keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",") if k.strip()]

    paywalled = _ld_paywalled(ld) or bool(sel.css(".paywall, [class*=paywall], #paywall"))

    return Article(
        url=url,
        title=title,
        text=text,
        author=normalise_text(author) or None if author else None,
        published_at=published_at,
        lang=lang or None,
        description=normalise_text(description),
        paywalled=paywalled,
        canonical_url=sel.css('link[rel="canonical"]::attr(href)').get() or _meta(sel, "og:url"),
        keywords=[normalise_text(str(k)) for k in keywords if str(k).strip()],
        body_from=body_from,
        date_from=date_from,
    )


# Credits that name the site's software or maker, not a writer.
_CMS_CREDIT = re.compile(
    r"\b(drupal|wordpress|joomla|powered by|hecho en|desarrollad[oa] por|dise[nñ]ad[oa] por)\b", re.IGNORECASE
)
_LEAD_BYLINE = re.compile(r"^(?:por|by)\s+([^\n.]{3,60})$", re.IGNORECASE)


def _lead_byline(text: str) -> str | None:
    """The "Por Agencia EFE" line that opens some bodies."""
    first = text.partition("\n")[0].strip()
    match = _LEAD_BYLINE.match(first)
    return match.group(1).strip() if match else None


_BYLINE_CSS = "[class~=author], [class~=byline], [class~=autor], [rel=author], [itemprop=author]"
_PARTICLES = {"de", "del", "la", "las", "los", "y", "da", "das", "do", "dos", "van", "von", "e"}


def _visible_byline(sel: Selector) -> str | None:
    """The byline as the page shows it ("e. barreneche / J. I. da silva", styled in capitals),
    when the structured data name fewer authors. Only short, name-like texts count."""
    for node in sel.css(_BYLINE_CSS)[:4]:
        text = " ".join(" ".join(node.css("::text").getall()).split())
        text = re.sub(r"^(?:por|by)\s+", "", text, flags=re.IGNORECASE)
        if 3 <= len(text) <= 80 and not re.search(r"\d|@|https?:", text):
            return _name_case(text)
    return None


def _with_visible_byline(author: str | None, visible: str | None, outlet: set[str]) -> str | None:
    """The byline the page shows, when it names more authors than ``author`` and shares a
    surname with it (structured data often credit the first author only; a credit that shares
    no surname is someone else's, such as a photo's)."""
    if not visible:
        return author
    shown = [n for n in split_authors(visible) if _plausible_author(n, outlet) and len(n.split()) <= 5]
    if not shown:
        return author
    if not author:
        return ", ".join(shown)
    known = [n for n in re.split(r",| y | and ", author) if n.strip()]
    surnames = {_name_key(n.split()[-1]) for n in known}
    if len(shown) > len(known) and any(_name_key(n.split()[-1]) in surnames for n in shown):
        return ", ".join(shown)
    return author


def _name_case(text: str) -> str:
    """A byline written all in lower case or all in capitals, as names are written."""
    if text != text.lower() and text != text.upper() and not re.search(r"(?:^|\s)[a-záéíóúñ]\.", text):
        return text
    words = text.lower().split(" ")
    return " ".join(w if w in _PARTICLES and i else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _outlet_names(sel: Selector, ld: dict[str, Any], url: str) -> set[str]:
    """Folded names the outlet goes by (site name, publisher, domain): never an author."""
    names = {_meta(sel, "og:site_name"), _meta(sel, "application-name"), _meta(sel, "twitter:site")}
    publisher = ld.get("publisher")
    for node in publisher if isinstance(publisher, list) else [publisher]:
        if isinstance(node, dict) and isinstance(node.get("name"), str):
            names.add(node["name"])
    host = re.sub(r"^www\.", "", re.sub(r"^\w+://", "", url).split("/")[0].lower())
    names.update({host, host.split(".")[0]})
    return {_name_key(n) for n in names if n}


def _name_key(name: str) -> str:
    return re.sub(r"[^\w]", "", fold(name.lstrip("@")))


# What a CMS writes where no author was entered: not a name.
_NO_AUTHOR = frozenset({
    "anonimo", "anonima", "anonymous", "anon", "admin", "administrador", "administrator", "unknown",
    "desconocido", "sinautor", "autor", "author", "null", "none", "undefined", "nd",
})


def _plausible_author(name: str, outlet: set[str]) -> bool:
    key = _name_key(name)
    if not key or key in outlet or key in _NO_AUTHOR or _CMS_CREDIT.search(name):
        return False
    # user names ("edilson.la.rosa", "jperez") are not how bylines read
    return not re.fullmatch(r"[\w.\-_]+", name) or not re.search(r"[._]", name)


def _byline(candidates: list[str | None], outlet: set[str]) -> str | None:
    """The fullest byline among the candidates, after outlet names and CMS credits are left out.

    Pages often list every author in one place and only the first in another.
    """
    found = []
    for candidate in candidates:
        names = [n for n in split_authors(candidate or "") for n in [n] if _plausible_author(n, outlet)]
        if names:
            found.append(", ".join(dict.fromkeys(names)))
    if not found:
        return None
    return max(found, key=lambda c: len([n for n in re.split(r",| y | and ", c) if n.strip()]))


def _body(structured: dict[str, str], generic: str) -> tuple[str, str]:
    """(where the body came from, the body): the longest structured body, unless it is a teaser.

    The outlet's own markup, Arc's Fusion content or JSON-LD ``articleBody`` are preferred, as
    they hold no navigation; but when the longest of them is under half of what trafilatura
    finds in the page (or under ``MIN_BODY``), it is a teaser and trafilatura's body wins.
    """
    origin, text = max(structured.items(), key=lambda kv: len(kv[1]))
    if len(generic) > len(text) and (len(text) < MIN_BODY or len(text) < 0.5 * len(generic)):
        return "trafilatura", generic
    return (origin, text) if text else ("", "")


_SITE_SEPARATOR = re.compile(r"[|–—]|\s-|-\s")


def _without_site_name(title: str, generic: str | None, site: str | None) -> str:
    """The headline without a trailing "| Outlet | Author" that some og:titles carry."""
    generic = _clean_title(generic)
    rest = title[len(generic):].strip() if generic and title.startswith(generic) else ""
    if rest[:1] in ("|", "-", "–", "—") and len(rest) <= 60:
        return generic
    if site and re.search(rf"\s[|\-–—]\s+{re.escape(site)}$", title):
        return re.sub(rf"\s[|\-–—]\s+{re.escape(site)}$", "", title).strip()
    return title


def _author_meta(value: str | None) -> str | None:
    if not value or value.startswith("http"):
        return None
    return value


def _strip_title_line(text: str, title: str | None) -> str:
    if not text or not title:
        return text
    first, _, rest = text.partition("\n")
    return rest if normalise_text(first) == normalise_text(title) else text


def _as_stated(value: str, when: datetime) -> datetime:
    """``when`` in the UTC offset the page wrote it with, so its calendar day is the page's own."""
    try:
        stated = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return when
    return when.astimezone(stated.tzinfo or ZoneInfo(LIMA))


def _reader_day(when: datetime, sel: Selector, now: datetime | None) -> datetime:
    """A timestamp the CMS wrote in UTC, shown in Lima time when that is the day the page shows.

    "2022-05-04T00:25Z" on a page that reads "3 de mayo de 2022" was published on the 3rd
    where its readers live; the instant is the same either way.
    """
    if when.utcoffset() != timedelta(0):
        return when
    local = when.astimezone(ZoneInfo(LIMA))
    if local.date() == when.date():
        return when
    visible, _ = _visible_date(sel, now)
    if visible is not None and visible.astimezone(ZoneInfo(LIMA)).date() == local.date():
        return local
    return when


def _published(
    sel: Selector, ld: dict[str, Any], fusion: dict[str, Any], traf: _Trafilatura, url: str, now: datetime | None
) -> tuple[datetime | None, str]:
    structured = (
        ("json-ld", ld.get("datePublished")),
        ("meta", _meta(sel, "article:published_time", "datePublished", "date", "pubdate", "publish-date", "dc.date")),
        ("fusion", fusion.get("first_publish_date") or fusion.get("display_date")),
        ("json-ld-modified", ld.get("dateModified")),
    )
    for origin, value in structured:
        when = parse_date(value, now=now) if isinstance(value, str) else None
        if when is not None:
            return _reader_day(_as_stated(value, when), sel, now), origin
    when, origin = _visible_date(sel, now)
    if when is not None:
        return when, origin
    when = date_from_url(url)
    if when is not None:
        return when, "url"
    when = parse_date(traf.get("date"), now=now) if traf.get("date") else None
    if when is not None:
        return when, "trafilatura"
    return None, ""


def article_record(article: Article) -> dict[str, Any]:
    """The fields ``vigia extract`` prints, JSON-ready (the date in ISO 8601 with its offset)."""
    return {
        "url": article.url,
        "title": article.title or None,
        "author": article.author,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "lang": article.lang,
        "description": article.description or None,
        "paywalled": article.paywalled,
        "body_from": article.body_from or None,
        "text": article.text,
    }


def fetch_page(url: str, timeout: float = 30.0) -> tuple[bytes, str | None]:
    """The bytes of one page and the charset its server declares (for ``vigia extract URL``)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read(), response.headers.get_content_charset()
