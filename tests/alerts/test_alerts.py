"""Spikes (volume, negativity toward the target, one stance) and their delivery to a webhook."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from alerts.delivery import DeliveryError, post_webhook
from alerts.spikes import Watch, find_spikes, in_range, rules_in_range
from cli import main
from tests.conftest import synthetic_documents, synthetic_scores
from warehouse import connect
from warehouse.campaigns import register_campaign
from warehouse.documents import insert_documents
from warehouse.scores import write_scores


def quiet_days(n: int = 30) -> pd.DataFrame:
    days = pd.date_range("2026-10-01", periods=n, freq="D")
    return pd.DataFrame({"day": days, "n_docs": 20, "n_target": 20, "n_target_negative": 5,
                         "n_pro_recall": 4, "n_anti_recall": 4})


def test_a_calm_month_has_no_spike() -> None:
    frame = quiet_days()
    frame["n_docs"] = [20 + (i % 3) for i in range(30)]
    assert find_spikes(frame) == []


def test_volume_negativity_and_stance_spikes_are_found_on_their_day() -> None:
    frame = quiet_days()
    frame.loc[20, "n_docs"] = 90
    frame.loc[25, ["n_target_negative"]] = 17
    frame.loc[27, "n_pro_recall"] = 30
    found = {(s.day.isoformat(), s.metric) for s in find_spikes(frame)}
    assert found == {("2026-10-21", "volume"), ("2026-10-26", "target_negative"), ("2026-10-28", "pro_recall")}


def test_several_rules_searched_at_once_find_what_each_rule_finds_alone() -> None:
    frame = quiet_days(60)
    frame.loc[40, "n_docs"] = 90
    frame.loc[45, ["n_target_negative"]] = 17
    frame.loc[47, "n_pro_recall"] = 30
    rules = [Watch(metric) for metric in ("volume", "target_negative", "pro_recall", "anti_recall")]
    rules += [Watch("volume", "serenazgo", z=2.0, min_count=5, window_days=14), Watch("volume", min_count=100)]  # a floor above the day's 90 texts
    start, end, first = date(2026, 11, 1), date(2026, 11, 29), date(2026, 10, 1)
    alone = sorted((s for rule in rules for s in in_range(frame, rule, start, end, first)), key=lambda s: (s.day, s.metric))
    together = rules_in_range(frame, rules, start, end, first)
    assert together == alone and {s.metric for s in together} == {"volume", "target_negative", "pro_recall"}
    assert [s.query for s in together if s.metric == "volume"] == ["", "serenazgo"]


def day_shares(frame: pd.DataFrame, label: str, estimate: float, low: float, high: float, others: str) -> pd.DataFrame:
    """Daily estimated shares of one label (the rest of each day spread over ``others``)."""
    rows = []
    for day, n in zip(frame["day"], frame["n_target"], strict=True):
        rows.append({"period_start": day, "label": label, "estimate": estimate, "low": low, "high": high, "n": n})
        rows.append({"period_start": day, "label": others, "estimate": 1 - estimate, "low": 1 - high, "high": 1 - low, "n": n})
    return pd.DataFrame(rows)


def test_negativity_fires_on_the_interval_not_on_the_count() -> None:
    """12 texts toward him one day, 9 read negative against the usual quarter: counting the labels
    calls it a spike. Read with how unsure the model was, the day's 90% interval reaches down to
    the usual share: a jump inside the noise, no spike. The same day read surely is one."""
    frame = quiet_days()
    frame.loc[25, ["n_target", "n_target_negative"]] = [12, 9]
    assert any(s.metric == "target_negative" for s in find_spikes(frame))  # raw counts: a spike
    usual = day_shares(frame, "negative", 0.25, 0.15, 0.36, "neutral")
    unsure = usual.copy()
    unsure.loc[(unsure["period_start"] == frame.loc[25, "day"]) & (unsure["label"] == "negative"),
               ["estimate", "low", "high"]] = [0.62, 0.30, 0.88]
    assert not [s for s in find_spikes(frame, shares={"target_sentiment": unsure}) if s.metric == "target_negative"]
    sure = usual.copy()
    sure.loc[(sure["period_start"] == frame.loc[25, "day"]) & (sure["label"] == "negative"),
             ["estimate", "low", "high"]] = [0.74, 0.52, 0.90]
    found = [s for s in find_spikes(frame, shares={"target_sentiment": sure}) if s.metric == "target_negative"]
    assert [s.day.isoformat() for s in found] == ["2026-10-26"]
    assert "(52%–90%)" in found[0].describe()


def test_a_stance_spike_needs_the_low_end_of_its_estimated_count() -> None:
    frame = quiet_days()
    frame["n_target"] = 20
    frame.loc[27, "n_pro_recall"] = 30
    frame.loc[27, "n_target"] = 40
    stance = day_shares(frame, "pro_recall", 0.2, 0.1, 0.3, "none")
    day = stance["period_start"] == frame.loc[27, "day"]
    stance.loc[day & (stance["label"] == "pro_recall"), ["estimate", "low", "high"]] = [0.75, 0.2, 0.95]
    # 30 texts read pro, but the low end of the estimate is 8: within the noise.
    assert not [s for s in find_spikes(frame, shares={"stance": stance}) if s.metric == "pro_recall"]
    stance.loc[day & (stance["label"] == "pro_recall"), ["low"]] = 0.6
    assert [s.metric for s in find_spikes(frame, shares={"stance": stance}) if s.day.isoformat() == "2026-10-28"] == ["pro_recall"]


def spiky_warehouse(path: Path) -> Path:
    start = datetime(2026, 10, 1, 15, tzinfo=UTC)
    docs = []
    for day in range(30):
        for k in range(60 if day == 25 else 12):
            docs.append({**synthetic_documents(1)[0], "doc_id": f"d{day}-{k}", "url": f"https://e.pe/{day}/{k}",
                         "published_at": start + timedelta(days=day, minutes=k), "content_hash": f"h{day}-{k}"})
    with connect(path) as con:
        register_campaign(con, "miraflores-canales", "Canales", ["security", "politics", "recall"], "America/Lima", True)
        insert_documents(con, docs)
        write_scores(con, synthetic_scores([d["doc_id"] for d in docs]))
    return path


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> str:
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_vigia_alerts_prints_the_spike_and_posts_it_to_the_campaign_webhook(tmp_path: Path, webhook: str) -> None:
    db = spiky_warehouse(tmp_path / "w.duckdb")
    campaign = Path(__file__).resolve().parents[2] / "campaigns" / "miraflores.toml"
    text = campaign.read_text(encoding="utf-8").replace("[alerts]\n", f'[alerts]\nwebhook_url = "{webhook}"\n')
    text = text.replace('path = "miraflores_figures.sample.csv"', f'path = "{campaign.parent}/miraflores_figures.sample.csv"')
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["alerts", "--campaign", str(tmp_path / "c.toml"), "--db", str(db), "--days", "10"])
    assert result.exit_code == 0, result.output
    assert "2026-10-26: 60 documents" in result.output
    assert len(Hook.received) == 1 and Hook.received[0]["campaign"] == "miraflores-canales"
    assert any(s["metric"] == "volume" and s["day"] == "2026-10-26" for s in Hook.received[0]["spikes"])


def test_alerts_without_a_destination_only_print(tmp_path: Path, webhook: str) -> None:
    db = spiky_warehouse(tmp_path / "w.duckdb")
    result = CliRunner().invoke(main, ["alerts", "--db", str(db), "--all"])
    assert result.exit_code == 0 and "60 documents" in result.output and Hook.received == []


def test_an_unreachable_webhook_is_a_clear_error() -> None:
    with pytest.raises(DeliveryError, match="unreachable"):
        post_webhook("http://127.0.0.1:9/hook", {"x": 1}, timeout=2)


def test_the_texts_that_drove_a_spike_are_that_days(tmp_path: Path) -> None:
    from datetime import date

    from warehouse.explorer import Selection
    from warehouse.trends import texts_of_day

    db = spiky_warehouse(tmp_path / "w.duckdb")
    with connect(db, read_only=True) as con:
        volume = texts_of_day(con, Selection(campaign="miraflores-canales"), date(2026, 10, 26), "volume")
        negative = texts_of_day(con, Selection(campaign="miraflores-canales"), date(2026, 10, 26), "target_negative")
    assert len(volume) == 8 and all(d.startswith("d25-") for d in volume["doc_id"])
    assert set(negative["target_sentiment"]) == {"negative"}


def test_email_alert_names_each_spike(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    import alerts.delivery as delivery
    from alerts.spikes import Spike
    from campaigns.model import Alerts

    sent = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append((host, port))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def send_message(self, message) -> None:
            sent.append(message)

    monkeypatch.setattr(delivery.smtplib, "SMTP", FakeSMTP)
    config = Alerts(email_to=["ana@example.org"], smtp_host="127.0.0.1", smtp_port=2525)
    done = delivery.deliver(config, "miraflores-canales", [Spike(date(2026, 10, 26), "volume", 60, 12, 60)])
    assert done == ["e-mail: sent to ana@example.org"]
    assert sent[0] == ("127.0.0.1", 2525)
    assert sent[1]["To"] == "ana@example.org" and "2026-10-26: 60 documents" in sent[1].get_content()


def test_an_alert_carries_the_texts_that_drove_it_rendered_as_the_page_renders_them(
        tmp_path: Path, webhook: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hostile corpus on a spike day: the webhook's JSON and the e-mail hold its texts with no
    control or bidi character, no field past its cap, and links only to http(s) addresses."""
    import alerts.delivery as delivery
    from render import AUTHOR, TITLE
    from tests.hostile import hostile_documents, invisible

    db = spiky_warehouse(tmp_path / "w.duckdb")
    first = ["hostile-bidi", "hostile-terminal", "hostile-huge"]  # earliest that day: the 3 texts sent
    day = datetime(2026, 10, 26, 14, tzinfo=UTC)
    hostile = [{**d, "published_at": day + timedelta(minutes=first.index(d["doc_id"]) if d["doc_id"] in first else 300)}
               for d in hostile_documents()]
    with connect(db) as con:
        insert_documents(con, hostile)
    campaign = Path(__file__).resolve().parents[2] / "campaigns" / "miraflores.toml"
    text = campaign.read_text(encoding="utf-8").replace(
        "[alerts]\n", f'[alerts]\nwebhook_url = "{webhook}"\nemail_to = ["ana@example.org"]\n')
    text = text.replace('path = "miraflores_figures.sample.csv"', f'path = "{campaign.parent}/miraflores_figures.sample.csv"')
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    mails = []
    monkeypatch.setattr(delivery, "send_email", lambda config, subject, body: mails.append(body))
    result = CliRunner().invoke(main, ["alerts", "--campaign", str(tmp_path / "c.toml"), "--db", str(db), "--days", "10"])
    assert result.exit_code == 0, result.output
    spike = [s for s in Hook.received[0]["spikes"] if s["day"] == "2026-10-26" and s["metric"] == "volume"][0]
    assert [t["title"][:7] for t in spike["texts"]] == ["Canales"] * 3
    assert spike["texts"][1]["url"] is None  # the terminal document's bidi-laden url is no link
    for sent in spike["texts"]:
        assert invisible(sent["title"] + (sent["author"] or "") + sent["platform"]) == []
        assert len(sent["title"]) <= TITLE and len(sent["author"] or "") <= AUTHOR
        assert sent["url"] is None or sent["url"].startswith(("http://", "https://"))
    body = mails[0]
    assert invisible(body.replace("\n", "")) == [] and "javascript:" not in body and "data:text" not in body
    assert max(len(line) for line in body.splitlines()) < 2 * TITLE + AUTHOR
