"""A page's per-document answers (cleaning, content hash, recognition, language, MinHash),
computed in the extraction worker beside the page's extraction.

Scrapy runs every pipeline on the crawl's one thread. A wall-clock profile of a backfill
(benchmarks/README.md) showed that thread busy all the time once downloads overlap, a third of
it in the pipelines' per-document work (the MinHash signature, lingua, the recogniser, the
content hash, text cleaning), while the extraction worker sat idle half the time. So the worker
computes these answers for the title and text the page gives, and the pipelines use them when
the item still holds exactly that title and text; for anything else (a title taken from the
feed, a body cut to its cap, the pages extracted before the pool starts) they compute as
before. An answer is therefore always the one the pipeline would have computed.

The answers wait in a :class:`PreparedCache` (bounded: a dropped or never-claimed answer is
forgotten, never grows the crawl's memory).
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from crawler.documents import content_hash
from crawler.text import clean_title_text, language_sample

# Answers waiting to be claimed. At most CONCURRENT_REQUESTS + the items in flight are waiting
# at once; what is left over (a page whose item was dropped before the pipelines) is forgotten.
MAX_WAITING = 1_024


@dataclass(frozen=True)
class Prepared:
    """The pipelines' answers for one (title, text): see :mod:`crawler.prepared`."""

    title: str | None  # as CleanPipeline stores it
    text: str | None  # None on the way back from a worker: the article's text, unchanged
    content_hash: str
    target_match: str | None
    lang_hint: str | None
    lang: str | None  # LanguageGuesser.detect(title + text, lang_hint, trust_hint=False)
    signature: Any  # the MinHash's hash values (numpy), or None when the text is too short for one


class PrepareSpec:
    """What a worker needs to answer for a campaign: its recogniser and its languages (pickled
    once; a worker builds the recogniser and the language guesser once per campaign)."""

    def __init__(self, campaign: Any):
        self.key = f"{campaign.id}:{id(campaign)}"
        self.blob = pickle.dumps((campaign, tuple(campaign.languages)))


_WORKER_STATE: dict[str, tuple[Any, Any, Any]] = {}


def _tools(spec: PrepareSpec) -> tuple[Any, Any, Any]:
    tools = _WORKER_STATE.get(spec.key)
    if tools is None:
        from campaigns.recognition import TargetRecognizer
        from crawler.duplicates import StoryIndex
        from crawler.language import LanguageGuesser

        campaign, languages = pickle.loads(spec.blob)
        tools = (TargetRecognizer.for_campaign(campaign), LanguageGuesser(languages), StoryIndex())
        _WORKER_STATE.clear()  # one campaign per crawl process
        _WORKER_STATE[spec.key] = tools
    return tools


def prepare(spec: PrepareSpec, raw_title: str | None, raw_text: str | None, lang_hint: str | None) -> Prepared:
    """The answers CleanPipeline, TargetPipeline, LanguagePipeline and DuplicatesPipeline give
    for an item of a news page with this title, text and page language."""
    recogniser, guesser, index = _tools(spec)
    title, text = clean_title_text(raw_title, raw_text)
    minhash = index._minhash(title, text)
    return Prepared(
        title=title, text=text,
        content_hash=content_hash(title, text),
        target_match=recogniser.match(title, text),
        lang_hint=lang_hint,
        lang=guesser.detect(language_sample(title, text), hint=lang_hint, trust_hint=False),
        signature=None if minhash is None else minhash.hashvalues,
    )


class PreparedCache:
    """Answers from the worker, waiting for their item: first by the raw (title, text) the
    spider put in the item, then (claimed by CleanPipeline) by the item's doc_id."""

    def __init__(self, limit: int = MAX_WAITING):
        self.limit = limit
        self._by_text: OrderedDict[tuple[str | None, str | None], Prepared] = OrderedDict()
        self._by_doc: OrderedDict[str, Prepared] = OrderedDict()
        self.offered = 0
        self.used = 0

    def _put(self, table: OrderedDict, key: Any, value: Prepared) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.limit:
            table.popitem(last=False)

    def offer(self, raw_title: str | None, raw_text: str | None, prepared: Prepared) -> None:
        """Answers for a page whose article has this title and text."""
        self.offered += 1
        self._put(self._by_text, (raw_title, raw_text), prepared)

    def take(self, raw_title: str | None, raw_text: str | None) -> Prepared | None:
        """The answers for an item whose spider gave it this title and text (once)."""
        return self._by_text.pop((raw_title, raw_text), None)

    def hold(self, doc_id: str, prepared: Prepared) -> None:
        """Keep ``prepared`` for the later stages of the item ``doc_id``."""
        self._put(self._by_doc, doc_id, prepared)

    def get(self, item: Any) -> Prepared | None:
        """The item's answers, if its title and text are still the ones they were computed for."""
        prepared = self._by_doc.get(item.get("doc_id") or "")
        if prepared is None or item.get("text") != prepared.text or item.get("title") != prepared.title:
            return None
        return prepared

    def release(self, doc_id: str) -> None:
        if self._by_doc.pop(doc_id, None) is not None:
            self.used += 1

    def __len__(self) -> int:
        return len(self._by_text) + len(self._by_doc)
