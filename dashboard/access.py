"""Who may see the page and who an analyst is.

The page is served on 127.0.0.1 unless the operator chooses otherwise, and exposing it needs
authentication from the ecosystem, never a home-made password (``VIGIA_AUTH``, set by
``vigia dashboard --auth``):

- ``none`` (default): no sign-in. The page answers only visitors from this machine; a name
  typed in a form is recorded as typed (``identified_by = 'typed'``).
- ``oidc``: Streamlit's own login (``st.login``) with an OpenID Connect provider configured in
  ``.streamlit/secrets.toml`` (``[auth]``); nothing is shown before sign-in, and corrections and
  events carry the signed-in e-mail (``identified_by = 'oidc'``).
- ``proxy``: a reverse proxy on this machine (oauth2-proxy behind nginx, ...) authenticates and
  passes the identity in a header it sets (``VIGIA_AUTH_HEADER``, default ``X-Forwarded-Email``);
  the page listens on 127.0.0.1 only, so the header can come from the proxy alone
  (``identified_by = 'proxy'``).

:func:`identify` decides from what a request carries; it is pure, so it is tested without a
server. ``vigia dashboard`` refuses an exposed address without ``oidc`` (:func:`check_serving`).
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODES = ("none", "oidc", "proxy")
DEFAULT_HEADER = "X-Forwarded-Email"
LOOPBACK = "127.0.0.1"


class AccessError(ValueError):
    """The page may not be served this way; the message is the one-line reason."""


@dataclass(frozen=True)
class Access:
    """How the page authenticates (``VIGIA_AUTH``) and, behind a proxy, which header names the user."""

    mode: str = "none"
    header: str = DEFAULT_HEADER

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Access:
        """From ``VIGIA_AUTH`` and ``VIGIA_AUTH_HEADER`` (of ``environ``, default the process's)."""
        environ = os.environ if environ is None else environ
        mode = (environ.get("VIGIA_AUTH") or "none").strip().lower()
        if mode not in MODES:
            raise AccessError(f"VIGIA_AUTH must be one of {', '.join(MODES)}, not {mode!r}")
        return cls(mode, (environ.get("VIGIA_AUTH_HEADER") or DEFAULT_HEADER).strip())


@dataclass(frozen=True)
class Visitor:
    """Who is looking: ``name`` None when it must be typed (no sign-in); ``identified_by`` is
    what corrections and events record: ``typed``, ``oidc`` or ``proxy``."""

    name: str | None
    identified_by: str


@dataclass(frozen=True)
class Refusal:
    """Why this request sees nothing, and whether a sign-in button would help."""

    reason: str
    sign_in: bool = False


def identify(access: Access, *, headers: Mapping[str, str] | None, user: Mapping[str, Any] | None,
             ip_address: str | None) -> Visitor | Refusal:
    """Who the visitor of one request is, or why the page refuses it.

    ``headers``: the request's headers; ``user``: ``st.user`` as a dict; ``ip_address``:
    ``st.context.ip_address`` (None from this machine)."""
    if access.mode == "oidc":
        if not (user or {}).get("is_logged_in"):
            return Refusal("Sign in to see the campaign's data.", sign_in=True)
        name = next((str(user[k]) for k in ("email", "name", "sub") if user and user.get(k)), None)
        if not name:
            return Refusal("The identity provider gave no e-mail, name or subject for this account.")
        return Visitor(name, "oidc")
    if access.mode == "proxy":
        value = next((v for k, v in (headers or {}).items() if k.lower() == access.header.lower()), "")
        value = value.strip()
        if not value:
            return Refusal(f"No {access.header} header: this page is served behind an authenticating proxy "
                           "and must be opened through it.")
        return Visitor(value, "proxy")
    if ip_address is not None and not _is_loopback(ip_address):
        return Refusal("This page has no sign-in and answers only on the machine that serves it. "
                       "To open it to others, see the README (Exposing the dashboard).")
    return Visitor(None, "typed")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return address == "localhost"


def secrets_files(cwd: Path | None = None) -> list[Path]:
    """Where Streamlit reads ``secrets.toml`` from: the working directory's ``.streamlit/``
    and the user's ``~/.streamlit/``."""
    return [(cwd or Path.cwd()) / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def check_serving(address: str, access: Access, *, cwd: Path | None = None) -> None:
    """Refuse (:class:`AccessError`) to serve the page where it would be open to anyone:
    a non-loopback address needs ``oidc``; ``proxy`` needs the loopback address (the header
    is trusted only from the proxy on this machine); ``oidc`` needs Authlib and an ``[auth]``
    section with ``redirect_uri`` and ``cookie_secret`` in a secrets file."""
    exposed = not _is_loopback(address)
    if access.mode == "none" and exposed:
        raise AccessError(
            f"the dashboard would answer anyone who reaches {address} with no sign-in: add --auth oidc "
            "(Streamlit's login, configured in .streamlit/secrets.toml) or keep 127.0.0.1 behind an "
            "authenticating reverse proxy with --auth proxy (README: Exposing the dashboard)")
    if access.mode == "proxy" and exposed:
        raise AccessError(
            f"with --auth proxy the page listens on {LOOPBACK} only: a {access.header} header is trusted only "
            f"from the proxy on this machine, and anyone reaching {address} directly could forge it")
    if access.mode == "oidc":
        try:
            import authlib  # noqa: F401
        except ImportError:
            raise AccessError("--auth oidc needs Authlib (pip install 'streamlit[auth]')") from None
        found = [p for p in secrets_files(cwd) if p.exists()]
        sections = []
        for path in found:
            try:
                sections.append(tomllib.loads(path.read_text(encoding="utf-8")).get("auth") or {})
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise AccessError(f"{path}: cannot be read: {exc}") from None
        auth = {k: v for section in reversed(sections) for k, v in section.items()}
        missing = [k for k in ("redirect_uri", "cookie_secret") if not auth.get(k)]
        if missing:
            where = " or ".join(str(p) for p in secrets_files(cwd))
            raise AccessError(f"--auth oidc needs an [auth] section with {', '.join(missing)} (and the provider's "
                              f"client_id, client_secret, server_metadata_url) in {where}")
