"""The `vigia` command: wires the crawler, the scorers and the warehouse together.

Every sub-command's ``--help`` is its first documentation. Failures end with a one-line
reason on stderr and a non-zero exit status.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from campaigns import Campaign, CampaignError, load_campaign
from crawler.runner import Interrupted, arm_hard_stop
from warehouse import WarehouseError, connect, default_db_path
from warehouse.database import exists as warehouse_exists

log = logging.getLogger("vigia")

PROFILES = click.Choice(["auto", "offline", "hub"])
SCORE_CHUNK = 256
HOLD_OUT_FROM = 40  # corrections from which `vigia train --hold-out` keeps some out of training


class VigiaError(click.ClickException):
    """A failure the user can act on: printed as one line, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"vigia: error: {self.format_message()}", err=True)


def _db_option(fn: Any) -> Any:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Warehouse file (default: $VIGIA_DB or data/vigia.duckdb).",
    )(fn)


def _campaign_option(fn: Any) -> Any:
    return click.option(
        "--campaign",
        "campaign_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Campaign TOML file (default: $VIGIA_CAMPAIGN or the bundled Miraflores campaign).",
    )(fn)


def _campaign(path: Path | None) -> Campaign:
    from crawler.catalog import check_spiders

    try:
        return check_spiders(load_campaign(path))
    except CampaignError as exc:
        raise VigiaError(str(exc)) from None


def _db(path: Path | None) -> Path:
    return Path(path) if path else default_db_path()


def _existing_db(path: Path | None) -> Path:
    """The warehouse for a command that only works on what is there: refuse a missing one."""
    db = _db(path)
    if not warehouse_exists(db):
        raise VigiaError(f"no warehouse at {db}: run `vigia crawl` or `vigia demo` first (nothing to work on)")
    return db


def _announce_new_warehouse(db: Path) -> None:
    if not warehouse_exists(db):
        click.echo(f"vigia: creating a new warehouse at {db}", err=True)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` in the main thread (exit 143 / 130).

    The open warehouse connection closes without committing the statement in progress,
    so nothing half-written is kept. The crawl installs its own handlers while it runs.
    """
    def stop(signum: int, _frame: Any) -> None:
        arm_hard_stop(signum)
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _run_lock(db: Path) -> Iterator[bool]:
    """An exclusive lock next to the warehouse: True when this process holds it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".run.lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {datetime.now(UTC).isoformat()}\n")
            handle.flush()
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _scrapy_warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not (record.name == "scrapy" or record.name.startswith("scrapy."))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True, help="Log debug details to stderr.")
def main(verbose: bool) -> None:
    """Vigia: collect what is said about a mayor, score it, and show the trends.

    \b
    Quick start:
      vigia demo                 offline end to end on the bundled sample sources
      vigia run                  crawl the campaign's real sources, then score
      vigia dashboard            open the dashboard on the warehouse
      vigia sql "SELECT * FROM daily_trends ORDER BY day DESC LIMIT 10"
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "urllib3", "filelock", "huggingface_hub", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        # Scrapy resets its loggers to DEBUG whenever it configures logging (banner, versions, every
        # page and item): without -v only its warnings reach the terminal.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_scrapy_warnings_only)


# --------------------------------------------------------------------------- crawl


def _crawl(campaign: Campaign, db: Path, spiders: list[str] | None, local_base: str | None = None,
           settings: dict[str, Any] | None = None) -> list[dict]:
    from crawler.runner import run_crawl

    unknown = sorted(set(spiders or []) - set(campaign.spiders))
    if unknown:
        raise VigiaError(
            f"no enabled source uses spider {', '.join(unknown)} in campaign {campaign.id} "
            f"(enabled: {', '.join(campaign.spiders)})"
        )
    try:
        summaries = run_crawl(campaign, db, spiders=spiders or None, local_base=local_base, settings=settings)
    except Interrupted as stop:
        _report_crawl(stop.summaries)
        raise
    _report_crawl(summaries)
    return summaries


def _report_crawl(summaries: list[dict]) -> None:
    for summary in summaries:
        click.echo(
            f"crawl {summary.get('spider')}: {summary.get('status', 'failed')}, {summary.get('new_documents', 0)} new, "
            f"{summary.get('items_kept', 0)} kept of {summary.get('items_seen', 0)} seen"
            + (f", {summary['spooled_pending']} batches spooled for the next writer" if summary.get("spooled_pending") else "")
            + (f", skipped: {summary['skipped']}" if summary.get("skipped") else "")
            + (f"; failed: {summary['failure']}" if summary.get("status") == "failed" and summary.get("failure") else ""),
            err=True,
        )


def _crawl_failures(summaries: list[dict]) -> str | None:
    """One line naming each spider that failed and why, or None when all finished."""
    failed = [s for s in summaries if s.get("status") != "finished"]
    if not failed:
        return None
    return f"{len(failed)} of {len(summaries)} spiders failed: " + "; ".join(
        f"{s.get('spider')} ({s.get('failure') or s.get('finish_reason') or 'unknown reason'})" for s in failed
    )


@main.command()
@_campaign_option
@_db_option
@click.option("--spider", "spiders", multiple=True, help="Run only this spider (repeatable).")
def crawl(campaign_file: Path | None, db: Path | None, spiders: tuple[str, ...]) -> None:
    """Run the campaign's spiders (all enabled ones by default) into the warehouse.

    Exits 1 when any spider failed (the summary says which and why), 143/130 on
    SIGTERM/SIGINT. Several crawls may run at once on one warehouse.
    """
    campaign = _campaign(campaign_file)
    path = _db(db)
    _announce_new_warehouse(path)
    with _stop_on_signals():
        failures = _crawl_failures(_crawl(campaign, path, list(spiders)))
    if failures:
        raise VigiaError(failures)


# --------------------------------------------------------------------------- score


def _score(
    campaign: Campaign | None, db: Path, profile: str, *, only_rescore: bool = False, heads: Path | None = None
) -> int:
    """Score, chunk by chunk, every document the current model set has not scored."""
    from nlp import DocText, load_scorer

    campaign = campaign or _campaign(None)
    click.echo(f"loading the {profile} model set ...", err=True)
    scorer = load_scorer(profile, campaign, heads_dir=heads)
    from warehouse.documents import claim_documents_to_score, count_to_score, release_claims
    from warehouse.scores import write_scores

    with connect(db) as con:
        total = count_to_score(con, scorer.model_set, campaign=campaign.id, only_rescore=only_rescore)
    click.echo(f"scoring {total} documents with {scorer.model_set}", err=True)
    claimer = f"{socket.gethostname()}:{os.getpid()}"
    lease = float(os.environ.get("VIGIA_CLAIM_SECONDS") or 600)
    done = 0
    with click.progressbar(length=total, label="scoring", file=sys.stderr) as bar:
        while True:
            # Claimed under the writer lock: a concurrent scorer gets the next batch, not this one.
            with connect(db, publish_when="due") as con:
                batch = claim_documents_to_score(
                    con, scorer.model_set, claimer=claimer, limit=SCORE_CHUNK, lease_seconds=lease,
                    campaign=campaign.id, only_rescore=only_rescore,
                )
            if not batch:
                break
            ids = [d["doc_id"] for d in batch]
            try:
                docs = [DocText(d["doc_id"], d["title"], d["text"], d["lang"]) for d in batch]
                scored_at = datetime.now(UTC)
                scores = scorer.score(docs, progress=None)
                rows = [{**vars(s), "scored_at": scored_at} for s in scores]
                if not rows:
                    raise VigiaError(f"the scorer returned nothing for {len(docs)} documents")
                with connect(db, publish_when="due") as con:
                    con.execute("BEGIN TRANSACTION")
                    write_scores(con, rows)
                    release_claims(con, scorer.model_set, ids)
                    con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(WarehouseError):
                    with connect(db, timeout=3.0) as con:
                        release_claims(con, scorer.model_set, ids)
                raise
            done += len(rows)
            bar.update(len(rows))
    with connect(db) as con:  # publish what this scorer wrote, whatever the schedule
        _store_bundled_calibration(con, scorer)
    if done:
        _refresh_shares(db, campaign.id)
    return done


def _store_bundled_calibration(con: Any, scorer: Any) -> None:
    """Keep the calibration shipped beside the scorer's heads in the warehouse (the page and the
    views learn the heads' errors from it before a campaign has its own labels)."""
    from nlp.calibration import load as load_calibration
    from warehouse import shares

    heads_dir = getattr(getattr(scorer, "heads", None), "dir", None)
    heads = shares.heads_of(scorer.model_set)
    if heads_dir is None or heads is None:
        return
    shares.store_calibration(con, heads, load_calibration(heads_dir))


def _refresh_shares(db: Path, campaign_id: str) -> None:
    """Estimate every share of the campaign (per day, week and in all) and store them: computed on
    the published snapshot, so writers wait only for the short write at the end."""
    from warehouse import shares

    started = time.perf_counter()
    with connect(db, read_only=True) as con:
        frame, trusted = shares.refresh(con, campaign_id), shares.trust(con, campaign_id)
    with connect(db) as con:
        stored = shares.store(con, campaign_id, frame, trusted)
    click.echo(f"share estimates: {stored} rows in {time.perf_counter() - started:.1f} s", err=True)


@main.command()
@_campaign_option
@_db_option
@click.option("--profile", type=PROFILES, default="auto", show_default=True,
              help="offline: bundled MiniLM + trained heads; hub: Hugging Face models; auto: hub if it loads.")
@click.option("--rescore", is_flag=True,
              help="Only re-score documents whose scores came from another model set (e.g. after `vigia train`).")
@click.option("--heads", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of trained heads (default: data/heads if present, else the bundled ones).")
def score(campaign_file: Path | None, db: Path | None, profile: str, rescore: bool, heads: Path | None) -> None:
    """Score every document not yet scored by the current model set.

    Earlier scores from other model sets stay in the warehouse (view score_history);
    `mentions` shows the newest, with analyst corrections on top.
    """
    path = _existing_db(db)
    with _stop_on_signals():
        n = _score(_campaign(campaign_file), path, profile, only_rescore=rescore, heads=heads)
    click.echo(f"scored {n} documents", err=True)


# --------------------------------------------------------------------------- run / schedule


@main.command()
@_campaign_option
@_db_option
@click.option("--profile", type=PROFILES, default="auto", show_default=True, help="Model set for scoring.")
def run(campaign_file: Path | None, db: Path | None, profile: str) -> None:
    """Crawl then score: what a scheduler calls.

    Only one run per warehouse at a time: if another `vigia run` holds the lock, this one
    says so and exits without doing anything. Exits 1 when any spider failed (after scoring
    what was stored), 143/130 on SIGTERM/SIGINT.
    """
    campaign = _campaign(campaign_file)
    path = _db(db)
    with _run_lock(path) as held:
        if not held:
            click.echo(f"vigia: another run on {path} is still going; skipped", err=True)
            return
        _announce_new_warehouse(path)
        with _stop_on_signals():
            failures = _crawl_failures(_crawl(campaign, path, None))
            _score(campaign, path, profile)
        _send_alerts(campaign, path)
    if failures:
        raise VigiaError(failures)


_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")


def parse_duration(text: str) -> float:
    """'30m' -> 1800.0 seconds; units s, m, h, d."""
    match = _DURATION.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter(f"{text!r}: use a positive number with s, m, h or d (e.g. 30m)")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@main.command()
@click.option("--every", required=True, help="Cadence, e.g. 15m, 1h (a feed is best polled at most every 15m).")
@_campaign_option
@_db_option
@click.option("--profile", type=PROFILES, default="auto", show_default=True, help="Model set for scoring.")
@click.option("--max-runs", type=int, default=None, help="Stop after this many runs (default: forever).")
def schedule(every: str, campaign_file: Path | None, db: Path | None, profile: str, max_runs: int | None) -> None:
    """Run `vigia run` on a fixed cadence, in the foreground, until interrupted.

    Runs never overlap: each one is a fresh process started only after the previous one
    ended; a run that overruns the cadence delays the next instead of stacking up.
    """
    interval = parse_duration(every)
    _campaign(campaign_file)  # fail now, not at the first tick
    args = [sys.executable, "-m", "cli", "run", "--profile", profile]
    if campaign_file:
        args += ["--campaign", str(campaign_file)]
    if db:
        args += ["--db", str(db)]
    runs = 0
    next_start = time.monotonic()
    while max_runs is None or runs < max_runs:
        wait = next_start - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        started = time.monotonic()
        click.echo(f"{datetime.now(UTC).isoformat(timespec='seconds')} starting run {runs + 1}", err=True)
        code = subprocess.call(args, cwd=os.getcwd())
        runs += 1
        if code != 0:
            click.echo(f"vigia: run {runs} failed with exit status {code}; next run at the next tick", err=True)
        next_start = started + interval
        while next_start < time.monotonic():  # skip ticks missed by an overrunning run
            next_start += interval


# --------------------------------------------------------------------------- dashboard


def _serve_dashboard(db: Path, port: int, address: str = "127.0.0.1", auth: str | None = None,
                     auth_header: str | None = None) -> None:
    import importlib.util

    from dashboard.access import Access, AccessError, check_serving

    env = dict(os.environ, VIGIA_DB=str(db.resolve()))
    if auth is not None:
        env["VIGIA_AUTH"] = auth
    if auth_header is not None:
        env["VIGIA_AUTH_HEADER"] = auth_header
    try:
        access = Access.from_env(env)
        check_serving(address, access)
    except AccessError as exc:
        raise VigiaError(str(exc)) from None
    # dashboard/server.py serves app.py with the page's imports done before the first visitor
    spec = importlib.util.find_spec("dashboard.server")  # located without running it
    if spec is None or not spec.origin or importlib.util.find_spec("app") is None:
        raise VigiaError("app.py and dashboard/server.py are not installed with this package")
    from dashboard import streamlit_command

    args = streamlit_command(spec.origin, port, address)
    shown = "localhost" if address == "127.0.0.1" else address
    click.echo(f"dashboard on http://{shown}:{port} (sign-in: {access.mode}; Ctrl+C to stop)", err=True)
    sys.stderr.flush()
    # Become the Streamlit server, so signals (Ctrl+C, a supervisor's SIGTERM) reach it directly.
    os.execve(sys.executable, args, env)


@main.command()
@_db_option
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve on.")
@click.option("--address", default=lambda: os.environ.get("VIGIA_DASHBOARD_ADDRESS") or "127.0.0.1",
              show_default="127.0.0.1, or $VIGIA_DASHBOARD_ADDRESS",
              help="Address to listen on. Anything but loopback needs --auth oidc.")
@click.option("--auth", type=click.Choice(["none", "oidc", "proxy"]), default=None,
              help="Sign-in: none (this machine only), oidc (Streamlit's login, .streamlit/secrets.toml) or proxy "
                   "(an authenticating reverse proxy on this machine passes the user in a header). "
                   "Default: $VIGIA_AUTH or none.")
@click.option("--auth-header", default=None,
              help="With --auth proxy: the header naming the user (default: $VIGIA_AUTH_HEADER or X-Forwarded-Email).")
def dashboard(db: Path | None, port: int, address: str, auth: str | None, auth_header: str | None) -> None:
    """Serve the Streamlit dashboard (app.py, through dashboard/server.py) on the warehouse.

    It listens on 127.0.0.1 only unless --address says otherwise, which needs sign-in
    (README: Exposing the dashboard).
    """
    path = _db(db)
    if not path.exists():
        raise VigiaError(f"no warehouse at {path}: run `vigia demo` or `vigia run` first")
    _serve_dashboard(path, port, address, auth, auth_header)


# --------------------------------------------------------------------------- demo


@main.command()
@_db_option
@click.option("--no-dashboard", is_flag=True, help="Stop after crawling and scoring.")
@click.option("--port", type=int, default=8501, show_default=True, help="Dashboard port.")
@click.option("--profile", type=PROFILES, default="offline", show_default=True, help="Model set for scoring.")
def demo(db: Path | None, no_dashboard: bool, port: int, profile: str) -> None:
    """Offline end to end on the bundled sample sources.

    Serves recorded-format copies of the campaign's sources on 127.0.0.1, crawls them with
    the real spiders, scores everything, writes the warehouse and opens the dashboard.
    """
    from samples import SampleServer
    from samples.news import SAMPLE_NOW
    from samples.social import sample_credentials

    path = _db(db)
    campaign = _campaign(None)
    # Obviously fake credentials, declared by each sample platform, that unlock its sample API.
    for name, value in sample_credentials().items():
        os.environ.setdefault(name, value)
    with _run_lock(path) as held:
        if not held:
            raise VigiaError(f"another run on {path} is still going")
        with _stop_on_signals():
            with SampleServer() as server:
                # The demo replays the sample newsroom's calendar (2026-08-17 .. SAMPLE_NOW): the
                # server and the spiders share its clock, so sources that list only recent items
                # (news sitemaps, "when:1d" searches) list them on whatever day the demo runs.
                server.state["now"] = SAMPLE_NOW
                click.echo(f"sample sources served on {server.base_url}", err=True)
                summaries = _crawl(campaign.localized(server.base_url), path, None, local_base=server.base_url,
                                   settings={"VIGIA_NOW": SAMPLE_NOW.isoformat()})
            _score(campaign, path, profile)
    failures = _crawl_failures(summaries)
    if failures:
        raise VigiaError(failures)
    from warehouse.status import mention_totals

    with connect(path, read_only=True) as con:
        mentions, platforms, unscored = mention_totals(con)
    click.echo(f"warehouse {path}: {mentions} mentions from {platforms} platforms, {unscored} unscored", err=True)
    if not no_dashboard:
        _serve_dashboard(path, port, os.environ.get("VIGIA_DASHBOARD_ADDRESS") or "127.0.0.1")


# --------------------------------------------------------------------------- sql / status


@main.command()
@_db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds before the query is stopped (default: $VIGIA_SQL_TIMEOUT or 60; 0: no limit).")
@click.option("--memory-mb", type=click.IntRange(min=64), default=None,
              help="DuckDB memory limit of the query, MB (default: $VIGIA_SQL_MEMORY_MB or 1024).")
@click.option("--max-rows", type=click.IntRange(min=0), default=None,
              help="Rows the table format shows (default: $VIGIA_SQL_MAX_ROWS or 1000); csv and json give all.")
@click.option("--bom", is_flag=True, help="With --format csv: start with a UTF-8 byte-order mark (for Excel).")
@click.argument("query")
def sql(db: Path | None, fmt: str, timeout: float | None, memory_mb: int | None, max_rows: int | None, bom: bool,
        query: str) -> None:
    """Run one read-only SQL QUERY on the warehouse (views: mentions, daily_trends, ...).

    Only reads are accepted (SELECT, WITH, VALUES, PIVOT, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN of a
    query); writes, COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA and file or URL readers are refused
    with the reason. The query runs in a process of its own with file and network access off,
    within a time and a memory limit; a limit reached stops it with the reason. CSV cells that
    a spreadsheet would run as formulas (=, +, -, @ ...) start with an apostrophe.
    """
    from warehouse.console import Limits, QueryFailed, QueryRefused, QueryStopped, RunningQuery

    path = _db(db)
    if not path.exists():
        raise VigiaError(f"no warehouse at {path}: run `vigia crawl` or `vigia demo` first")
    try:
        limits = Limits.from_env(seconds=timeout, memory_mb=memory_mb, rows=max_rows)
    except ValueError as exc:
        raise VigiaError(str(exc)) from None
    try:
        with RunningQuery(path, query, limits=limits, output=fmt, stream=sys.stdout, bom=bom) as running:
            running.result()
    except (QueryRefused, QueryFailed, QueryStopped) as exc:
        raise VigiaError(str(exc)) from None


@main.command()
@_campaign_option
@_db_option
def status(campaign_file: Path | None, db: Path | None) -> None:
    """Documents per source, the unscored backlog, sources that are off, last crawl runs."""
    campaign = _campaign(campaign_file)
    path = _db(db)
    from crawler.catalog import missing_credentials

    # What the next `vigia crawl` in this shell would do with each source: the stored documents
    # may come from runs that had credentials this shell lacks (`vigia demo` sets sample ones).
    off = {s.name: f"credentials not set in this shell: {', '.join(missing_credentials(s))}"
           for s in campaign.sources if s.enabled and missing_credentials(s)}
    off.update({s.name: "disabled in the campaign file" for s in campaign.sources if not s.enabled})
    from render import text_table
    from warehouse.crawl_runs import RUN_COLUMNS, recent_runs
    from warehouse.status import SOURCE_COLUMNS, documents_per_source, scoring_backlog

    with connect(path, read_only=True) as con:
        per_source = documents_per_source(con)
        backlog = scoring_backlog(con)
        runs = [tuple(run[c] for c in RUN_COLUMNS) for run in recent_runs(con, 12)]
    stored = {row[0]: row[2] for row in per_source}
    next_crawl = [(*row, "skipped" if row[0] in off else "crawled") for row in per_source]
    click.echo(f"warehouse: {path}\ncampaign: {campaign.id} ({campaign.name})\n")
    click.echo(text_table([*SOURCE_COLUMNS, "next crawl"], next_crawl) + f"\n({len(next_crawl)} rows)")
    click.echo(f"\nunscored backlog: {backlog.never_scored} never scored"
               + (f"; {backlog.not_by_newest} not scored by the newest model set {backlog.newest_model_set}"
                  if backlog.newest_model_set else ""))
    click.echo("\nsources the next `vigia crawl` skips:" + ("".join(
        f"\n  {k}: {v}" + (f" (its {stored[k]} stored documents came from earlier runs that had them)"
                           if stored.get(k) else "")
        for k, v in sorted(off.items())) or " none"))
    click.echo("\nlast crawl runs:")
    click.echo(text_table(["run", "spider", "started", "status", "seen", "kept", "new", "dropped", "errors"], runs)
               + f"\n({len(runs)} rows)")


# --------------------------------------------------------------------------- collection


@main.command()
@click.argument("source")
@click.option("--url", default=None, help="The page's address, when SOURCE is a saved file (dates and outlet names use it).")
def extract(source: str, url: str | None) -> None:
    """Extract one article page (a saved FILE or a URL) as the crawler would.

    The last stdout line is JSON with title, author, published_at, lang and text.
    """
    from crawler.articles import article_record, decode_html, extract_article, fetch_page

    path = Path(source)
    if path.is_file():
        raw, declared = path.read_bytes(), None
    elif re.match(r"^https?://", source):
        try:
            raw, declared = fetch_page(source)
        except OSError as exc:
            raise VigiaError(f"cannot fetch {source}: {exc}") from None
        url = url or source
    else:
        raise VigiaError(f"{source} is neither a file nor an http(s) URL")
    article = extract_article(decode_html(raw, declared), url or path.resolve().as_uri())
    click.echo(json.dumps(article_record(article), ensure_ascii=False))


@main.command()
@_campaign_option
@click.option("--file", "jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSON Lines with text and optional title, lang (the platform's tag), platform, url.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.argument("text", required=False)
def check(campaign_file: Path | None, jsonl: Path | None, fmt: str, text: str | None) -> None:
    """Would the crawler keep this text? One JSON line per text: lang, target_match, kept, reason.

    Runs the crawler's own cleaning, target and language stages, so "why is this post not in
    the dashboard?" gets the crawler's answer (reason: no_target, language:pt, empty, ...).
    """
    from crawler.relevance import RelevanceCheck

    if (text is None) == (jsonl is None):
        raise VigiaError("give either a TEXT or --file JSONL")
    rows: list[dict[str, Any]] = []
    if jsonl is not None:
        from campaigns.jsonl import numbered_jsonl

        try:
            numbered = numbered_jsonl(jsonl)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VigiaError(str(exc)) from None
        for n, row in numbered:
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise VigiaError(f"{jsonl}:{n}: each line needs a \"text\" string")
            rows.append(row)
    else:
        rows.append({"text": text})
    checker = RelevanceCheck(_campaign(campaign_file))
    for row, verdict in zip(rows, checker.check_all(rows), strict=True):
        click.echo(json.dumps({"text": row["text"][:80], **verdict}, ensure_ascii=False))


# --------------------------------------------------------------------------- models


@main.command(name="eval")
@click.option("--task", type=click.Choice(["sentiment", "target_sentiment", "topics", "stance"]), required=True)
@click.option("--data", type=click.Path(exists=True, path_type=Path), required=True,
              help="JSON Lines file, or a folder with <split>_text.txt and <split>_labels.txt.")
@click.option("--split", default="test", show_default=True, help="Split to read from a folder.")
@click.option("--profile", type=PROFILES, default="auto", show_default=True)
@_campaign_option
@click.option("--heads", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of trained heads (default: data/heads if present, else the bundled ones).")
@click.option("--learn", type=click.IntRange(min=0), multiple=True,
              help="Learn from the first N labelled lines (as analyst corrections would) and score only the rest. "
                   "Repeat it for a learning curve: one JSON line per N, the file scored once.")
@click.option("--prevalence", "shares", is_flag=True,
              help="Estimate each label's share (with a 90% interval) instead of scoring texts one by one.")
@click.option("--group-by", default=None, help="With --prevalence: one estimate per value of this field of each line.")
@click.option("--calibration", "calibration_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --prevalence: a labelled file of the same task, used only to learn the models' errors.")
def eval_(task: str, data: Path, split: str, profile: str, campaign_file: Path | None, heads: Path | None,
          learn: tuple[int, ...], shares: bool, group_by: str | None, calibration_file: Path | None) -> None:
    """Score a labelled set; the last stdout line is one JSON object with task, n, macro_f1
    (and learned: N with --learn N). A label outside the task's label set is refused, naming its line.

    With --prevalence the JSON has task, n and prevalence: {GROUP: {LABEL: {estimate, low, high, true}}}."""
    from nlp.evaluation import learning_curve, prevalence

    if (group_by or calibration_file) and not shares:
        raise click.UsageError("--group-by and --calibration go with --prevalence")
    if shares:
        if learn:
            raise click.UsageError("--learn and --prevalence do not go together: calibrate with --calibration")
        if task == "topics":
            raise click.UsageError("--prevalence estimates sentiment, target_sentiment or stance shares")
        try:
            result = prevalence(task, data, profile, _campaign(campaign_file), split=split, heads_dir=heads,
                                group_by=group_by, calibration=calibration_file)
        except ValueError as exc:
            raise VigiaError(str(exc)) from None
        for note in result["notes"]:
            click.echo(f"  note: {note}", err=True)
        click.echo(f"  calibration: {result['calibration']['source']}", err=True)
        click.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    try:
        results = learning_curve(task, data, profile, _campaign(campaign_file), list(learn) or [0], split=split,
                                 heads_dir=heads)
    except ValueError as exc:
        raise VigiaError(str(exc)) from None
    for result in results:
        for name, value in sorted((result.get("per_class_f1") or {}).items()):
            click.echo(f"  F1 {name}: {value:.3f}", err=True)
        click.echo(json.dumps(result, ensure_ascii=False, default=str))


@main.command()
@_campaign_option
@_db_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("data/heads"),
              show_default=True, help="Where the retrained heads go (scoring picks data/heads up by default; "
                                      "nlp/heads rebuilds the bundled ones, as `make train` does).")
@click.option("--with-sentiment", is_flag=True,
              help="Also retrain the document-sentiment head on <shared-data>/umsab-es and intertass-pe (corrections do not touch it); "
                   "without it the head in --out (or the bundled one) is kept.")
@click.option("--seeds", "seeds_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of labelled seed texts (*.jsonl, see nlp/seeds/GUIDELINES.md); default: the bundled nlp/seeds.")
@click.option("--corrections", "corrections_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON Lines of analyst corrections (doc_id, title, text, field, value) to learn from "
                                 "instead of the warehouse's.")
@click.option("--no-corrections", is_flag=True,
              help="Learn from the seed labels alone (how the bundled heads are built); the warehouse is not read.")
@click.option("--shared-data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding umsab-es/, intertass-pe/ and stompol/ (default: $VIGIA_SHARED_DATA, else ../shared/data).")
@click.option("--hold-out", type=click.FloatRange(0.0, 0.9), default=0.25, show_default=True,
              help="Share of the warehouse's corrections kept out of training (chosen by document, the same "
                   "every run) once there are 40 or more: the new heads never saw them, so they calibrate its "
                   "share estimates.")
@click.option("--window-only", is_flag=True,
              help="Retrain only the target window head inside --out (its other heads stay as they are).")
def train(campaign_file: Path | None, db: Path | None, out: Path, with_sentiment: bool, seeds_dir: Path | None,
          corrections_file: Path | None, no_corrections: bool, shared_data: Path | None, hold_out: float,
          window_only: bool) -> None:
    """Retrain the scoring heads on the seed labels plus the analysts' corrections.

    Target sentiment, topics and stance learn from the corrections (the warehouse's, or
    --corrections FILE); the document-sentiment head is kept unless --with-sentiment. Then
    `vigia score --rescore` re-scores with the new model set; older scores stay queryable.
    Prints the training summary as one JSON line (the manifest written beside the heads).
    """
    from nlp.training import read_jsonl, retrain_window_head, train_heads
    from warehouse.corrections import corrections_for_training

    if corrections_file is not None and no_corrections:
        raise click.UsageError("--corrections and --no-corrections contradict each other")
    campaign = _campaign(campaign_file)
    if window_only:
        if corrections_file is not None or with_sentiment:
            raise click.UsageError("--window-only retrains the window head from the seeds: "
                                   "no --corrections or --with-sentiment")
        if not (out / "target.npz").exists():
            raise VigiaError(f"no heads in {out} to add a window head to: train them first (or copy nlp/heads there)")
        click.echo(json.dumps(retrain_window_head(campaign, out, shared_data, seeds_dir), ensure_ascii=False, default=str))
        return
    path = _db(db)
    corrections: list[dict] = []
    from_warehouse = corrections_file is None and not no_corrections
    if corrections_file is not None:
        try:
            corrections = read_jsonl(corrections_file)
        except ValueError as exc:
            raise VigiaError(str(exc)) from None
    elif from_warehouse and path.exists():
        with connect(path, read_only=True) as con:
            corrections = corrections_for_training(con, campaign.id)
        # A few corrections all teach: holding some out pays only once there are enough to calibrate.
        share = hold_out if len(corrections) >= HOLD_OUT_FROM else 0.0
        held = [c for c in corrections if _held_out(c["doc_id"], share)]
        corrections = [c for c in corrections if not _held_out(c["doc_id"], share)]
        if held:
            click.echo(f"{len(held)} corrections held out of training to calibrate share estimates (--hold-out)", err=True)
    click.echo(f"training heads with {len(corrections)} analyst corrections ...", err=True)
    try:
        summary = train_heads(campaign, out, corrections=corrections, shared_data=shared_data,
                              retrain_sentiment=with_sentiment, seeds_dir=seeds_dir)
    except (ValueError, FileNotFoundError) as exc:
        raise VigiaError(str(exc)) from None
    if corrections and from_warehouse:
        summary["trust"] = _trust(campaign, path, "offline", out)
    if from_warehouse and path.exists():
        from nlp.calibration import build as build_calibration
        from warehouse import shares

        build_calibration(out, shared_data)
        heads = shares.heads_of(summary.get("model_set"))
        with connect(path) as con:
            if heads:  # the corrections these heads learnt never calibrate them
                shares.record_training(con, heads, [(c["doc_id"], c["field"]) for c in corrections])
        _refresh_shares(path, campaign.id)
    click.echo(json.dumps(summary, ensure_ascii=False, default=str))


def _held_out(doc_id: str, share: float) -> bool:
    """Whether a document's corrections stay out of training (a stable draw by its id)."""
    import hashlib

    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000 < share


@main.command()
@click.option("--heads", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of trained heads (default: data/heads if present, else the bundled ones).")
@click.option("--shared-data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding intertass-pe and umsab-es (default: ../shared/data).")
def calibrate(heads: Path | None, shared_data: Path | None) -> None:
    """Write the heads' bundled share calibration (calibration.json beside them): how each head
    errs on labelled texts it never trained on, used before a campaign has its own labels."""
    from nlp.calibration import build
    from nlp.linear_heads import resolve_heads_dir

    found = build(resolve_heads_dir(heads), shared_data)
    click.echo(json.dumps({task: {"n": v["n"], "source": v["source"]} for task, v in found["tasks"].items()},
                          ensure_ascii=False))


def _trust(campaign: Campaign, db: Path, profile: str, heads: Path | None) -> list[dict]:
    """Measure and store cross-validated agreement with the analyst's corrections, per task."""
    from nlp import load_scorer
    from nlp.learning import trust_by_task
    from warehouse.corrections import corrections_for_training
    from warehouse.trust import write_trust

    with connect(db, read_only=True) as con:
        corrections = corrections_for_training(con, campaign.id)
    if not corrections:
        click.echo("no analyst corrections yet: nothing to measure trust against", err=True)
        return []
    scorer = load_scorer(profile, campaign, heads_dir=heads)
    rows = trust_by_task(scorer, campaign, corrections)
    with connect(db) as con:
        write_trust(con, campaign.id, scorer.model_set, rows)
    return rows


@main.command()
@_campaign_option
@_db_option
@click.option("--profile", type=PROFILES, default="offline", show_default=True)
@click.option("--heads", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of trained heads (default: data/heads if present, else the bundled ones).")
def trust(campaign_file: Path | None, db: Path | None, profile: str, heads: Path | None) -> None:
    """How far to trust the scores: cross-validated agreement with the analysts' corrections per
    task (target_sentiment, topics, stance), stored in model_trust for the dashboard; prints JSON."""
    rows = _trust(_campaign(campaign_file), _db(db), profile, heads)
    click.echo(json.dumps(rows, ensure_ascii=False, default=str))


@main.command()
@_campaign_option
@_db_option
@click.argument("doc_id")
@click.option("--field", type=click.Choice(["target_sentiment", "topics", "stance"]), required=True)
@click.option("--value", required=True, help="New value; for topics a comma-separated list (empty for none).")
@click.option("--analyst", required=True, help="Who makes the correction.")
def correct(campaign_file: Path | None, db: Path | None, doc_id: str, field: str, value: str, analyst: str) -> None:
    """Correct one document's target sentiment, topics or stance (as the dashboard does)."""
    from warehouse.corrections import CorrectionError, add_correction

    campaign = _campaign(campaign_file)
    new_value: str | list[str] = [t.strip() for t in value.split(",") if t.strip()] if field == "topics" else value
    with connect(_existing_db(db)) as con:
        try:
            cid = add_correction(con, doc_id, field, new_value, analyst, allowed_topics=campaign.topic_names,
                                 identified_by="command")
        except CorrectionError as exc:
            raise VigiaError(str(exc)) from None
    click.echo(f"correction {cid} stored", err=True)
    _refresh_shares(_existing_db(db), campaign.id)


# --------------------------------------------------------------------------- alerts


def _recent_spikes(campaign: Campaign, path: Path, days: int | None) -> list:
    """The spikes of the enabled alert rules (the warehouse's `alert_rules`, defaults from the
    campaign file's [alerts]), in the last ``days`` days of data (None: all)."""
    from alerts.spikes import Watch, detect
    from warehouse.alert_rules import effective
    from warehouse.explorer import Selection
    from warehouse.trends import day_range

    with connect(path, read_only=True) as con:
        rules = [Watch(r.metric, r.query, r.z, r.min_count, r.window_days) for r in effective(con, campaign) if r.enabled]
        found = detect(con, Selection(campaign=campaign.id), rules)
        span = day_range(con, campaign.id)
    spikes = [spike for _, spike in found]
    if days is not None and spikes and span is not None:
        spikes = [s for s in spikes if (span[1] - s.day).days < days]
    return list(dict.fromkeys(spikes))


def _spike_texts(campaign: Campaign, path: Path, spikes: list, n: int = 3) -> dict:
    """The ``n`` texts that drove each spike (as the dashboard lists them), keyed by (day, metric)."""
    from warehouse.explorer import Selection
    from warehouse.trends import texts_of_day

    with connect(path, read_only=True) as con:
        return {(s.day, s.metric): texts_of_day(con, Selection(campaign=campaign.id), s.day, s.metric, limit=n)
                .to_dict("records") for s in spikes}


def _send_alerts(campaign: Campaign, path: Path) -> None:
    """After a scheduled run: send the recent spikes where the campaign file says, if anywhere."""
    from alerts.delivery import DeliveryError, deliver

    config = campaign.alerts
    if not (config.webhook_url or config.email_to):
        return
    try:
        spikes = _recent_spikes(campaign, path, config.lookback_days)
        for line in deliver(config, campaign.id, spikes, _spike_texts(campaign, path, spikes)):
            click.echo(f"vigia: alerts: {line}", err=True)
    except (DeliveryError, WarehouseError) as exc:
        raise VigiaError(f"alerts not sent: {exc}") from None


@main.command()
@_campaign_option
@_db_option
@click.option("--days", type=int, default=None,
              help="Only spikes in the last N days of data (default: the campaign's alerts.lookback_days).")
@click.option("--all", "every_day", is_flag=True, help="Every spike in the warehouse, however old.")
@click.option("--send/--no-send", default=True, show_default=True,
              help="Send to the webhook / e-mail of the campaign's [alerts], when set.")
def alerts(campaign_file: Path | None, db: Path | None, days: int | None, every_day: bool, send: bool) -> None:
    """Print the spikes (volume, negativity toward the target, one stance), one per line.

    With `[alerts]` in the campaign file (webhook_url, email_to) they are also sent there.
    """
    from alerts.delivery import DeliveryError, deliver

    campaign = _campaign(campaign_file)
    path = _db(db)
    if not path.exists():
        raise VigiaError(f"no warehouse at {path}: run `vigia demo` or `vigia run` first")
    window = None if every_day else (days or campaign.alerts.lookback_days)
    spikes = _recent_spikes(campaign, path, window)
    for spike in spikes:
        click.echo(spike.describe())
    if not spikes:
        click.echo("no spike" + ("" if window is None else f" in the last {window} days of data"), err=True)
    if send:
        try:
            for line in deliver(campaign.alerts, campaign.id, spikes, _spike_texts(campaign, path, spikes)):
                click.echo(f"vigia: alerts: {line}", err=True)
        except DeliveryError as exc:
            raise VigiaError(str(exc)) from None


def entry() -> None:
    """Console-script entry: turn known failures into one line on stderr."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("vigia: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        hint = f" (see `vigia {exc.ctx.info_name} --help`)" if getattr(exc, "ctx", None) else ""
        click.echo(f"vigia: error: {exc.format_message()}{hint}", err=True)
        sys.exit(exc.exit_code)
    except (CampaignError, WarehouseError) as exc:
        click.echo(f"vigia: error: {exc}", err=True)
        sys.exit(1)
    except Interrupted as stop:
        click.echo(f"vigia: {stop}; stopped", err=True)
        sys.exit(128 + stop.signum)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the one-line promise holds for the unexpected too
        log.debug("unexpected failure", exc_info=True)
        click.echo(f"vigia: error: {type(exc).__name__}: {exc} (run with -v for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    entry()
