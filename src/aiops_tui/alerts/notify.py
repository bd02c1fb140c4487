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
                 report: collections.deque[AlertEvent]) -> None:
        self.notifier = notifier
        self.name = notifier.name or notifier.kind
        self.client = client
        self.report = report
        self.queue: collections.deque[Notification] = collections.deque(maxlen=QUEUE_MAX)
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def put(self, notification: Notification) -> None:
        if len(self.queue) == self.queue.maxlen:
            dropped = self.queue[0]
            self._event(dropped, "notify-dropped", "queue full: the notifier is far behind")
        self.queue.append(notification)
        self.wake.set()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            while self.queue:
                await self._deliver(self.queue.popleft())
            self.wake.clear()
            await self.wake.wait()

    async def _deliver(self, n: Notification) -> None:
        secret = ""
        try:
            request, secret = self._request(n)
        except KeyError as exc:
            self._event(n, "notify-failed", f"environment variable {exc.args[0]} is not set")
            return
        delay = BACKOFF_S
        for attempt in range(1, ATTEMPTS + 1):
            try:
                reply = await self.client.send(request)
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status_code < 300:
                    self._event(n, "notified", f"{n.notice} accepted (HTTP {reply.status_code})")
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
            key = os.environ[nf.routing_key_env]
            return self.client.build_request(
                "POST", nf.target, json=pagerduty_body(n.notice, n.view, key)), key
        headers = {}
        token = ""
        if nf.token_env:
            token = os.environ[nf.token_env]
            headers["Authorization"] = f"Bearer {token}"
        return self.client.build_request("POST", nf.target, json=webhook_body(n.notice, n.view),
                                         headers=headers), token

    def _event(self, n: Notification, event: str, detail: str) -> None:
        self.report.append(AlertEvent(time.time(), n.view.scenario, n.view.rule, event,
                                      None, f"{self.name}: {detail}"))


class Dispatcher:
    def __init__(self, notifiers: list[Notifier]) -> None:
        self._report: collections.deque[AlertEvent] = collections.deque()
        timeout = max(n.timeout_s for n in notifiers)
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         headers={"User-Agent": f"aiops-tui/{__version__}"})
        self._deliveries = [Delivery(n, self._client, self._report) for n in notifiers]

    def send(self, notification: Notification) -> None:
        """Queue for every notifier that takes the alert's tier; returns at once. Must be
        called on the event loop."""
        for delivery in self._deliveries:
            if notification.view.tier in delivery.notifier.tiers:
                delivery.put(notification)

    def delivered(self) -> list[AlertEvent]:
        """What became of the notifications since the last call (thread-safe)."""
        out = []
        while self._report:
            out.append(self._report.popleft())
        return out

    async def aclose(self) -> None:
        for delivery in self._deliveries:
            if delivery.task is not None:
                delivery.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await delivery.task
        await self._client.aclose()


def _hide(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
