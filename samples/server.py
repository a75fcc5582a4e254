"""The sample server: real hosts become the first path segment on 127.0.0.1.

``http://127.0.0.1:PORT/elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml`` answers what
``https://elcomercio.pe/arc/outboundfeeds/rss/?outputType=xml`` would (see
``campaigns.localize``). Routes are registered by the sample families:
``news`` (:mod:`samples.news`), ``social`` (every platform of :mod:`samples.platforms`) or one
platform by its name (``reddit``); the server logs every request so tests can check what a
spider asked for.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("vigia.samples")


@dataclass
class Request:
    method: str
    host: str               # the real host this request stands for
    path: str               # the real path, starting with "/"
    query: dict[str, list[str]]
    headers: dict[str, str]
    base_url: str           # http://127.0.0.1:PORT, for links back to this server
    raw_query: str = ""
    body: bytes = b""       # POST body (token and session endpoints read credentials from it)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def local(self, url: str) -> str:
        """A real URL as this server serves it."""
        from campaigns.localize import to_local

        return to_local(url, self.base_url)


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Route = Callable[[Request], Response | None]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a crawler refusing a 50 MB page) is not an error here."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s hung up", client_address)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class SampleServer:
    """A threaded HTTP server on 127.0.0.1 with host/path routes.

    Use as a context manager; ``base_url`` is known once started. ``state`` is shared
    by routes that must change answer between requests (a 429 then a 200).
    """

    def __init__(self, port: int = 0, families: list[str] | None = None, corpus_seed: int = 7):
        self.port = port
        self.routes: list[tuple[re.Pattern[str], re.Pattern[str], Route]] = []
        self.requests: list[Request] = []
        self.state: dict[str, object] = {}
        self.corpus_seed = corpus_seed
        # Tests read ``requests``; a benchmark serving 100,000 pages turns it off.
        self.record_requests = True
        # Requests being answered now, and the most at once, per real host (politeness tests).
        self.inflight: dict[str, int] = {}
        self.peak_inflight: dict[str, int] = {}
        self.started_at: dict[str, list[float]] = {}
        # (host, path, arrived, answer ready) of every request, while record_requests is set
        self.intervals: list[tuple[str, str, float, float]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for family in families if families is not None else ["news", "social"]:
            self.load_family(family)

    def load_family(self, family: str) -> None:
        """Register ``family``: ``news``, ``social`` (all platforms) or one platform's name."""
        import importlib

        from samples.platforms import modules

        if family in modules():
            platform = modules()[family]
            faults = self.state.setdefault("faults", {})
            assert isinstance(faults, dict)
            for endpoint, queue in platform.DEFAULT_FAULTS.items():
                faults.setdefault(endpoint, list(queue))
            platform.register(self)
            return
        try:
            module = importlib.import_module(f"samples.{family}")
        except ModuleNotFoundError as exc:
            if exc.name == f"samples.{family}":
                log.warning("sample family %s is not available", family)
                return
            raise
        module.register(self)

    def route(self, host: str, path: str) -> Callable[[Route], Route]:
        """Decorator: answer requests whose host and path fully match the regexes."""

        def add(fn: Route) -> Route:
            self.routes.append((re.compile(host), re.compile(path), fn))
            return fn

        return add

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("sample server not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def requests_to(self, host: str, path_prefix: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.host == host and r.path.startswith(path_prefix)]

    def dispatch(self, request: Request) -> Response:
        if self.record_requests:
            with self._lock:
                self.requests.append(request)
        for host_re, path_re, fn in self.routes:
            if host_re.fullmatch(request.host) and path_re.fullmatch(request.path):
                answer = fn(request)
                if answer is not None:
                    return answer
        return Response(404, "<html><body><h1>404 Not Found</h1></body></html>")

    def start(self) -> SampleServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                host, _, rest = parts.path.lstrip("/").partition("/")
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=method,
                    host=host,
                    path="/" + rest,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    base_url=server.base_url,
                    raw_query=parts.query,
                    body=self.rfile.read(length) if length else b"",
                )
                # In flight from arrival until its answer is ready: a client cannot have its answer
                # before then, so this count never exceeds how many requests the client has open.
                arrived = time.monotonic()
                with server._lock:
                    server.inflight[host] = server.inflight.get(host, 0) + 1
                    server.peak_inflight[host] = max(server.peak_inflight.get(host, 0), server.inflight[host])
                    if server.record_requests:
                        server.started_at.setdefault(host, []).append(time.monotonic())
                try:
                    response = server.dispatch(request)
                except Exception:  # a broken route must not kill the server
                    log.exception("sample route failed for %s%s", host, request.path)
                    response = Response(500, "internal error")
                finally:
                    with server._lock:
                        server.inflight[host] -= 1
                        if server.record_requests:
                            server.intervals.append((host, request.path, arrived, time.monotonic()))
                body = response.payload() if method != "HEAD" else b""
                self.route_server = response.headers.get("Server")  # e.g. a Cloudflare page's
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.payload())))
                for name, value in response.headers.items():
                    if name != "Server":  # sent once, by send_response (version_string)
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def version_string(self) -> str:
                return getattr(self, "route_server", None) or super().version_string()

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer("HEAD")

            def do_POST(self) -> None:  # noqa: N802
                self._answer("POST")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                log.debug("sample server: " + format, *args)

        self._httpd = _QuietServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sample-server", daemon=True)
        self._thread.start()
        log.info("sample server on %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
