"""The sample news sources: every campaign news URL answers in its outlet's real format,
and the sample corpus is big, varied and honest enough for the demo's charts."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
from datasketch import MinHash, MinHashLSH
from lxml import etree
from lxml import html as lxml_html
from protego import Protego

from campaigns import load_campaign
from campaigns.localize import to_local
from campaigns.recognition import fold
from samples import SampleServer
from samples.news import SAMPLE_NOW, corpus, leads, relevant_articles
from samples.news.corpus import FIRST_DAY, OUTLETS

VIGIA_UA = "Vigia/0.1 (+sample tests)"
NEWS_SPIDERS = ("news_feeds", "news_sitemaps", "news_search")
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, ua: str = VIGIA_UA) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": ua})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server():
    with SampleServer(families=["news"]) as running:
        running.state["now"] = SAMPLE_NOW
        running.state["feed_poll_window"] = 0  # these tests read each feed many times
        yield running


@pytest.fixture(scope="module")
def campaign(server):
    return load_campaign().localized(server.base_url)


def local(server, url: str) -> str:
    return to_local(url, server.base_url)


def xml(body: bytes) -> etree._Element:
    return etree.fromstring(body)


# ---------------------------------------------------------------- every campaign URL answers

def test_every_campaign_news_url_answers_with_its_feed_or_its_documented_failure(server, campaign):
    for source in campaign.sources:
        if source.spider not in NEWS_SPIDERS:
            continue
        for url in source.urls:
            if source.spider == "news_search":
                url += "&q=" + quote(source.queries[0])
            status, headers, body = fetch(url)
            if source.platform == "rpp.pe":
                assert status == 301, url
                continue
            assert status == 200, (url, status)
            if source.platform == "peru21.pe":
                # malformed and truncated: a strict parser fails, a recovering one gets the items
                with pytest.raises(etree.XMLSyntaxError):
                    xml(body)
                root = etree.fromstring(body, etree.XMLParser(recover=True))
                assert len(root.findall(".//item")) >= 10
                continue
            root = xml(body)
            entries = root.findall(".//item") + root.findall("atom:entry", NS) + root.findall("sm:sitemap", NS)
            entries += root.findall("sm:url", NS)
            assert entries, f"{url} lists nothing"


def test_rpp_feed_moves_to_plain_http_and_stays_on_the_local_server(server):
    status, headers, _ = fetch(local(server, "https://rpp.pe/feed"))
    assert status == 301
    assert headers["Location"] == to_local("http://rpp.pe/rss", server.base_url)
    assert headers["Location"].startswith(server.base_url + "/rpp.pe/rss")
    assert headers["X-Sample-Location"] == "http://rpp.pe/rss"
    status, _, body = fetch(headers["Location"])
    assert status == 200
    assert 12 <= len(xml(body).findall(".//item")) <= 15


def test_elcomercio_feed_alias_answers_an_html_page_not_a_feed(server):
    status, headers, body = fetch(local(server, "https://elcomercio.pe/feed"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert body.lstrip().startswith(b"<!DOCTYPE html>")
    assert fetch(local(server, "https://elcomercio.pe/sitemap.xml"))[0] == 404


def test_peru21_blocks_default_user_agents_with_a_cloudflare_page_but_not_vigia(server):
    url = local(server, "https://peru21.pe/arc/outboundfeeds/rss/?outputType=xml")
    status, headers, body = fetch(url, ua="Scrapy/2.19.0 (+https://scrapy.org)")
    assert status == 403 and b"Cloudflare" in body and headers.get("CF-RAY")
    assert fetch(url)[0] == 200


def test_robots_txt_allows_the_feeds_articles_and_sitemaps_of_every_host(server, campaign):
    by_host = {}
    for source in campaign.sources:
        if source.spider in NEWS_SPIDERS:
            for url in source.urls:
                by_host.setdefault(url.split("/")[3], []).append(url)
    for article in corpus():
        by_host.setdefault(OUTLETS[article.outlet].host, []).append(local(server, article.feed_link))
    for host, urls in by_host.items():
        status, _, body = fetch(f"{server.base_url}/{host}/robots.txt")
        assert status == 200
        robots = Protego.parse(body.decode())
        for url in urls:
            real_path = "/" + url.split("/", 4)[4]
            assert robots.can_fetch(real_path, VIGIA_UA), (host, real_path)
    status, _, body = fetch(f"{server.base_url}/robots.txt")
    assert status == 200 and Protego.parse(body.decode()).can_fetch(
        "/elcomercio.pe/arc/outboundfeeds/rss/", VIGIA_UA)


# ---------------------------------------------------------------- feed formats

def test_arc_feeds_carry_creator_full_text_inserts_media_and_utc_dates(server):
    _, _, body = fetch(local(server, "https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml"))
    items = xml(body).findall(".//item")
    assert 20 <= len(items) <= 100
    for item in items:
        assert item.find("category") is None
        assert item.findtext("pubDate").endswith("+0000")
        assert item.findtext("dc:creator", namespaces=NS).strip()
        assert item.find("media:content", NS).get("url")
    encoded = [item.findtext("content:encoded", namespaces=NS) for item in items]
    assert any("<q>LEE TAMBIÉN" in e for e in encoded)
    assert any('class="twitter-tweet"' in e and "<script" in e for e in encoded)
    assert any(e.count("<li>") for e in encoded)
    assert any(item.findtext("title").endswith(" ") for item in items)
    assert any(not (item.findtext("description") or "").strip() for item in items)
    links = [item.findtext("link") for item in items]
    assert any(link.endswith("?outputType=amp") for link in links)
    assert any(link.endswith("?ref=ecr") for link in links)


def test_an_elcomercio_story_sits_in_two_category_feeds(server):
    def links(section):
        _, _, body = fetch(local(server, f"https://elcomercio.pe/arc/outboundfeeds/rss/category/{section}/?outputType=xml"))
        return {re.sub(r"\?.*", "", i.findtext("link")) for i in xml(body).findall(".//item")}

    assert links("lima") & links("politica")


def test_larepublica_rss_has_padded_cdata_categories_with_domain_images_and_gmt(server):
    _, _, body = fetch(local(server, "https://larepublica.pe/rss/home.xml"))
    assert b"<![CDATA[ " in body
    items = xml(body).findall(".//item")
    for item in items:
        assert item.find("category").get("domain").startswith("https://larepublica.pe/")
        assert item.find("image:image/image:loc", NS) is not None
        assert item.findtext("pubDate").endswith("GMT")
        assert re.search(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+-hnews-\d+$", item.findtext("link"))
    assert item.findtext("title") != item.findtext("title").strip()


def test_andina_feed_and_pages_are_genuinely_iso_8859_1(server):
    status, headers, body = fetch(local(server, "https://andina.pe/agencia/rss.aspx"))
    assert status == 200 and "iso-8859-1" in headers["Content-Type"].lower()
    assert body.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "ó" in body.decode("latin-1")
    root = xml(body)
    items = root.findall(".//item")
    assert all(i.find("media:thumbnail", NS) is not None for i in items)
    assert all(re.search(r"/noticia-[a-z0-9-]+-\d+\.aspx$", i.findtext("link")) for i in items)
    page_status, page_headers, page = fetch(local(server, items[0].findtext("link")))
    assert page_status == 200 and "iso-8859-1" in page_headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")


def test_wordpress_outlets_serve_one_rss_and_one_atom_feed(server):
    _, headers, body = fetch(local(server, "https://exitosanoticias.pe/feed/"))
    rss = xml(body)
    assert rss.tag == "rss" and b"wordpress.org" in body
    assert any("Ã" in (i.findtext("description") or "") for i in rss.findall(".//item")), "a mojibake summary"
    _, headers, body = fetch(local(server, "https://ojo-publico.com/feed"))
    atom = xml(body)
    assert atom.tag == "{http://www.w3.org/2005/Atom}feed" and "atom" in headers["Content-Type"]
    entry = atom.find("atom:entry", NS)
    assert entry.find("atom:link[@rel='alternate']", NS).get("href").startswith("https://ojo-publico.com/")
    assert entry.findtext("atom:published", namespaces=NS).endswith("Z")


def test_feeds_list_only_what_is_published_at_the_servers_now(server):
    url = local(server, "https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml")
    late = len(xml(fetch(url)[2]).findall(".//item"))
    future = next(a for a in corpus() if a.outlet == "elcomercio.pe" and a.published_at.month == 11)
    server.state["now"] = SAMPLE_NOW - timedelta(days=60)
    try:
        early = len(xml(fetch(url)[2]).findall(".//item"))
        assert fetch(local(server, future.url))[0] == 404
    finally:
        server.state["now"] = SAMPLE_NOW
    assert 0 < early < late


# ---------------------------------------------------------------- article pages

def _page(server, article, query: str = "") -> lxml_html.HtmlElement:
    status, headers, body = fetch(local(server, article.url) + query)
    assert status == 200, article.url
    charset = re.search(r"charset=([\w-]+)", headers["Content-Type"]).group(1)
    return lxml_html.fromstring(body.decode(charset))


def _jsonld(doc) -> list[str]:
    return doc.xpath("//script[@type='application/ld+json']/text()")


def test_every_feed_link_answers_an_article_page(server):
    for article in corpus():
        status, _, body = fetch(local(server, article.feed_link))
        assert status == 200, article.feed_link
        assert len(body) > 1000


def test_arc_pages_have_the_real_markup_and_a_news_article_json_ld(server):
    article = next(a for a in corpus() if a.outlet == "elcomercio.pe" and not a.flags)
    doc = _page(server, article)
    assert doc.cssselect("h1.sht__title")[0].text_content() == article.title
    assert doc.cssselect("h2.sht__summary")
    paragraphs = doc.cssselect("div.story-contents__content p.story-contents__font-paragraph")
    assert [p.text_content() for p in paragraphs] == list(article.paragraphs)
    assert doc.cssselect("a.story-contents__author-link")
    assert re.match(r"Actualizado el \d{2}/\d{2}/\d{4} a las \d{2}:\d{2}",
                    doc.cssselect(".story-contents__author-date time")[0].text_content())
    data = json.loads(_jsonld(doc)[0])
    assert data["@type"] == "NewsArticle" and data["headline"] == article.title
    assert data["datePublished"].endswith("-05:00") and data["articleBody"]


def test_paywall_teaser_is_truncated_while_the_feed_keeps_the_full_text(server):
    article = next(a for a in corpus() if "paywall" in a.flags)
    doc = _page(server, article)
    data = json.loads(_jsonld(doc)[0])
    assert data["isAccessibleForFree"] == "False" and data["hasPart"]["cssSelector"] == ".paywall"
    assert doc.cssselect(".paywall")
    assert len(data["articleBody"]) < len(article.text)
    _, _, body = fetch(local(server, f"https://{article.outlet}/arc/outboundfeeds/rss/?outputType=xml"))
    item = next(i for i in xml(body).findall(".//item") if i.findtext("link").startswith(article.url))
    assert article.paragraphs[-1].split(".")[0] in html_text(item.findtext("content:encoded", namespaces=NS))


def html_text(fragment: str) -> str:
    return lxml_html.fromstring(f"<div>{fragment}</div>").text_content()


def test_a_page_holds_its_body_only_in_fusion_global_content(server):
    article = next(a for a in corpus() if "fusion" in a.flags)
    status, _, body = fetch(local(server, article.url))
    page = body.decode()
    doc = lxml_html.fromstring(page)
    assert not doc.cssselect("p.story-contents__font-paragraph")
    assert "articleBody" not in _jsonld(doc)[0]
    blob = re.search(r"Fusion\.globalContent=(\{.*?\});Fusion\.globalContentConfig", page).group(1)
    texts = [e["content"] for e in json.loads(blob)["content_elements"] if e["type"] == "text"]
    assert texts == list(article.paragraphs)


def test_amp_copies_point_back_to_the_canonical_article(server):
    article = next(a for a in corpus() if "amp" in a.flags)
    doc = _page(server, article, "?outputType=amp")
    assert doc.getroottree().getroot().get("amp") is not None
    assert doc.xpath("//link[@rel='canonical']/@href") == [article.url]
    assert "articleBody" not in _jsonld(doc)[0]


def test_some_pages_are_opengraph_only_and_some_json_ld_is_malformed(server):
    og_only = next(a for a in corpus() if "og_only" in a.flags)
    doc = _page(server, og_only)
    assert not _jsonld(doc)
    assert doc.xpath("//meta[@property='og:title']/@content") == [og_only.title]
    malformed = [a for a in corpus() if "malformed_jsonld" in a.flags]
    assert malformed
    for article in malformed:
        with pytest.raises(json.JSONDecodeError):
            json.loads(_jsonld(_page(server, article))[0])


def test_larepublica_pages_have_hashed_classes_and_an_html_content_body(server):
    article = next(a for a in corpus() if a.outlet == "larepublica.pe" and not a.flags)
    doc = _page(server, article)
    assert [p.text_content() for p in doc.cssselect("div.html-content p")] == list(article.paragraphs)
    assert doc.xpath("//h1[starts-with(@class, 'DetailTitle_title__')]")
    assert json.loads(_jsonld(doc)[0])["datePublished"].endswith("-05:00")


def test_mislabeled_pages_turn_into_mojibake_for_a_naive_reader(server):
    article = next(a for a in corpus() if "mislabeled" in a.flags and "í" in a.text)
    status, headers, body = fetch(local(server, article.url))
    assert "ISO-8859-1" in headers["Content-Type"]
    assert b'<meta charset="ISO-8859-1">' in body
    assert "Ã" in body.decode("iso-8859-1")
    assert article.paragraphs[0] in body.decode("utf-8")


def test_fresh_pages_show_only_relative_dates(server):
    shown = []
    for article in corpus():
        if "relative_date" in article.flags:
            page = fetch(local(server, article.url))[2].decode()
            assert article.published_at.isoformat()[:16] not in page
            shown += re.findall(r"hace \d+ (?:minutos?|horas?|días)|ayer", page)
    assert {"hace 5 minutos", "hace 2 horas", "ayer", "hace 3 días"} <= set(shown)


def test_infobae_pages_carry_their_date_only_in_the_url(server):
    article = next(a for a in corpus() if a.outlet == "infobae.com")
    status, _, body = fetch(local(server, article.url))
    page = body.decode()
    assert "datePublished" not in page and "published_time" not in page and "<time" not in page
    assert f"/peru/{article.published_at:%Y/%m/%d}/" in article.url


# ---------------------------------------------------------------- sitemaps and Google News

def test_news_sitemaps_list_recent_articles_with_publication_dates(server):
    _, _, body = fetch(local(server, "https://elcomercio.pe/sitemap/news/lima/?outputType=xml"))
    urls = xml(body).findall("sm:url", NS)
    assert urls
    known = {a.url: a for a in corpus()}
    for url in urls:
        article = known[url.findtext("sm:loc", namespaces=NS)]
        assert url.findtext("news:news/news:publication_date", namespaces=NS) == article.published_at.isoformat()
        assert url.findtext("sm:lastmod", namespaces=NS)
        assert SAMPLE_NOW - timedelta(days=3) <= article.published_at <= SAMPLE_NOW
    _, _, body = fetch(local(server, "https://larepublica.pe/sitemaps/noticias.xml?outputType=xml"))
    children = [s.findtext("sm:loc", namespaces=NS) for s in xml(body).findall("sm:sitemap", NS)]
    assert children
    listed = 0
    for child in children:
        status, _, child_body = fetch(local(server, child))
        assert status == 200
        listed += len(xml(child_body).findall("sm:url/news:news", NS))
    assert listed


def _google(server, query: str) -> list[etree._Element]:
    url = local(server, "https://news.google.com/rss/search?hl=es-419&gl=PE&ceid=PE:es-419") + "&q=" + quote(query)
    return xml(fetch(url)[2]).findall(".//item")


def test_google_news_items_are_leads_with_outlet_titles_and_opaque_links(server):
    items = _google(server, '"Carlos Canales" Miraflores when:7d')
    assert items
    titled = {(a.title, OUTLETS[a.outlet].name) for a in corpus()}
    in_feeds = lead_only = 0
    for item in items:
        link = item.findtext("link")
        assert re.fullmatch(r"https://news\.google\.com/rss/articles/CBMi[\w-]+\?oc=5", link)
        assert item.findtext("pubDate").endswith("GMT")
        source = item.find("source")
        assert source.get("url").startswith("https://")
        assert item.findtext("title").endswith(" - " + source.text)
        description = item.findtext("description")
        assert "<a href=" in description and '<font color="#6f6f6f">' in description
        headline = item.findtext("title").removesuffix(" - " + source.text)
        if (headline, source.text) in titled:
            in_feeds += 1
        else:
            lead_only += 1
    assert in_feeds and lead_only


def test_google_news_honours_when_and_shows_story_clusters(server):
    day = _google(server, '"Carlos Canales" Miraflores when:1d')
    week = _google(server, '"Carlos Canales" Miraflores when:7d')
    assert 0 < len(day) < len(week)
    everything = _google(server, '"Carlos Canales"')
    assert any("<ol>" in i.findtext("description") for i in everything)
    assert _google(server, "revocatoria Miraflores alcalde when:7d")


def test_google_news_article_links_answer_a_javascript_interstitial(server):
    titled = {f"{a.title} - {OUTLETS[a.outlet].name}": a for a in corpus()}
    items = _google(server, '"Carlos Canales" Miraflores when:7d')
    item, article = next((i, titled[i.findtext("title")]) for i in items if i.findtext("title") in titled)
    status, headers, body = fetch(local(server, item.findtext("link")))
    assert status == 200 and "Location" not in headers
    assert b"<script" in body and article.url.encode() not in body


# ---------------------------------------------------------------- the corpus

TARGET_NAMES = ["carlos canales", "alcalde canales", "canales anchorena", "@carloscanalesa"]


def test_at_least_150_distinct_relevant_articles_over_90_days_from_six_outlets():
    articles = relevant_articles()
    assert len(articles) >= 150
    days = {a.published_at.date() for a in articles}
    assert (max(days) - min(days)).days >= 90
    assert min(a.published_at for a in articles) >= FIRST_DAY
    assert max(a.published_at for a in articles) <= SAMPLE_NOW
    per_outlet = Counter(a.outlet for a in articles)
    assert sum(1 for n in per_outlet.values() if n >= 10) >= 6, per_outlet
    assert set(Counter(a.tone for a in articles)) == {"favourable", "critical", "neutral"}
    assert {t for a in articles for t in a.topics} == {"security", "politics", "recall"}
    english = sum(a.lang == "en" for a in articles) / len(articles)
    assert 0.05 <= english <= 0.15
    assert all(120 <= len(a.text.split()) + len(a.title.split()) <= 400 for a in articles)


def test_relevant_items_name_the_mayor_and_irrelevant_ones_never_do():
    irrelevant = [a for a in corpus() if not a.relevant]
    assert len(irrelevant) >= 20
    for article in corpus():
        text = fold(f"{article.title} {article.text}")
        assert any(n in text for n in TARGET_NAMES) == article.relevant, article.key
    other_sense = [a for a in irrelevant if "canales" in fold(a.text)]
    other_mayors = [a for a in irrelevant if re.search(r"san isidro|surco|barranco", fold(a.text))]
    assert other_sense and other_mayors


def test_copies_point_at_their_original_and_the_andina_story_has_two_reprints():
    articles = {a.url: a for a in corpus()}
    copies = [a for a in corpus() if a.duplicate_of]
    assert all(c.duplicate_of in articles and not articles[c.duplicate_of].duplicate_of for c in copies)
    by_original = Counter(c.duplicate_of for c in copies)
    andina = [url for url, n in by_original.items() if articles[url].outlet == "andina.pe" and n >= 2]
    assert andina
    reprints = {c.outlet for c in copies if c.duplicate_of == andina[0]}
    assert len(reprints) == 2 and "andina.pe" not in reprints
    assert any(articles[c.duplicate_of].outlet == "elcomercio.pe" and c.outlet == "gestion.pe" for c in copies)
    assert any(a.feed_link != a.url for a in corpus())
    assert leads() and all(any(n in fold(x.title) for n in TARGET_NAMES) for x in leads())


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", fold(text))
    return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}


def _minhash(shingles: set[str]) -> MinHash:
    signature = MinHash(num_perm=128, seed=1)
    for shingle in shingles:
        signature.update(shingle.encode())
    return signature


def test_distinct_articles_are_not_near_duplicates_but_copies_are():
    articles = corpus()
    shingles = {a.url: _shingles(f"{a.title} {a.text}") for a in articles}
    signatures = {url: _minhash(s) for url, s in shingles.items()}
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    distinct = [a for a in articles if a.relevant and not a.duplicate_of]
    for article in distinct:
        lsh.insert(article.url, signatures[article.url])
    for article in distinct:
        for other in lsh.query(signatures[article.url]):
            if other != article.url:
                a, b = shingles[article.url], shingles[other]
                assert len(a & b) / len(a | b) < 0.5, (article.key, other)
    for copy in (a for a in articles if a.duplicate_of):
        assert copy.duplicate_of in lsh.query(signatures[copy.url]), copy.key


def test_ojo_publico_pages_are_genuine_windows_1252_and_extract_cleanly(server):
    from crawler.articles import decode_html, extract_article

    quoted = [a for a in relevant_articles() if a.outlet == "ojo-publico.com" and '"' in a.text
              and "mislabeled" not in a.flags]
    assert quoted, "the sample needs an Ojo Público article with quotations"
    article = quoted[0]
    status, headers, body = fetch(local(server, article.url))
    assert status == 200 and "windows-1252" in headers["Content-Type"].lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b"\x93" in body and b"\x94" in body  # cp1252 curly quotes, C1 controls in latin-1
    extracted = extract_article(decode_html(body, "windows-1252"), article.url)
    assert "\u201c" in extracted.text and "\u201d" in extracted.text
    assert fold(article.paragraphs[0][:40]) in fold(extracted.text.replace("\u201c", '"').replace("\u201d", '"'))
