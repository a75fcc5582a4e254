"""How well does the recogniser find who a text is about? Recall and precision by kind of mention.

    .venv/bin/python benchmarks/recognition.py

The crawler keeps a text only when ``campaigns.recognition.TargetRecognizer`` finds the
target in it (by ``name``, by his ``office``, or ``implicit``: his administration or his
recall), so its misses are texts lost and its false alarms are texts wrongly kept. Measured on:

1. **STOMPOL** (``../shared/data/stompol``, real Spanish tweets, each row a tweet and a party the
   annotators found an opinion about). Names: for every party of
   ``nlp/eval_campaigns/spain_parties_2015.toml``, recall = labelled (tweet, party) pairs whose
   party the recogniser names; precision = named pairs that are labelled (a lower bound: a
   tweet may name a party without an opinion, which STOMPOL leaves unlabelled). Beside it the
   simple baseline: the party's full name or acronym as a word. Office and implicit: the
   Partido Popular governed in 2015, so "el Gobierno" and "el presidente del Gobierno" are
   his office and administration; recall = PP-labelled tweets that never name the PP but are
   found by office or implicitly; false alarms = tweets labelled only with other parties that
   are found for the PP by office or implicitly (they name no PP).
2. **Real texts about something else** (``tests/fixtures/real/social``: 300+ recorded posts on
   R, US redistricting, Mastodon; ``../shared/real/news/pages``: 18 Spanish-language articles
   from Peru, Chile, Colombia, Spain...), read with the bundled Miraflores campaign: none is
   about Carlos Canales (checked by reading each one the recogniser keeps), so every text
   kept is a false alarm, counted by kind.
3. **Self-written domain sets** (``tests/data/domain_eval.jsonl``, ``domain_holdout.jsonl``,
   written for this project, the second by an author who saw only the labelling guidelines):
   texts with a target-sentiment label are about the mayor; recall = those found, by kind.
   Not real text: reported apart.

Prints one JSON line per measurement, then the Markdown table of benchmarks/README.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"


def _jsonl(path: Path) -> list[dict]:
    from campaigns.jsonl import numbered_jsonl

    return [row for _, row in numbered_jsonl(path)] if path.exists() else []


def stompol() -> dict:
    from campaigns import load_campaign
    from campaigns.recognition import NameFinder, TargetRecognizer

    rows = _jsonl(SHARED / "data" / "stompol" / "train.jsonl")
    if not rows:
        return {"skipped": "../shared/data/stompol is absent"}
    campaign = load_campaign(REPO / "nlp" / "eval_campaigns" / "spain_parties_2015.toml")
    actors = {a.id: a for a in campaign.actors}
    finders = {a.id: NameFinder.for_actor(a) for a in campaign.actors}
    simple = {a.id: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(x) for x in [a.name, *a.acronyms]) + r")(?!\w)", re.I)
              for a in campaign.actors}
    tweets: dict[str, tuple[str, set[str]]] = {}
    for row in rows:
        actor = campaign.actor(row["target"])
        if actor is None:
            continue
        text, gold = tweets.setdefault(str(row["id"]), (row["text"], set()))
        gold.add(actor.id)
    out: dict = {"tweets": len(tweets), "pairs": sum(len(g) for _, g in tweets.values())}
    for name, found_by in (("recogniser", lambda a, t: bool(finders[a].spans(t))),
                           ("baseline_name_or_acronym", lambda a, t: bool(simple[a].search(t)))):
        tp = fp = fn = 0
        for text, gold in tweets.values():
            for actor in actors:
                found = found_by(actor, text)
                tp += found and actor in gold
                fp += found and actor not in gold
                fn += (not found) and actor in gold
        out[name] = {"recall": round(tp / (tp + fn), 3), "precision": round(tp / (tp + fp), 3), "tp": tp, "fp": fp, "fn": fn}
    # The PP in government: office ("presidente del Gobierno") and administration ("el Gobierno").
    pp = campaign.target
    recogniser = TargetRecognizer(NameFinder.for_actor(actors["partido_popular"]), list(pp.references), pp.district,
                                  pp.roles, pp.administration, [], True)
    kinds_pp, kinds_other = Counter(), Counter()
    unnamed_pp = others_only = 0
    for text, gold in tweets.values():
        names_pp = finders["partido_popular"].search(text)
        kind = recogniser.match(None, text)
        if "partido_popular" in gold and not names_pp:
            unnamed_pp += 1
            kinds_pp[kind] += 1
        elif "partido_popular" not in gold and not names_pp:
            others_only += 1
            kinds_other[kind] += 1
    out["pp_office_implicit"] = {
        "pp_tweets_not_naming_pp": unnamed_pp,
        "found_by_office": kinds_pp["office"], "found_implicitly": kinds_pp["implicit"],
        "recall": round((kinds_pp["office"] + kinds_pp["implicit"]) / max(unnamed_pp, 1), 3),
        "other_party_tweets_not_naming_pp": others_only,
        "false_alarms_office": kinds_other["office"], "false_alarms_implicit": kinds_other["implicit"],
        "false_alarm_rate": round((kinds_other["office"] + kinds_other["implicit"]) / max(others_only, 1), 3),
    }
    return out


def off_topic() -> dict:
    """Real texts about something else, read with the Miraflores campaign: each keep is wrong."""
    from campaigns import load_campaign
    from campaigns.recognition import TargetRecognizer
    from crawler.articles import decode_html, extract_article
    from crawler.spiders.bluesky import post_fields
    from crawler.spiders.mastodon import status_fields
    from crawler.spiders.reddit import submission_fields
    from crawler.spiders.x import tweet_fields
    from crawler.spiders.youtube import thread_entries

    real = REPO / "tests" / "fixtures" / "real" / "social"
    texts: list[tuple[str, str | None, str]] = []

    def add(kind: str, fields: dict | None) -> None:
        if fields:
            texts.append((kind, fields.get("title"), fields.get("text") or ""))

    for path in sorted((real / "reddit").glob("*.json")):
        for child in json.loads(path.read_text())["data"]["children"]:
            add("post", submission_fields(child))
    for path in sorted((real / "bluesky").glob("*.json")):
        for view in json.loads(path.read_text())["posts"]:
            add("post", post_fields(view))
    mastodon = json.loads((real / "mastodon" / "mastodon_social_search_v2_halcy.json").read_text())["statuses"]
    mastodon += json.loads((real / "mastodon" / "localhost_timelines_tag_hoot.json").read_text())
    for status in mastodon:
        add("post", status_fields(status, "mastodon.social"))
    for path in sorted((real / "x").glob("*.json")):
        answer = json.loads(path.read_text())
        users = {u["id"]: u for u in (answer.get("includes") or {}).get("users", [])}
        tweets = {t["id"]: t for t in (answer.get("includes") or {}).get("tweets", [])}
        for tweet in answer.get("data") or []:
            add("post", tweet_fields(tweet, users, tweets))
    for path in sorted((real / "youtube").glob("comment_threads*.json")):
        for thread in json.loads(path.read_text())["items"]:
            for entry in thread_entries(thread):
                add("post", entry)
    for path in sorted((SHARED / "real" / "news" / "pages").glob("*/*.html")):
        article = extract_article(decode_html(path.read_bytes()), f"https://example.org/{path.stem}")
        texts.append(("article", article.title, article.text))
    recogniser = TargetRecognizer.for_campaign(load_campaign())
    kept: Counter = Counter()
    examples: list[str] = []
    for _kind, title, text in texts:
        found = recogniser.match(title, text)
        if found:
            kept[found] += 1
            examples.append(f"{found}: {(title or text)[:90]!r}")
    return {"texts": len(texts), "articles": sum(k == "article" for k, *_ in texts),
            "kept_by_name": kept["name"], "kept_by_office": kept["office"], "kept_implicitly": kept["implicit"],
            "false_alarm_rate": round(sum(kept.values()) / max(len(texts), 1), 3), "kept": examples}


def self_written() -> dict:
    from campaigns import load_campaign
    from campaigns.recognition import TargetRecognizer

    recogniser = TargetRecognizer.for_campaign(load_campaign())
    out = {}
    for name in ("domain_eval", "domain_holdout"):
        rows = _jsonl(REPO / "tests" / "data" / f"{name}.jsonl")
        about = [r for r in rows if r.get("target_sentiment") not in (None, "none")]
        kinds = Counter(recogniser.match(r.get("title"), r["text"]) for r in about)
        out[name] = {"about_the_mayor": len(about), "by_name": kinds["name"], "by_office": kinds["office"],
                     "implicitly": kinds["implicit"], "missed": kinds[None],
                     "recall": round(1 - kinds[None] / max(len(about), 1), 3)}
    return out


def main() -> None:
    results = {"stompol": stompol(), "off_topic": off_topic(), "self_written": self_written()}
    for name, result in results.items():
        print(json.dumps({"measurement": name, **result}, ensure_ascii=False))
    s, o, w = results["stompol"], results["off_topic"], results["self_written"]
    print()
    print("| measured on | what | recall | precision / false alarms |")
    print("|---|---|---|---|")
    if "recogniser" in s:
        print(f"| STOMPOL, {s['pairs']} labelled (tweet, party) pairs, real | names (recogniser) | "
              f"{s['recogniser']['recall']:.3f} | precision {s['recogniser']['precision']:.3f} (lower bound) |")
        print(f"| same | names (baseline: full name or acronym as a word) | {s['baseline_name_or_acronym']['recall']:.3f} | "
              f"precision {s['baseline_name_or_acronym']['precision']:.3f} |")
        p = s["pp_office_implicit"]
        print(f"| same, PP in government | office + implicit, on the {p['pp_tweets_not_naming_pp']} PP tweets that never name it | "
              f"{p['recall']:.3f} ({p['found_by_office']} office, {p['found_implicitly']} implicit) | "
              f"{p['false_alarms_office'] + p['false_alarms_implicit']} of {p['other_party_tweets_not_naming_pp']} "
              f"other parties' tweets wrongly found ({p['false_alarm_rate']:.1%}) |")
    print(f"| {o['texts']} real texts about other things ({o['articles']} news articles), Miraflores campaign | "
          f"every text kept is wrong | - | {o['kept_by_name']} by name, {o['kept_by_office']} by office, "
          f"{o['kept_implicitly']} implicitly ({o['false_alarm_rate']:.1%} kept) |")
    for name, r in w.items():
        print(f"| {name}.jsonl (self-written), {r['about_the_mayor']} texts about the mayor | name / office / implicit | "
              f"{r['recall']:.3f} ({r['by_name']} / {r['by_office']} / {r['implicitly']}; {r['missed']} missed) | - |")


if __name__ == "__main__":
    main()
