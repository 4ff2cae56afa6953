"""`tracker alerts ...` through the real command: subscriptions, test sends, secrets kept back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import HTTPServer
from pathlib import Path

import pytest

from tests.support.cli_run import run_cli
from tests.support.receivers import WebhookReceiver
from tracker.config import load_settings

SECRET = "wh-secret-7f3a"
PASSWORD = "smtp-pass-91c2"
TOKEN = "T0K3N-abcdef123456"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRACKER_ALERTS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TRACKER_ALERTS_SMTP_PASSWORD", PASSWORD)
    return str(tmp_path / "alerts.db")


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def one_error(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert needle in lines[0], lines[0]


def test_add_list_remove(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--db", db]
    code, _, err = run_cli([*base, "claims", "add", "ai-code", "AI-written code broke it"], capsys)
    assert code == 0, err
    code, out, err = run_cli(
        [*base, "alerts", "add", "ai-code", "--to", f"https://hooks.example/services/{TOKEN}"],
        capsys,
    )
    assert code == 0, err
    assert TOKEN not in out
    args = [*base, "alerts", "add", "--all", "--to", "mailto:desk@example.org"]
    code, _, err = run_cli(
        [*args, "--events", "late_repeat,taken_down", "--digest", "daily"], capsys
    )
    assert code == 0, err
    code, out, _ = run_cli([*base, "alerts", "list", "--json"], capsys)
    listed = json.loads(out)
    assert [(s["claim"], s["digest"]) for s in listed] == [("ai-code", "none"), (None, "daily")]
    assert listed[1]["events"] == ["late_repeat", "taken_down"]
    assert listed[1]["destination"] == "mailto:desk@example.org"
    assert TOKEN not in out
    code, out, _ = run_cli([*base, "alerts", "remove", str(listed[0]["id"])], capsys)
    assert code == 0 and "removed" in out
    code, out, _ = run_cli([*base, "alerts", "list", "--json"], capsys)
    assert len(json.loads(out)) == 1


def test_bad_input_is_one_line_and_exit_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--db", db]
    run_cli([*base, "claims", "add", "ai-code", "AI-written code broke it"], capsys)
    code, _, err = run_cli([*base, "alerts", "add", "--to", "https://h.example/x"], capsys)
    one_error(code, err, "--all")
    code, _, err = run_cli([*base, "alerts", "add", "nope", "--to", "https://h.example/"], capsys)
    one_error(code, err, "nope")
    args = [*base, "alerts", "add", "--all", "--to", "https://h.example/", "--events", "oops"]
    code, _, err = run_cli(args, capsys)
    one_error(code, err, "oops")
    code, _, err = run_cli([*base, "alerts", "add", "--all", "--to", "gopher:zz"], capsys)
    one_error(code, err, "Apprise")
    code, _, err = run_cli([*base, "alerts", "remove", "42"], capsys)
    one_error(code, err, "42")


def test_the_test_command_sends_a_signed_sample_and_shows_the_answer(
    db: str, capsys: pytest.CaptureFixture[str], hooks: WebhookReceiver
) -> None:
    code, out, err = run_cli(["--db", db, "alerts", "test", "--to", hooks.url()], capsys)
    assert code == 0, err
    assert out.strip() == "delivered: HTTP 200"
    (received,) = hooks.received
    mac = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Hub-Signature-256"] == f"sha256={mac}"
    assert received.json()["test"] is True


def test_a_failing_test_send_says_so(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with WebhookReceiver(statuses=[404]) as hooks:
        code, out, _ = run_cli(["--db", db, "alerts", "test", "--to", hooks.url()], capsys)
    assert code == 1 and out.strip() == "failed: HTTP 404"


def test_secrets_are_never_printed(
    db: str, capsys: pytest.CaptureFixture[str], hooks: WebhookReceiver
) -> None:
    base = ["--db", db]
    run_cli([*base, "alerts", "add", "--all", "--to", hooks.url(f"/{TOKEN}")], capsys)
    printed = []
    for args in (
        ["alerts", "list", "--json"],
        ["alerts", "list"],
        ["alerts", "send", "--json"],
        ["alerts", "test", "--to", hooks.url(f"/{TOKEN}"), "--json"],
        ["status", "--json"],
        ["status"],
    ):
        code, out, err = run_cli([*base, *args], capsys)
        assert code == 0, err
        printed.append(out + err)
    settings = load_settings()
    printed.append(repr(settings))
    for text in printed:
        assert SECRET not in text and PASSWORD not in text and TOKEN not in text
    assert settings.alerts.webhook_secret == SECRET  # it was there to be leaked


def test_the_readme_receiver_accepts_signed_alerts_and_refuses_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("A receiver checks it like this:\n\n```python\n", 1)[1].split("```")[0]
    serve = 'HTTPServer(("127.0.0.1", 8080), Hook).serve_forever()'
    assert serve in snippet and len(snippet.strip().splitlines()) <= 20
    monkeypatch.setenv("TRACKER_ALERTS_WEBHOOK_SECRET", SECRET)
    namespace: dict[str, object] = {}
    exec(snippet.replace(serve, ""), namespace)
    server = HTTPServer(("127.0.0.1", 0), namespace["Hook"])  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        db = str(tmp_path / "readme.db")
        monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
        code, out, _ = run_cli(["--db", db, "alerts", "test", "--to", url], capsys)
        assert (code, out.splitlines()[-1]) == (0, "delivered: HTTP 204")
        monkeypatch.setenv("TRACKER_ALERTS_WEBHOOK_SECRET", "another secret")
        code, out, _ = run_cli(["--db", db, "alerts", "test", "--to", url], capsys)
        assert (code, out.splitlines()[-1]) == (1, "failed: HTTP 401")
    finally:
        server.shutdown()
        server.server_close()
