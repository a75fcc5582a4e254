"""The read-only SQL console behind `vigia sql` and the dashboard's SQL tab.

Two locks, either of which alone would stop the known bypasses: the query is parsed by
DuckDB and refused unless it is one plain read (:func:`check_query`), and it then runs on a
read-only connection with file system access off and the configuration locked, so even a read
the guard missed cannot reach a file, a URL or a setting.

Each query runs in **a process of its own** (``python -m warehouse.console``), never in the
caller's: a runaway query cannot slow, break or outlive the page that asked for it (opening the
snapshot with the console's configuration inside the page's process once made every other
session fail with "Can't open a connection to same database file with a different
configuration"). The child is niced, capped in time (killed at :attr:`Limits.seconds`), in
memory (DuckDB's ``memory_limit`` and temp-file cap, and the OS address-space limit as a
backstop) and in what it hands back (:attr:`Limits.rows` rows shown, long cells cut; the full
result streamed to a file or stdout on request, a file capped at :attr:`Limits.export_mb`). It
dies with its parent. Any limit reached ends the query with a one-line reason
(:class:`QueryStopped`).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import duckdb

from warehouse.database import WarehouseError, connect

# What the console connection is opened with: no files but the warehouse, no network,
# no extension installs, and no `SET` can turn any of that back on.
LOCKED_DOWN = {"enable_external_access": False, "lock_configuration": True}

# Functions that reach outside the warehouse (files, URLs, other databases, the
# environment) or run SQL handed to them as a string, which the guard could not inspect.
_REFUSED_FUNCTIONS = frozenset({
    "glob", "query", "query_table", "getenv", "csv_scan", "parquet_scan", "sniff_csv",
    "json_execute_serialized_sql", "duckdb_secrets", "which_secret", "load_extension",
})
_REFUSED_PREFIXES = (
    "read_", "st_read", "parquet_", "iceberg_", "delta_", "postgres_", "sqlite_", "mysql_", "ducklake_", "http",
)
# A table, view or SHOW target named as an identifier (SHOW TABLES gives '"tables"').
_TABLE_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"[A-Za-z_][A-Za-z0-9_$]*"')
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)
# Where a URL literal is only compared with, never read: `url LIKE 'https://elcomercio.pe/%'`.
_MATCHING = frozenset({
    "~~", "!~~", "~~*", "!~~*", "~~~", "like_escape", "not_like_escape", "ilike_escape", "not_ilike_escape",
    "starts_with", "prefix", "suffix", "ends_with", "contains", "instr", "strpos", "position",
    "regexp_matches", "regexp_full_match", "replace", "regexp_replace", "split_part", "jaccard",
    "levenshtein", "damerau_levenshtein", "jaro_similarity", "jaro_winkler_similarity", "hamming",
})
# A PIVOT whose columns come from the data is planned by DuckDB as several statements, which it
# cannot serialise for the guard: it is read token by token instead (see _check_pivot).
_STATEMENT_WORDS = frozenset({
    "alter", "analyze", "attach", "begin", "call", "checkpoint", "commit", "copy", "create", "deallocate",
    "delete", "detach", "drop", "execute", "export", "force", "grant", "import", "insert", "install", "load",
    "merge", "pragma", "prepare", "reset", "revoke", "rollback", "set", "truncate", "update", "use",
    "vacuum",
})
_PATHLIKE = re.compile(r"[/\\~]|\.(?:csv|tsv|parquet|json|jsonl|ndjson|txt|db|duckdb|sqlite|xlsx|arrow|gz|zst)$",
                       re.IGNORECASE)

# A shown cell holds at most this many characters (the page shows fewer; exports all).
CELL_CHARS = 2_000


class QueryRefused(ValueError):
    """The console refuses this query; the message is the one-line reason."""


class QueryFailed(ValueError):
    """DuckDB could not run the query (a syntax or binder error...); the message is its first line."""


class QueryStopped(RuntimeError):
    """A limit (time, memory, export size) or a cancel stopped the query; the message says which."""


# --------------------------------------------------------------------------- the guard


def _one_statement(sql: str) -> duckdb.Statement:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(str(exc).splitlines()[0]) from None
    if not statements:
        raise QueryRefused("empty query")
    if len(statements) > 1:
        raise QueryRefused(f"refused: the read-only console runs one statement at a time, got {len(statements)}")
    return statements[0]


def _syntax_tree(sql: str) -> dict[str, Any]:
    with duckdb.connect(":memory:", config=LOCKED_DOWN) as con:
        text = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(text)
    if tree.get("error"):
        raise QueryRefused(f"cannot read the query: {tree.get('error_message', 'unknown parser error')}")
    return tree


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _compared_operands(node: dict[str, Any]) -> list[Any]:
    """The operands of a comparison, an IN list or a string-matching function."""
    if node.get("class") == "COMPARISON":
        return [node.get("left"), node.get("right")]
    if node.get("class") == "OPERATOR" and node.get("type") in ("COMPARE_IN", "COMPARE_NOT_IN"):
        return list(node.get("children") or [])
    if node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in _MATCHING:
        return [arg.get("expression") for arg in node.get("arguments") or [] if isinstance(arg, dict)]
    return []


def _check_tree(tree: dict[str, Any]) -> None:
    nodes = list(_nodes(tree))
    compared = {id(operand) for node in nodes for operand in _compared_operands(node)}
    for node in nodes:
        name = node.get("function_name")
        if isinstance(name, str):
            lowered = name.lower()
            if lowered in _REFUSED_FUNCTIONS or lowered.startswith(_REFUSED_PREFIXES):
                raise QueryRefused(f"refused: {name}() reaches outside the warehouse")
        if node.get("type") in ("BASE_TABLE", "SHOW_REF"):
            table = str(node.get("table_name", ""))
            if table and not _TABLE_NAME.fullmatch(table):
                raise QueryRefused(f"refused: {table!r} is a file or URL, not a warehouse table")
        literal = node.get("literal")
        if (isinstance(literal, dict) and isinstance(literal.get("text"), str) and _URL.match(literal["text"])
                and id(node) not in compared):
            raise QueryRefused(f"refused: the URL {literal['text']!r} outside a comparison; "
                               "the console reads only the warehouse (compare with it: url LIKE 'https://...%')")


def _check_pivot(sql: str) -> None:
    """A PIVOT whose columns DuckDB finds in the data, checked on its tokens: a query from
    start to end with no statement word, no refused function and no file or URL string."""
    tokens = [(start, kind) for start, kind in duckdb.tokenize(sql) if kind != duckdb.token_type.comment]
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    words = [(sql[start:end].strip(), kind) for (start, kind), end in zip(tokens, ends, strict=True)]
    lowered = [w.lower() for w, _ in words]
    if "pivot" not in lowered or not lowered or lowered[0] not in ("pivot", "with", "select", "from", "("):
        raise QueryRefused("refused: the console is read-only and this is not a plain query")
    for i, (word, kind) in enumerate(words):
        low = word.lower()
        if kind == duckdb.token_type.keyword and low in _STATEMENT_WORDS:
            raise QueryRefused(f"refused: the console is read-only and this query holds {word.upper()}")
        following = words[i + 1][0] if i + 1 < len(words) else ""
        if following.startswith("(") and (low in _REFUSED_FUNCTIONS or low.startswith(_REFUSED_PREFIXES)):
            raise QueryRefused(f"refused: {word}() reaches outside the warehouse")
        if kind == duckdb.token_type.string_const:
            text = word.strip("'")
            previous = lowered[i - 1] if i else ""
            if _URL.match(text) or _PATHLIKE.search(text) or previous in ("from", "join"):
                raise QueryRefused(f"refused: the string {word} in a PIVOT looks like a file or URL")


def check_query(sql: str) -> None:
    """Refuse (raise :class:`QueryRefused`) anything but one plain read of the warehouse.

    Allowed: SELECT, WITH, VALUES, FROM-first queries, PIVOT / UNPIVOT, SHOW, DESCRIBE,
    SUMMARIZE, and EXPLAIN of such a query; a URL literal as what a column is compared with
    (``url LIKE 'https://elcomercio.pe/%'``). Refused: any write, COPY, ATTACH, INSTALL, LOAD,
    SET, PRAGMA, CALL, EXPLAIN of anything but a query, several statements, file-reading
    functions (``read_*``, ``glob``, ...), a file path or URL used as a table, and URL literals
    anywhere else.
    """
    statement = _one_statement(sql)
    kind = statement.type
    body = sql
    if kind == duckdb.StatementType.MULTI:  # a PIVOT over the values found in the data
        _check_pivot(sql)
        return
    if kind == duckdb.StatementType.EXPLAIN:
        body = _EXPLAIN.sub("", sql, count=1)
        inner = _one_statement(body)
        if inner.type != duckdb.StatementType.SELECT:
            raise QueryRefused(f"refused: EXPLAIN of a {inner.type.name} statement; only queries may be explained")
    elif kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"refused: the console is read-only and this is a {kind.name} statement")
    _check_tree(_syntax_tree(body))


# --------------------------------------------------------------------------- limits


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be >= 0, not {raw!r}")
    return value


@dataclass(frozen=True)
class Limits:
    """What one console query may use. Defaults, and the environment variables that change
    them for every console (``vigia sql`` options override them for one query):

    - ``seconds`` (``VIGIA_SQL_TIMEOUT``, 60): wall-clock time before the query is killed; 0: none.
    - ``memory_mb`` (``VIGIA_SQL_MEMORY_MB``, 1024): DuckDB's ``memory_limit``; it may spill up
      to 4x that to temporary files, and the process's address space is capped at 2x + 2 GiB.
    - ``rows`` (``VIGIA_SQL_MAX_ROWS``, 1000): rows shown (the page, ``vigia sql``'s table); the
      full result is exported (CSV/JSON) without this cap.
    - ``export_mb`` (``VIGIA_SQL_EXPORT_MB``, 256): the largest export file the page prepares.
    - ``threads`` (``VIGIA_SQL_THREADS``, half the cores): DuckDB threads of the query.
    """

    seconds: float = 60.0
    memory_mb: int = 1024
    rows: int = 1000
    export_mb: int = 256
    threads: int = field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2))

    @classmethod
    def from_env(cls, **overrides: Any) -> Limits:
        """The defaults, changed by the ``VIGIA_SQL_*`` environment variables, then by ``overrides``
        (those that are not None). A malformed value raises ValueError naming the variable."""
        base = cls()
        found = replace(
            base,
            seconds=_env_number("VIGIA_SQL_TIMEOUT", base.seconds),
            memory_mb=int(_env_number("VIGIA_SQL_MEMORY_MB", base.memory_mb)),
            rows=int(_env_number("VIGIA_SQL_MAX_ROWS", base.rows)),
            export_mb=int(_env_number("VIGIA_SQL_EXPORT_MB", base.export_mb)),
            threads=max(1, int(_env_number("VIGIA_SQL_THREADS", base.threads))),
        )
        return replace(found, **{k: v for k, v in overrides.items() if v is not None})

    def address_space(self) -> int:
        """The OS cap on the child's address space (bytes): DuckDB's own limit is the real one."""
        return (2 * self.memory_mb + 2048) << 20

    def describe(self) -> str:
        time_part = f"{self.seconds:g} s" if self.seconds else "no time limit"
        return (f"{time_part}, {self.memory_mb} MB of memory, {self.rows:,} rows shown, "
                f"exports up to {self.export_mb} MB")


# --------------------------------------------------------------------------- running a query


@dataclass
class Result:
    """What a finished query handed back."""

    columns: list[str]
    rows: list[tuple]          # at most Limits.rows (for an export: none)
    more: bool                 # the result had more rows than shown
    cut_cells: int             # cells cut to CELL_CHARS characters
    seconds: float
    written: int = 0           # rows streamed to the export or stdout
    export: Path | None = None


class RunningQuery:
    """One console query in a process of its own.

    ``output``: ``None`` hands back at most ``limits.rows`` rows (:meth:`result`); ``"csv"``,
    ``"json"`` or ``"table"`` stream the result in that format to ``stream`` (a file object
    with a descriptor, e.g. ``sys.stdout``) or, without one, to a temporary file
    (:attr:`Result.export`, capped at ``limits.export_mb``). Close it (or use ``with``): a
    query still running is killed, its temporary files removed.
    """

    def __init__(self, db: str | Path, sql: str, *, limits: Limits | None = None, output: str | None = None,
                 stream: IO[Any] | None = None, bom: bool = False) -> None:
        self.limits = limits or Limits.from_env()
        self.output = output
        self.workdir = Path(tempfile.mkdtemp(prefix="vigia-sql-"))
        self.started = time.monotonic()
        self._stopped: str | None = None
        request = {
            "db": str(db), "sql": sql, "limits": asdict(self.limits), "output": output,
            "to": "stdout" if stream is not None else (str(self.workdir / f"export.{output}") if output else None),
            "bom": bom, "workdir": str(self.workdir),
        }
        (self.workdir / "request.json").write_text(json.dumps(request), encoding="utf-8")
        if stream is not None:
            stream.flush()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "warehouse.console", str(self.workdir / "request.json")],
            stdin=subprocess.DEVNULL, stdout=stream if stream is not None else subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=env, start_new_session=True,
        )

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: until it ends); True once the query ended. A
        query past its time limit is killed here."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = self.limits.seconds - self.elapsed if self.limits.seconds else None
            step = min(x for x in (0.1, left, None if deadline is None else deadline - time.monotonic()) if x is not None)
            try:
                self.process.wait(timeout=max(step, 0.0))
                return True
            except subprocess.TimeoutExpired:
                pass
            if left is not None and self.elapsed >= self.limits.seconds:
                self._kill(f"stopped: the query ran past its time limit of {self.limits.seconds:g} s "
                           "(VIGIA_SQL_TIMEOUT, or vigia sql --timeout)")
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def cancel(self, why: str = "cancelled by the analyst") -> None:
        """Stop the query now (it ends with :class:`QueryStopped` saying ``why``)."""
        if self.process.poll() is None:
            self._kill(f"stopped: {why}")

    def _kill(self, why: str) -> None:
        self._stopped = self._stopped or why
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def result(self) -> Result:
        """Wait for the end and return what came back; raise :class:`QueryRefused`,
        :class:`QueryFailed` or :class:`QueryStopped` with its one-line reason."""
        self.wait()
        if self._stopped:
            raise QueryStopped(self._stopped)
        status_path = self.workdir / "status.json"
        if not status_path.exists():
            code = self.process.returncode
            stderr = (self.process.stderr.read().decode(errors="replace") if self.process.stderr else "").strip()
            if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
                raise QueryStopped(f"stopped: the query process died ({signal.Signals(-code).name}), most likely past "
                                   f"its memory limit of {self.limits.memory_mb} MB (VIGIA_SQL_MEMORY_MB)")
            if code is not None and -code == signal.SIGALRM:
                raise QueryStopped(f"stopped: the query ran past its time limit of {self.limits.seconds:g} s")
            last = stderr.splitlines()[-1] if stderr else f"exit status {code}"
            raise QueryFailed(f"the query process failed: {last}")
        status = json.loads(status_path.read_text(encoding="utf-8"))
        outcome, message = status["outcome"], status.get("message") or ""
        if outcome == "refused":
            raise QueryRefused(message)
        if outcome == "failed":
            raise QueryFailed(message)
        if outcome == "stopped":
            raise QueryStopped(message)
        rows: list[tuple] = []
        rows_path = self.workdir / "rows.arrow"
        if rows_path.exists():
            import pyarrow.ipc as ipc

            with ipc.open_file(str(rows_path)) as reader:
                table = reader.read_all()
            rows = [tuple(r.values()) for r in table.to_pylist()]
        export = Path(status["export"]) if status.get("export") else None
        return Result(status["columns"], rows, bool(status.get("more")), int(status.get("cut_cells", 0)),
                      self.elapsed, int(status.get("written", 0)), export)

    def close(self) -> None:
        """Kill the query if it still runs and remove its temporary files (an export handed back
        by :meth:`result` goes with them: read it first)."""
        if self.process.poll() is None:
            self._kill("stopped: the console that asked for it went away")
        if self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RunningQuery:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def run_query(path: str | Path, sql: str, *, limit: int | None = None,
              limits: Limits | None = None) -> tuple[list[str], list[tuple]]:
    """Check ``sql``, run it on the published warehouse snapshot in a process of its own and
    return (columns, rows): at most ``limit`` rows (default ``limits.rows``). Raises
    :class:`QueryRefused`, :class:`QueryFailed` or :class:`QueryStopped` with a one-line reason.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    limits = limits or Limits.from_env()
    if limit is not None:
        limits = replace(limits, rows=limit)
    with RunningQuery(path, sql, limits=limits) as running:
        result = running.result()
    return result.columns, result.rows


_REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- the child process


def _watch_parent(parent: int) -> None:
    """End this process when the one that started it is gone (killed, or its server stopped)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(3)


def _cut_strings(batch: Any, chars: int) -> tuple[Any, int]:
    import pyarrow as pa
    import pyarrow.compute as pc

    cut = 0
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            lengths = pc.utf8_length(column)
            longer = pc.sum(pc.greater(lengths, chars)).as_py() or 0
            if longer:
                cut += longer
                column = pc.utf8_slice_codeunits(column, 0, chars)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names), cut


class _ExportFull(Exception):
    pass


class _CappedFile:
    """A text file that refuses to grow past ``cap`` bytes (raising :class:`_ExportFull`)."""

    def __init__(self, handle: IO[str], cap: int | None) -> None:
        self.handle, self.cap, self.size = handle, cap, 0

    def write(self, text: str) -> int:
        self.size += len(text.encode("utf-8"))
        if self.cap is not None and self.size > self.cap:
            raise _ExportFull
        return self.handle.write(text)


def _stream(reader: Any, columns: list[str], output: str, out: Any, limits: Limits, bom: bool) -> tuple[int, bool]:
    """Write every row of ``reader`` to ``out`` as ``output``; (rows written, more not shown)."""
    from render import text_table, write_csv

    written, more = 0, False
    if output == "csv":
        rows = (tuple(r.values()) for batch in reader for r in batch.to_pylist())
        written = write_csv(columns, rows, out, bom=bom)
    elif output == "json":
        out.write("[")
        for batch in reader:
            for row in batch.to_pylist():
                out.write((", " if written else "") + json.dumps(row, default=str, ensure_ascii=False))
                written += 1
        out.write("]\n")
    else:  # a table for a terminal: every cell through the renderer, cut to 60 characters
        shown: list[tuple] = []
        for batch in reader:
            for row in batch.to_pylist():
                if len(shown) >= limits.rows:
                    more = True
                    break
                shown.append(tuple(row.values()))
            if more:
                break
        note = f", more not shown: at most {limits.rows:,} (--max-rows); --format csv or json gives all" if more else ""
        out.write(text_table(columns, shown) + f"\n({len(shown)} rows{note})\n")
        written = len(shown)
    return written, more


def _child(request_path: str) -> None:
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    workdir = Path(request["workdir"])
    limits = Limits(**request["limits"])

    def finish(outcome: str, message: str = "", **fields: Any) -> None:
        status = {"outcome": outcome, "message": message, **fields}
        temp = workdir / "status.json.tmp"
        temp.write_text(json.dumps(status, default=str), encoding="utf-8")
        os.replace(temp, workdir / "status.json")

    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    os.nice(10)  # the page and other sessions come first on a shared CPU
    if limits.seconds:
        signal.alarm(int(limits.seconds) + 5)  # a backstop: SIGALRM's default action ends the process
    try:
        check_query(request["sql"])
    except QueryRefused as exc:
        finish("refused", str(exc))
        return
    resource.setrlimit(resource.RLIMIT_AS, (limits.address_space(), limits.address_space()))
    temp_dir = workdir / "spill"
    memory = f"{limits.memory_mb}MB"
    try:
        # External access is switched off after the temp directory is set (it forbids setting it).
        settings = {"memory_limit": memory, "threads": limits.threads, "temp_directory": str(temp_dir),
                    "max_temp_directory_size": f"{4 * limits.memory_mb}MB"}
        with connect(request["db"], read_only=True, config=settings) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            try:
                # A relation streams: rows are made as they are read, never all at once.
                relation = con.sql(request["sql"])
                columns = list(relation.columns) if relation is not None else []
                reader = relation.to_arrow_reader(1024) if columns else None
            except duckdb.PermissionException as exc:
                finish("refused", f"refused: {str(exc).splitlines()[0]}")
                return
            if reader is None:
                finish("ok", columns=[], more=False)
                return
            output = request.get("output")
            if output is None:
                _hand_back(reader, columns, limits, workdir, finish)
                return
            to = request["to"]
            if to == "stdout":
                out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
                try:
                    written, more = _stream(reader, columns, output, out, limits, request.get("bom", False))
                    out.flush()
                except BrokenPipeError:  # the reader (`| head`) has what it wanted
                    finish("ok", columns=columns, written=0)
                    return
                finish("ok", columns=columns, written=written, more=more)
                return
            with open(to, "w", encoding="utf-8", newline="") as handle:
                try:
                    written, more = _stream(reader, columns, output, _CappedFile(handle, limits.export_mb << 20),
                                            limits, request.get("bom", False))
                except _ExportFull:
                    finish("stopped", f"stopped: the export passed its size limit of {limits.export_mb} MB "
                                      "(VIGIA_SQL_EXPORT_MB); narrow the query or use vigia sql --format csv")
                    return
            finish("ok", columns=columns, written=written, more=more, export=to)
    except (duckdb.OutOfMemoryException, MemoryError):
        finish("stopped", _memory_reason(limits))
    except duckdb.PermissionException as exc:
        finish("refused", f"refused: {str(exc).splitlines()[0]}")
    except (duckdb.Error, OSError) as exc:  # DuckDB's errors reach the Arrow reader as OSError
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if text.startswith("Out of Memory Error"):
            finish("stopped", _memory_reason(limits))
        elif "max_temp_directory_size" in str(exc):
            finish("stopped", f"stopped: the query spilled more than {4 * limits.memory_mb} MB to disk "
                              "(4x VIGIA_SQL_MEMORY_MB)")
        elif text.startswith("Permission Error"):
            finish("refused", f"refused: {text}")
        else:
            finish("failed", text)
    except WarehouseError as exc:
        finish("failed", str(exc))
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def _memory_reason(limits: Limits) -> str:
    return (f"stopped: the query needed more than its memory limit of {limits.memory_mb} MB "
            "(VIGIA_SQL_MEMORY_MB, or vigia sql --memory-mb)")


def _hand_back(reader: Any, columns: list[str], limits: Limits, workdir: Path, finish: Any) -> None:
    """Keep at most ``limits.rows`` rows, long cells cut, in an Arrow file for the parent."""
    import pyarrow.ipc as ipc

    kept, n, cut, more = [], 0, 0, False
    for batch in reader:
        if n >= limits.rows:
            more = batch.num_rows > 0
            if more:
                break
            continue
        take = batch.slice(0, limits.rows - n)
        if take.num_rows < batch.num_rows:
            more = True
        take, cut_here = _cut_strings(take, CELL_CHARS)
        kept.append(take)
        n += take.num_rows
        cut += cut_here
        if more:
            break
    schema = kept[0].schema if kept else reader.schema
    with ipc.new_file(str(workdir / "rows.arrow"), schema) as writer:
        for batch in kept:
            writer.write_batch(batch)
    finish("ok", columns=columns, more=more, cut_cells=cut)


if __name__ == "__main__":
    _child(sys.argv[1])


__all__ = [
    "CELL_CHARS", "LOCKED_DOWN", "Limits", "QueryFailed", "QueryRefused", "QueryStopped", "Result", "RunningQuery",
    "WarehouseError", "check_query", "run_query",
]
