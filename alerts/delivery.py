"""Sending spikes where a campaign's `[alerts]` says: a webhook (JSON POST) and/or e-mail."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import date
from email.message import EmailMessage
from typing import Any

from alerts.spikes import Spike
from campaigns.model import Alerts
from render import AUTHOR, TITLE, crawled, safe_url


class DeliveryError(RuntimeError):
    pass


# The texts that drove a spike, as a webhook or an e-mail shows them: through the renderer, like
# everything crawled (no control or bidi characters, cut; links only to http(s) addresses).
Texts = Mapping[tuple[date, str], Sequence[Mapping[str, Any]]]


def shown_texts(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The texts of a spike fit to send: title (or excerpt), author, platform, url."""
    return [{"title": crawled(row.get("title") or row.get("excerpt"), limit=TITLE),
             "author": crawled(row.get("author"), limit=AUTHOR) or None,
             "platform": crawled(row.get("platform"), limit=AUTHOR),
             "url": safe_url(row.get("url"))} for row in rows]


def payload(campaign_id: str, spikes: Sequence[Spike], texts: Texts | None = None) -> dict:
    return {
        "campaign": campaign_id,
        "spikes": [
            {"day": s.day.isoformat(), "metric": s.metric, "value": s.value, "baseline": s.baseline,
             "n": s.n, "query": s.query, "text": s.describe(),
             "texts": shown_texts((texts or {}).get((s.day, s.metric), []))}
            for s in spikes
        ],
    }


def email_body(spikes: Sequence[Spike], texts: Texts | None = None) -> str:
    """One line per spike, each followed by the texts that drove it."""
    lines = []
    for spike in spikes:
        lines.append(spike.describe())
        for t in shown_texts((texts or {}).get((spike.day, spike.metric), [])):
            lines.append(f"  - {t['title']} ({t['platform']}{', ' + t['author'] if t['author'] else ''})"
                         + (f" {t['url']}" if t["url"] else ""))
    return "\n".join(lines)


def post_webhook(url: str, body: dict, *, timeout: float = 10.0) -> int:
    """POST ``body`` as JSON; returns the HTTP status, raises DeliveryError on failure."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "vigia-alerts"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {url} answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook {url} unreachable: {getattr(exc, 'reason', exc)}") from None


def send_email(config: Alerts, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.email_from, ", ".join(config.email_to), subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail through {config.smtp_host}:{config.smtp_port} failed: {exc}") from None


def deliver(config: Alerts, campaign_id: str, spikes: Sequence[Spike], texts: Texts | None = None) -> list[str]:
    """Send to every configured channel, each spike with the texts that drove it (``texts``,
    keyed by day and metric); returns what was done, one line each."""
    done: list[str] = []
    if not spikes:
        return done
    if config.webhook_url:
        status = post_webhook(config.webhook_url, payload(campaign_id, spikes, texts))
        done.append(f"webhook: {len(spikes)} spike(s) sent (HTTP {status})")
    if config.email_to:
        send_email(config, f"Vigia {campaign_id}: {len(spikes)} spike(s)", email_body(spikes, texts))
        done.append(f"e-mail: sent to {', '.join(config.email_to)}")
    return done
