"""A platform is one room: its sample module is found by name, and matches a social spider."""

from __future__ import annotations

import json
import urllib.request

import pytest

import samples.platforms
from crawler.catalog import source_type, spider_names
from samples import SampleServer
from samples.social import corpus, platforms, sample_credentials

SIXTH = '''
from samples.server import Request, Response, SampleServer
from samples.social import Post

SAMPLE_CREDENTIALS = {"SIXTH_TOKEN": "sample-sixth-token"}
DEFAULT_FAULTS = {"sixth.search": ["rate_limit"]}


def posts() -> list[Post]:
    return []


def register(server: SampleServer) -> None:
    @server.route(r"api\\.sixth\\.example", r"/search")
    def search(request: Request) -> Response:
        return Response(200, '{"posts": []}', "application/json")
'''


def test_every_social_spider_has_a_sample_platform_and_back():
    social = {name for name in spider_names() if source_type(name) == "social"}
    assert social == set(platforms()) >= {"reddit", "bluesky", "mastodon", "youtube", "x"}
    assert {p.platform for p in corpus()} == set(platforms())


@pytest.fixture
def sixth_platform(tmp_path, monkeypatch):
    """A sixth platform, ``sixth``, added as one file in a folder of the platforms package."""
    (tmp_path / "sixth.py").write_text(SIXTH, encoding="utf-8")
    monkeypatch.setattr(samples.platforms, "__path__", [*samples.platforms.__path__, str(tmp_path)])
    samples.platforms.modules.cache_clear()
    yield
    samples.platforms.modules.cache_clear()


def test_a_new_platform_module_is_served_and_unlocked_without_touching_any_other_file(sixth_platform):
    assert "sixth" in platforms()
    assert sample_credentials()["SIXTH_TOKEN"] == "sample-sixth-token"
    with SampleServer(families=["social"]) as server:
        assert server.state["faults"]["sixth.search"] == ["rate_limit"]
        with urllib.request.urlopen(f"{server.base_url}/api.sixth.example/search", timeout=10) as answer:
            assert json.loads(answer.read()) == {"posts": []}


def test_a_platform_module_without_its_parts_is_refused_by_name(tmp_path, monkeypatch):
    (tmp_path / "broken.py").write_text("def posts():\n    return []\n", encoding="utf-8")
    monkeypatch.setattr(samples.platforms, "__path__", [*samples.platforms.__path__, str(tmp_path)])
    samples.platforms.modules.cache_clear()
    try:
        with pytest.raises(TypeError, match=r"samples\.platforms\.broken lacks register, DEFAULT_FAULTS, SAMPLE_CREDENTIALS"):
            samples.platforms.modules()
    finally:
        samples.platforms.modules.cache_clear()
