"""The loop over real HTTP on loopback into a real DuckDB file."""

from __future__ import annotations

import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

from aiops_tui.config.models import Config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Mode, Runtime
from aiops_tui.signals.status import FleetSnapshot
from aiops_tui.sources.collector import Collector
from aiops_tui.sources.scrape import State
from tests.conftest import free_port, relaxed


class SteppedClock:
    """Wall time that moves only when told: the demo fleet and the runtime share it."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def cycles(runtime: Runtime, clock: SteppedClock, n: int, step: float) -> FleetSnapshot:
    snapshot = None
    for _ in range(n):
        snapshot = await runtime.cycle()
        clock.now += step
    assert snapshot is not None
    return snapshot


async def test_headless_cycles_store_rows_and_signals(demo_config, tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=3, clock=clock)
    config = fleet.start(ephemeral=True)
    store = tmp_path / "store.duckdb"
    runtime = Runtime(config, store, clock=clock)
    try:
        assert runtime.open() is Mode.WRITER
        snapshot = await cycles(runtime, clock, n=6, step=15)
        await runtime.aclose()
    finally:
        fleet.stop()

    by_id = {s.id: s for s in snapshot.scenarios}
    assert set(by_id) == {s.id for s in config.scenarios}
    for status in by_id.values():
        assert all(e.state == "up" for e in status.endpoints), status.endpoints
        assert status.p95_s and status.p95_s > 0
        assert status.error_rate is not None and 0 <= status.error_rate < 0.2
        assert status.gpu_util is not None and 0 < status.gpu_util <= 1
        assert status.eval_pass_rate is not None and 0.8 < status.eval_pass_rate <= 1
    chat = by_id["support-chat"]
    assert chat.latency_kind == "p95" and chat.ttft_p95_s is not None and chat.kv_use is not None
    assert chat.tokens_in_per_min and chat.tokens_in_per_min > chat.tokens_out_per_min
    assert chat.cost_per_hour and chat.cost_per_hour > 0
    assert chat.versions.served_model == chat.versions.model
    assert 0 <= chat.index_age_s < 3600 + 300
    assert chat.p50_s <= chat.p95_s <= chat.p99_s and chat.ttft_p95_s <= chat.ttft_p99_s
    assert 0.2 <= chat.prefix_cache_hit_rate <= 0.5  # the demo caches 20-50% of each prompt
    assert chat.gpu_power_w > 0 and chat.gpu_temp_c > 0 and chat.gpu_last_xid == 0
    assert chat.headroom > 0
    assert chat.index_lag_s == 300 and chat.index_documents > 0  # demo: cut 5 min behind
    assert by_id["claims-triage"].latency_kind == "mean"  # Triton has no latency histogram
    assert by_id["doc-search"].kv_use is None and "kv_use" in by_id["doc-search"].missing

    con = duckdb.connect(str(store), read_only=True)
    samples, series = con.sql("SELECT count(*), count(DISTINCT series) FROM samples").fetchall()[0]
    stamps = con.sql("SELECT count(DISTINCT ts) FROM samples").fetchall()[0][0]
    assert stamps == 6 and samples == series * 6  # every series, every cycle, one stamp each
    metrics = {m for (m,) in con.sql("SELECT DISTINCT metric FROM series").fetchall()}
    assert {"e2e_latency_seconds_bucket", "ttft_seconds_bucket", "prompt_tokens_total",
            "gpu_utilization", "kv_cache_usage", "request_duration_seconds_total"} <= metrics
    # Cycles at :40 and :55 of one minute, then four in the next, which closing flushes.
    assert con.sql("SELECT count(*), count(DISTINCT scenario) FROM minutes").fetchall() == [(8, 4)]
    assert con.sql("SELECT count(*) FROM eval_runs").fetchall()[0][0] > 0
    assert con.sql("SELECT count(DISTINCT scenario) FROM index_manifests").fetchall()[0][0] == 3
    con.close()


async def test_same_seed_same_numbers(demo_config, tmp_path: Path) -> None:
    """Two fleets with one seed and one clock serve identical pages: the demo is reproducible."""
    pictures = []
    for run in range(2):
        clock = SteppedClock()
        fleet = DemoFleet(demo_config, seed=5, clock=clock)
        config = fleet.start(ephemeral=True)
        runtime = Runtime(config, tmp_path / f"s{run}.duckdb", clock=clock)
        try:
            snapshot = await cycles(runtime, clock, n=3, step=10)
            await runtime.aclose()
        finally:
            fleet.stop()
        pictures.append([(s.p95_s, s.error_rate, s.tokens_in_per_min, s.gpu_util)
                         for s in snapshot.scenarios])
    assert pictures[0] == pictures[1]


def every_feed(config: Config, interval: float, dead: str | None = None) -> Config:
    """``config`` with each feed read every ``interval`` (with a timeout a loaded machine
    keeps to); the ``dead`` scenario's eval feed moved to a port nothing listens on."""
    data = config.model_dump(mode="json")
    for scenario in data["scenarios"]:
        for feed in ("evals", "index"):
            if scenario.get(feed):
                scenario[feed] |= {"interval": interval, "timeout_s": 10}
        if scenario["id"] == dead:
            scenario["evals"]["url"] = f"http://127.0.0.1:{free_port()}/evals"
    return Config.model_validate(data)


async def test_feeds_are_read_once_per_their_interval_spread_out_failing_or_not(
        demo_config, tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=3, clock=clock)
    config = every_feed(fleet.start(ephemeral=True), 60.0, dead="doc-search")
    collector = Collector(config, clock)
    reads: dict[tuple[str, str], list[float]] = defaultdict(list)
    documents: dict[str, list[float]] = defaultdict(list)
    try:
        for _ in range(30):  # 150 s
            collection = await collector.collect()
            assert len(collection.feeds) == 7  # every feed, as last read
            for feed in collection.feeds:
                if feed.at == collection.at:
                    reads[(feed.scenario, feed.feed)].append(feed.at)
            for scenario in collection.eval_runs:
                documents[scenario].append(collection.at)
            clock.now += 5
    finally:
        await collector.aclose()
        fleet.stop()
    start = min(min(times) for times in reads.values())
    assert len(reads) == 7
    for key, times in reads.items():
        # The first cycle, then the feed's own point in each minute: 60 s apart after that,
        # the one that fails too (retried every cycle, it would load a struggling server).
        assert times[0] == start and 3 <= len(times) <= 4, (key, times)
        assert all(b - a == 60 for a, b in pairwise(times[1:])), (key, times)
    # Spread: the feeds are not all read again in one cycle.
    assert len({times[1] for times in reads.values()}) > 1
    # Only a read hands over documents.
    assert documents["support-chat"] == reads[("support-chat", "evals")]
    dead = next(f for f in collection.feeds if (f.scenario, f.feed) == ("doc-search", "evals"))
    assert dead.state is State.DOWN


class Feed(BaseHTTPRequestHandler):
    """An eval feed with no runs yet, or, once ``failing``, an HTTP 500."""

    failing = False

    def do_GET(self) -> None:
        body = b"{}" if self.failing else b'{"runs": []}'
        self.send_response(500 if self.failing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_a_feed_that_stops_answering_is_stale_for_three_of_its_intervals(
        demo_config, tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=3, clock=clock)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = every_feed(fleet.start(ephemeral=True), 20.0).model_dump(mode="json")
    data["scenarios"][0]["evals"]["url"] = f"http://127.0.0.1:{server.server_address[1]}/"
    runtime = Runtime(Config.model_validate(data), tmp_path / "store.duckdb", clock=clock)

    def feed_state(snapshot: FleetSnapshot) -> str:
        chat = next(s for s in snapshot.scenarios if s.id == "support-chat")
        return next(e.state for e in chat.endpoints if e.name == "evals feed")

    try:
        assert feed_state(await cycles(runtime, clock, n=1, step=5)) == "up"
        read_at = clock.now - 5
        Feed.failing = True
        states = []
        while clock.now - read_at < 90:
            states.append((clock.now - read_at, feed_state(await runtime.cycle())))
            clock.now += 5
    finally:
        Feed.failing = False
        await runtime.aclose()
        server.shutdown()
        server.server_close()
        fleet.stop()
    # Up as last read until it is due again (within its 20 s), then failing: stale until
    # three of its intervals have passed since its last good read, down after.
    assert "stale" in {s for age, s in states if age < 60}
    assert {s for age, s in states if age < 60} <= {"up", "stale"}
    assert {s for age, s in states if age >= 60} == {"down"}


async def test_feeds_read_in_a_cycle_whose_write_failed_are_read_again_the_next(
        demo_config, tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=3, clock=clock)
    config = every_feed(fleet.start(ephemeral=True), 600.0)
    runtime = Runtime(config, tmp_path / "store.duckdb", clock=clock)
    try:
        assert runtime.open() is Mode.WRITER and runtime.store is not None
        # A real failed write: the eval runs' table is away while the first cycle stores.
        runtime.store.con.execute("ALTER TABLE eval_runs RENAME TO away")
        with pytest.raises(duckdb.Error):
            await runtime.cycle()
        runtime.store.con.execute("ALTER TABLE away RENAME TO eval_runs")
        clock.now += 5
        snapshot = await runtime.cycle()
    finally:
        await runtime.aclose()
        fleet.stop()
    # Not ten minutes later, when each feed is next due: its runs are judged now.
    assert all(s.eval_pass_rate is not None for s in snapshot.scenarios)
