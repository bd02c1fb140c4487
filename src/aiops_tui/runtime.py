"""The loop: collect → store → signals → snapshot; no Textual, so UI and headless share it.

A runtime is either the store's **writer** (it scrapes, writes and publishes the live snapshot)
or a **follower** (another process holds the store: it reads that process's live snapshot, so
two consoles on one host show the same picture and the second never blocks the first). A
follower whose writer has gone quiet tries to take the store over.
"""

from __future__ import annotations

import asyncio
import enum
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from aiops_tui.config.models import Config
from aiops_tui.signals.assess import GAUGE_METRICS, WINDOW_METRICS, Window, assess
from aiops_tui.signals.status import EndpointStatus, FleetSnapshot
from aiops_tui.sources.collector import Collection, Collector
from aiops_tui.sources.scrape import State
from aiops_tui.store import live
from aiops_tui.store.db import Store, StoreLocked, open_writer

RETENTION_EVERY_S = 3600.0
STALE_AFTER_INTERVALS = 3


class Mode(enum.StrEnum):
    WRITER = "writer"
    FOLLOWER = "follower"


class Runtime:
    def __init__(self, config: Config, store_path: Path,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.store_path = store_path
        self.clock = clock
        self.mode: Mode | None = None
        self.holder = ""
        self.store: Store | None = None
        self._collector: Collector | None = None
        self._last_ok: dict[tuple[str, str], float] = {}
        self._last_retention = 0.0
        self.last: FleetSnapshot | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> Mode:
        """Take the store for writing if free, else follow whoever holds it."""
        try:
            self.store = open_writer(self.store_path)
        except StoreLocked as exc:
            self.mode, self.holder = Mode.FOLLOWER, exc.holder
            return self.mode
        self.mode, self.holder = Mode.WRITER, f"PID {os.getpid()}"
        self._collector = Collector(self.config, self.clock)
        return self.mode

    async def aclose(self) -> None:
        if self._collector:
            await self._collector.aclose()
            self._collector = None
        if self.store:
            self.store.close()
            self.store = None

    # -- one cycle ---------------------------------------------------------------------------
    async def cycle(self) -> FleetSnapshot | None:
        """Run one cycle; a follower returns the writer's newest snapshot (or None yet)."""
        if self.mode is None:
            self.open()
        if self.mode is Mode.FOLLOWER:
            snapshot = live.read(self.store_path)
            if snapshot is None or self.age(snapshot) > STALE_AFTER_INTERVALS * self.interval:
                self.open()  # the writer may have gone: take over if the lock is free
            if self.mode is Mode.FOLLOWER:
                self.last = snapshot or self.last
                return self.last
        assert self._collector is not None and self.store is not None
        started = time.perf_counter()
        collection = await self._collector.collect()
        snapshot = await asyncio.to_thread(self._record, collection, started)
        self.last = snapshot
        return snapshot

    @property
    def interval(self) -> float:
        return self.config.console.interval_s

    def age(self, snapshot: FleetSnapshot) -> float:
        return max(0.0, self.clock() - snapshot.at)

    def _record(self, collection: Collection, started: float) -> FleetSnapshot:
        """Write the cycle, compute every scenario's status, publish. Runs in a worker thread."""
        assert self.store is not None
        self.store.write_collection(collection)
        now = collection.at
        snapshot = self.compute(now, self._endpoint_statuses(collection))
        snapshot = snapshot.model_copy(update={"cycle_ms": (time.perf_counter() - started) * 1e3})
        self.store.write_status(now, [(s.id, s.model_dump_json()) for s in snapshot.scenarios])
        live.publish(self.store_path, snapshot)
        if now - self._last_retention > RETENTION_EVERY_S:
            self.store.apply_retention(self.config.console.retention, now)
            self._last_retention = now
        return snapshot

    def compute(self, now: float,
                endpoints: dict[str, list[EndpointStatus]]) -> FleetSnapshot:
        """Every scenario's status from the store, as of ``now``."""
        assert self.store is not None
        window = Window(now - self.config.console.window_s, now)
        series_by = defaultdict(list)
        for s in self.store.window(window.start, window.end, WINDOW_METRICS):
            series_by[s.scenario].append(s)
        gauges_by = defaultdict(list)
        fresh = now - STALE_AFTER_INTERVALS * self.interval
        for g in self.store.latest(fresh, GAUGE_METRICS):
            gauges_by[g.scenario].append(g)
        evals_by = defaultdict(list)
        for e in self.store.latest_evals():
            evals_by[e.scenario].append(e)
        manifests = {m.scenario: m for m in self.store.latest_manifests()}
        statuses = [
            assess(sc, series_by[sc.id], gauges_by[sc.id], evals_by[sc.id],
                   manifests.get(sc.id), endpoints.get(sc.id, []), window)
            for sc in self.config.scenarios
        ]
        return FleetSnapshot(at=now, interval_s=self.interval, cycle_ms=0.0,
                             writer_pid=os.getpid(), scenarios=statuses)

    def _endpoint_statuses(self, collection: Collection) -> dict[str, list[EndpointStatus]]:
        out: dict[str, list[EndpointStatus]] = defaultdict(list)
        for r in collection.endpoints:
            key = (r.scenario, r.endpoint)
            if r.state in (State.UP, State.SLOW):
                self._last_ok[key] = r.at
            out[r.scenario].append(EndpointStatus(
                name=r.endpoint, kind=r.kind, state=str(r.state), reason=r.reason,
                latency_ms=round(r.latency_ms, 1), served_models=r.served_models,
                last_ok=self._last_ok.get(key)))
        for f in collection.feeds:
            if f.state is not State.UP:
                out[f.scenario].append(EndpointStatus(
                    name=f"{f.feed} feed", kind=f.feed, state=str(f.state), reason=f.reason))
        return out


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
