"""Deliver alert notifications to PagerDuty (Events API v2) and generic JSON webhooks.

Delivery happens in background tasks, one per notifier, fed by queues the runtime fills without
waiting: a notifier that is down never holds up the collection loop or the UI, nor another
notifier. 429 and 5xx answers and connection failures are retried with exponential backoff
(honouring ``Retry-After``); any other 4xx is final (the payload or the key is wrong and
sending it again will not help). Each outcome becomes an alert event in the store. Routing keys
and tokens are read from the environment when sent and never written anywhere.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from aiops_tui import __version__
from aiops_tui.alerts.book import Notice, Notification
from aiops_tui.config.models import Notifier
from aiops_tui.signals.status import AlertView
from aiops_tui.store.points import AlertEvent

ATTEMPTS = 6
BACKOFF_S = 1.0
BACKOFF_MAX_S = 60.0
QUEUE_MAX = 1000  # per notifier; beyond it the oldest waiting notification is dropped
DRAIN_S = 3.0  # on quitting, how long queued notifications get to go out


def dedup_key(view: AlertView) -> str:
    """Stable per (scenario, rule): PagerDuty folds a trigger, its ack and its resolve into
    one incident by it."""
    return f"aiops-tui/{view.scenario}/{view.rule}"


def pagerduty_body(notice: Notice, view: AlertView, routing_key: str) -> dict[str, Any]:
    body: dict[str, Any] = {"routing_key": routing_key, "event_action": str(notice),
                            "dedup_key": dedup_key(view)}
    if notice is Notice.TRIGGER:
        body["payload"] = {
            "summary": f"[{view.scenario}] {view.summary}: {view.reading}"[:1024],
            "source": view.scenario,
            "severity": "critical" if view.tier == "page" else "warning",
            "timestamp": datetime.fromtimestamp(view.fired_at or time.time(), UTC).isoformat(),
            "component": view.scenario,
            "class": view.rule,
            "custom_details": _details(view),
        }
        body["client"] = f"aiops-tui {__version__}"
    return body


def webhook_body(notice: Notice, view: AlertView) -> dict[str, Any]:
    return {"version": 1, "event": str(notice), "dedup_key": dedup_key(view),
            "alert": view.model_dump(mode="json")}


def _details(view: AlertView) -> dict[str, Any]:
    return {"tier": view.tier, "value": view.value, "threshold": view.threshold,
            "since": view.since, "owner": view.owner, "escalation": view.escalation,
            "runbook": view.runbook}


class Delivery:
    """One notifier's queue and the task that empties it."""

    def __init__(self, notifier: Notifier, client: httpx.AsyncClient,
                 report: collections.deque[AlertEvent],
                 accepted: collections.deque[tuple[tuple[str, str], Notice]]) -> None:
        self.notifier = notifier
        self.name = notifier.name or notifier.kind
        self.client = client
        self.report = report
        self.accepted = accepted
        self.queue: collections.deque[Notification] = collections.deque(maxlen=QUEUE_MAX)
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def put(self, notification: Notification) -> None:
        if len(self.queue) == self.queue.maxlen:
            dropped = self.queue[0]
            self._event(dropped, "notify-dropped", "queue full: the notifier is far behind")
        self.queue.append(notification)
        self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            while self.queue:
                n = self.queue.popleft()
                try:
                    await self._deliver(n)
                except Exception as exc:  # one bad notification must not stop the rest
                    self._event(n, "notify-failed", f"{n.notice} not sent: "
                                f"{type(exc).__name__}")
            self.wake.clear()
            await self.wake.wait()

    async def _deliver(self, n: Notification) -> None:
        secret = ""
        try:
            request, secret = self._request(n)
        except KeyError as exc:
            self._event(n, "notify-failed", f"environment variable {exc.args[0]} is not set")
            return
        except ValueError as exc:
            self._event(n, "notify-failed", str(exc))
            return
        delay = BACKOFF_S
        for attempt in range(1, ATTEMPTS + 1):
            try:
                reply = await self.client.send(request)
            except httpx.HTTPError as exc:
                why = _hide(f"{type(exc).__name__}: {exc}", secret)
            else:
                if reply.status_code < 300:
                    self._event(n, "notified", f"{n.notice} accepted (HTTP {reply.status_code})")
                    self.accepted.append(((n.view.scenario, n.view.rule), n.notice))
                    return
                why = f"HTTP {reply.status_code}: {reply.text[:200]}"
                if reply.status_code != 429 and reply.status_code < 500:
                    self._event(n, "notify-failed", _hide(f"{n.notice} refused, {why}", secret))
                    return
                retry_after = reply.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            if attempt == ATTEMPTS:
                self._event(n, "notify-failed",
                            _hide(f"{n.notice} not delivered after {ATTEMPTS} tries: {why}",
                                  secret))
                return
            await asyncio.sleep(min(delay, BACKOFF_MAX_S))
            delay *= 2

    def _request(self, n: Notification) -> tuple[httpx.Request, str]:
        """The HTTP request, and the secret in it (to keep out of any error text)."""
        nf = self.notifier
        if nf.kind == "pagerduty":
            assert nf.routing_key_env is not None
            key = _secret(nf.routing_key_env)
            return self.client.build_request(
                "POST", nf.target, json=pagerduty_body(n.notice, n.view, key)), key
        headers = {}
        token = ""
        if nf.token_env:
            token = _secret(nf.token_env)
            headers["Authorization"] = f"Bearer {token}"
        return self.client.build_request("POST", nf.target, json=webhook_body(n.notice, n.view),
                                         headers=headers), token

    def _event(self, n: Notification, event: str, detail: str) -> None:
        self.report.append(AlertEvent(time.time(), n.view.scenario, n.view.rule, event,
                                      None, f"{self.name}: {detail}"))


class Dispatcher:
    def __init__(self, notifiers: list[Notifier]) -> None:
        self._report: collections.deque[AlertEvent] = collections.deque()
        self._accepted: collections.deque[tuple[tuple[str, str], Notice]] = collections.deque()
        timeout = max(n.timeout_s for n in notifiers)
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         headers={"User-Agent": f"aiops-tui/{__version__}"})
        self._deliveries = [Delivery(n, self._client, self._report, self._accepted)
                            for n in notifiers]

    def send(self, notification: Notification) -> None:
        """Queue for every notifier that takes the alert's tier (all of them for the resolve
        of an alert whose rule is gone, tier unknown); returns at once. Must be called on the
        event loop."""
        for delivery in self._deliveries:
            if notification.view.tier in delivery.notifier.tiers or not notification.view.tier:
                delivery.put(notification)

    def delivered(self) -> list[AlertEvent]:
        """What became of the notifications since the last call (thread-safe)."""
        out = []
        while self._report:
            out.append(self._report.popleft())
        return out

    def accepted(self) -> list[tuple[tuple[str, str], Notice]]:
        """(scenario, rule) and notice of each notification a notifier accepted since the
        last call (thread-safe)."""
        out = []
        while self._accepted:
            out.append(self._accepted.popleft())
        return out

    async def aclose(self, drain_s: float = DRAIN_S) -> None:
        """Give what is queued ``drain_s`` to go out (a page raised just before quitting
        should still leave), then stop."""
        deadline = time.monotonic() + drain_s
        while any(d.queue for d in self._deliveries) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for delivery in self._deliveries:
            if delivery.task is not None:
                delivery.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await delivery.task
        await self._client.aclose()


def _secret(env: str) -> str:
    """A routing key or token from the environment; refused (without showing it) if it
    could not go in a header or body as it is: surrounding whitespace (a secret file's
    trailing newline), control or non-ASCII characters."""
    value = os.environ[env]
    if value != value.strip() or not value.isascii() or not value.isprintable():
        raise ValueError(f"{env} holds whitespace around it, control or non-ASCII characters")
    return value


def _hide(text: str, secret: str) -> str:
    if not secret:
        return text
    return text.replace(secret, "***").replace(repr(secret)[1:-1], "***")
