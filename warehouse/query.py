"""The analyst's query language, parsed once into a small tree.

What people know from Media Cloud and Lucene: words, ``"quoted phrases"``, ``OR``, ``AND``,
``-exclusion`` (or ``NOT``), ``prefix*`` and parentheses. Matching ignores case and accents and
takes whole words: ``paro`` does not match "participaron", ``robo`` not "aprobó"; ``robo*``
matches "robos" and "robó". Adjacent terms must all match (AND binds tighter than OR, so
``cámaras OR drones presupuesto`` is ``cámaras OR (drones AND presupuesto)``). Operators are
upper-case; a lower-case ``or`` is a word.

The tree compiles to a SQL predicate over ``mentions.search_text`` (title and text folded at write
time) with every word passed as a parameter (:meth:`Node.sql`), or to the same predicate answered
from the term index kept beside it (``mention_terms``, :meth:`Node.index_sql`: the same hits without
reading the text, two-word phrases included; longer phrases read only the texts holding all their
word pairs, tags and phrases of words the index cannot hold every text), to the spans it highlights in a
text (:func:`highlight_spans`), and to the words a full-text index can look up (:func:`index_words`).
The same tree drives the text list, every chart and the export (``warehouse.explorer.Selection``).

A malformed query raises :class:`QueryError` with a message for the analyst.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from campaigns.recognition import fold  # lower case without accents, as search_text is stored

MAX_LENGTH = 1000   # characters: a pasted article is not a query
MAX_TERMS = 40      # words, phrases and prefixes together
MAX_DEPTH = 8       # nested parentheses
MIN_PREFIX = 2      # "c*" would match nearly everything


# What a malformed query is told (English; the page has them in its languages too, keyed by
# the same codes: ``dashboard.i18n``).
ERRORS = {
    "unclosed_quote": 'The quote at character {at} is never closed: add a closing " or remove it.',
    "stray_quote": "Unexpected quote at character {at}.",
    "trailing_minus": "A '-' at the end excludes nothing: write it right before a word, e.g. -revocatoria.",
    "lone_minus": "The '-' at character {at} stands alone: write it right before the word it excludes, e.g. -revocatoria.",
    "inner_star": "'{token}': a '*' may only end a word (prefix search, e.g. camar*).",
    "empty_quotes": "Empty quotes at character {at}: put words between them or remove them.",
    "short_prefix": "'{token}' is too short for a prefix search: give at least {letters} letters before the '*'.",
    "prefix_words": "'{token}': a prefix search takes one word (e.g. camar*).",
    "stray_close": "The ')' at character {at} closes nothing: remove it or add a '('.",
    "unexpected": "Unexpected '{token}' at character {at}.",
    "or_first": "'OR' at character {at} needs something before it: write it between two words (cámaras OR drones).",
    "or_last": "'OR' at character {at} needs something after it: write it between two words (cámaras OR drones).",
    "and_first": "'AND' at character {at} needs something before it.",
    "and_last": "'AND' at character {at} needs something after it.",
    "not_last": "'NOT' at character {at} needs a word after it.",
    "too_deep": "Parentheses nest more than {depth} deep.",
    "unclosed_paren": "The '(' at character {at} is never closed: add a ')'.",
    "empty_parens": "Empty parentheses at character {at}.",
    "too_many_terms": "A query holds at most {terms} words and phrases.",
    "too_long": "A query is at most {limit:,} characters; this one has {length:,}. Keep the words that matter.",
}


class QueryError(ValueError):
    """A query that cannot be read; the message says what to change. ``code`` (a key of
    :data:`ERRORS`) and ``fields`` let an interface say it in its own language."""

    def __init__(self, code: str, **fields: object) -> None:
        self.code, self.fields = code, fields
        super().__init__(ERRORS[code].format(**fields))


# A word character in folded text: a letter or a digit. Everything else (spaces, punctuation,
# '_', '#', '@') separates words. RE2 (DuckDB) and Python's re spell the class differently.
_SQL_WORD = r"[\pL\pN]"
_SQL_EDGE_BEFORE = r"(?:^|[^\pL\pN])"
_SQL_EDGE_AFTER = r"(?:[^\pL\pN]|$)"
_SQL_GAP = r"[^\pL\pN]+"
_PY_GAP = r"[\W_]+"


def _re2_escape(text: str) -> str:
    # Folded query words hold letters, digits and the odd '#'/'@'; escape every other character.
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


# The term index kept beside mention_rows (migration 053, warehouse.mention_rows): folded word ->
# row keys. Its words are the runs of letters and digits, what the whole-word patterns above
# take as a word, so a lookup gives exactly the rows the scan's pattern matches.
TERMS_TABLE = "mention_terms"


def _lookup(where: str) -> str:
    return f"(SELECT row_key FROM {TERMS_TABLE} WHERE {where})"


def _indexable(word: str) -> bool:
    # A word the index holds as one term: letters and digits only (what Python calls alphanumeric).
    return word.isalnum()


def _after(prefix: str) -> str:
    # The first string after every string starting with ``prefix``: a range zone maps can skip by.
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Node:
    """A node of the tree. ``sql`` gives a predicate and its parameters; ``str`` writes it back."""

    def sql(self, column: str) -> tuple[str, list[str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def index_sql(self, key: str, column: str) -> tuple[str, list[str]]:
        """The same predicate answered from the term index by ``key`` (the row's ``row_key``);
        phrases, tags and words the index cannot hold keep the scan's test on ``column``."""
        raise NotImplementedError  # pragma: no cover - abstract

    def positives(self) -> list[Match]:
        """The words, phrases and prefixes a hit can contain (not those excluded)."""
        return []


@dataclass(frozen=True)
class Match(Node):
    """A word (``words`` of one), a phrase (several, in order) or a prefix (one word, ``prefix``)."""

    words: tuple[str, ...]
    prefix: bool = False
    tag: str = ""  # a leading '#' or '@' the text must carry too

    @property
    def literal(self) -> str:
        """The folded text as it appears in ``search_text`` when words are one space apart."""
        return self.tag + " ".join(self.words)

    def sql_pattern(self) -> str:
        body = _SQL_GAP.join(_re2_escape(w) for w in self.words)
        return _SQL_EDGE_BEFORE + _re2_escape(self.tag) + body + ("" if self.prefix else _SQL_EDGE_AFTER)

    def python_pattern(self) -> str:
        body = _PY_GAP.join(re.escape(w) for w in self.words)
        return r"(?<![^\W_])" + re.escape(self.tag) + body + ("" if self.prefix else r"(?![^\W_])")

    def sql(self, column: str) -> tuple[str, list[str]]:
        # contains() first: a cheap substring test that rules out most rows before the regex runs.
        return (f"(contains({column}, ?) AND regexp_matches({column}, ?))",
                [self.tag + self.words[0], self.sql_pattern()])

    def pairs(self) -> list[str]:
        """The adjacent word pairs the index holds for a phrase of whole words (migration 054),
        once each; none for a single word (a prefix is always one), a tag or a word the index
        cannot hold."""
        if len(self.words) < 2 or self.tag or not all(_indexable(w) for w in self.words):
            return []
        return list(dict.fromkeys(f"{a} {b}" for a, b in itertools.pairwise(self.words)))

    def index_sql(self, key: str, column: str) -> tuple[str, list[str]]:
        pairs = self.pairs()
        if len(pairs) == 1 and len(self.words) == 2:
            # Two whole words one gap apart are exactly one pair of adjacent words of the text.
            return f"{key} IN {_lookup('term = ?')}", pairs
        if pairs:
            # Three words or more: the rows holding every pair, then the text read for the order
            # (the pairs may sit apart). Reading every text cost a phrase 3x a word's time at 1M.
            held = _lookup(f"term IN ({', '.join('?' * len(pairs))}) GROUP BY row_key HAVING count(*) = {len(pairs)}")
            sql, params = self.sql(column)
            return f"({key} IN {held} AND {sql})", [*pairs, *params]
        if len(self.words) > 1 or self.tag or not _indexable(self.words[0]):
            # A phrase holding a word the index cannot hold as one term, a #tag or @account (the
            # mark is no word): the text is read.
            return self.sql(column)
        word = self.words[0]
        if self.prefix:  # the range lets zone maps skip the postings of other terms
            return (f"{key} IN {_lookup('term >= ? AND term < ? AND starts_with(term, ?)')}",
                    [word, _after(word), word])
        return f"{key} IN {_lookup('term = ?')}", [word]

    def positives(self) -> list[Match]:
        return [self]

    def __str__(self) -> str:
        if len(self.words) > 1:
            return '"' + self.tag + " ".join(self.words) + '"'
        return self.tag + self.words[0] + ("*" if self.prefix else "")


@dataclass(frozen=True)
class Not(Node):
    node: Node

    def sql(self, column: str) -> tuple[str, list[str]]:
        inner, params = self.node.sql(column)
        return f"(NOT {inner})", params

    def index_sql(self, key: str, column: str) -> tuple[str, list[str]]:
        inner, params = self.node.index_sql(key, column)
        return f"(NOT {inner})", params

    def __str__(self) -> str:
        return f"-{_wrapped(self.node)}"


@dataclass(frozen=True)
class And(Node):
    nodes: tuple[Node, ...]

    def sql(self, column: str) -> tuple[str, list[str]]:
        parts, params = zip(*(n.sql(column) for n in self.nodes), strict=True)
        return "(" + " AND ".join(parts) + ")", [p for ps in params for p in ps]

    def index_sql(self, key: str, column: str) -> tuple[str, list[str]]:
        parts, params = zip(*(n.index_sql(key, column) for n in self.nodes), strict=True)
        return "(" + " AND ".join(parts) + ")", [p for ps in params for p in ps]

    def positives(self) -> list[Match]:
        return [m for n in self.nodes for m in n.positives()]

    def __str__(self) -> str:
        return " ".join(_wrapped(n) if isinstance(n, Or) else str(n) for n in self.nodes)


@dataclass(frozen=True)
class Or(Node):
    nodes: tuple[Node, ...]

    def sql(self, column: str) -> tuple[str, list[str]]:
        simple = [n for n in self.nodes if isinstance(n, Match)]
        rest = [n for n in self.nodes if not isinstance(n, Match)]
        parts: list[str] = []
        params: list[str] = []
        if len(simple) > 1:
            # One regex pass for all the plain alternatives instead of one per word.
            alternatives = "|".join(m.sql_pattern() for m in simple)
            cheap = " OR ".join(f"contains({column}, ?)" for _ in simple)
            parts.append(f"(({cheap}) AND regexp_matches({column}, ?))")
            params += [m.tag + m.words[0] for m in simple] + [alternatives]
        else:
            rest = simple + rest
        for node in rest:
            sql, p = node.sql(column)
            parts.append(sql)
            params += p
        return "(" + " OR ".join(parts) + ")", params

    def index_sql(self, key: str, column: str) -> tuple[str, list[str]]:
        words = [n.words[0] for n in self.nodes if isinstance(n, Match) and len(n.words) == 1
                 and not n.prefix and not n.tag and _indexable(n.words[0])]
        rest = [n for n in self.nodes if not (isinstance(n, Match) and n.words[0] in words and len(n.words) == 1
                                              and not n.prefix and not n.tag)]
        parts: list[str] = []
        params: list[str] = []
        if words:
            # The plain words in one lookup: their postings' union.
            parts.append(f"{key} IN {_lookup('term IN (' + ', '.join('?' * len(words)) + ')')}")
            params += words
        for node in rest:
            sql, p = node.index_sql(key, column)
            parts.append(sql)
            params += p
        return "(" + " OR ".join(parts) + ")", params

    def positives(self) -> list[Match]:
        return [m for n in self.nodes for m in n.positives()]

    def __str__(self) -> str:
        return " OR ".join(str(n) for n in self.nodes)


def _wrapped(node: Node) -> str:
    return f"({node})" if isinstance(node, And | Or) else str(node)


# ----------------------------------------------------------------------------- parsing

_TOKEN = re.compile(r'\s+|(?P<quote>")|(?P<open>\()|(?P<close>\))|(?P<word>[^\s"()]+)')


@dataclass
class _Token:
    kind: str   # word, phrase, open, close, or, and, not
    text: str
    at: int     # position in the query, from 1
    negated: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        found = _TOKEN.match(text, i)
        assert found is not None  # every character starts one of the alternatives
        if found.group("quote"):
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed_quote", at=i + 1)
            negated = bool(tokens) and tokens[-1].kind == "minus"
            if negated:
                tokens.pop()
            tokens.append(_Token("phrase", text[i + 1:end], i + 1, negated))
            i = end + 1
            continue
        if found.group("open") or found.group("close"):
            kind = "open" if found.group("open") else "close"
            negated = kind == "open" and bool(tokens) and tokens[-1].kind == "minus"
            if negated:
                tokens.pop()
            tokens.append(_Token(kind, found.group(0), i + 1, negated))
        elif found.group("word"):
            word = found.group("word")
            if word in ("OR", "AND", "NOT"):
                tokens.append(_Token(word.lower(), word, i + 1))
            elif word == "|" or word == "||":
                tokens.append(_Token("or", word, i + 1))
            elif word == "&&":
                tokens.append(_Token("and", word, i + 1))
            elif word in ("-", "+"):
                if word == "-":
                    tokens.append(_Token("minus", word, i + 1))
            else:
                negated = word.startswith("-") and len(word) > 1
                if word.startswith(("-", "+")):
                    word = word[1:]
                if word.startswith('"'):  # -"phrase" is handled above; this is a stray mark
                    raise QueryError("stray_quote", at=i + 2)
                tokens.append(_Token("word", word, i + 1, negated))
        i = found.end()
    if tokens and tokens[-1].kind == "minus":
        raise QueryError("trailing_minus")
    if any(t.kind == "minus" for t in tokens):
        bad = next(t for t in tokens if t.kind == "minus")
        raise QueryError("lone_minus", at=bad.at)
    return tokens


def _match(token: _Token) -> Match | None:
    """A word or phrase token as a Match; None when it holds no letter or digit (punctuation)."""
    raw = token.text
    prefix = False
    if token.kind == "word":
        if raw.endswith("*"):
            prefix = True
            raw = raw.rstrip("*")
        if "*" in raw:
            raise QueryError("inner_star", token=token.text)
    folded = fold(raw)
    tag = folded[0] if folded[:1] in ("#", "@") and token.kind == "word" else ""
    words = tuple(w for w in re.split(r"[\W_]+", folded) if w)
    if token.kind == "phrase" and not raw.strip():
        raise QueryError("empty_quotes", at=token.at)
    if not words:
        if prefix:
            raise QueryError("short_prefix", token=token.text, letters=MIN_PREFIX)
        return None
    if prefix and (len(words) > 1 or len(words[0]) < MIN_PREFIX):
        if len(words) > 1:
            raise QueryError("prefix_words", token=token.text)
        raise QueryError("short_prefix", token=token.text, letters=MIN_PREFIX)
    return Match(words, prefix=prefix, tag=tag if len(words) == 1 else "")


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            if token.kind == "close":
                raise QueryError("stray_close", at=token.at)
            raise QueryError("unexpected", token=token.text, at=token.at)  # pragma: no cover
        return node

    def or_expr(self) -> Node | None:
        parts = []
        first = self.peek()
        if first is not None and first.kind == "or":
            raise QueryError("or_first", at=first.at)
        node = self.and_expr()
        if node is not None:
            parts.append(node)
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            node = self.and_expr()
            if node is None:
                raise QueryError("or_last", at=token.at)
            if not parts:  # the left side was only punctuation
                raise QueryError("or_first", at=token.at)
            parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node | None:
        parts: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in ("or", "close"):
            if token.kind == "and":
                self.take()
                if not parts:
                    raise QueryError("and_first", at=token.at)
                nxt = self.peek()
                if nxt is None or nxt.kind in ("or", "close", "and"):
                    raise QueryError("and_last", at=token.at)
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind == "not":
            nxt = self.peek()
            if nxt is None or nxt.kind in ("or", "and", "close", "not"):
                raise QueryError("not_last", at=token.at)
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if token.kind == "open":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError("too_deep", depth=MAX_DEPTH)
            inner = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "close":
                raise QueryError("unclosed_paren", at=token.at)
            self.take()
            self.depth -= 1
            if inner is None:
                raise QueryError("empty_parens", at=token.at)
            return Not(inner) if token.negated else inner
        if token.kind in ("word", "phrase"):
            match = _match(token)
            if match is None:
                return None
            self.terms += 1
            if self.terms > MAX_TERMS:
                raise QueryError("too_many_terms", terms=MAX_TERMS)
            return Not(match) if token.negated else match
        raise QueryError("unexpected", token=token.text, at=token.at)  # pragma: no cover


@lru_cache(maxsize=512)
def parse(text: str | None) -> Node | None:
    """The tree of a query; None for an empty one (or one of punctuation only). Raises
    :class:`QueryError` when it cannot be read."""
    if text is None:
        return None
    if len(text) > MAX_LENGTH:
        raise QueryError("too_long", limit=MAX_LENGTH, length=len(text))
    text = text.replace("“", '"').replace("”", '"').replace("«", '"').replace("»", '"')
    # A query of exclusions only ("-revocatoria") is every text without them.
    return _Parser(_tokens(text)).parse()


def problem(text: str | None) -> str | None:
    """The message for a malformed query, or None when it reads fine (for the search box)."""
    found = check(text)
    return None if found is None else str(found)


def check(text: str | None) -> QueryError | None:
    """The error of a malformed query (its ``code`` and ``fields`` for a translated message),
    or None when it reads fine."""
    try:
        parse(text)
    except QueryError as exc:
        return exc
    return None


def canonical(text: str | None) -> str:
    """The query as the tree reads it back (folded, operators explicit where needed)."""
    node = parse(text)
    return "" if node is None else str(node)


def where(text: str | None, column: str = "search_text", key: str | None = None) -> tuple[str, list[str]] | None:
    """A SQL predicate over ``column`` and its parameters; None for an empty query. With ``key``
    (the relation's ``row_key`` column, `mentions` and `mention_rows` have it) the words are
    looked up in the term index instead of scanning ``column`` (same hits)."""
    node = parse(text)
    if node is None:
        return None
    return node.sql(column) if key is None else node.index_sql(key, column)


def positive_terms(text: str | None) -> list[Match]:
    """Words, phrases and prefixes a hit can hold, once each, in query order."""
    node = parse(text)
    return list(dict.fromkeys(node.positives())) if node is not None else []


def index_words(text: str | None) -> list[str]:
    """The plain words a full-text index can look up to narrow the rows before the exact test
    (every word of each positive word or phrase; prefixes are left to the exact test)."""
    return list(dict.fromkeys(w for m in positive_terms(text) if not m.prefix for w in m.words))


def highlight_spans(text: str | None, query: str | None) -> list[tuple[int, int]]:
    """(start, end) character spans of ``text`` that the query's positive terms match, sorted
    and merged. ``fold`` keeps one character for one, so folded positions are the text's."""
    if not text:
        return []
    terms = positive_terms(query)
    if not terms:
        return []
    folded = fold(text)
    pattern = re.compile("|".join(m.python_pattern() for m in terms))
    spans: list[tuple[int, int]] = []
    for found in pattern.finditer(folded):
        start, end = found.span()
        if terms and any(m.prefix for m in terms):
            # A prefix highlights the whole word it starts.
            while end < len(folded) and (folded[end].isalnum()):
                end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _required(node: Node) -> frozenset[str] | None:
    """Words of which every hit holds at least one (None when no such set is known: an
    exclusion, a prefix, or an OR with such a branch)."""
    if isinstance(node, Match):
        return None if node.prefix else frozenset([max(node.words, key=len)])
    if isinstance(node, And):
        sets = [s for s in (_required(n) for n in node.nodes) if s is not None]
        return min(sets, key=len) if sets else None
    if isinstance(node, Or):
        sets = [_required(n) for n in node.nodes]
        return None if any(s is None for s in sets) else frozenset().union(*sets)  # type: ignore[arg-type]
    return None


def index_lookup_words(text: str | None) -> list[str] | None:
    """Words to look up in a full-text index (any of them) so that every hit is among the rows
    found; None when the query cannot be narrowed that way (then it is a scan)."""
    node = parse(text)
    found = _required(node) if node is not None else None
    return sorted(found) if found else None
