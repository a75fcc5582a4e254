"""Sending spikes where a campaign's `[alerts]` says: a webhook (JSON POST) and/or e-mail."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage

from alerts.spikes import Spike
from campaigns.model import Alerts


class DeliveryError(RuntimeError):
    pass


def payload(campaign_id: str, spikes: Sequence[Spike]) -> dict:
    return {
        "campaign": campaign_id,
        "spikes": [
            {"day": s.day.isoformat(), "metric": s.metric, "value": s.value, "baseline": s.baseline,
             "n": s.n, "query": s.query, "text": s.describe()}
            for s in spikes
        ],
    }


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


def deliver(config: Alerts, campaign_id: str, spikes: Sequence[Spike]) -> list[str]:
    """Send to every configured channel; returns what was done, one line each."""
    done: list[str] = []
    if not spikes:
        return done
    if config.webhook_url:
        status = post_webhook(config.webhook_url, payload(campaign_id, spikes))
        done.append(f"webhook: {len(spikes)} spike(s) sent (HTTP {status})")
    if config.email_to:
        text = "\n".join(s.describe() for s in spikes)
        send_email(config, f"Vigia {campaign_id}: {len(spikes)} spike(s)", text)
        done.append(f"e-mail: sent to {', '.join(config.email_to)}")
    return done
