"""Map real source addresses onto the local sample server and back.

`vigia demo` and the tests serve recorded-format copies of the real sources on
127.0.0.1. A real address ``https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml``
becomes ``http://127.0.0.1:PORT/elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml``:
the real host is the first path segment. Mapping back gives the stored URL, so a
document keeps the same canonical URL (and doc_id) whatever port the server used.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def to_local(url: str, base: str) -> str:
    """Rewrite a real URL so that it points at the sample server at ``base``."""
    parts = urlsplit(url)
    base = base.rstrip("/")
    path = parts.path or "/"
    local = f"{base}/{parts.netloc}{path}"
    if parts.query:
        local += f"?{parts.query}"
    return local


def from_local(url: str, base: str | None) -> str:
    """Undo :func:`to_local`; URLs that do not start with ``base`` come back unchanged."""
    if not base:
        return url
    base = base.rstrip("/")
    if not url.startswith(base + "/"):
        return url
    rest = url[len(base) + 1 :]
    host, _, tail = rest.partition("/")
    parts = urlsplit("https://" + host + "/" + tail)
    return urlunsplit(("https", parts.netloc, parts.path, parts.query, parts.fragment))
