"""What the benchmarks share to time a read."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` calls in seconds (rounded to ms), and the last call's result:
    the fastest run is the one least disturbed by the rest of the machine."""
    out, fastest = None, float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        fastest = min(fastest, time.perf_counter() - t)
    return round(fastest, 3), out


@contextmanager
def scan_only() -> Iterator[None]:
    """Reads as before the term index (migration 053): every query a scan of ``search_text``.
    The baseline a benchmark measures beside the index, on the same file in the same run."""
    from warehouse import query

    def where(text: str | None, column: str = "search_text", key: str | None = None) -> Any:
        return indexed(text, column)

    indexed = query.where
    query.where = where
    try:
        yield
    finally:
        query.where = indexed
