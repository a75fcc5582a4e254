"""Canonical URLs: one address per article, whatever tracking or AMP variant linked to it.

The stored URL is the real one (sample-server addresses are mapped back with
``campaigns.from_local``), on https, without fragments, tracking parameters or AMP
markers, so the same article always gets the same doc_id.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from campaigns import from_local

_TRACKING = re.compile(
    r"^(utm_\w+|ref|ref_src|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ocid|cmpid|ito|igshid|"
    r"_ga|__twitter_impression|s_cid|smid|share|amp)$",
    re.IGNORECASE,
)
_AMP_PATH = re.compile(r"/amp/?$")


def canonical_url(url: str, local_base: str | None = None) -> str:
    """The address an article is stored under.

    >>> canonical_url("http://elcomercio.pe/lima/x-noticia/?ref=ecr&outputType=amp#top")
    'https://elcomercio.pe/lima/x-noticia/'
    """
    url = from_local(url.strip(), local_base)
    parts = urlsplit(url)
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    # "a//b" is a typo, but "/r/https://bsky.app/..." (a bridge) holds a URL: its "//" stays
    path = re.sub(r"(?<!:)/{2,}", "/", parts.path or "/")
    path = _AMP_PATH.sub("/", path)
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if _TRACKING.match(key):
            continue
        if key.lower() == "outputtype" and value.lower() == "amp":
            continue
        if host == "news.google.com" and key == "oc":
            continue
        query.append((key, value))
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def domain(url: str) -> str:
    """The host of ``url`` without ``www.``: how outlets are named as platforms."""
    host = (urlsplit(url if "//" in url else "https://" + url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def is_amp(url: str) -> bool:
    """True for AMP copies (``?outputType=amp`` or a trailing ``/amp/``)."""
    parts = urlsplit(url)
    if _AMP_PATH.search(parts.path):
        return True
    return any(k.lower() == "outputtype" and v.lower() == "amp" for k, v in parse_qsl(parts.query))
