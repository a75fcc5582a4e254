"""Each platform's sample API, driven through its real spider, yields the posts its corpus holds,
and the crawler's relevance stages keep exactly the ones the corpus calls relevant.

One test per discovered platform (``samples/platforms/*.py``): a new platform is checked here
without touching this file. ``Post.relevant`` is what the demo promises to store; if a spider
stops reaching a post, or a stage keeps an off-topic or foreign-language one, this fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from campaigns import load_campaign
from crawler.relevance import RelevanceCheck
from crawler.spiders.bluesky import LOGIN_ENV
from samples.social import corpus, platforms
from tests.crawler.social.conftest import FAKE_CREDENTIALS, REPO, crawl

# Logged in to Bluesky, so that its search pages past the first page and reaches every post.
FULL_ACCESS = {**FAKE_CREDENTIALS, **{name: f"sample-{name.lower()}" for name in LOGIN_ENV}}


@pytest.fixture(scope="module")
def relevance() -> RelevanceCheck:
    return RelevanceCheck(load_campaign())


@pytest.mark.slow
@pytest.mark.parametrize("platform", platforms())
def test_the_spider_reaches_the_corpus_and_the_stages_keep_exactly_the_relevant_posts(
    server, tmp_path, relevance, platform
):
    run = crawl(server, platform, tmp_path, env=FULL_ACCESS)
    assert run.stats["finish_reason"] == "finished" and "Traceback" not in run.log
    posts = {p.native_id: p for p in corpus(platform)}
    yielded = {item["native_id"]: item for item in run.items}
    assert set(yielded) <= set(posts), "the spider yields only what the sample API holds"
    relevant = {key for key, post in posts.items() if post.relevant}
    assert relevant <= set(yielded), f"relevant posts never reached: {sorted(relevant - set(yielded))[:5]}"
    verdicts = {
        key: relevance.check({
            "text": item["text"], "title": item.get("title"), "lang": item.get("lang"),
            "platform": platform, "url": item["url"], "source_type": "social", "native_id": key,
        })
        for key, item in yielded.items()
    }
    kept = {key for key, verdict in verdicts.items() if verdict["kept"]}
    assert kept == relevant, {key: verdicts[key]["reason"] for key in kept ^ relevant}
    # What the corpus calls irrelevant and the API serves is dropped for a stated reason.
    dropped = set(yielded) - relevant
    assert all(verdicts[key]["reason"] for key in dropped)


def test_off_topic_posts_are_served_and_dropped_by_the_stages(relevance):
    """Without off-topic posts among those served, the test above could not fail by keeping too much."""
    served = [p for p in corpus() if not p.relevant and not p.extra.get("retweet")]  # X's query leaves RTs out
    assert len(served) >= 10 and len({p.platform for p in served}) >= 2
    for post in served:
        verdict = relevance.check({"text": post.text, "title": post.extra.get("title"), "lang": post.lang_hint,
                                   "platform": post.platform, "source_type": "social"})
        assert verdict["reason"] == "no_target", (post.platform, post.text, verdict)


def test_post_ids_are_the_same_in_every_process():
    """A second `vigia demo` (a new process) must find the same posts, or it would store them again."""
    script = ("import json; from samples.social import corpus; "
              "print(json.dumps([[p.platform, p.native_id, p.created_at.isoformat()] for p in corpus()]))")
    other = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                           timeout=120, env={"PYTHONHASHSEED": "12345", "PATH": ""}, check=True)
    here = [[p.platform, p.native_id, p.created_at.isoformat()] for p in corpus()]
    assert json.loads(other.stdout) == here
    assert len({(platform, key) for platform, key, _ in here}) == len(here)
