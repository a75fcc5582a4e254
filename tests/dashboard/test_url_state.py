"""The view in the URL: every filter and query survives a link, and a bad link says what it dropped."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from dashboard.url_state import ViewState, decode, encode
from warehouse.explorer import Selection


def through_a_link(state: ViewState) -> dict[str, list[str]]:
    """What a browser hands back after the parameters went into a URL and the URL was opened."""
    url = "http://127.0.0.1:8501/?" + urlencode(encode(state), doseq=True)
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


STATES = [
    ViewState(),
    ViewState(campaign="miraflores-canales"),
    ViewState(campaign="miraflores-canales", start=date(2026, 10, 1), end=date(2026, 10, 31),
              source_types=("news",), platforms=("elcomercio.pe", "x"), topics=("security", "recall"),
              sentiments=("negative",), target_sentiments=("negative", "neutral"), stances=("pro_recall",),
              include_reprints=True, query='"cámaras de vigilancia" OR drones -robo & a=b #tag',
              queries=("cámaras OR drones", "serenazgo", "presupuesto", ""), lang="en",
              spike=date(2026, 10, 5), spike_metric="target_negative", page=3, doc="a00012", section="texts"),
    ViewState(query="Ñandú  «comillas» 100% ?x=1&y=2", queries=("(a OR b) -c", "camar*"), lang="es"),
]


@pytest.mark.parametrize("state", STATES)
def test_every_view_round_trips_through_a_link(state: ViewState) -> None:
    decoded, problems = decode(through_a_link(state))
    assert decoded == state and problems == []


def test_defaults_are_left_out_of_the_link() -> None:
    assert encode(ViewState(campaign="c")) == {"c": "c"}
    assert "page" not in encode(ViewState(page=1)) and "reprints" not in encode(ViewState())
    assert "tab" not in encode(ViewState(section="overview")) and encode(ViewState(section="sql")) == {"tab": "sql"}


def test_the_view_gives_the_same_selection_the_reads_take() -> None:
    state = STATES[2]
    sel = decode(through_a_link(state))[0].selection()
    assert sel == Selection(campaign="miraflores-canales", query=state.query, start=date(2026, 10, 1),
                            end=date(2026, 10, 31), source_types=["news"], platforms=["elcomercio.pe", "x"],
                            topics=["security", "recall"], sentiments=["negative"],
                            target_sentiments=["negative", "neutral"], stances=["pro_recall"], include_reprints=True)


def test_a_hand_edited_link_keeps_what_it_can_and_names_what_it_dropped() -> None:
    params = {"c": "miraflores-canales", "from": "2026-13-01", "to": "2026-10-31", "topic": ["security", "sports"],
              "stance": ["maybe"], "lang": "fr", "page": "two", "cmp": ['"unclosed', "ok", "b", "c", "d", "e", "f"],
              "q": "cámaras OR", "metric": "joy", "spike": "2026-10-05", "tab": "everything"}
    state, problems = decode(params, known={"topics": ["security", "politics", "recall"]})
    assert state.start is None and state.end == date(2026, 10, 31)
    assert state.topics == ("security",) and state.stances == () and state.lang is None and state.page == 1
    assert state.queries == ("ok", "b", "c", "d", "e") and state.query == "cámaras OR"
    assert state.spike == date(2026, 10, 5) and state.spike_metric is None and state.section == "overview"
    text = "\n".join(problems)
    for said in ("not a date", "'sports'", "'maybe'", "'fr'", "not a number", "never closed",
                 "at most 5", "needs something after", "'joy'", "section 'everything' unknown"):
        assert said in text


def test_swapped_dates_are_put_back_in_order() -> None:
    state, problems = decode({"from": "2026-10-31", "to": "2026-10-01"})
    assert (state.start, state.end) == (date(2026, 10, 1), date(2026, 10, 31)) and problems
