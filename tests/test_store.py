"""The store: migrations, batched writes, retention, and a second console beside the first."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from aiops_tui.runtime import Mode, Runtime
from aiops_tui.sources.collector import Collection
from aiops_tui.sources.exposition import Sample
from aiops_tui.sources.scrape import EndpointResult
from aiops_tui.store import live
from aiops_tui.store.db import StoreError, StoreLocked, open_writer
from aiops_tui.store.minutes import MinuteRow
from aiops_tui.store.points import AlertEvent, AlertRow
from aiops_tui.store.schema import SCHEMA_VERSION


def collection(at: float, value: float) -> Collection:
    result = EndpointResult("s1", "e1", "vllm", at=at,
                            samples=[Sample("prompt_tokens_total", (("model", "m"),), value),
                                     Sample("requests_running", (), value / 10)])
    return Collection(at=at, endpoints=[result])


def test_schema_is_versioned_and_writes_are_batched(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    store = open_writer(path)
    assert store.schema_version == SCHEMA_VERSION
    for i in range(5):
        assert store.write_collection(collection(1000.0 + i, 10.0 * i)) == 2
    [points] = store.window(1000.5, 1004, ["prompt_tokens_total"])
    assert points.ts == [1001, 1002, 1003, 1004] and points.values == [10, 20, 30, 40]
    assert points.labels == {"model": "m"}
    [gauge] = store.window(1003.5, 1004, ["requests_running"])
    assert gauge.values == [4.0]
    assert store.count("series") == 2
    assert store.apply_retention(keep_seconds=2, now=1004.0) == 4  # ts 1000, 1001 × 2 series
    store.close()
    reopened = open_writer(path)  # series ids survive a restart and are reused
    reopened.write_collection(collection(1005.0, 50.0))
    assert reopened.count("series") == 2
    reopened.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    store = open_writer(path)
    store.con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(StoreError, match="schema v999"):
        open_writer(path)


HOLD = """
import sys, time
from pathlib import Path
from aiops_tui.store.db import open_writer
from aiops_tui.store.minutes import MinuteRow
from aiops_tui.store.points import AlertEvent, AlertRow
store = open_writer(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(30)
"""


def test_second_process_gets_store_locked_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreLocked) as info:
            open_writer(path)
        assert info.value.holder == f"PID {holder.pid}"
    finally:
        holder.kill()
        holder.wait()


async def test_follower_shows_the_writers_picture_and_takes_over(fleet, fleet_config_file,
                                                                 tmp_path: Path) -> None:
    """A console beside a running collector reads its live snapshot; when it stops, takes over."""
    store = tmp_path / "shared.duckdb"
    fleet.drill("POST", "doc-search", "stale-index")
    writer = subprocess.Popen(
        [sys.executable, "-m", "aiops_tui", "run", "--headless", "--config",
         str(fleet_config_file), "--store", str(store)],
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while live.read(store) is None and time.time() < deadline:
            time.sleep(0.2)
        follower = Runtime(fleet.config, store)
        assert follower.open() is Mode.FOLLOWER and follower.holder == f"PID {writer.pid}"
        snapshot = await follower.cycle()
        assert snapshot is not None and snapshot.writer_pid == writer.pid
        assert [s.id for s in snapshot.scenarios] == [s.id for s in fleet.config.scenarios]
        # The writer's alerts reach scripts too: the stale index staged before it started
        # (fired once the writer has read an index manifest, a cycle or two on a busy box).
        for _ in range(10):
            status = subprocess.run(
                [sys.executable, "-m", "aiops_tui", "status", "--json", "--config",
                 str(fleet_config_file), "--store", str(store)], capture_output=True, text=True)
            assert status.returncode == 0, status.stderr
            document = json.loads(status.stdout)
            stale = [a for a in document["alerts"] if a["rule"] == "index-stale"]
            if stale and stale[0]["state"] == "firing":
                break
            time.sleep(0.5)
        assert document["mode"] == "follower"
        assert {s["id"] for s in document["scenarios"]} == {s.id for s in fleet.config.scenarios}
        assert [(a["scenario"], a["tier"], a["state"]) for a in stale] == [
            ("doc-search", "ticket", "firing")]
        assert stale[0]["since"] is not None and "index age" in stale[0]["reading"]
    finally:
        writer.terminate()
        writer.wait(10)
    assert "as writer" in writer.stderr.read()
    time.sleep(0.1)
    follower.config = fleet.config.model_copy(
        update={"console": fleet.config.console.model_copy(update={"interval_s": 0.5})})
    live.snapshot_path(store).unlink()  # the old writer's picture is gone: take over
    snapshot = await follower.cycle()
    assert follower.mode is Mode.WRITER and snapshot.writer_pid != writer.pid
    await follower.aclose()


def test_the_versions_ledger_counts_every_minute_of_one_batch(tmp_path: Path) -> None:
    store = open_writer(tmp_path / "v.duckdb")
    rows = [MinuteRow(start=t, scenario="s", health=h, versions={"model": "m", "prompt": "p"})
            for t, h in ((0.0, "ok"), (60.0, "crit"), (120.0, "ok"))]
    store.write_minutes(rows[:2])  # two minutes of one version in one statement
    store.write_minutes(rows[2:])
    spans = {(v.kind, v.version): v for v in store.versions_ledger("s")}
    store.close()
    model = spans[("model", "m")]
    assert (model.first_seen, model.last_seen, model.minutes, model.critical_minutes) == (
        0.0, 180.0, 3, 1)


def test_an_hour_rolled_up_remembers_its_first_minute(tmp_path: Path) -> None:
    """A store that began at :50 holds ten minutes of that hour, not sixty: rates over a long
    window must divide by what is there."""
    store = open_writer(tmp_path / "h.duckdb")
    store.write_minutes([MinuteRow(start=3000.0 + 60 * i, scenario="s", health="ok",
                                   counters={"prompt_tokens_total": 10.0}) for i in range(10)])
    assert store.roll_up_hours(now=7300.0) == 1
    [hour] = store.history("s", 0.0, 3600.0, 3600.0, "hours")
    store.close()
    assert (hour.start, hour.covers_from, hour.minutes) == (0.0, 3000.0, 10)
    assert hour.counters["prompt_tokens_total"] == 100.0


def test_hours_outlive_the_retention_by_a_day_for_the_cost_baseline(tmp_path: Path) -> None:
    store = open_writer(tmp_path / "r.duckdb")
    week, now = 7 * 86400.0, 10 * 86400.0
    store.write_minutes([MinuteRow(start=now - week - 3600.0 * h, scenario="s", minutes=60)
                         for h in (12, 23, 25)], "hours")
    store.apply_retention(week, now=now)
    assert store.count("hours") == 2  # 12h and 23h past the retention kept; 25h gone
    store.close()


def test_an_error_message_is_news_only_after_the_app_first_answered(tmp_path: Path) -> None:
    from aiops_tui.sources.collector import Collection
    from aiops_tui.sources.exposition import Sample
    from aiops_tui.sources.scrape import EndpointResult

    def scrape(at: float, *errors: str) -> Collection:
        samples = [Sample("feedback_total", (), 1.0),
                   *(Sample("app_errors_total", (("error", e),), 1.0) for e in errors)]
        return Collection(at, [EndpointResult("s", "app", "app", at, samples=samples)])

    store = open_writer(tmp_path / "e.duckdb")
    store.write_collection(scrape(100.0, "old timeout"))  # there from the start: not news
    store.write_collection(scrape(200.0, "old timeout", "CUDA error"))
    store.close()
    store = open_writer(tmp_path / "e.duckdb")  # and the same after a restart
    assert store.error_strings("s") == (100.0, {"old timeout": 100.0, "CUDA error": 200.0})
    store.close()
    store = open_writer(tmp_path / "f.duckdb")  # a healthy app: no error series at first
    store.write_collection(scrape(100.0))
    store.write_collection(scrape(300.0, "CUDA error"))
    assert store.error_strings("s") == (100.0, {"CUDA error": 300.0})
    store.close()


def test_saved_alerts_replace_their_rows_and_survive_a_reopen(tmp_path: Path) -> None:
    store = open_writer(tmp_path / "s.duckdb")
    pending = [AlertRow(f"s{i}", "p95", "pending", active_since=1.0) for i in range(300)]
    store.save_alerts(pending)
    store.save_alerts([replace(pending[7], state="firing", fired_at=2.0, value=3.5)],
                      [AlertEvent(2.0, "s7", "p95", "fired", None, "p95 3.5s")])
    store.close()
    store = open_writer(tmp_path / "s.duckdb")
    rows = {r.scenario: r for r in store.alerts()}
    assert len(rows) == 300
    assert rows["s7"] == replace(pending[7], state="firing", fired_at=2.0, value=3.5)
    assert rows["s8"] == pending[8]
    assert [e.event for e in store.alert_events()] == ["fired"]
    store.close()
