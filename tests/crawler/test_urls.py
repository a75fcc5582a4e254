"""One article, one canonical URL: tracking, AMP and sample-server variants collapse."""

from crawler.urls import canonical_url, domain, is_amp

ARTICLE = "https://elcomercio.pe/lima/carlos-canales-noticia/"


def test_tracking_amp_and_fragments_are_removed():
    for variant in (
        ARTICLE,
        ARTICLE + "?ref=ecr",
        ARTICLE + "?outputType=amp",
        ARTICLE + "?utm_source=twitter&utm_medium=social#comentarios",
        "http://ELCOMERCIO.pe/lima/carlos-canales-noticia/?ref=ecr&outputType=amp",
    ):
        assert canonical_url(variant) == ARTICLE


def test_meaningful_query_parameters_stay_sorted():
    assert canonical_url("https://x.pe/nota.aspx?b=2&id=7&utm_campaign=z") == "https://x.pe/nota.aspx?b=2&id=7"


def test_sample_server_addresses_map_back_to_the_real_ones():
    base = "http://127.0.0.1:8123"
    assert canonical_url(f"{base}/elcomercio.pe/lima/carlos-canales-noticia/?ref=ecr", base) == ARTICLE


def test_google_news_links_lose_the_oc_parameter():
    assert canonical_url("https://news.google.com/rss/articles/CBMiAb?oc=5") == "https://news.google.com/rss/articles/CBMiAb"


def test_wordpress_amp_path():
    assert canonical_url("https://exitosanoticias.pe/actualidad/nota/amp/") == "https://exitosanoticias.pe/actualidad/nota/"
    assert is_amp("https://exitosanoticias.pe/actualidad/nota/amp/")
    assert is_amp(ARTICLE + "?outputType=amp")
    assert not is_amp(ARTICLE)


def test_domain_drops_www():
    assert domain("https://www.infobae.com/peru/") == "infobae.com"
    assert domain("https://rpp.pe") == "rpp.pe"


def test_a_url_inside_a_path_keeps_its_double_slash():
    bridged = "https://bsky.brid.gy/r/https://bsky.app/profile/alice.bsky.social/post/3kabc"
    assert canonical_url(bridged) == bridged
    assert canonical_url("https://elcomercio.pe//lima//x/") == "https://elcomercio.pe/lima/x/"
