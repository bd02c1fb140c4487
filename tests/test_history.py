"""History over real HTTP into a real DuckDB file: minute rollups, long windows, the detail."""

from __future__ import annotations

import math
import time
from pathlib import Path

import duckdb

from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Mode, Runtime
from aiops_tui.signals.window import Window, from_metrics
from tests.conftest import relaxed
from tests.test_collect_integration import SteppedClock, cycles


def raw_increase(store: Path, scenario: str, metric: str) -> float:
    """Highest minus lowest value of each series, summed: the ground truth, since the demo's
    counters never reset (and by value, not by stamp, which a clock step can reorder)."""
    con = duckdb.connect(str(store), read_only=True)
    [(total,)] = con.execute(
        """SELECT sum(last - first) FROM (
               SELECT max(value) AS last, min(value) AS first
               FROM samples JOIN series ON series.id = samples.series
               WHERE scenario = ? AND metric = ? GROUP BY series)""",
        [scenario, metric]).fetchall()
    con.close()
    return total


async def test_rollups_add_up_to_the_raw_increase_across_a_restart(demo_config,
                                                                   tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=3, clock=clock)
    config = fleet.start(ephemeral=True)
    store = tmp_path / "store.duckdb"
    try:
        for _ in range(2):  # a restart mid-minute must lose no increase
            runtime = Runtime(config, store, clock=clock)
            await cycles(runtime, clock, n=9, step=13)
            closed = await runtime.cycle()
            rows = runtime.store.history("support-chat", 0, clock.now, 1e12)
            pending = runtime.store.rollup.pending("support-chat", clock.now)
            await runtime.aclose()
    finally:
        fleet.stop()
    assert closed is not None
    rolled = rows[0].counters["prompt_tokens_total"] + pending.counters["prompt_tokens_total"]
    truth = raw_increase(store, "support-chat", "prompt_tokens_total")
    assert truth > 0 and math.isclose(rolled, truth, rel_tol=1e-12)
    assert rows[0].minutes >= 3


async def test_a_long_window_reads_rollups_and_matches_raw_quantiles(demo_config,
                                                                      tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=4, clock=clock)
    config = fleet.start(ephemeral=True)
    runtime = Runtime(config, tmp_path / "store.duckdb", clock=clock)
    try:
        snapshot = await cycles(runtime, clock, n=16, step=15)
        detail = runtime.detail("support-chat", 900)
        doc_search = runtime.detail("doc-search", 3600)
        assert runtime.store is not None and runtime.store.recent is not None
        raw = from_metrics(runtime.store.recent.of("support-chat"),
                           Window(snapshot.at - 300, snapshot.at))
        await runtime.aclose()
    finally:
        fleet.stop()
    assert detail is not None and detail.source == "minute rollups"
    status = detail.status
    # Four minutes of data: the 15m window is clamped to them and says so.
    assert "history" in status.missing and status.window_s < 300
    # Extrapolation scales every bucket alike, so quantiles over all of the data agree.
    for name in ("p50_s", "p95_s", "p99_s", "ttft_p95_s"):
        assert math.isclose(getattr(status, name), raw.quantiles[name], rel_tol=1e-9), name
    chart = detail.chart
    assert chart.step_s == 60 and 4 <= len(chart.at) <= 5
    assert all(v is not None and v > 0 for v in chart.values["p95_s"])
    assert all(v is not None and 0 < v <= 1 for v in chart.values["kv_use"])
    assert chart.values["tokens_in_per_min"][1] > chart.values["tokens_out_per_min"][1] > 0
    spend = detail.spend
    assert spend.today_so_far > 0 and spend.projected_today > spend.today_so_far
    assert spend.baseline_daily is None and "no full day" in spend.reasons["baseline_daily"]
    model = [v for v in detail.versions if v.kind == "model"]
    assert [(v.version, v.live, v.known_good) for v in model] == [
        ("meta-llama/Llama-3.1-8B-Instruct", True, False)]
    assert detail.last_known_good == {"model": None, "prompt": None, "index": None}
    assert {e.suite for e in detail.evals} == {"golden-answers", "safety-refusals",
                                               "citation-grounding"}
    assert detail.builds and detail.builds[0].documents_change is None
    assert doc_search is not None and doc_search.status.kv_use is None  # TGI has no KV gauge


async def test_a_silent_model_update_is_flagged_and_the_one_before_is_last_known_good(
        demo_config, tmp_path: Path) -> None:
    clock = SteppedClock()
    fleet = DemoFleet(relaxed(demo_config), seed=6, clock=clock)
    config = fleet.start(ephemeral=True)
    runtime = Runtime(config, tmp_path / "store.duckdb", clock=clock)
    try:
        await cycles(runtime, clock, n=35, step=60)  # 35 healthy minutes, from hh:06:40
        fleet.inject("support-chat", "vllm-a", "model-swap")
        # Past the hour, so the hour holding the swap is rolled up: the ledger stays exact.
        snapshot = await cycles(runtime, clock, n=20, step=60)
        assert runtime.store is not None and runtime.store.count("hours") > 0
        detail = runtime.detail("support-chat", 3600)
        await runtime.aclose()
    finally:
        fleet.stop()
    chat = next(s for s in snapshot.scenarios if s.id == "support-chat")
    configured = "meta-llama/Llama-3.1-8B-Instruct"
    assert chat.versions.served_model == f"{configured}-rev2"
    assert any("served model" in p for p in chat.problems)
    assert detail is not None
    models = {v.version: v for v in detail.versions if v.kind == "model"}
    assert models[configured].known_good and not models[configured].live
    assert models[configured].minutes == 35
    assert models[f"{configured}-rev2"].live and not models[f"{configured}-rev2"].known_good
    assert models[f"{configured}-rev2"].minutes == 19  # the minute being filled: not yet
    assert detail.last_known_good["model"] == configured
    # Latency stays measurable across the swap: the new build's series start fresh.
    assert detail.status.p95_s is not None and chat.p95_s is not None


async def test_the_clock_stepping_back_loses_and_doubles_nothing(demo_config,
                                                                 tmp_path: Path) -> None:
    """An NTP step backwards across a minute boundary: the earlier stamps are kept out of the
    in-memory window (its rates need time to move forward), signals stay defined, no written
    minute is written again, and the rollups still add up to the counters' real increase."""
    clock = SteppedClock()  # starts 40 s into a minute
    fleet = DemoFleet(relaxed(demo_config), seed=8, clock=clock)
    config = fleet.start(ephemeral=True)
    store = tmp_path / "store.duckdb"
    runtime = Runtime(config, store, clock=clock)
    try:
        await cycles(runtime, clock, n=6, step=15)  # to 1m55s past that minute's start
        clock.now -= 100  # back into the first minute, which is already written
        after = await cycles(runtime, clock, n=12, step=15)
        assert runtime.store is not None and runtime.store.recent is not None
        for series in runtime.store.recent:
            assert all(a < b for a, b in zip(series.ts, series.ts[1:], strict=False))
        await runtime.aclose()  # writes the minute still open
    finally:
        fleet.stop()
    for status in after.scenarios:
        assert status.p95_s is not None and math.isfinite(status.p95_s), status.id
        assert status.error_rate is not None
    con = duckdb.connect(str(store), read_only=True)
    [(rows, starts)] = con.execute(
        "SELECT count(*), count(DISTINCT start) FROM minutes WHERE scenario = 'support-chat'"
    ).fetchall()
    [(rolled,)] = con.execute("SELECT sum(prompt_tokens_total) FROM minutes "
                              "WHERE scenario = 'support-chat'").fetchall()
    [(ledger,)] = con.execute("SELECT minutes FROM versions WHERE scenario = 'support-chat' "
                              "AND kind = 'prompt'").fetchall()
    con.close()
    assert rows == starts == ledger  # one row a minute, and the ledger counts each once
    truth = raw_increase(store, "support-chat", "prompt_tokens_total")
    assert math.isclose(rolled, truth, rel_tol=1e-12)


async def test_a_fresh_demo_store_starts_with_a_week_to_show(demo_config, tmp_path: Path) -> None:
    from aiops_tui.cli import _backfill_demo

    clock = SteppedClock()
    store = tmp_path / "demo.duckdb"
    _backfill_demo(demo_config, store)  # at the wall clock's now: move the fleet there too
    _backfill_demo(demo_config, store)  # a store with history is left alone
    clock.now = time.time()
    fleet = DemoFleet(relaxed(demo_config), seed=2, clock=clock)
    config = fleet.start(ephemeral=True)
    runtime = Runtime(config, store, clock=clock)
    try:
        assert runtime.open() is Mode.WRITER and runtime.store is not None
        # From midnight UTC a week ago to this hour, then this hour's minutes up to now's.
        hours_today = int(clock.now % 86400 // 3600)
        assert runtime.store.count("hours") == (7 * 24 + hours_today) * len(config.scenarios)
        await cycles(runtime, clock, n=4, step=15)
        week = runtime.detail("support-chat", 7 * 86400)
        triage = runtime.detail("claims-triage", 86400)
        await runtime.aclose()
    finally:
        fleet.stop()
    assert week is not None and week.source == "hourly rollups"
    assert len(week.chart.at) >= 55 and week.spend.baseline_days == 7
    assert week.spend.baseline_daily and 0 < week.spend.baseline_daily < week.spend.daily_budget
    assert 0.25 * 4.0 < week.status.p95_s < 4.0  # the simulated p95 sits under its 4s SLO
    model = next(v for v in week.versions if v.kind == "model")
    assert model.known_good and model.minutes >= 7 * 1440 - 60
    assert triage is not None and triage.status.latency_kind == "mean"
    assert triage.spend.today_so_far is None  # Triton counts no tokens: spend unknown, not 0
    assert "no token counters" in triage.spend.reasons["today_so_far"]
    assert "no token counters" in triage.spend.reasons["baseline_daily"]
