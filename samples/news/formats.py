"""How each sample outlet writes its feeds, sitemaps and article pages.

Pure functions from :class:`SampleArticle` records to the bytes the real outlet would send,
one family per CMS (see ``/work/shared/SOURCES.md``): Arc XP (El Comercio, Gestión, Perú21,
Infobae), La República, RPP, Andina (ISO-8859-1), WordPress (Exitosa, Ojo Público), the
Google News search RSS and the Google News sitemaps.
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime

from samples.news.corpus import LIMA, OUTLETS, Lead, SampleArticle, slugify

UTC = UTC
_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"]
_MON = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "set", "oct", "nov", "dic"]


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rfc822(when: datetime, tz: tzinfo = UTC, gmt: bool = False) -> str:
    """``Mon, 17 Aug 2026 12:40:00 +0000`` (or ``GMT``, or another offset)."""
    return format_datetime(when.astimezone(tz), usegmt=gmt)


def iso(when: datetime, tz: tzinfo = LIMA) -> str:
    return when.astimezone(tz).isoformat(timespec="seconds")


def relative_date(when: datetime, now: datetime) -> str:
    """What Peruvian sites print instead of a date for fresh items."""
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "hace instantes"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"hace {max(minutes, 1)} minuto{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 24 and now.astimezone(LIMA).date() == when.astimezone(LIMA).date():
        return f"hace {hours} hora{'s' if hours != 1 else ''}"
    days = (now.astimezone(LIMA).date() - when.astimezone(LIMA).date()).days
    if days <= 1:
        return "ayer"
    if days < 7:
        return f"hace {days} días"
    return f"{when.astimezone(LIMA):%d/%m/%Y}"


def spanish_date(when: datetime) -> str:
    day = when.astimezone(LIMA)
    return f"{day.day} de {_MONTHS[day.month - 1]} de {day.year}"


def google_id(url: str) -> str:
    """A ``CBMi...`` article id like Google News gives: a URL-safe protobuf holding the URL."""
    data = url.encode()
    size, length = len(data), bytearray()
    while True:  # protobuf varint
        byte, size = size & 0x7F, size >> 7
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes(length) + data).decode().rstrip("=")


def google_link(url: str) -> str:
    return f"https://news.google.com/rss/articles/{google_id(url)}?oc=5"


# ------------------------------------------------------------------------- feeds

def _arc_content(article: SampleArticle, related: list[SampleArticle]) -> str:
    """content:encoded of an Arc feed: full text plus the site's inserts."""
    parts = [f"<p>{esc(p)}</p>" for p in article.paragraphs]
    if related:
        first = related[0]
        parts.insert(min(2, len(parts)), f'<q>LEE TAMBIÉN: <a href="{first.url}">{esc(first.title)}</a></q>')
    if "tweet" in article.flags:
        parts.insert(
            min(3, len(parts)),
            '<blockquote class="twitter-tweet"><p lang="es" dir="ltr">Seguimos trabajando por la '
            'seguridad de Miraflores. Los vecinos merecen resultados, no campañas. '
            '<a href="https://t.co/a1B2c3D4">pic.twitter.com/a1B2c3D4</a></p>&mdash; Carlos Canales '
            f'(@carloscanalesa) <a href="https://twitter.com/carloscanalesa/status/{article.native_id}00071">'
            f'{article.published_at:%B %d, %Y}</a></blockquote>'
            '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>',
        )
    if len(related) > 1:
        items = "".join(f'<li><a href="{r.url}">{esc(r.title)}</a></li>' for r in related[1:4])
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def arc_rss(site_name: str, host: str, feed_url: str, items: list[SampleArticle],
            related: dict[str, list[SampleArticle]], now: datetime) -> str:
    """An Arc XP outbound feed (RSS 2.0, +0000 dates, dc:creator, content:encoded, media)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:media="http://search.yahoo.com/mrss/" version="2.0">',
        "<channel>",
        f"<title><![CDATA[{site_name}]]></title>",
        f"<link>https://{host}</link>",
        f'<atom:link href="{esc(feed_url)}" rel="self" type="application/rss+xml"/>',
        f"<description><![CDATA[{site_name} RSS Feed]]></description>",
        f"<lastBuildDate>{rfc822(now)}</lastBuildDate>",
        "<language>es</language>",
        "<sy:updatePeriod>hourly</sy:updatePeriod>",
        "<sy:updateFrequency>1</sy:updateFrequency>",
    ]
    for a in items:
        title = a.title + ("  " if a.native_id % 3 == 0 else "")
        description = "" if "empty_description" in a.flags else a.summary
        creators = ", ".join(a.authors)
        out += [
            "<item>",
            f"<title>{cdata(title)}</title>",
            f"<link>{esc(a.feed_link)}</link>",
            f'<guid isPermaLink="true">{esc(a.feed_link)}</guid>',
            f"<dc:creator>{cdata(creators)}</dc:creator>",
            f"<description>{cdata(description)}</description>",
            f"<pubDate>{rfc822(a.published_at)}</pubDate>",
            f"<content:encoded>{cdata(_arc_content(a, related.get(a.url, [])))}</content:encoded>",
            f'<media:content type="image/jpeg" url="{esc(a.image)}" height="675" width="1200"/>',
            "</item>",
        ]
    out += ["</channel>", "</rss>"]
    return "\n".join(out)


def larepublica_rss(feed: str, items: list[SampleArticle], now: datetime) -> str:
    """La República's RSS: whitespace around CDATA, category with domain, image:image, GMT."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
        'xmlns:atom="http://www.w3.org/2005/Atom">',
        "  <channel>",
        "    <title>",
        f"      <![CDATA[ La República - {feed} ]]>",
        "    </title>",
        "    <link>https://larepublica.pe</link>",
        "    <description>",
        "      <![CDATA[ Noticias de Perú y el mundo ]]>",
        "    </description>",
        f"    <lastBuildDate>{rfc822(now, gmt=True)}</lastBuildDate>",
        "    <language>es</language>",
    ]
    for a in items:
        section = a.section.capitalize()
        out += [
            "    <item>",
            "      <title>",
            f"        {cdata(' ' + a.title + ' ')}",
            "      </title>",
            f"      <link>{esc(a.feed_link)}</link>",
            f'      <guid isPermaLink="true">{esc(a.url)}</guid>',
            "      <description>",
            f"        {cdata(' ' + a.summary + ' ')}",
            "      </description>",
            f'      <category domain="https://larepublica.pe/{a.section}"><![CDATA[ {section} ]]></category>',
            f"      <dc:creator>{esc(', '.join(a.authors))}</dc:creator>",
            f"      <pubDate>{rfc822(a.published_at, gmt=True)}</pubDate>",
            "      <image:image>",
            f"        <image:loc>{esc(a.image)}</image:loc>",
            f"        <image:title><![CDATA[ {a.title} ]]></image:title>",
            "      </image:image>",
            f'      <media:content url="{esc(a.image)}" medium="image" type="image/jpeg"/>',
            "    </item>",
        ]
    out += ["  </channel>", "</rss>"]
    return "\n".join(out)


def rpp_rss(items: list[SampleArticle], now: datetime) -> str:
    """RPP's short feed (about 15 items, -0500 dates)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        "<title>RPP Noticias</title>",
        "<link>https://rpp.pe</link>",
        "<description>Las noticias más importantes del Perú y el mundo</description>",
        f"<lastBuildDate>{rfc822(now, LIMA)}</lastBuildDate>",
    ]
    for a in items:
        out += [
            "<item>",
            f"<title>{esc(a.title)}</title>",
            f"<link>{esc(a.url)}</link>",
            f'<guid isPermaLink="false">rpp-{a.native_id}</guid>',
            f"<description>{esc(a.summary)}</description>",
            f"<pubDate>{rfc822(a.published_at, LIMA)}</pubDate>",
            f"<dc:creator>{esc(a.authors[0])}</dc:creator>",
            f'<media:content url="{esc(a.image)}" type="image/jpeg" medium="image"/>',
            "</item>",
        ]
    out += ["</channel>", "</rss>"]
    return "\n".join(out)


def andina_rss(items: list[SampleArticle], now: datetime) -> bytes:
    """Andina's feed, genuinely ISO-8859-1 encoded, with media:thumbnail."""
    out = [
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">',
        "<channel>",
        "<title>Agencia Peruana de Noticias Andina</title>",
        "<link>https://andina.pe/agencia/</link>",
        "<description>Noticias del Perú y el mundo</description>",
        "<language>es-pe</language>",
        f"<pubDate>{rfc822(now, LIMA)}</pubDate>",
    ]
    for a in items:
        out += [
            "<item>",
            f"<title>{esc(a.title)}</title>",
            f"<link>{esc(a.url)}</link>",
            f"<description>{esc(a.summary)}</description>",
            f"<pubDate>{rfc822(a.published_at, LIMA)}</pubDate>",
            f"<guid>{esc(a.url)}</guid>",
            f'<media:thumbnail url="https://portal.andina.pe/EDPfotografia3/Thumbnail/2026/{a.native_id}.jpg" width="120" height="80"/>',
            "</item>",
        ]
    out += ["</channel>", "</rss>"]
    return "\n".join(out).encode("iso-8859-1", errors="xmlcharrefreplace")


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def wordpress_rss(site: str, host: str, items: list[SampleArticle], now: datetime) -> str:
    """A stock WordPress RSS 2.0 feed (posts_per_rss raised to 50, as news sites do)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
        '\txmlns:atom="http://www.w3.org/2005/Atom"',
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"',
        "\t>",
        "<channel>",
        f"\t<title>{esc(site)}</title>",
        f'\t<atom:link href="https://{host}/feed/" rel="self" type="application/rss+xml" />',
        f"\t<link>https://{host}</link>",
        f"\t<description>{esc(site)}</description>",
        f"\t<lastBuildDate>{rfc822(now)}</lastBuildDate>",
        "\t<language>es</language>",
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>",
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>",
        "\t<generator>https://wordpress.org/?v=6.6.2</generator>",
    ]
    for a in items:
        summary = _mojibake(a.summary) if "mojibake" in a.flags else a.summary
        excerpt = esc(summary) + " [&#8230;]"
        body = "".join(f"<p>{esc(p)}</p>\n" for p in a.paragraphs)
        out += [
            "\t<item>",
            f"\t\t<title>{esc(a.title)}</title>",
            f"\t\t<link>{esc(a.url)}</link>",
            f"\t\t<dc:creator>{cdata(a.authors[0])}</dc:creator>",
            f"\t\t<pubDate>{rfc822(a.published_at)}</pubDate>",
            f"\t\t<category>{cdata(a.section.capitalize())}</category>",
            f'\t\t<guid isPermaLink="false">https://{host}/?p={a.native_id}</guid>',
            f"\t\t<description>{cdata(excerpt)}</description>",
            f"\t\t<content:encoded>{cdata(body)}</content:encoded>",
            "\t</item>",
        ]
    out += ["\t</channel>", "</rss>"]
    return "\n".join(out)


def break_feed(text: str) -> str:
    """The feed as a timed-out proxy delivers it: bare ampersands, an HTML entity XML does
    not know, and the connection closed at the start of one more item."""
    text = text.replace("<channel>", "<channel>\n<copyright>Perú21 & Grupo El Comercio&nbsp;2026</copyright>", 1)
    return text.removesuffix("</channel>\n</rss>") + "<item>\n<title><![CDATA[Mira"


def wordpress_atom(site: str, host: str, items: list[SampleArticle], now: datetime) -> str:
    """WordPress's Atom feed."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0" xml:lang="es">',
        f'\t<title type="text">{esc(site)}</title>',
        '\t<subtitle type="text">Periodismo de investigación</subtitle>',
        f"\t<updated>{iso(now, UTC).replace('+00:00', 'Z')}</updated>",
        f'\t<link rel="alternate" type="text/html" href="https://{host}" />',
        f"\t<id>https://{host}/feed/atom/</id>",
        f'\t<link rel="self" type="application/atom+xml" href="https://{host}/feed/atom/" />',
        '\t<generator uri="https://wordpress.org/" version="6.6.2">WordPress</generator>',
    ]
    for a in items:
        body = "".join(f"<p>{esc(p)}</p>\n" for p in a.paragraphs)
        authors = "".join(f"\n\t\t<author><name>{esc(n)}</name></author>" for n in a.authors)
        out += [
            "\t<entry>",
            authors.lstrip("\n"),
            f'\t\t<title type="html"><![CDATA[{a.title}]]></title>',
            f'\t\t<link rel="alternate" type="text/html" href="{esc(a.url)}" />',
            f"\t\t<id>https://{host}/?p={a.native_id}</id>",
            f"\t\t<updated>{iso(a.published_at + timedelta(hours=2), UTC).replace('+00:00', 'Z')}</updated>",
            f"\t\t<published>{iso(a.published_at, UTC).replace('+00:00', 'Z')}</published>",
            f'\t\t<category scheme="https://{host}" term="{esc(a.section.capitalize())}" />',
            f'\t\t<summary type="html"><![CDATA[{a.summary} [&#8230;]]]></summary>',
            f'\t\t<content type="html" xml:base="{esc(a.url)}"><![CDATA[{body}]]></content>',
            "\t</entry>",
        ]
    out.append("</feed>")
    return "\n".join(out)


# ------------------------------------------------------------------------- sitemaps

def news_sitemap(publication: str, items: list[SampleArticle]) -> str:
    """A Google News sitemap (urlset with news:news entries)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">',
    ]
    for a in items:
        keywords = ", ".join(["Miraflores", *(_KEYWORDS[t] for t in a.topics)])
        out += [
            "<url>",
            f"<loc>{esc(a.url)}</loc>",
            f"<lastmod>{iso(a.published_at + timedelta(minutes=12))}</lastmod>",
            "<news:news>",
            "<news:publication>",
            f"<news:name>{esc(publication)}</news:name>",
            f"<news:language>{a.lang}</news:language>",
            "</news:publication>",
            f"<news:publication_date>{iso(a.published_at)}</news:publication_date>",
            f"<news:title>{esc(a.title)}</news:title>",
            f"<news:keywords>{esc(keywords)}</news:keywords>",
            "</news:news>",
            f"<image:image><image:loc>{esc(a.image)}</image:loc></image:image>",
            "</url>",
        ]
    out.append("</urlset>")
    return "\n".join(out)


def sitemap_index(locs: list[tuple[str, datetime]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, lastmod in locs:
        out += ["<sitemap>", f"<loc>{esc(loc)}</loc>", f"<lastmod>{iso(lastmod)}</lastmod>", "</sitemap>"]
    out.append("</sitemapindex>")
    return "\n".join(out)


_KEYWORDS = {"security": "seguridad ciudadana", "politics": "política", "recall": "revocatoria"}


# ------------------------------------------------------------------------- Google News

def _gn_entry(title: str, link: str, outlet: str) -> str:
    return f'<a href="{link}" target="_blank">{esc(title)}</a>&nbsp;&nbsp;<font color="#6f6f6f">{esc(outlet)}</font>'


def google_news_rss(query: str, hits: list[tuple[SampleArticle | Lead, list[SampleArticle]]], now: datetime) -> str:
    """Google News search results: each hit is an article or a lead, with its story cluster."""
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">',
        "<channel>",
        "<generator>NFE/5.0</generator>",
        f"<title>{esc(query)} - Google News</title>",
        "<link>https://news.google.com/search?hl=es-419&amp;gl=PE&amp;ceid=PE:es-419</link>",
        "<language>es-419</language>",
        "<webMaster>news-webmaster@google.com</webMaster>",
        "<copyright>Copyright © 2026 Google. All rights reserved. This XML feed is made available solely for the purpose of rendering Google News results within a personal feed reader for personal, non-commercial use. Any other use of the feed is expressly prohibited. By accessing this feed or using these results in any manner whatsoever, you agree to be bound by the foregoing restrictions.</copyright>",
        f"<lastBuildDate>{rfc822(now, gmt=True)}</lastBuildDate>",
        "<description>Google News</description>",
    ]
    for hit, cluster in hits:
        if isinstance(hit, Lead):
            title, outlet, site, when = hit.title, hit.outlet_name, hit.outlet_url, hit.published_at
            link = google_link(site + "/" + slugify(hit.title))
        else:
            outlet_info = OUTLETS[hit.outlet]
            title, outlet, site, when = hit.title, outlet_info.name, f"https://{outlet_info.host}", hit.published_at
            link = google_link(hit.url)
        if cluster:
            entries = [_gn_entry(title, link, outlet)]
            entries += [_gn_entry(c.title, google_link(c.url), OUTLETS[c.outlet].name) for c in cluster]
            description = "<ol>" + "".join(f"<li>{e}</li>" for e in entries) + "</ol>"
        else:
            description = _gn_entry(title, link, outlet)
        out += [
            "<item>",
            f"<title>{esc(title)} - {esc(outlet)}</title>",
            f"<link>{link}</link>",
            f'<guid isPermaLink="false">{link.rsplit("/", 1)[1].split("?")[0]}</guid>',
            f"<pubDate>{rfc822(when, gmt=True)}</pubDate>",
            f"<description>{esc(description)}</description>",
            f'<source url="{esc(site)}">{esc(outlet)}</source>',
            "</item>",
        ]
    out += ["</channel>", "</rss>"]
    return "\n".join(out)


def google_interstitial(article_id: str) -> str:
    """What a Google News article link answers now: 200, JavaScript, no Location."""
    return (
        '<!doctype html><html lang="es-419"><head><meta charset="utf-8"><title>Google News</title>'
        '<script nonce="x1">(function(){var w=window;w.AF_initDataCallback=function(){};'
        "w.WIZ_global_data={\"FdrFJe\":\"-7131873540921385812\",\"GWsdKe\":\"es-419\"};})();</script>"
        "</head><body>"
        f'<c-wiz jsrenderer="fKfnjf" data-n-a-id="{esc(article_id)}" data-n-a-ts="1764040000" '
        'data-n-a-sg="AZ5r3eQx8yGZq0pX1v" jsmodel="hT8rr"><div class="m3vOGc">Abriendo…</div></c-wiz>'
        '<script nonce="x1">AF_initDataCallback({key:"ds:0",hash:"1",data:[null,null,"redirect"],sideChannel:{}});</script>'
        "</body></html>"
    )


# ------------------------------------------------------------------------- article pages

def _person(name: str, host: str) -> dict[str, str]:
    return {"@type": "Person", "name": name, "url": f"https://{host}/autor/{slugify(name)}/"}


def news_article_jsonld(a: SampleArticle, *, body: str | None, date: bool = True,
                        paywall: bool = False) -> dict:
    host = OUTLETS[a.outlet].host
    authors = [_person(n, host) for n in a.authors]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
        "headline": a.title,
        "description": a.summary,
        "image": [a.image],
        "author": authors[0] if len(authors) == 1 else authors,
        "publisher": {"@type": "Organization", "name": OUTLETS[a.outlet].name,
                      "logo": {"@type": "ImageObject", "url": f"https://{host}/logo.png"}},
        "keywords": ", ".join(["Carlos Canales", "Miraflores", *(_KEYWORDS[t] for t in a.topics)])
        if a.relevant else a.section,
        "inLanguage": a.lang,
    }
    if date:
        data["datePublished"] = iso(a.published_at)
        data["dateModified"] = iso(a.published_at + timedelta(minutes=35))
    if body is not None:
        data["articleBody"] = body
    if paywall:
        data["isAccessibleForFree"] = "False"
        data["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paywall"}
    return data


def jsonld_script(data: dict, malformed: bool = False) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if malformed:
        # Assembled from string templates: a raw quote in the headline and a trailing comma.
        text = text.replace(json.dumps(data["headline"], ensure_ascii=False), f'"{data["headline"]} "Exclusivo""', 1)
        text = text.rstrip("}\n") + ",\n}"
    text = text.replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _og(a: SampleArticle, site: str, date: bool = True, locale: str = "es_PE") -> str:
    tags = [
        ("og:site_name", site), ("og:type", "article"), ("og:title", a.title),
        ("og:description", a.summary), ("og:url", a.url), ("og:image", a.image), ("og:locale", locale),
    ]
    if date:
        tags.append(("article:published_time", iso(a.published_at)))
    tags += [("article:section", a.section.capitalize()), ("article:author", ", ".join(a.authors))]
    return "\n".join(f'<meta property="{k}" content="{esc(v)}">' for k, v in tags)


_ARC_NAV = (
    '<header class="header"><nav class="nav"><a href="/">Inicio</a><a href="/lima/">Lima</a>'
    '<a href="/politica/">Política</a><a href="/economia/">Economía</a><a href="/mundo/">Mundo</a>'
    '<a href="/suscripciones/">Suscríbete</a></nav></header>'
)
_FOOTER = (
    '<footer class="footer"><p>© 2026 Todos los derechos reservados. Prohibida su reproducción total '
    'o parcial.</p><a href="/politicas-de-privacidad/">Políticas de privacidad</a>'
    '<a href="/terminos-y-condiciones/">Términos y condiciones</a></footer>'
)


def arc_home_page(site: str) -> str:
    """What ``elcomercio.pe/feed`` answers: the home page, not a feed."""
    return (
        f'<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>{esc(site)}: Noticias '
        f"del Perú y el mundo</title></head><body>{_ARC_NAV}"
        '<main><section class="featured"><h2><a href="/lima/">Lo último en Lima</a></h2></section></main>'
        f"{_FOOTER}</body></html>"
    )


def _visible_date(a: SampleArticle, now: datetime) -> tuple[str, str]:
    """(datetime attribute, visible text) of an Arc byline date."""
    if "relative_date" in a.flags:
        return "", "Publicado " + relative_date(a.published_at, now)
    local = a.published_at.astimezone(LIMA) + timedelta(minutes=35)
    return iso(a.published_at), f"Actualizado el {local:%d/%m/%Y} a las {local:%H:%M}"


def _fusion(a: SampleArticle) -> str:
    content = {
        "_id": f"{a.native_id:X}ABCDEF",
        "type": "story",
        "canonical_url": "/" + a.url.split("/", 3)[3],
        "headlines": {"basic": a.title},
        "subheadlines": {"basic": a.summary},
        "credits": {"by": [{"type": "author", "name": n} for n in a.authors]},
        "display_date": iso(a.published_at, UTC).replace("+00:00", ".000Z"),
        "first_publish_date": iso(a.published_at, UTC).replace("+00:00", ".000Z"),
        "content_elements": (
            [{"type": "text", "_id": f"p{i}", "content": p} for i, p in enumerate(a.paragraphs)]
            + [{"type": "raw_html", "_id": "ad1", "content": '<div class="ad ad--inline"></div>'}]
        ),
        "taxonomy": {"primary_section": {"_id": f"/{a.section}", "name": a.section.capitalize()}},
    }
    blob = json.dumps(content, ensure_ascii=False).replace("</", "<\\/")
    return (
        '<script type="application/javascript" id="fusion-metadata">window.Fusion=window.Fusion||{};'
        f'Fusion.arcSite="{a.outlet.split(".")[0]}";Fusion.deployment="1402";'
        f"Fusion.globalContent={blob};"
        'Fusion.globalContentConfig={"source":"content-api","query":{"website_url":"'
        + "/" + a.url.split("/", 3)[3] + '"}};Fusion.contentCache={};</script>'
    )


def arc_page(a: SampleArticle, now: datetime, amp: bool = False) -> str:
    """An Arc XP article page (El Comercio, Gestión, Perú21) or its AMP copy."""
    site = OUTLETS[a.outlet].name
    paragraphs = list(a.paragraphs)
    paywall = "paywall" in a.flags
    if paywall:
        paragraphs = paragraphs[:2]
    fusion_only = "fusion" in a.flags and not amp
    date_attr, date_text = _visible_date(a, now)
    body_text = None if amp or fusion_only else "\n\n".join(paragraphs)
    head = [f'<meta charset="utf-8"><title>{esc(a.title)} | {esc(site.upper())}</title>',
            f'<meta name="description" content="{esc(a.summary)}">',
            f'<link rel="canonical" href="{a.url}">']
    if not amp:
        head.append(f'<link rel="amphtml" href="{a.url}?outputType=amp">')
    head.append(_og(a, site, date=bool(date_attr)))
    if "og_only" not in a.flags:
        data = news_article_jsonld(a, body=body_text, date=bool(date_attr), paywall=paywall)
        head.append(jsonld_script(data, malformed="malformed_jsonld" in a.flags))
    if amp:
        head.insert(0, '<script async src="https://cdn.ampproject.org/v0.js"></script>')
        head.append('<style amp-boilerplate>body{visibility:hidden}</style>')
    authors = "".join(
        f'<a class="story-contents__author-link" href="/autor/{slugify(n)}/">{esc(n)}</a>' for n in a.authors
    )
    time_tag = f'<time datetime="{date_attr}">{date_text}</time>' if date_attr else f"<time>{date_text}</time>"
    if fusion_only:
        body = '<div class="story-contents__content"><div class="lazyload-wrapper"></div></div>'
    else:
        prefix = "amp-" if amp else ""
        ps = "".join(f'<p class="{prefix}story-contents__font-paragraph">{esc(p)}</p>' for p in paragraphs)
        body = f'<div class="{prefix}story-contents__content">{ps}</div>'
        if paywall:
            body += ('<div class="paywall"><p class="story-contents__font-paragraph">Para seguir leyendo, '
                     'suscríbete a nuestro Plan Digital.</p><a href="/suscripciones/">Suscríbete</a></div>')
    html_tag = '<html amp lang="es">' if amp else '<html lang="es">'
    return (
        f"<!DOCTYPE html>{html_tag}<head>{''.join(head)}</head><body>{_ARC_NAV}"
        f'<main><article class="story">'
        f'<div class="sht"><h1 class="sht__title">{esc(a.title)}</h1>'
        f'<h2 class="sht__summary">{esc(a.summary)}</h2></div>'
        f'<div class="story-contents__author">{authors}<div class="story-contents__author-date">{time_tag}</div></div>'
        f"{body}</article>"
        '<aside class="related"><h3>Te puede interesar</h3><ul><li><a href="/lima/">Más noticias de Lima</a></li></ul></aside>'
        f"</main>{_FOOTER}{_fusion(a) if not amp else ''}</body></html>"
    )


def infobae_page(a: SampleArticle) -> str:
    """Infobae's Arc page: no date anywhere but the URL."""
    data = news_article_jsonld(a, body=a.text, date=False)
    authors = "".join(f'<a class="author-name" href="/autores/{slugify(n)}/">{esc(n)}</a>' for n in a.authors)
    ps = "".join(f'<p class="paragraph">{esc(p)}</p>' for p in a.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{a.lang}"><head><meta charset="utf-8"><title>{esc(a.title)} - Infobae</title>'
        f'<link rel="canonical" href="{a.url}">{_og(a, "infobae", date=False)}'
        f"{jsonld_script(data, malformed='malformed_jsonld' in a.flags)}</head><body>"
        '<nav class="nav-bar"><a href="/peru/">Perú</a><a href="/america/">América</a></nav>'
        f'<article class="article"><h1 class="article-headline">{esc(a.title)}</h1>'
        f'<h2 class="article-subheadline">{esc(a.summary)}</h2>'
        f'<div class="byline">Por {authors}</div>'
        f'<div class="body-article">{ps}</div></article>'
        '<div class="newsletter">Recibe las noticias de Infobae en tu correo</div>'
        f"{_FOOTER}</body></html>"
    )


def larepublica_page(a: SampleArticle, now: datetime) -> str:
    """La República: hashed CSS-module classes; rely on JSON-LD and div.html-content p."""
    local = a.published_at.astimezone(LIMA)
    visible = (relative_date(a.published_at, now) if "relative_date" in a.flags
               else f"{local.day} {_MON[local.month - 1].capitalize()} {local.year} | {local:%H:%M} h")
    head = [f'<meta charset="utf-8"><title>{esc(a.title)} | La República</title>',
            f'<link rel="canonical" href="{a.url}">', _og(a, "La República", date="relative_date" not in a.flags)]
    if "og_only" not in a.flags:
        data = news_article_jsonld(a, body=a.text, date="relative_date" not in a.flags)
        head.append(jsonld_script(data, malformed="malformed_jsonld" in a.flags))
    authors = "".join(f'<a href="/autor/{slugify(n)}">{esc(n)}</a>' for n in a.authors)
    ps = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="es"><head>{"".join(head)}</head><body><div id="__next">'
        '<header class="Header_header__h7Kq1"><a href="/politica">Política</a><a href="/sociedad">Sociedad</a></header>'
        f'<main class="DetailLayout_main__x2Pw8"><h1 class="DetailTitle_title__Q3pX1">{esc(a.title)}</h1>'
        f'<h2 class="DetailSummary_summary__k9Yt2">{esc(a.summary)}</h2>'
        f'<div class="DetailAuthor_author__a8Bd1">{authors}</div>'
        f'<span class="DetailDate_date__Zm2Q0">{visible}</span>'
        f'<div class="html-content">{ps}</div>'
        '<div class="Tags_tags__P0o2s"><a href="/tag/miraflores">Miraflores</a></div></main>'
        f"{_FOOTER}</div></body></html>"
    )


def rpp_page(a: SampleArticle, now: datetime) -> str:
    local = a.published_at.astimezone(LIMA)
    if "relative_date" in a.flags:
        time_tag = f"<time>Actualizado {relative_date(a.published_at, now)}</time>"
    else:
        time_tag = f'<time datetime="{iso(a.published_at)}">Actualizado el {spanish_date(local)}, {local:%H:%M}</time>'
    head = [f'<meta charset="utf-8"><title>{esc(a.title)} | RPP Noticias</title>',
            f'<link rel="canonical" href="{a.url}">', _og(a, "RPP", date="relative_date" not in a.flags)]
    if "og_only" not in a.flags:
        data = news_article_jsonld(a, body=a.text, date="relative_date" not in a.flags)
        head.append(jsonld_script(data, malformed="malformed_jsonld" in a.flags))
    ps = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="es"><head>{"".join(head)}</head><body>'
        '<header class="header"><a href="/politica">Política</a><a href="/lima">Lima</a><a href="/envivo">RPP en vivo</a></header>'
        f'<article class="article"><h1 class="article__title">{esc(a.title)}</h1>'
        f'<div class="article__summary"><p>{esc(a.summary)}</p></div>'
        f'<div class="article__author">{esc(a.authors[0])}</div>{time_tag}'
        f'<div id="article-body" class="article__body">{ps}</div>'
        '<div class="article__tags"><a href="/noticias/miraflores">Miraflores</a></div></article>'
        f"{_FOOTER}</body></html>"
    )


def andina_page(a: SampleArticle) -> bytes:
    """Andina's ASP.NET page, ISO-8859-1 through and through; the dateline has no year."""
    local = a.published_at.astimezone(LIMA)
    dateline = f"{local:%H:%M} | Lima, {_MON[local.month - 1]}. {local.day}."
    ps = "".join(f"<p>{esc(p)}</p>" for p in a.paragraphs)
    text = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />'
        f"<title>Andina - {esc(a.title)}</title>{_og(a, 'Andina', locale='es_LA')}</head><body>"
        f'<form method="post" action="./noticia-{a.url.rsplit("noticia-", 1)[1]}" id="form1">'
        '<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgIDD2QWAgIBD2QWAgIBDw8WAh4EVGV4dAUL" />'
        '<div id="menu"><a href="/agencia/seccion-politica-16.aspx">Política</a>'
        '<a href="/agencia/seccion-locales-10.aspx">Locales</a></div>'
        f'<div class="nota"><h1 id="ContentPlaceHolder1_lblTitulo">{esc(a.title)}</h1>'
        f'<h2 class="nota-resumen">{esc(a.summary)}</h2>'
        f'<span class="fecha" id="ContentPlaceHolder1_lblFecha">{dateline}</span>'
        f'<div id="ContentPlaceHolder1_divCuerpo" class="nota-cuerpo">{ps}</div>'
        '<p class="publicado">Publicado: ' + f"{local:%d/%m/%Y}" + "</p></div>"
        '<div id="pie">Agencia Peruana de Noticias Andina - Editora Perú</div></form></body></html>'
    )
    return text.encode("iso-8859-1", errors="xmlcharrefreplace")


def wordpress_page(a: SampleArticle, now: datetime) -> bytes:
    """A WordPress single post (Exitosa, Ojo Público); ``mislabeled`` pages lie about their charset."""
    site = OUTLETS[a.outlet].name
    host = OUTLETS[a.outlet].host
    mislabeled = "mislabeled" in a.flags
    # Ojo Público's pages are genuinely Windows-1252, with WordPress's typographic quotes and dashes.
    cp1252 = a.outlet == "ojo-publico.com" and not mislabeled
    charset = "ISO-8859-1" if mislabeled else "windows-1252" if cp1252 else "UTF-8"
    relative = "relative_date" in a.flags
    head = [f'<meta charset="{charset}">', f"<title>{esc(a.title)} - {esc(site)}</title>",
            f'<link rel="canonical" href="{a.url}">', _og(a, site, date=not relative, locale="es_ES"),
            f'<meta name="author" content="{esc(a.authors[0])}">']
    if a.outlet == "ojo-publico.com" and "og_only" not in a.flags:
        graph = {"@context": "https://schema.org", "@graph": [
            {"@type": "Article", "@id": a.url + "#article", "isPartOf": {"@id": a.url},
             "author": {"name": a.authors[0], "@id": f"https://{host}/#/schema/person/{slugify(a.authors[0])}"},
             "headline": a.title, **({} if relative else {"datePublished": iso(a.published_at, UTC)}),
             "mainEntityOfPage": {"@id": a.url}, "wordCount": len(a.text.split()),
             "articleSection": [a.section.capitalize()], "inLanguage": "es"},
            {"@type": "WebPage", "@id": a.url, "url": a.url, "name": f"{a.title} - {site}"},
        ]}
        head.append('<script type="application/ld+json" class="yoast-schema-graph">'
                    + json.dumps(graph, ensure_ascii=False) + "</script>")
    local = a.published_at.astimezone(LIMA)
    visible = relative_date(a.published_at, now) if relative else f"{local.day} {_MONTHS[local.month - 1]}, {local.year}"
    date_attr = "" if relative else f' datetime="{iso(a.published_at, UTC)}"'
    paragraphs = [_texturize(p) for p in a.paragraphs] if cp1252 else a.paragraphs
    ps = "".join(f"<p>{esc(p)}</p>\n" for p in paragraphs)
    text = (
        f'<!DOCTYPE html><html lang="es-PE"><head>{"".join(head)}</head>'
        f'<body class="post-template-default single single-post postid-{a.native_id} single-format-standard">'
        f'<div id="page" class="site"><header id="masthead" class="site-header"><a href="https://{host}/">{esc(site)}</a>'
        '<nav class="main-navigation"><a href="/actualidad/">Actualidad</a><a href="/politica/">Política</a></nav></header>'
        f'<article id="post-{a.native_id}" class="post-{a.native_id} post type-post status-publish format-standard">'
        f'<header class="entry-header"><h1 class="entry-title">{esc(a.title)}</h1>'
        f'<div class="entry-meta"><span class="posted-on"><time class="entry-date published"{date_attr}>{visible}</time></span>'
        f'<span class="byline"><span class="author vcard"><a class="url fn n" href="https://{host}/author/{slugify(a.authors[0])}/">'
        f"{esc(a.authors[0])}</a></span></span></div></header>"
        f'<div class="entry-content">{ps}</div>'
        '<div class="sharedaddy"><h3 class="sd-title">Comparte esto:</h3></div></article>'
        f"{_FOOTER}</div></body></html>"
    )
    return text.encode("cp1252", errors="xmlcharrefreplace") if cp1252 else text.encode("utf-8")


def _texturize(text: str) -> str:
    """WordPress's wptexturize, roughly: curly double quotes and en dashes (bytes 0x93, 0x94, 0x96 in cp1252)."""
    text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
    return text.replace(" - ", " \u2013 ")
