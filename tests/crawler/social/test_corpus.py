"""The social sample corpus: big enough, spread over the campaign's months, in real voices."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from campaigns import load_campaign
from crawler.mentions import TargetRecogniser
from samples.platforms.x import x_query_matches
from samples.platforms.youtube import videos
from samples.social import corpus, matches_all, names_target, platforms, terms

LIMA = ZoneInfo("America/Lima")
OFFICIAL_HANDLES = {"@carloscanalesa", "@munimiraflores"}


def test_at_least_300_posts_and_40_per_platform():
    counts = Counter(p.platform for p in corpus())
    assert sum(counts.values()) >= 300
    assert all(counts[p] >= 40 for p in platforms()), counts


def test_posts_spread_over_the_campaign_calendar_in_lima_time():
    days = {p.created_at.astimezone(LIMA).date() for p in corpus()}
    assert min(days) >= datetime(2026, 8, 17).date() and max(days) <= datetime(2026, 11, 24).date()
    months = Counter(p.created_at.astimezone(LIMA).month for p in corpus())
    assert set(months) == {8, 9, 10, 11} and min(months.values()) >= 40


def test_the_corpus_is_fixed_so_ids_are_stable():
    first = [(p.platform, p.native_id, p.created_at) for p in corpus()]
    assert first == [(p.platform, p.native_id, p.created_at) for p in corpus()]
    assert len({(p.platform, p.native_id) for p in corpus()}) == len(first)


def test_most_posts_are_about_the_mayor_and_the_rest_must_be_dropped():
    posts = corpus()
    relevant = [p for p in posts if p.relevant]
    assert 0.85 <= len(relevant) / len(posts) <= 0.97
    recogniser = TargetRecogniser(load_campaign())
    kinds = Counter(recogniser.match(p.extra.get("title"), p.text) for p in relevant)
    assert None not in kinds and kinds["implicit"] >= 10 and kinds["office"] >= 1, kinds
    assert sum(names_target(p.text) or names_target(p.extra.get("title", "")) for p in relevant) >= 0.85 * len(relevant)
    assert any(recogniser.match(p.extra.get("title"), p.text) is None for p in posts if not p.relevant)
    foreign = [p for p in posts if p.lang not in ("es", "en")]
    assert len(foreign) >= 4
    # a post in Portuguese is dropped, unless it names him (then it is kept, tagged pt)
    assert all(p.relevant == (recogniser.match(None, p.text) == "name" or p.lang_hint in ("es", "en")) for p in foreign)
    assert any(p.relevant and p.lang_hint not in ("es", "en") for p in foreign)
    assert any(p.lang == "en" and p.relevant for p in posts), "expats and tourists write in English"


def test_texts_are_distinct_except_a_few_deliberate_reposts():
    texts = Counter(re.sub(r"\W+", " ", p.text.lower()).strip() for p in corpus() if not p.text.startswith("RT @"))
    repeated = {t: n for t, n in texts.items() if n > 1}
    assert len(repeated) == 1 and sum(repeated.values()) == 3, repeated


def test_voices_use_local_slang_hashtags_mentions_and_emoji():
    text = " ".join(p.text for p in corpus()).lower()
    for word in ("pe", "causa", "chamba", "serenazgo", "jato", "#revocatoriamiraflores", "#fueracanales",
                 "#noalarevocatoria", "#miraflores", "@carloscanalesa", "@munimiraflores", "parque kennedy", "larco"):
        assert word in terms(text) or word in text, word
    assert re.search(r"[\U0001F300-\U0001FAFF]", text), "emoji"


def test_only_public_officials_are_mentioned_by_handle():
    authors = {p.author.split("@")[0].lower() for p in corpus()}
    for post in corpus():
        for handle in re.findall(r"(?<!\w)@\w+", post.text):
            assert handle.lower() in OFFICIAL_HANDLES or handle[1:].lower() in authors, handle


def test_every_post_is_reachable_by_the_bundled_campaign():
    campaign = load_campaign()
    reddit, bluesky = campaign.sources_for("reddit")[0], campaign.sources_for("bluesky")[0]
    tags = {t.lower() for t in campaign.sources_for("mastodon")[0].options["tags"]}
    x_query = campaign.sources_for("x")[0].queries[0]
    youtube_terms = terms(campaign.sources_for("youtube")[0].queries[0])
    found_videos = {v.video_id for v in videos() if len(youtube_terms & terms(f"{v.title} {v.description}")) >= 2}
    for post in corpus():
        if post.platform == "reddit":
            ok = any(matches_all(q, f"{post.extra['title']} {post.extra['selftext']}") for q in reddit.queries)
        elif post.platform == "bluesky":
            ok = any(matches_all(q, post.text) for q in bluesky.queries)
        elif post.platform == "mastodon":
            ok = bool(tags & set(post.extra["tags"]))
        elif post.platform == "youtube":
            ok = post.extra["video_id"] in found_videos
        else:
            ok = x_query_matches(x_query, post) or post.extra["retweet"]
        assert ok, (post.platform, post.text)
