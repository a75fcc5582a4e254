"""The sample newsroom: the articles that the sample outlets publish, and what each one is.

Article texts live in ``samples/news/articles/*.txt``, one block per article::

    ## ec-001                          <- a key, unique in the corpus
    date: 2026-08-17 07:40             <- Lima time (UTC-5), a fixed calendar
    outlet: elcomercio.pe
    section: lima                      <- ``also: politica`` puts it in a second section feed
    author: Carla Benavente; Luis Paredes   <- one or more bylines
    topics: security politics          <- subset of the campaign topics
    tone: critical                     <- toward the mayor: favourable, critical, neutral
    lang: es
    relevant: no                       <- only for items that must not reach ``mentions``
    flags: amp paywall                 <- page and feed variants (see FLAGS)
    reprinted_by: exitosanoticias.pe/actualidad peru21.pe/lima   <- near-verbatim copies
    sister: gestion.pe/peru            <- the same story on a sister outlet
    title: ...
    summary: ...

    First paragraph.

    Second paragraph.

:func:`corpus` turns the blocks into :class:`SampleArticle` records with their real URLs;
copies (reprints, sister-outlet republications) come out as extra records whose
``duplicate_of`` names the original URL. :func:`leads` lists the Google News items that
point at outlets this campaign does not crawl.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")
CORPUS_DIR = Path(__file__).with_name("articles")
# The sample newsroom stops publishing here; relative dates and sitemap windows read best
# with ``server.state["now"] = SAMPLE_NOW``.
SAMPLE_NOW = datetime(2026, 11, 24, 21, 0, tzinfo=LIMA)
FIRST_DAY = datetime(2026, 8, 17, tzinfo=LIMA)

FLAGS = {
    "amp": "the feed links to the AMP copy (?outputType=amp)",
    "ref": "the feed links with a ?ref=ecr tracking parameter",
    "paywall": "the page is a paywall teaser: truncated body, isAccessibleForFree False",
    "fusion": "the page has its body only in the Fusion.globalContent script",
    "og_only": "the page has OpenGraph tags and no JSON-LD",
    "malformed_jsonld": "the page's JSON-LD block is not valid JSON",
    "relative_date": "the page shows only a relative date ('hace 2 horas')",
    "mislabeled": "UTF-8 bytes served as ISO-8859-1 (mojibake for a naive reader)",
    "mojibake": "the feed carries the summary double-encoded ('dÃ­as')",
    "tweet": "content:encoded embeds a tweet blockquote with its script",
    "empty_description": "the feed item's description is empty",
    "sitemap_only": "listed by the outlet's news sitemaps, not by its feeds (a home feed carries the front page's picks)",
}


@dataclass(frozen=True)
class Outlet:
    domain: str                 # the campaign's platform name
    host: str                   # the host its URLs use
    name: str                   # as Google News shows it
    family: str                 # arc, larepublica, infobae, rpp, andina, wordpress
    newsroom: str               # the byline of unsigned copies


OUTLETS: dict[str, Outlet] = {
    o.domain: o
    for o in [
        Outlet("elcomercio.pe", "elcomercio.pe", "El Comercio Perú", "arc", "Redacción EC"),
        Outlet("gestion.pe", "gestion.pe", "Diario Gestión", "arc", "Redacción Gestión"),
        Outlet("peru21.pe", "peru21.pe", "Perú21", "arc", "Redacción Perú21"),
        Outlet("infobae.com", "www.infobae.com", "Infobae", "infobae", "Redacción Infobae"),
        Outlet("larepublica.pe", "larepublica.pe", "La República", "larepublica", "Redacción LR"),
        Outlet("rpp.pe", "rpp.pe", "RPP Noticias", "rpp", "Redacción RPP"),
        Outlet("andina.pe", "andina.pe", "Agencia Andina", "andina", "Redacción Andina"),
        Outlet("exitosanoticias.pe", "exitosanoticias.pe", "Exitosa Noticias", "wordpress", "Redacción Exitosa"),
        Outlet("ojo-publico.com", "ojo-publico.com", "Ojo Público", "wordpress", "Redacción Ojo Público"),
    ]
}


@dataclass(frozen=True)
class SampleArticle:
    """One article as the sample outlets publish it, with what a test needs to know about it."""

    key: str
    url: str                                # canonical real URL
    outlet: str                             # outlet domain (the campaign's platform)
    section: str
    sections: tuple[str, ...]               # every section feed that lists it
    published_at: datetime                  # aware, Lima time
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    lang: str
    relevant: bool                          # names the mayor: must reach ``mentions``
    duplicate_of: str | None                # URL of the original for copies
    tone: str | None                        # favourable, critical, neutral (toward the mayor)
    topics: tuple[str, ...]
    flags: frozenset[str] = field(default_factory=frozenset)
    native_id: int = 0                      # the outlet's numeric id (URLs, guids)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def feed_link(self) -> str:
        """The link as the outlet's feed gives it (AMP copy, tracking parameter)."""
        if "amp" in self.flags:
            return self.url + "?outputType=amp"
        if "ref" in self.flags:
            return self.url + "?ref=ecr"
        return self.url

    @property
    def published_utc(self) -> datetime:
        return self.published_at.astimezone(ZoneInfo("UTC"))

    @property
    def image(self) -> str:
        digest = hashlib.sha1(self.key.encode()).hexdigest()[:12]
        host = OUTLETS[self.outlet].host
        return f"https://{host}/resizer/{digest}/1200x675/smart/filters:format(jpeg):quality(75)/{digest}.jpg"


@dataclass(frozen=True)
class Lead:
    """A Google News item about an outlet that the campaign does not crawl."""

    key: str
    published_at: datetime
    outlet_name: str
    outlet_url: str
    title: str
    snippet: str
    topics: tuple[str, ...]


def slugify(title: str, words: int = 12) -> str:
    """The slug an outlet's CMS makes of a title: ascii, lower case, hyphens."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    parts = re.findall(r"[a-z0-9]+", plain)
    return "-".join(parts[:words])


def _native_id(key: str, base: int) -> int:
    return base + int(hashlib.sha1(key.encode()).hexdigest()[:6], 16) % 90000


def article_url(outlet: str, section: str, title: str, when: datetime, key: str, lang: str = "es") -> tuple[str, int]:
    """The real URL an outlet gives an article, and its numeric id."""
    slug = slugify(title)
    day = when.astimezone(LIMA)
    if outlet in ("elcomercio.pe", "gestion.pe", "peru21.pe"):
        return f"https://{outlet}/{section}/{slug}-noticia/", _native_id(key, 4100000)
    if outlet == "infobae.com":
        return f"https://www.infobae.com/peru/{day:%Y/%m/%d}/{slug}/", _native_id(key, 2000000)
    if outlet == "larepublica.pe":
        nid = _native_id(key, 2550000)
        return f"https://larepublica.pe/{section}/{day:%Y/%m/%d}/{slug}-hnews-{nid}", nid
    if outlet == "rpp.pe":
        nid = _native_id(key, 1690000)
        return f"https://rpp.pe/{section}/actualidad/{slug}-noticia-{nid}", nid
    if outlet == "andina.pe":
        nid = _native_id(key, 1030000)
        service = "ingles" if lang == "en" else "agencia"
        return f"https://andina.pe/{service}/noticia-{slug}-{nid}.aspx", nid
    if outlet == "exitosanoticias.pe":
        return f"https://exitosanoticias.pe/{section}/{slug}/", _native_id(key, 1300000)
    if outlet == "ojo-publico.com":
        return f"https://ojo-publico.com/{section}/{slug}", _native_id(key, 640000)
    raise ValueError(f"unknown outlet {outlet!r}")


def _blocks(text: str) -> list[tuple[str, dict[str, str], list[str]]]:
    blocks = []
    for chunk in re.split(r"^## ", text, flags=re.M)[1:]:
        head, _, body = chunk.partition("\n\n")
        lines = head.splitlines()
        key = lines[0].strip()
        fields: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"corpus block {key}: bad header line {line!r}")
            fields[name.strip()] = value.strip()
        paragraphs = [" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip()]
        blocks.append((key, fields, paragraphs))
    return blocks


def _reprint(original: SampleArticle, outlet: str, section: str, n: int) -> SampleArticle:
    """A near-verbatim copy of an agency story on another outlet, a little later."""
    agency = "(Andina)" if original.outlet == "andina.pe" else f"({OUTLETS[original.outlet].name})"
    paragraphs = list(original.paragraphs)
    first = re.sub(r"^(Lima|LIMA),? [a-z]{3,4}\. \d{1,2}(?: \(ANDINA\))?\.\s*", "", paragraphs[0])
    paragraphs[0] = first
    if n % 2 == 0:
        paragraphs.append(f"Fuente: {OUTLETS[original.outlet].name}.")
    else:
        paragraphs[0] = f"{agency} {first}"
    title = original.title if n % 2 == 0 else original.title.rstrip(".") + ", según Andina"
    when = original.published_at + timedelta(minutes=55 + 40 * n)
    key = f"{original.key}~{outlet}"
    url, nid = article_url(outlet, section, title, when, key, original.lang)
    return SampleArticle(
        key=key, url=url, outlet=outlet, section=section, sections=(section,), published_at=when,
        title=title, summary=original.summary, paragraphs=tuple(paragraphs),
        authors=(OUTLETS[outlet].newsroom,), lang=original.lang,
        relevant=original.relevant, duplicate_of=original.url, tone=original.tone,
        topics=original.topics, flags=frozenset(), native_id=nid,
    )


def _sister(original: SampleArticle, outlet: str, section: str) -> SampleArticle:
    """The same story, same words, on a sister outlet of the same group."""
    key = f"{original.key}~{outlet}"
    when = original.published_at + timedelta(minutes=20)
    url, nid = article_url(outlet, section, original.title, when, key, original.lang)
    return SampleArticle(
        key=key, url=url, outlet=outlet, section=section, sections=(section,), published_at=when,
        title=original.title, summary=original.summary, paragraphs=original.paragraphs,
        authors=original.authors, lang=original.lang, relevant=original.relevant,
        duplicate_of=original.url, tone=original.tone, topics=original.topics,
        flags=frozenset(), native_id=nid,
    )


def _article(key: str, f: dict[str, str], paragraphs: list[str]) -> SampleArticle:
    outlet = f["outlet"]
    if outlet not in OUTLETS:
        raise ValueError(f"corpus block {key}: unknown outlet {outlet!r}")
    when = datetime.strptime(f["date"], "%Y-%m-%d %H:%M").replace(tzinfo=LIMA)
    lang = f.get("lang", "es")
    section = f["section"]
    url, nid = article_url(outlet, section, f["title"], when, key, lang)
    flags = frozenset(f.get("flags", "").split())
    unknown = flags - FLAGS.keys()
    if unknown:
        raise ValueError(f"corpus block {key}: unknown flags {sorted(unknown)}")
    relevant = f.get("relevant", "yes") != "no"
    return SampleArticle(
        key=key, url=url, outlet=outlet, section=section,
        sections=(section, *f.get("also", "").split()), published_at=when,
        title=f["title"], summary=f.get("summary", ""), paragraphs=tuple(paragraphs),
        authors=tuple(a.strip() for a in f.get("author", "Redacción").split(";")),
        lang=lang, relevant=relevant, duplicate_of=None,
        tone=f.get("tone") if relevant else None,
        topics=tuple(f.get("topics", "").split()) if relevant else (),
        flags=flags, native_id=nid,
    )


@cache
def _load() -> tuple[tuple[SampleArticle, ...], tuple[Lead, ...]]:
    articles: list[SampleArticle] = []
    leads: list[Lead] = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for key, fields, paragraphs in _blocks(path.read_text(encoding="utf-8")):
            if fields.get("outlet") == "lead":
                leads.append(Lead(
                    key=key,
                    published_at=datetime.strptime(fields["date"], "%Y-%m-%d %H:%M").replace(tzinfo=LIMA),
                    outlet_name=fields["name"], outlet_url=fields["site"], title=fields["title"],
                    snippet=" ".join(paragraphs), topics=tuple(fields.get("topics", "").split()),
                ))
                continue
            original = _article(key, fields, paragraphs)
            articles.append(original)
            for n, target in enumerate(fields.get("reprinted_by", "").split()):
                outlet, _, section = target.partition("/")
                articles.append(_reprint(original, outlet, section, n))
            if fields.get("sister"):
                outlet, _, section = fields["sister"].partition("/")
                articles.append(_sister(original, outlet, section))
    keys = [a.key for a in articles]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise ValueError(f"duplicate corpus keys: {sorted(dupes)}")
    urls = [a.url for a in articles]
    clash = {u for u in urls if urls.count(u) > 1}
    if clash:
        raise ValueError(f"two corpus articles share a URL: {sorted(clash)}")
    articles.sort(key=lambda a: a.published_at)
    leads.sort(key=lambda lead: lead.published_at)
    return tuple(articles), tuple(leads)


def corpus() -> list[SampleArticle]:
    """Every article the sample outlets publish (originals, copies and irrelevant items), oldest first."""
    return list(_load()[0])


def leads() -> list[Lead]:
    """Google News items about outlets the campaign does not crawl, oldest first."""
    return list(_load()[1])


def by_url() -> dict[str, SampleArticle]:
    return {a.url: a for a in _load()[0]}


def published_by(outlet: str, now: datetime, section: str | None = None, *, feed: bool = True) -> list[SampleArticle]:
    """An outlet's articles already published at ``now``, newest first: what its feed lists, or
    with ``feed=False`` what it published (its sitemaps also list the ``sitemap_only`` stories)."""
    items = [
        a for a in _load()[0]
        if a.outlet == outlet and a.published_at <= now and (section is None or section in a.sections)
        and not (feed and "sitemap_only" in a.flags)
    ]
    return sorted(items, key=lambda a: a.published_at, reverse=True)
