"""A query's words marked in crawled text: the shown text (``render.crawled``) with each hit of
the query's positive terms (``warehouse.query.highlight_spans``) inside ``<mark>``, for
``st.html``. Every piece of text still goes through the renderer; only the ``<mark>`` tags are
ours."""

from __future__ import annotations

from render import TEXT, crawled
from warehouse.query import highlight_spans


def _piece(text: str) -> str:
    # lines=True keeps the spaces at a piece's edges ("Hola " + "mundo" stays two words).
    return crawled(text, to="html", limit=None, lines=True)


def marked(text: object, query: str | None, *, limit: int | None = TEXT, lines: bool = False) -> str:
    """``text`` as the renderer shows it (cut at ``limit``), the query's hits marked."""
    shown = crawled(text, limit=limit, lines=lines)
    out, at = [], 0
    for start, end in highlight_spans(shown, query):
        out += [_piece(shown[at:start]), "<mark>", _piece(shown[start:end]), "</mark>"]
        at = end
    out.append(_piece(shown[at:]))
    return "".join(out)


def passages(text: object, query: str | None, *, width: int = 220, most: int = 3) -> list[str]:
    """Up to ``most`` windows of about ``width`` characters around the query's hits in ``text``
    (the whole shown text, however long), each as marked HTML with "…" where it was cut; empty
    when the query marks nothing."""
    shown = crawled(text, limit=None)
    spans = highlight_spans(shown, query)
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        if windows and start < windows[-1][1]:
            continue  # inside the previous window: marked there
        left = max(0, start - width // 2)
        windows.append((left, min(len(shown), max(end, left + width))))
        if len(windows) == most:
            break
    out = []
    for left, right in windows:
        inner = marked(shown[left:right], query, limit=None)
        out.append(("…" if left else "") + inner + ("…" if right < len(shown) else ""))
    return out
