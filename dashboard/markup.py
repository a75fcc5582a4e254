"""Crawled text on the page: escaped before it reaches markdown, links only when http(s).

Titles, authors, urls and texts come from anyone on the web. In `st.markdown` a crawled
``[x](javascript:...)``, ``![](http://tracker/pixel)``, ``<img>``, ``:red[...]`` or ``$...$`` would
be rendered; escaped, it is shown as the characters it is.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

_PUNCTUATION = set(string.punctuation)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def md_text(value: object, *, limit: int | None = None) -> str:
    """``value`` as plain text inside markdown: every ASCII punctuation mark backslash-escaped
    (CommonMark shows an escaped mark as itself), line breaks and control characters as spaces."""
    text = "" if value is None else _CONTROL.sub(" ", str(value)).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in text)


def safe_url(value: object) -> str | None:
    """The URL when it is a plain http(s) address with a host, else None (never a
    ``javascript:``, ``data:`` or relative link)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def md_link(label: object, url: object) -> str:
    """A markdown link whose label is escaped and whose target is only ever http(s); a URL that
    is not is left out and said so."""
    target = safe_url(url)
    if target is None:
        return f"{md_text(label)} (link not shown: not an http(s) address)"
    # Characters that could end the link destination early are percent-encoded.
    return f"[{md_text(label)}]({quote(target, safe=':/?#@!$&*+,;=%-._~')})"
