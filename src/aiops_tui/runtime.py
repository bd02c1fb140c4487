"""The loop: collect → store → signals → snapshot; no Textual, so UI and headless share it.

A runtime is either the store's **writer** (it scrapes, writes and publishes the live snapshot)
or a **follower** (another process holds the store: it reads that process's live snapshot, so
two consoles on one host show the same picture and the second never blocks the first). A
follower whose writer has gone quiet tries to take the store over.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import gc
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_tui.actions.policy import os_user, refusal, role_of
from aiops_tui.config.models import Config, Scenario
from aiops_tui.signals.status import EndpointStatus, FleetSnapshot, ScenarioStatus
from aiops_tui.sources.staleness import current
from aiops_tui.store import live
from aiops_tui.store.minutes import GAUGES

if TYPE_CHECKING:
    from aiops_tui.actions.models import Kind
    from aiops_tui.actions.service import Actions
    from aiops_tui.alerts.book import Book, Notification
    from aiops_tui.alerts.notify import Dispatcher
    from aiops_tui.alerts.readings import RollupReadings
    from aiops_tui.alerts.rules import AlertRules
    from aiops_tui.incidents.service import Incidents
    from aiops_tui.runbooks.library import Library
    from aiops_tui.signals.detail import ScenarioDetail
    from aiops_tui.signals.histograms import Memo
    from aiops_tui.signals.status import AlertView
    from aiops_tui.signals.window import Window
    from aiops_tui.sources.collector import Collection, Collector
    from aiops_tui.store.audit import AuditLog
    from aiops_tui.store.audit_chain import Sealed
    from aiops_tui.store.db import Store
    from aiops_tui.store.minutes import MinuteRow
    from aiops_tui.store.points import AlertEvent, EvalRow, ManifestRow, SeriesPoints

RETENTION_EVERY_S = 3600.0
YOUNG_COLLECTION = 20_000  # new objects between young garbage collections
STALE_AFTER_INTERVALS = 3
# Minute rollups the alert windows sum from memory; older parts of a window use whole hours.
ALERT_MINUTES_S = 8 * 3600.0
INCIDENT_EVENTS = ("fired", "resolved", "acked")  # what an open incident's timeline takes in
AUDIT_SHOWN = 500  # the newest audit entries the console shows (``aiops-tui audit``: all)


class Mode(enum.StrEnum):
    WRITER = "writer"
    FOLLOWER = "follower"


class Runtime:
    def __init__(self, config: Config, store_path: Path,
                 clock: Callable[[], float] = time.time, rules: AlertRules | None = None,
                 runbooks: Path | None = None, read_only: bool = False) -> None:
        self.config = config
        self.runbooks = runbooks
        self.rules = rules  # None: no alerting (a bare runtime in tests and benchmarks)
        self.user = os_user()  # who acks, silences and acts: the OS (or SSH) user
        self.role = role_of(self.user, config.access)
        self.read_only = read_only or config.access.read_only
        self._actions: Actions | None = None
        self._library: Library | None = None
        self._incidents: Incidents | None = None
        self._incident_backlog: list[AlertEvent] = []
        self._audit: AuditLog | None = None
        self._audit_read: dict[str | None, list[Sealed]] = {}  # by scenario, as of:
        self._audit_head: tuple[int, str] | None = None
        self._lazy = threading.Lock()  # ``actions`` and the audit log are made from threads
        self.book: Book | None = None
        self.readings: RollupReadings | None = None
        # Filled under the store lock, emptied on the event loop: a deque is safe for both.
        self._outbox: collections.deque[Notification] = collections.deque()
        self._dispatcher: Dispatcher | None = None
        self._events: list[AlertEvent] = []  # alert events not stored yet
        self._alerts_settled = False  # the heap settled again after the first judgement
        self.store_path = store_path
        self.clock = clock
        self.mode: Mode | None = None
        self.holder = ""
        self.store: Store | None = None
        self._collector: Collector | None = None
        self._first_read = False  # a writer's first read reaches back over what it missed
        self._last_ok: dict[tuple[str, str], float] = {}
        self._quantiles: Memo = {}  # the fleet window's quantiles, kept between cycles
        self._last_retention = 0.0
        # The store is used from worker threads; closing it must wait for the one in flight
        # (a cancelled await does not stop its thread).
        self._store_lock = threading.Lock()
        self._closing = False
        self.last: FleetSnapshot | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> Mode:
        """Take the store for writing if free, else follow whoever holds it.

        DuckDB and httpx are imported here, not at module load: the console paints its first
        frame while they load (Harlequin's lesson: a UI core must be cheap to import).
        """
        from aiops_tui.signals.assess import GAUGE_METRICS, WINDOW_METRICS
        from aiops_tui.sources.collector import Collector
        from aiops_tui.store.db import StoreLocked, open_writer

        try:
            store = open_writer(self.store_path)
        except StoreLocked as exc:
            self.mode, self.holder = Mode.FOLLOWER, exc.holder
            return self.mode
        store.keep_recent(self.config.console.window_s + 2 * self.interval,
                          WINDOW_METRICS + GAUGE_METRICS)
        if self.rules is not None:
            self._open_alerts(store)
        with self._store_lock:  # a follower taking over: detail() must not see it half open
            if self._closing:  # the console quit while the store was opening
                store.close()
                return Mode.WRITER
            self.store = store
            self.mode, self.holder = Mode.WRITER, f"PID {os.getpid()}"
            self.last = None  # the old writer's picture: detail() waits for our own
        self._collector = Collector(self.config, self.clock)
        self._first_read = True
        settle_heap()
        return self.mode

    def _open_alerts(self, store: Store) -> None:
        """The alert book as stored, and the rollups its windows sum, read into memory."""
        from aiops_tui.alerts.book import Book
        from aiops_tui.alerts.notify import Dispatcher
        from aiops_tui.alerts.readings import RollupReadings
        from aiops_tui.store.minutes import HOUR, MINUTE
        from aiops_tui.store.trailing import Trailing

        assert self.rules is not None
        now = self.clock()
        trailing = Trailing(ALERT_MINUTES_S)
        since = (now - ALERT_MINUTES_S) // MINUTE * MINUTE
        trailing.add(store.counter_rows(since, now))
        hours_from = (now - self._hours_needed()) // HOUR * HOUR
        # Whole hour rows, not just their counters: read here in one query, they are also
        # what the week-long baselines merge, so the first judgement queries nothing more.
        trailing.add(store.history(None, hours_from, store.rolled_until() or hours_from, HOUR,
                                   "hours"), "hours")
        self.readings = RollupReadings(store, trailing)
        self.book = Book(self.rules, self.config, store.alerts(), now)
        if self.config.alerts.notifiers:
            self._dispatcher = Dispatcher(self.config.alerts.notifiers)

    def _hours_needed(self) -> float:
        """How far back the rules' windows and baselines reach."""
        assert self.rules is not None
        return max([(r.window or 0) + (r.baseline or 0) + (r.long or 0)
                    for r in self.rules.rules] + [0.0]) + 3600.0

    async def aclose(self) -> None:
        with self._store_lock:
            self._closing = True
        if self._actions is not None:
            await self._actions.aclose()
        if self._dispatcher:
            await self._dispatcher.aclose()
        if self._collector:
            await self._collector.aclose()
            self._collector = None
        await asyncio.to_thread(self._close_store)

    def _close_store(self) -> None:
        with self._store_lock:
            if self.store:
                self.store.close()
                self.store = None
        gc.unfreeze()  # what ``settle_heap`` set aside is garbage now; let it be collected

    # -- one cycle ---------------------------------------------------------------------------
    async def cycle(self) -> FleetSnapshot | None:
        """Run one cycle; a follower returns the writer's newest snapshot (or None yet)."""
        if self.mode is None:
            await asyncio.to_thread(self.open)  # the first frame paints meanwhile
        if self.mode is Mode.FOLLOWER:
            snapshot = live.read(self.store_path)
            if snapshot is None or self.is_stale(snapshot):
                await asyncio.to_thread(self.open)  # the writer may be gone: take over
            if self.mode is Mode.FOLLOWER:
                self.last = snapshot or self.last
                return self.last
        assert self._collector is not None and self.store is not None
        started = time.perf_counter()
        since = None
        if self._first_read:
            self._first_read = False
            since = self._missed_from()
        collection = await self._collector.collect(since)
        try:
            # ``_record`` sets ``last`` under the store lock; an ack since may have updated it.
            snapshot = await asyncio.to_thread(self._record, collection, started)
        except BaseException:
            self._collector.unread(collection)  # its feeds' documents were not stored
            raise
        self._send()
        return snapshot

    def _missed_from(self) -> float:
        """Where the fleet window this console missed starts: before it took the store, or
        since it last wrote. With a query API the first read fills it from there, so the first
        picture is a whole window; older gaps stay gaps (long windows read the rollups)."""
        assert self.store is not None and self.store.recent is not None
        recent = self.store.recent
        now = self.clock()
        newest = recent.newest()
        return now - recent.span if newest is None else max(now - recent.span, newest)

    def _send(self) -> None:
        """Hand notifications to the dispatcher, which delivers them in the background."""
        while self._outbox:
            notification = self._outbox.popleft()
            if self._dispatcher is not None:
                self._dispatcher.send(notification)

    @property
    def interval(self) -> float:
        return self.config.console.interval_s

    def age(self, snapshot: FleetSnapshot) -> float:
        return max(0.0, self.clock() - snapshot.at)

    def is_stale(self, snapshot: FleetSnapshot) -> bool:
        """Older than a few of the intervals of whoever made it (a follower's may differ)."""
        return self.age(snapshot) > STALE_AFTER_INTERVALS * snapshot.interval_s

    def _record(self, collection: Collection, started: float) -> FleetSnapshot:
        """Write the cycle, compute every scenario's status, publish. Runs in a worker thread."""
        with self._store_lock:
            if self.store is None:
                raise RuntimeError("the store was closed while a cycle was in flight")
            return self._record_locked(collection, started)

    def _record_locked(self, collection: Collection, started: float) -> FleetSnapshot:
        assert self.store is not None
        self.store.write_collection(collection)
        now = collection.at
        snapshot = self.compute(now, self._endpoint_statuses(collection))
        snapshot = snapshot.model_copy(update={"cycle_ms": (time.perf_counter() - started) * 1e3})
        for s in snapshot.scenarios:
            self.store.rollup.note(s.id, now, {g: getattr(s, g) for g in GAUGES}, s.health,
                                   s.versions.live())
        closed = self.store.rollup.close(before=now)
        self.store.write_minutes(closed)
        rolled = self.store.rolled_until()
        self.store.roll_up_hours(now)
        if self.book is not None:
            snapshot = snapshot.model_copy(update={
                "alerts": self._alert(snapshot, closed, rolled),
                "alerts_at": self.clock()})  # after any ack that waited for the lock
        self.last = snapshot  # under the store lock: detail() never pairs it with older rows
        live.publish(self.store_path, snapshot)
        if now - self._last_retention > RETENTION_EVERY_S:
            console = self.config.console
            self.store.apply_retention(console.retention, console.raw_retention, now)
            if self.readings is not None:
                self.readings.trailing.forget(now, self._hours_needed())
            self._quantiles.clear()  # replicas replaced since leave no kept answers behind
            self._last_retention = now
        return snapshot

    def _alert(self, snapshot: FleetSnapshot, closed: list[MinuteRow], rolled: float | None
               ) -> list[AlertView]:
        """Judge the rules on this cycle, store what changed, queue notifications."""
        from aiops_tui.alerts.evaluate import evaluate

        assert self.store is not None and self.book is not None and self.readings is not None
        now = snapshot.at
        trailing = self.readings.trailing
        trailing.add(closed)
        if self.store.rolled_until() != rolled:  # an hour was rolled up
            since = rolled if rolled is not None else now - self._hours_needed()
            trailing.add(self.store.counter_rows(since, self.store.rolled_until() or since,
                                                 "hours"), "hours")
        due = self.book.due(now)
        evaluated = evaluate(self.book.plan, {s.id: s for s in snapshot.scenarios},
                             self.readings.at(now), self.book.alerts, now, due)
        # Events wait here until stored: a failed write keeps them (and the book its dirty
        # rows) for the next cycle's.
        judged = self.book.update(evaluated, now, due)
        self._events += judged
        self._incident_backlog += [e for e in judged if e.event in INCIDENT_EVENTS]
        if self._dispatcher is not None:
            self._events += self._dispatcher.delivered()
            for key, notice in self._dispatcher.accepted():
                self.book.delivered(key, notice)
        self._outbox.extend(self.book.notifications(now))
        rows = self.book.dirty()
        self.store.save_alerts(rows, self._events)
        self.book.saved(rows)
        self._events = []
        self._to_incidents()
        if not self._alerts_settled:  # the first judgement loaded a week of hours per scenario
            self._alerts_settled = True
            settle_heap()
        return self.book.views(now)

    @property
    def library(self) -> Library:
        """The runbooks, read on first use; a broken one is left out (``check`` names it)."""
        with self._lazy:
            if self._library is None:
                from aiops_tui.runbooks.library import Library

                self._library = Library.load(self.runbooks)
            return self._library

    @property
    def incidents(self) -> Incidents:
        """Incident records, in their own file beside the store (followers work them too)."""
        with self._lazy:
            if self._incidents is None:
                from aiops_tui.incidents.service import Incidents
                from aiops_tui.paths import incidents_path
                from aiops_tui.store.incident_log import IncidentLog

                self._incidents = Incidents(IncidentLog(incidents_path(self.store_path)),
                                            self.user, self.role, self.clock,
                                            {s.id for s in self.config.scenarios})
            return self._incidents

    def _to_incidents(self) -> None:
        """Alerts firing and resolving, and acks, onto their scenario's open incident's
        timeline. A write that fails is retried next cycle; collection goes on meanwhile."""
        from aiops_tui.store.incident_log import IncidentLogError

        tiers = {r.id: r.tier for r in self.rules.rules} if self.rules else {}
        while self._incident_backlog:
            e = self._incident_backlog[0]
            try:
                if e.event == "acked":
                    self.incidents.record(e.scenario, "ack", at=e.at, user=e.who or "",
                                          rule=e.rule)
                else:
                    self.incidents.record(e.scenario, "alert", at=e.at, rule=e.rule,
                                          tier=tiers.get(e.rule), state=e.event.replace(
                                              "fired", "firing"))
            except IncidentLogError:
                return  # the file is busy or broken: next cycle
            except Exception:  # one that cannot be recorded must not stop collection, nor
                pass  # block the events behind it
            self._incident_backlog.pop(0)

    # -- actions (``actions.service``; the audit log is its own file, so followers act too) --
    def refusal(self, kind: Kind) -> str | None:
        """Why this operator may not do ``kind`` at all (screens dim it), or None."""
        return refusal(kind, self.role, self.read_only)

    @property
    def actions(self) -> Actions:
        """Made when first used: the control planes' clients stay off the start path."""
        with self._lazy:
            if self._actions is None:
                from aiops_tui.actions.planes import planes_for
                from aiops_tui.actions.service import Actions, Actor

                self._actions = Actions(self.config, self._audit_log(), Actor(
                    self.user, self.role, self.read_only), planes_for(self.config), self.clock)
            return self._actions

    def _audit_log(self) -> AuditLog:
        """One per process (threads share it): a second would fight the first for the file."""
        if self._audit is None:
            from aiops_tui.paths import audit_path
            from aiops_tui.store.audit import AuditLog

            self._audit = AuditLog(audit_path(self.store_path))
        return self._audit

    def audit_entries(self, scenario: str | None = None) -> list[Sealed]:
        """The newest audit entries (of one scenario, or all), oldest first; read again only
        when the head (which every append rewrites, whichever process appends) moved.
        Blocking: called in a thread; raises ``AuditError``."""
        with self._lazy:
            log = self._audit_log()
        head = log.head()
        if head is None:
            return []
        if head != self._audit_head:  # read the head first: entries are at least as new
            self._audit_read, self._audit_head = {}, head
        if scenario not in self._audit_read:
            self._audit_read[scenario] = log.entries(scenario, limit=AUDIT_SHOWN)
        return self._audit_read[scenario]

    # -- the operator's hand on alerts ---------------------------------------------------------
    def handle_alert(self, action: str, scenario: str, rule: str, seconds: float = 0.0,
                     reason: str = "") -> tuple[float, list[AlertView]]:
        """Ack, silence (for ``seconds``, saying why) or unsilence an alert; stored with who
        and when before this returns. Returns when it was done and the alerts as they now
        stand (a snapshot made before then shows them as they were). Raises ``AlertError``
        saying why it cannot be done. Blocking: the UI calls it in a thread."""
        from aiops_tui.alerts.book import AlertError

        with self._store_lock:
            if self.mode is not Mode.WRITER or self.book is None or self.store is None:
                raise AlertError(
                    f"this console follows {self.holder}: ack and silence from that console"
                    if self.mode is Mode.FOLLOWER else "alerting is not running here")
            now = self.clock()
            key = (scenario, rule)
            before = self.book.handling.get(key)
            notice = None
            if action == "ack":
                event, notice = self.book.ack(key, self.user, now)
            elif action == "silence":
                event = self.book.silence(key, self.user, now + seconds, reason, now)
            elif action == "unsilence":
                event = self.book.unsilence(key, self.user, now)
            else:
                raise AlertError(f"unknown alert action {action!r}")
            rows = self.book.dirty()
            try:
                self.store.save_alerts(rows, [event])
            except Exception:
                if before is not None:  # not stored, so not done: the screen says so
                    self.book.restore(key, before)
                else:
                    self.book.handling.pop(key, None)
                raise
            self.book.saved(rows)
            self._incident_backlog.append(event)
            self._to_incidents()
            if notice is not None:
                self._outbox.append(notice)
            views = self.book.views(now)
            if self.last is not None:
                self.last = self.last.model_copy(update={"alerts": views, "alerts_at": now})
                live.publish(self.store_path, self.last)
            return now, views

    def compute(self, now: float, endpoints: dict[str, list[EndpointStatus]],
                window_s: float | None = None) -> FleetSnapshot:
        """Every scenario's status as of ``now``, over ``window_s`` (default: the config's,
        with quantiles kept between cycles; a window named works every one out)."""
        from aiops_tui.signals.window import Window

        window = Window(now - (window_s or self.config.console.window_s), now)
        latest = self._latest()
        memo = self._quantiles if window_s is None else None  # the console's window: kept
        statuses = [self._assess(sc, window, endpoints.get(sc.id, []), latest, memo=memo)
                    for sc in self.config.scenarios]
        return FleetSnapshot(at=now, interval_s=self.interval, cycle_ms=0.0,
                             writer_pid=os.getpid(), scenarios=statuses,
                             source=self._collector.label if self._collector else "")

    def _latest(self) -> tuple[dict[str, list[EvalRow]], dict[str, ManifestRow]]:
        """The newest eval run per suite and index build, by scenario (kept in memory)."""
        assert self.store is not None
        evals: dict[str, list[EvalRow]] = defaultdict(list)
        for e in self.store.latest_evals():
            evals[e.scenario].append(e)
        return evals, {m.scenario: m for m in self.store.latest_manifests()}

    def _assess(self, scenario: Scenario, window: Window, endpoints: list[EndpointStatus],
                latest: tuple[dict[str, list[EvalRow]], dict[str, ManifestRow]],
                rollup: MinuteRow | None = None, step: float = 60.0,
                memo: Memo | None = None) -> ScenarioStatus:
        """One scenario over ``window``: from raw samples in memory when the window fits
        (``memo`` keeps its quantiles between cycles), else from ``rollup``, the window's
        rollups summed (whole ``step``-long steps, clamped to the history there is)."""
        from aiops_tui.signals.assess import GAUGE_METRICS, assess
        from aiops_tui.signals.window import Window, from_metrics, from_rollup

        assert self.store is not None and self.store.recent is not None
        recent = self.store.recent.of(scenario.id)
        gauges = current_gauges([s for m in GAUGE_METRICS for s in recent.get(m, ())],
                                endpoints, window.end, self.interval)
        if window.seconds <= self.store.recent.span:
            figures = from_metrics(recent, window, memo)
        else:
            # Whole steps: from the one the window starts in, or the first minute stored.
            start = window.start - window.start % step
            covered = Window(max(start, rollup.covers_from) if rollup else start, window.end)
            if covered.seconds < 1:  # only a minute that has just begun: nothing to rate yet
                rollup, covered = None, window
            figures = from_rollup(rollup, covered)
            if covered.seconds < window.seconds - step:
                figures.missing["history"] = (
                    f"only {covered.label} of history in this {window.label} window: rates "
                    f"and quantiles are over that")
            window = covered
        evals, manifests = latest
        return assess(scenario, figures, gauges, evals.get(scenario.id, []),
                      manifests.get(scenario.id), endpoints, window)

    def detail(self, scenario_id: str, window_s: float) -> ScenarioDetail | None:
        """The scenario view's picture over ``window_s``; None before the first cycle, or in a
        follower (history lives in the store, which only the writer can read)."""
        with self._store_lock:
            if self.store is None or self.last is None or self.mode is not Mode.WRITER:
                return None
            return self._detail(self.config.scenario(scenario_id), window_s, self.last)

    def _detail(self, scenario: Scenario, window_s: float, last: FleetSnapshot
                ) -> ScenarioDetail | None:
        from aiops_tui.signals import detail as d
        from aiops_tui.signals.window import Window
        from aiops_tui.store.minutes import combine

        assert self.store is not None and self.store.recent is not None
        now = last.at
        current = next((s for s in last.scenarios if s.id == scenario.id), None)
        if current is None:  # not in the newest picture (a config reloaded since)
            return None
        window = Window(now - window_s, now)
        # Chart steps sit on multiples of the step (so finished ones can be kept, see
        # ``Store.history``) from the one the window starts in; together they are the window's
        # rollup figure too, so one history read serves both.
        step = d.chart_step(window_s)
        steps = self._steps(scenario.id, window.start - window.start % step, now, step)
        raw = window_s <= self.store.recent.span
        if raw:
            status = self._assess(scenario, window, current.endpoints, self._latest())
        else:
            status = self._assess(scenario, window, current.endpoints, self._latest(),
                                  combine(steps), step)
        midnight = now - now % d.DAY
        days = self._steps(scenario.id, midnight - 7 * d.DAY, now, d.DAY)
        today = days.pop() if days and days[-1].start == midnight else None
        entries, last_good = d.ledger(self.store.versions_ledger(scenario.id),
                                      status.versions.live())
        return d.ScenarioDetail(
            status=status,
            source="raw samples" if raw else (
                "hourly rollups" if step % 3600 == 0 else "minute rollups"),
            chart=d.chart(steps, step, scenario.pricing, now),
            spend=d.spend(scenario, now, today, days, current.cost_per_hour),
            versions=entries, last_known_good=last_good,
            evals=d.eval_points(self.store.eval_history(scenario.id, now - max(window_s, d.DAY))),
            builds=d.builds(self.store.manifest_history(scenario.id)),
        )

    def _steps(self, scenario_id: str, since: float, now: float, step: float
               ) -> list[MinuteRow]:
        """``step``-long history rows over ``[since, now)``, up to the minute being filled.

        Hour-aligned steps read the hourly rollups as far as they go, then the minutes since
        (summed into one row); the pending minute comes from memory. The newer parts fold
        into the step they fall in.
        """
        from aiops_tui.store.minutes import HOUR, combine

        assert self.store is not None
        store = self.store
        if step % HOUR == 0 and since % HOUR == 0:
            rolled = min(max(store.rolled_until() or since, since), now)
            rows = store.history(scenario_id, since, rolled, step, "hours")
            newer = store.history(scenario_id, rolled, now, now - rolled + 1)
        else:
            rows, newer = store.history(scenario_id, since, now, step), []
        pending = store.rollup.pending(scenario_id, now)
        for part in [*newer, *([pending] if pending else [])]:
            # The step its minute falls in; a minute ahead of now (see ``closed_until``) is now's.
            start = since + (min(part.start, now) - since) // step * step
            if rows and rows[-1].start == start:
                rows[-1] = combine([rows[-1], part])
                rows[-1].start = start
            else:
                rows.append(combine([part]))
                rows[-1].start = start
        return rows

    def _endpoint_statuses(self, collection: Collection) -> dict[str, list[EndpointStatus]]:
        from aiops_tui.sources.scrape import State

        out: dict[str, list[EndpointStatus]] = defaultdict(list)
        # Each with the time of its data (a query API's newest scrape, a feed's last read) and
        # how often it is read.
        results = [(r.scenario, r.endpoint, r.kind, r.state, r.reason, r.latency_ms,
                    r.served_models, r.at, self.interval) for r in collection.endpoints]
        results += [(f.scenario, f"{f.feed} feed", f.feed, f.state, f.reason, f.latency_ms, None,
                     f.at, max(f.every, self.interval)) for f in collection.feeds]
        for scenario, name, kind, state, reason, latency_ms, served, at, every in results:
            key = (scenario, name)
            if state in (State.UP, State.SLOW):
                self._last_ok[key] = at
            last_ok = self._last_ok.get(key)
            horizon = STALE_AFTER_INTERVALS * every
            if state is State.DOWN and last_ok is not None and collection.at - last_ok < horizon:
                # One missed scrape is not an outage: the values shown are from the last good
                # one. Down only once the gap outlasts a few intervals.
                state = State.STALE
                reason = f"no fresh data for {collection.at - last_ok:.0f}s: {reason}"
            out[scenario].append(EndpointStatus(
                name=name, kind=kind, state=str(state), reason=reason,
                latency_ms=round(latency_ms, 1), served_models=served, last_ok=last_ok))
        return out


def current_gauges(series: list[SeriesPoints], endpoints: list[EndpointStatus], end: float,
                   interval: float) -> list[SeriesPoints]:
    """The gauges sampled within ``STALE_AFTER_INTERVALS`` of the console's interval, or, on
    an endpoint that is not failing, still current by their own spacing: a query API's
    scrapes may come further apart than the console's cycles, and a replica no longer
    scraped drops out by the same rule as from its endpoint's state (``promql.Seen.live``)."""
    failing = {e.name for e in endpoints if e.state not in ("up", "slow", "stale")}
    return [s for s in series if end - s.ts[-1] <= STALE_AFTER_INTERVALS * interval or (
        s.endpoint not in failing and len(s.ts) > 1
        and current(end - s.ts[-1], s.ts[-1] - s.ts[-2]))]


def settle_heap() -> None:
    """Leave what opening loaded (the in-memory window, the alert totals: long-lived, hundreds
    of thousands of objects) out of the garbage collector's full passes, which would otherwise
    scan it every few cycles and pause one for 100+ ms. Young collections run every
    ``YOUNG_COLLECTION`` new objects rather than Python's 700: a cycle decodes tens of
    thousands of short-lived lists and dicts (a query answer's series), which reference
    counting frees; at 700, sweeping them and what they promoted took 0.9% of a core at
    200 scenarios, 0.3% at 20,000."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


async def run_headless(runtime: Runtime, cycles: int | None = None,
                       on_snapshot: Callable[[FleetSnapshot], None] | None = None) -> None:
    """Collect on the configured interval without a UI; each cycle re-arms after it finishes."""
    done = 0
    while cycles is None or done < cycles:
        started = time.monotonic()
        snapshot = await runtime.cycle()
        if snapshot is not None and on_snapshot:
            on_snapshot(snapshot)
        done += 1
        if cycles is None or done < cycles:
            await asyncio.sleep(max(0.0, runtime.interval - (time.monotonic() - started)))
