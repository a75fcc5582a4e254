"""Top words and phrases of a set of texts, and which of them changed against a baseline.

Counts are per document (a word said ten times in one article counts once), over folded text
(lower case, no accents: "Cámaras" and "camaras" are one word), without the stop words of Spanish
and English (jusText's lists, the ones trafilatura already uses) and the campaign's own words
given by the caller. Phrases are two- and three-word sequences that neither start nor end with a
stop word. A term is shown as its texts most often write it (:func:`spellings`: "cámaras", not
the folded "camaras").

What changed is the weighted log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi and Quinn, "Fightin' Words", 2008): a word's z-score says how much more the spike's
texts use it than the baseline's, shrunk toward the words' overall use so rare words do not win on
one occurrence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from campaigns.recognition import fold

_WORD = re.compile(r"[#@]?[^\W_]+")
# A text as written, in SQL over mentions: what search_text folds (warehouse/mention_rows.py).
WRITTEN = "coalesce(title, '') || ' ' || text"
# Occurrences of a term read to name its spelling: past 50, a majority of 1,000 rarely changes.
SPELLINGS_SEEN = 50


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    import justext

    words = set()
    for language in ("Spanish", "English"):
        words |= {fold(w) for w in justext.get_stoplist(language)}
    # Social noise that says nothing about a topic.
    words |= {"rt", "via", "http", "https", "www", "com", "pe", "amp", "q", "xq", "pq", "d"}
    return frozenset(words)


def terms_of(text: str, stop: frozenset[str]) -> set[str]:
    """The distinct words and 2-3 word phrases of one folded text that carry content: a phrase
    neither starts nor ends with a stop word, and holds no hashtag or handle."""
    words = _WORD.findall(text or "")
    content = [w not in stop and len(w) > 1 and not w.isdigit() for w in words]
    plain = [w[0] not in "#@" for w in words]
    found = {w for w, keep in zip(words, content, strict=True) if keep}
    last = len(words) - 1
    for i in range(last):
        if not (content[i] and plain[i] and plain[i + 1]):
            continue
        if content[i + 1]:
            found.add(words[i] + " " + words[i + 1])
        if i + 2 <= last and content[i + 2] and plain[i + 2]:
            found.add(words[i] + " " + words[i + 1] + " " + words[i + 2])
    return found


def document_frequencies(texts: Iterable[str], extra_stop: Iterable[str] = ()) -> tuple[Counter, int]:
    """How many of ``texts`` (folded: ``fold(text)``, as ``mentions.search_text``) hold each
    term, and how many texts there were."""
    # The campaign's own names (the target, the district) say nothing about what changed: each
    # of their words is a stop word here.
    stop = stop_words() | frozenset(w for name in extra_stop for w in _WORD.findall(fold(name)))
    counts: Counter = Counter()
    n = 0
    for text in texts:
        counts.update(terms_of(text, stop))
        n += 1
    return counts, n


def spellings(texts: Sequence[str], terms: Iterable[str], folded: Sequence[str] | None = None, *,
              enough: int = SPELLINGS_SEEN) -> dict[str, str]:
    """Each folded term of ``terms`` as ``texts`` (as written) most often write it: "camaras
    robadas" -> "cámaras robadas". A term they never write keeps its folded form. ``folded``:
    the texts already folded (``fold(text)`` each), when the caller has them.

    Reads only the words of ``terms`` (one regular expression per text, in C), and stops once
    each term was seen ``enough`` times (its spelling then is that of its first ``enough``
    occurrences or more, in the texts' order: the callers' samples are in a random order), so
    naming the 20 terms shown costs a small part of counting them. A phrase is its words as
    written, one space apart."""
    wanted = set(terms)
    if not wanted:
        return {}
    words = sorted({w for term in wanted for w in term.split()}, key=len, reverse=True)
    # A wanted word where the tokenizer (_WORD) would see it whole: not inside a longer word.
    # fold() keeps one character for one character, so a span of the folded text is the same
    # span of the text as written.
    finder = re.compile(r"(?<![^\W_]|[#@])(?:" + "|".join(map(re.escape, words)) + r")(?![^\W_])")
    longest = max(len(term.split()) for term in wanted)
    seen: dict[str, Counter] = {term: Counter() for term in wanted}
    short = set(wanted)  # terms seen fewer than `enough` times so far

    def count(key: str, written: str) -> None:
        if key in wanted:
            seen[key][written] += 1
            if key in short and seen[key].total() >= enough:
                short.discard(key)

    for text, low in zip(texts, folded if folded is not None else map(fold, texts), strict=True):
        if not short:
            break
        if not text:
            continue
        found = [(m.group(), m.start(), m.end()) for m in finder.finditer(low)]
        for i, (word, start, end) in enumerate(found):
            key, written, last = word, text[start:end], end
            count(key, written)
            for nxt, n_start, n_end in found[i + 1:i + longest]:
                gap = low[last:n_start]
                if _WORD.search(gap) or "#" in gap or "@" in gap:  # another word between them: not a phrase
                    break
                key, written, last = f"{key} {nxt}", f"{written} {text[n_start:n_end]}", n_end
                count(key, written)
    return {term: _most_written(forms) or term for term, forms in seen.items()}


def with_spellings(words: pd.DataFrame, texts: Sequence[str], folded: Sequence[str]) -> pd.DataFrame:
    """``words`` (its ``term`` folded, as counted in ``folded``) with a ``written`` column beside
    the term: each as ``texts`` most often write it (:func:`spellings`)."""
    words.insert(1, "written", words["term"].map(spellings(texts, words["term"], folded)))
    return words


def _most_written(forms: Counter) -> str | None:
    """The spelling of most occurrences, in two steps: its letters whatever their case (accents
    by majority: "Cámaras" and "CÁMARAS" are votes for "cámaras"; a tie to the accented one),
    then its case (a tie to lower case, then the first in alphabetical order)."""
    if not forms:
        return None
    letters: Counter = Counter()
    for form, n in forms.items():
        letters[form.lower()] += n
    best = max(letters, key=lambda low: (letters[low], sum(not c.isascii() for c in low), [-ord(c) for c in low]))
    return max((form for form in forms if form.lower() == best),
               key=lambda form: (forms[form], form == best, [-ord(c) for c in form]))


def top_terms(counts: Counter, n_docs: int, limit: int = 25, min_docs: int = 2) -> pd.DataFrame:
    """``term``, ``kind`` (word / phrase), ``documents`` and ``share`` of the texts, most first.
    A phrase is kept only when it is not just as frequent as a longer phrase holding it."""
    rows = [(t, c) for t, c in counts.items() if c >= min_docs]
    rows.sort(key=lambda r: (-r[1], r[0]))
    kept: list[tuple[str, int]] = []
    for term, c in rows:
        # A word or phrase always seen inside one longer phrase adds nothing beside it.
        if any(c == c2 and f" {term} " in f" {t2} " and t2 != term for t2, c2 in rows[:200]):
            continue
        kept.append((term, c))
        if len(kept) >= limit:
            break
    frame = pd.DataFrame(kept, columns=["term", "documents"])
    frame.insert(1, "kind", ["phrase" if " " in t else "word" for t in frame["term"]])
    frame["share"] = frame["documents"] / n_docs if n_docs else 0.0
    return frame


def log_odds(focus: Counter, n_focus: int, baseline: Counter, n_baseline: int, *,
             limit: int = 20, min_docs: int = 3, prior_docs: float = 500.0) -> pd.DataFrame:
    """Terms the ``focus`` texts use more than the ``baseline`` texts, highest z-score first:
    ``term``, ``kind``, ``focus_docs``, ``focus_share``, ``baseline_docs``, ``baseline_share``, ``z``.

    Counts are documents holding the term; the prior is the two sets' pooled shares scaled to
    ``prior_docs`` documents."""
    terms = [t for t, c in focus.items() if c >= min_docs]
    columns = ["term", "kind", "focus_docs", "focus_share", "baseline_docs", "baseline_share", "z"]
    if not terms or not n_focus:
        return pd.DataFrame(columns=columns)
    y_f = np.array([focus[t] for t in terms], dtype=float)
    y_b = np.array([baseline.get(t, 0) for t in terms], dtype=float)
    pooled = (y_f + y_b) / max(n_focus + n_baseline, 1)
    alpha = np.maximum(pooled * prior_docs, 0.01)
    # Each term is a binary event per document: present in y of n documents.
    delta = (np.log((y_f + alpha) / (n_focus - y_f + prior_docs - alpha))
             - np.log((y_b + alpha) / (max(n_baseline, 1) - y_b + prior_docs - alpha)))
    variance = 1 / (y_f + alpha) + 1 / (y_b + alpha)
    z = delta / np.sqrt(variance)
    frame = pd.DataFrame({"term": terms, "focus_docs": y_f.astype(int), "baseline_docs": y_b.astype(int), "z": z})
    frame["focus_share"] = frame["focus_docs"] / n_focus
    frame["baseline_share"] = frame["baseline_docs"] / n_baseline if n_baseline else 0.0
    frame["kind"] = ["phrase" if " " in t else "word" for t in frame["term"]]
    frame = frame[frame["z"] > 0].sort_values(["z", "term"], ascending=[False, True])
    # A word whose rise is its phrase's rise is shown once, as the longest phrase holding it.
    head = frame.head(limit * 4)
    pairs = list(zip(head["term"], head["focus_docs"], strict=True))
    kept = [idx for idx, (term, c) in zip(head.index, pairs, strict=True)
            if not any(c == c2 and t2 != term and f" {term} " in f" {t2} " for t2, c2 in pairs)][:limit]
    return frame.loc[kept, columns].reset_index(drop=True)
