"""Crawled titles, authors and urls reach markdown only escaped; links only when http(s)."""

from __future__ import annotations

import pytest

from dashboard.markup import md_link, md_text, safe_url


@pytest.mark.parametrize("hostile", [
    "[clic](javascript:alert(1))", "![pixel](http://tracker.example/p.png)", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", ":red[alarma] :material/warning:", "$\\\\frac{1}{0}$", "**negrita** _x_ `code`",
    "# Titular\n\n- lista", "https://autolink.example/x",
])
def test_markup_in_crawled_text_is_escaped(hostile: str) -> None:
    escaped = md_text(hostile)
    unescaped = [ch for i, ch in enumerate(escaped) if ch in "[]()<>!:*_`#$-" and (i == 0 or escaped[i - 1] != "\\")]
    assert unescaped == [] and "\n" not in escaped


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example/x",
                                 "/relative", "http:///nohost", "https://ok.example/a b", "vbscript:x", None, 42])
def test_only_http_links_survive(url: object) -> None:
    assert safe_url(url) is None
    assert "](" not in md_link("source", url)


def test_an_http_link_keeps_working_with_its_parentheses_encoded() -> None:
    assert md_link("El Comercio [1]", "https://elcomercio.pe/lima/nota-(1)/") == \
        "[El Comercio \\[1\\]](https://elcomercio.pe/lima/nota-%281%29/)"
