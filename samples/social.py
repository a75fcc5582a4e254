"""What the sample social platforms share: the posts, the search rules, the answers and faults.

Each platform's sample API is one module of :mod:`samples.platforms` (``reddit.py``,
``bluesky.py``...), found by name, with its posts in it (its ``POSTS`` text, written for the
demo, spread over 2026-08-17 .. 2026-11-24 Lima time). A platform module
answers the real request shapes, paging and headers described in ``SOURCES.md`` and checks
the credentials the real API wants (401/403 JSON errors when they are missing). It provides:

- ``posts()``: its sample posts, oldest first (:class:`Post`, built with the helpers here);
- ``register(server)``: its routes on the :class:`~samples.server.SampleServer`;
- ``DEFAULT_FAULTS``: the one-shot faults armed when the server starts (endpoint -> faults);
- ``SAMPLE_CREDENTIALS``: the obviously fake credentials that unlock it in ``vigia demo``.

Failure modes are one-shot: ``server.state["faults"]`` maps an endpoint (``reddit.search``,
``reddit.token``, ``bluesky.search``, ``mastodon.tag``, ``youtube.search``,
``youtube.comments``, ``x.search``) to a list of faults, each served once by the next request
to that endpoint and then gone, so each fires once per server instance:

- ``rate_limit``: 429 with the platform's reset headers 1 s ahead (armed by default on every
  endpoint family but YouTube's, so the demo shows a wait and a successful retry),
- ``cloudflare_403``: a Cloudflare-style HTML page with status 403 instead of JSON,
- ``malformed_json``: a 200 whose JSON body is cut short,
- ``empty_page``: a valid page with no posts,
- ``null_fields``: the real page plus two broken posts on top (one without an id, one whose
  text and author are null),
- ``quota_exceeded`` (YouTube): 403 ``quotaExceeded``.

Permanent, natural quirks: logged-out Bluesky cursors answer 403; one YouTube video has its
comments disabled; a query with an unbalanced quote is a Bluesky ``BadQueryString``; X answers
only ``{"meta":{"result_count":0}}`` when nothing matches.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from campaigns.recognition import fold
from samples.server import Request, Response, SampleServer

LIMA = ZoneInfo("America/Lima")
WINDOW = (datetime(2026, 8, 17, 0, 0, tzinfo=LIMA), datetime(2026, 11, 24, 23, 0, tzinfo=LIMA))
KEPT_LANGUAGES = ("es", "en")
# The names that identify the target on their own (campaigns/miraflores.toml, target.names).
TARGET_NAMES = ("carlos canales", "alcalde canales", "canales anchorena", "@carloscanalesa")
JSON = "application/json; charset=utf-8"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Post:
    """One sample post as the platform holds it; ``relevant`` = it should survive the pipelines.

    ``lang`` is the language it is written in; ``lang_hint`` what the platform says (may be
    None or wrong). ``extra`` holds platform details (subreddit, title, video, instance ids...).
    """

    platform: str
    native_id: str
    text: str
    author: str
    created_at: datetime
    relevant: bool
    lang: str
    lang_hint: str | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)




# ---------------------------------------------------------------------------- the corpus
def names_target(text: str) -> bool:
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded) for name in TARGET_NAMES)


@cache
def _recogniser() -> Any:
    from campaigns import load_campaign
    from campaigns.recognition import TargetRecognizer

    return TargetRecognizer.for_campaign(load_campaign())


def kept_by_crawler(text: str, lang: str, hint: str | None) -> bool:
    """Whether the crawl should keep a post: about the target (by name, office or implicitly,
    as the campaign's recogniser reads it), in a kept language as the platform tags it (or as
    written when untagged), or naming the target in any language."""
    kind = _recogniser().match(None, text)
    return kind is not None and ((hint or lang) in KEPT_LANGUAGES or kind == "name")


def terms(text: str) -> set[str]:
    """Search tokens: accent- and case-folded words (a hashtag is one word)."""
    return set(re.findall(r"\w+", fold(text)))


def corpus_rows(posts: str) -> list[list[str]]:
    """The rows of a platform module's ``POSTS``: `` | ``-separated fields, ``#`` comments."""
    rows = []
    for line in posts.splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([part.strip() for part in line.split(" | ")])
    return rows


def split_language(text: str) -> tuple[str, str, str | None]:
    """``[pt|es] text`` -> (text, "pt", "es"); ``[es|] text`` -> no hint; default Spanish."""
    match = re.match(r"^\[([a-z]{2})(?:\|([a-z]{0,2}))?\]\s*", text)
    if not match:
        return text, "es", "es"
    lang, hint = match.group(1), match.group(2)
    return text[match.end():], lang, (lang if hint is None else hint or None)


def post_times(platform: str, n: int) -> list[datetime]:
    """``n`` increasing moments spread over the window, fixed for a platform (seeded)."""
    rng = random.Random(f"vigia-sample-{platform}")
    start, end = WINDOW
    step = (end - start) / n
    moments = []
    for i in range(n):
        moment = start + step * (i + 0.5 + rng.uniform(-0.4, 0.4))
        local = moment.astimezone(LIMA)
        if 1 <= local.hour < 7:  # people post less before dawn
            moment += timedelta(hours=6)
        moments.append(moment.replace(microsecond=rng.randrange(1000) * 1000).astimezone(UTC))
    return sorted(moments)


def digest(*parts: object, n: int = 32, alphabet: str = "abcdefghijklmnopqrstuvwxyz234567") -> str:
    raw = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    number = int.from_bytes(raw, "big")
    out = []
    for _ in range(n):
        number, rest = divmod(number, len(alphabet))
        out.append(alphabet[rest])
    return "".join(out)


def spread_times(key: str, n: int, start: datetime, end: datetime) -> list[datetime]:
    rng = random.Random(key)
    step = (end - start) / max(n, 1)
    return [
        (start + step * (i + 0.5 + rng.uniform(-0.4, 0.4))).replace(microsecond=0).astimezone(UTC)
        for i in range(n)
    ]




def platforms() -> tuple[str, ...]:
    """The platforms with a sample API (the modules of :mod:`samples.platforms`)."""
    from samples.platforms import modules

    return tuple(modules())


@cache
def _all_posts() -> tuple[Post, ...]:
    from samples.platforms import modules

    posts: list[Post] = []
    for module in modules().values():
        posts.extend(module.posts())
    return tuple(posts)


def corpus(platform: str | None = None) -> list[Post]:
    """Every sample post (oldest first within a platform), or one platform's."""
    return [p for p in _all_posts() if platform is None or p.platform == platform]


# ---------------------------------------------------------------------------- shared answers
def json_answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False), JSON, headers or {})


CLOUDFLARE_403 = """<!DOCTYPE html>
<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head>
<body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>
<p>You are unable to access this website.</p>
<div class="cf-error-footer">Cloudflare Ray ID: <strong>8f2c1a9e4b7d3c21</strong></div></div></body></html>"""


def take_fault(server: SampleServer, endpoint: str) -> str | None:
    """The next one-shot fault armed for ``endpoint``, consumed."""
    with server._lock:
        faults = server.state.setdefault("faults", {})
        assert isinstance(faults, dict)
        queue = faults.get(endpoint)
        return queue.pop(0) if queue else None


def common_fault(fault: str | None) -> Response | None:
    if fault == "cloudflare_403":
        return Response(403, CLOUDFLARE_403, "text/html; charset=UTF-8", {"Server": "cloudflare"})
    if fault == "malformed_json":
        return Response(200, '{"data": {"children": [{"kind": "t3", "data": {"id": "', JSON)
    return None


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def now_seconds() -> float:
    return time.time()


def left_in_window(limit: int, used: int) -> int:
    """Requests left in the current window; a long-lived sample server starts a new window
    rather than running dry (only an armed ``rate_limit`` fault answers 429)."""
    return limit - used % limit


def page_of(items: list[Any], offset: int, limit: int) -> tuple[list[Any], int | None]:
    chunk = items[offset: offset + limit]
    return chunk, (offset + limit if offset + limit < len(items) else None)


def int_arg(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value is not None else default
    except ValueError:
        return default


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def matches_all(query: str, text: str) -> bool:
    """Every query word (quotes ignored) appears as a word of ``text``."""
    wanted = terms(query)
    return bool(wanted) and wanted <= terms(text)


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def read_page_token(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.removeprefix("offset:")) if text.startswith("offset:") else None
    except ValueError:
        return None



def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)




# ---------------------------------------------------------------------------- registration
def register(server: SampleServer) -> None:
    """Add every platform's routes and arm their default one-shot faults."""
    from samples.platforms import modules

    faults: dict[str, list[str]] = {}
    for module in modules().values():
        faults.update({endpoint: list(queue) for endpoint, queue in module.DEFAULT_FAULTS.items()})
    server.state.setdefault("faults", faults)
    for module in modules().values():
        module.register(server)


def sample_credentials() -> dict[str, str]:
    """Every platform's fake demo credentials, by environment variable."""
    from samples.platforms import modules

    found: dict[str, str] = {}
    for module in modules().values():
        found.update(module.SAMPLE_CREDENTIALS)
    return found
