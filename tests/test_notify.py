"""Notifiers against a real HTTP receiver on loopback: PagerDuty v2 shape with a stable
dedup_key, retries on 429/5xx, none on 400, and a dead endpoint that never blocks."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aiops_tui.alerts import notify
from aiops_tui.alerts.book import Notice, Notification
from aiops_tui.config.models import Notifier
from aiops_tui.signals.status import AlertView


class Receiver:
    """Answers each POST with the next scripted status (then 202), recording the bodies."""

    def __init__(self, script: list[int]) -> None:
        self.script = list(script)
        self.bodies: list[dict] = []
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.headers.append(dict(self.headers))
                status = receiver.script.pop(0) if receiver.script else 202
                body = b'{"status": "invalid event"}' if status == 400 else b"{}"
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify, "BACKOFF_S", 0.01)
    monkeypatch.setattr(notify, "ATTEMPTS", 3)


@pytest.fixture
def receiver_factory() -> Iterator:
    made: list[Receiver] = []

    def make(script: list[int]) -> Receiver:
        made.append(Receiver(script))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()
        r.server.server_close()


def view(**fields: object) -> AlertView:
    base = dict(scenario="support-chat", rule="error-rate-high", tier="page", state="firing",
                summary="more than 5% failing", value=0.2, threshold=0.05,
                reading="error rate 20.0% over 5.0%", since=100.0, fired_at=160.0,
                owner="support-ai-oncall", escalation=["a", "b"], runbook="error-burst")
    return AlertView.model_validate(base | fields)


async def settle(dispatcher: notify.Dispatcher, events: int, timeout: float = 10.0) -> list:
    got: list = []
    deadline = time.monotonic() + timeout
    while len(got) < events and time.monotonic() < deadline:
        got += dispatcher.delivered()
        await asyncio.sleep(0.01)
    return got


async def test_pagerduty_events_share_one_dedup_key(receiver_factory, quick,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PD_KEY", "R0UTINGKEY123")
    rx = receiver_factory([503, 429])  # the trigger is answered 503, then 429, then 202
    dispatcher = notify.Dispatcher([Notifier(kind="pagerduty", url=rx.url,
                                             routing_key_env="PD_KEY")])
    for notice in (Notice.TRIGGER, Notice.ACKNOWLEDGE, Notice.RESOLVE):
        dispatcher.send(Notification(notice, view()))
    events = await settle(dispatcher, 3)
    await dispatcher.aclose()
    assert [e.event for e in events] == ["notified"] * 3
    assert [b["event_action"] for b in rx.bodies] == ["trigger"] * 3 + ["acknowledge",
                                                                       "resolve"]
    assert {b["dedup_key"] for b in rx.bodies} == {"aiops-tui/support-chat/error-rate-high"}
    trigger = rx.bodies[0]
    assert trigger["routing_key"] == "R0UTINGKEY123"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "support-chat"
    assert trigger["payload"]["custom_details"]["runbook"] == "error-burst"
    assert "payload" not in rx.bodies[3]  # acknowledge and resolve carry only the key
    assert all("R0UTINGKEY123" not in e.detail for e in events)


async def test_a_bad_request_is_not_retried_and_the_key_stays_secret(
        receiver_factory, quick, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PD_KEY", "R0UTINGKEY123")
    rx = receiver_factory([400])
    dispatcher = notify.Dispatcher([Notifier(kind="pagerduty", url=rx.url,
                                             routing_key_env="PD_KEY")])
    dispatcher.send(Notification(Notice.TRIGGER, view()))
    [event] = await settle(dispatcher, 1)
    await asyncio.sleep(0.1)  # room for a retry that must not come
    await dispatcher.aclose()
    assert len(rx.bodies) == 1
    assert event.event == "notify-failed" and "HTTP 400" in event.detail
    assert "R0UTINGKEY123" not in event.detail


async def test_webhook_takes_its_tiers_and_a_bearer_token(receiver_factory, quick,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "t0ken")
    rx = receiver_factory([])
    dispatcher = notify.Dispatcher([Notifier(kind="webhook", url=rx.url, token_env="HOOK_TOKEN",
                                             tiers=["ticket"])])
    dispatcher.send(Notification(Notice.TRIGGER, view()))  # a page: not this webhook's
    dispatcher.send(Notification(Notice.TRIGGER, view(tier="ticket", rule="p95-over-slo")))
    await settle(dispatcher, 1)
    await dispatcher.aclose()
    [body] = rx.bodies
    assert (body["event"], body["alert"]["rule"]) == ("trigger", "p95-over-slo")
    assert rx.headers[0]["Authorization"] == "Bearer t0ken"


async def test_a_dead_notifier_never_blocks(quick) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = notify.Dispatcher([Notifier(kind="webhook", url=f"http://127.0.0.1:{port}/hook")])
    started = time.perf_counter()
    for i in range(200):
        dead.send(Notification(Notice.TRIGGER, view(rule=f"r{i}")))
    assert time.perf_counter() - started < 0.5  # queued, not sent, on the caller's time
    [first, *_] = await settle(dead, 1)
    await dead.aclose()
    assert first.event == "notify-failed" and "after 3 tries" in first.detail


async def test_a_bad_secret_fails_that_notification_only_and_is_never_written(
        receiver_factory, quick, monkeypatch: pytest.MonkeyPatch) -> None:
    rx = receiver_factory([])
    monkeypatch.setenv("HOOK_TOKEN", "s3cr3t-token\n")  # a secret file's trailing newline
    dispatcher = notify.Dispatcher([Notifier(kind="webhook", url=rx.url, token_env="HOOK_TOKEN")])
    dispatcher.send(Notification(Notice.TRIGGER, view()))
    [refused] = await settle(dispatcher, 1)
    monkeypatch.setenv("HOOK_TOKEN", "s3cr3t-token")
    dispatcher.send(Notification(Notice.TRIGGER, view(rule="p95-over-slo")))
    [sent] = await settle(dispatcher, 1)
    accepted = dispatcher.accepted()
    await dispatcher.aclose()
    assert refused.event == "notify-failed" and "HOOK_TOKEN holds whitespace" in refused.detail
    assert "s3cr3t" not in refused.detail
    assert sent.event == "notified" and len(rx.bodies) == 1  # the next one still went out
    assert accepted == [(("support-chat", "p95-over-slo"), Notice.TRIGGER)]
