"""Sending one message to one destination: a signed webhook, e-mail over SMTP, or Apprise.

The one module that touches httpx (sync), smtplib and apprise for alerts. Every send has a
timeout and answers with a `SendResult`; nothing here raises for a destination's failure.
A destination is a URL: `http(s)://...` is a webhook, `mailto:a@b.example` e-mail over the
configured SMTP server, anything else an Apprise URL (`slack://...`, `ntfy://...`, ...).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from tracker.config import VERSION, AlertSettings
from tracker.domain.alerts import SendResult
from tracker.errors import BadInput
from tracker.pipeline.alerts.digest import Message

# httpx and apprise load when a message is sent or an Apprise URL read, not with the module:
# every command opens a Tracker, whose dispatcher holds the senders (`tracker status` stays light).
if TYPE_CHECKING:
    import httpx

__all__ = ["SIGNATURE_HEADER", "Senders", "check_destination", "redact", "sign"]

SIGNATURE_HEADER = "X-Hub-Signature-256"
DELIVERY_HEADER = "X-Tracker-Delivery"
EVENT_HEADER = "X-Tracker-Event"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _kind(destination: str) -> str:
    scheme = urlsplit(destination).scheme.lower()
    if scheme in ("http", "https"):
        return "webhook"
    if scheme == "mailto":
        return "email"
    return "apprise"


def _apprise_module() -> Any:
    """Apprise, imported on first use (it loads its many plugins)."""
    import apprise

    return apprise


def check_destination(destination: str) -> str:
    """The destination, checked: BadInput when it is no webhook, address or Apprise URL."""
    destination = destination.strip()
    kind = _kind(destination)
    parts = urlsplit(destination)
    if kind == "webhook" and not parts.hostname:
        raise BadInput(f"not a webhook URL: {redact(destination)}")
    if kind == "email" and "@" not in parts.path:
        raise BadInput("a mailto: destination needs an address, e.g. mailto:desk@example.org")
    if kind == "apprise" and _apprise_module().Apprise.instantiate(destination) is None:
        raise BadInput(f"neither a webhook, mailto: nor an Apprise URL: {redact(destination)}")
    return destination


def redact(destination: str) -> str:
    """The destination as it may be shown: no password, token or secret path in it."""
    kind = _kind(destination)
    parts = urlsplit(destination)
    if kind == "email":
        return destination
    if kind == "webhook":
        # Webhook paths often are the secret (Slack, Teams): keep the host, hide the rest.
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
        rest = parts.path.strip("/") or parts.query
        tag = hashlib.sha256(destination.encode()).hexdigest()[:8] if rest else ""
        return f"{parts.scheme}://{host}{port}/" + (f"...#{tag}" if tag else "")
    plugin = _apprise_module().Apprise.instantiate(destination)
    if plugin is None:
        return f"{parts.scheme}://..."
    return str(plugin.url(privacy=True))


class Senders:
    """Sends messages with the configured secrets and timeouts."""

    def __init__(
        self, settings: AlertSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport

    def send(self, destination: str, message: Message) -> SendResult:
        """Send `message` to `destination`; what it answered."""
        kind = _kind(destination)
        if kind == "webhook":
            return self._webhook(destination, message)
        if kind == "email":
            return self._email(destination, message)
        return self._apprise(destination, message)

    def _webhook(self, url: str, message: Message) -> SendResult:
        body = json.dumps(message.document, sort_keys=True, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"propagation-tracker/{VERSION} alerts",
            EVENT_HEADER: message.event,
            DELIVERY_HEADER: message.key,
        }
        if self.settings.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(self.settings.webhook_secret, body)
        import httpx

        timeout = httpx.Timeout(self.settings.timeout)
        try:
            with httpx.Client(
                timeout=timeout, transport=self._transport, follow_redirects=False
            ) as client:
                response = client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(False, f"timed out after {self.settings.timeout:g} s")
        except httpx.HTTPError as exc:
            return SendResult(False, f"{type(exc).__name__}: {exc}"[:300])
        detail = f"HTTP {response.status_code}"
        if response.is_success:
            return SendResult(True, detail)
        # A 4xx other than timeout and rate limit will not heal by itself; it is still retried
        # (the receiver may be fixed), and shown.
        retryable = response.status_code >= 500 or response.status_code in (408, 429)
        return SendResult(False, detail, retryable=retryable)

    def _email(self, destination: str, message: Message) -> SendResult:
        s = self.settings
        to = [unquote(a).strip() for a in urlsplit(destination).path.split(",") if a.strip()]
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = ", ".join(to)
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{message.key}@propagation-tracker>"
        mail[DELIVERY_HEADER] = message.key
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                refused = smtp.send_message(mail)
                code, _ = smtp.noop()
        except (OSError, smtplib.SMTPException) as exc:
            # The exception text never holds the password (smtplib does not echo it).
            return SendResult(False, f"SMTP {type(exc).__name__}: {exc}"[:300])
        if refused:
            return SendResult(False, f"SMTP refused {', '.join(sorted(refused))}", retryable=False)
        return SendResult(True, f"SMTP accepted for {len(to)} recipient(s) ({code})")

    def _apprise(self, url: str, message: Message) -> SendResult:
        notifier = _apprise_module().Apprise()
        if not notifier.add(url):
            return SendResult(False, "not a URL Apprise understands", retryable=False)
        try:
            ok = notifier.notify(title=message.subject, body=message.text)
        except Exception as exc:
            return SendResult(False, f"Apprise: {type(exc).__name__}")
        return SendResult(True, "Apprise: sent") if ok else SendResult(False, "Apprise: failed")
