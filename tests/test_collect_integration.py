"""The loop over real HTTP on loopback into a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Mode, Runtime
from aiops_tui.signals.status import FleetSnapshot
from tests.conftest import relaxed


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
