"""Opening the shared warehouse (PostgreSQL): one connection per short piece of work.

Errors come back as :class:`warehouse.database.WarehouseError` with one line that names the
server without its password: unreachable, refused login, no such database.
"""

from __future__ import annotations

from typing import Any

from warehouse.engines import redacted


def open_raw(url: str, *, timeout: float = 10.0) -> Any:
    """A psycopg connection in autocommit, session time zone UTC, JSON read back as text."""
    import psycopg
    from psycopg.types.string import TextLoader

    from warehouse.database import WarehouseError

    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)),
                              options="-c TimeZone=UTC", application_name="vigia")
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"cannot reach the shared warehouse {redacted(url)}: {_reason(exc)}") from None
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise WarehouseError(f"not a usable warehouse URL {redacted(url)}: {str(exc).splitlines()[0]}") from None
    for name in ("json", "jsonb"):
        raw.adapters.register_loader(name, TextLoader)
    return raw


def _reason(exc: Exception) -> str:
    """The one line of a connection failure that says why (libpq writes several)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        lowered = line.lower()
        if "password authentication failed" in lowered or "no password supplied" in lowered:
            return "the password was refused"
        if "does not exist" in lowered:
            return line.split("FATAL:")[-1].strip()
        if "connection refused" in lowered:
            return "connection refused (is PostgreSQL running there?)"
        if "timeout" in lowered or "timed out" in lowered:
            return "no answer (timed out)"
    return lines[-1] if lines else type(exc).__name__


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` means the server went away (worth keeping the work and retrying later)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.OperationalError)
