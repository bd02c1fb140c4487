"""Each page drill, staged on the real demo fleet over loopback, fires its alert through the
whole path: scrapes, rollups, rules (the demo config's shortened waits), the stored book."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from aiops_tui.alerts.rules import load_alerting
from aiops_tui.cli import _backfill_demo, main
from aiops_tui.config import load_config
from aiops_tui.demo.drills import DRILLS
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Runtime
from aiops_tui.store.db import open_writer
from tests.conftest import DEMO_CONFIG

PAGE_DRILLS = sorted(name for name, d in DRILLS.items() if d.tier == "page")
# Each on its own scenario (the one `demo --drill` stages it on), in two rounds so that no two
# drills share one: a down endpoint would hide the others.
ROUNDS = [{n: DRILLS[n].scenario for n in
           ("latency-spike", "error-burst", "eval-regression", "token-runaway")},
          {"endpoint-down": DRILLS["endpoint-down"].scenario}]
# The ticket drills and the quality signals from the application's counters: what each should
# fire within a couple of minutes on the demo config (scenario, alert).
TICKETS = {n: (DRILLS[n].scenario, alerts) for n, alerts in (
    ("output-shift", ["output-shift"]), ("stale-index", ["index-stale"]),
    ("gpu-memory-pressure", ["gpu-memory-pressure"]), ("error-burst", ["novel-error"]))}


async def until_fired(runtime: Runtime, wanted: list[tuple[str, str]], limit_s: float
                      ) -> dict:
    """Cycle every interval until each (scenario, alert) fires; what fired, and when."""
    fired: dict[tuple[str, str], float] = {}
    started = time.monotonic()
    while len(fired) < len(wanted) and time.monotonic() - started < limit_s:
        t = time.monotonic()
        snapshot = await runtime.cycle()
        for a in snapshot.alerts:
            if a.state == "firing" and (a.scenario, a.rule) in wanted:
                fired.setdefault((a.scenario, a.rule), time.monotonic() - started)
        await asyncio.sleep(max(0.0, runtime.interval - (time.monotonic() - t)))
    return fired


async def test_every_page_drill_fires_its_alert(tmp_path: Path, capsys) -> None:
    assert sorted(d for r in ROUNDS for d in r) == PAGE_DRILLS
    assert sorted(DRILLS) == sorted({*PAGE_DRILLS, *TICKETS})
    config, path = load_config(DEMO_CONFIG)
    fleet = DemoFleet(config, seed=5)
    live = fleet.start(ephemeral=True)
    config_file = tmp_path / "fleet.json"  # the CLI reaches the fleet through its config
    config_file.write_text(json.dumps(live.model_dump(mode="json")))
    store = tmp_path / "drills.duckdb"
    _backfill_demo(live, store)  # the week of history the baselines need
    runtime = Runtime(live, store, rules=load_alerting(config, path))
    try:
        for _ in range(12):  # enough traffic in the window to be judged
            await runtime.cycle()
            await asyncio.sleep(runtime.interval)
        for round_ in ROUNDS:
            for name, scenario in round_.items():  # the drill's own scenario by default
                assert main(["drill", name, "--config", str(config_file)]) == 0
                assert f"{scenario}: {name} started" in capsys.readouterr().out
            wanted = [(scenario, DRILLS[name].alert) for name, scenario in round_.items()]
            fired = await until_fired(runtime, wanted, limit_s=120.0)
            assert set(fired) == set(wanted), fired
            assert main(["drill", "--clear", "--scenario", scenario, "--config",
                         str(config_file)]) == 0
            for scenario in round_.values():
                fleet.drill("DELETE", scenario, None)
        for name, (scenario, _) in TICKETS.items():
            fleet.drill("POST", scenario, name)
        wanted = [(scenario, alert) for scenario, alerts in TICKETS.values() for alert in alerts]
        fired = await until_fired(runtime, wanted, limit_s=150.0)
        assert set(fired) == set(wanted), fired
        shift = next(a for a in runtime.last.alerts if a.rule == "output-shift")
        assert "moved most: 'answered' 78% → " in shift.reading  # says which answers moved
        novel = next(a for a in runtime.last.alerts if a.rule == "novel-error")
        assert "CUDA error" in novel.reading and "timed out" not in novel.reading
    finally:
        await runtime.aclose()
        fleet.stop()
    db = open_writer(store)
    try:
        fired_events = {(e.scenario, e.rule) for e in db.alert_events() if e.event == "fired"}
    finally:
        db.close()
    assert {(s, DRILLS[n].alert) for r in ROUNDS for n, s in r.items()} <= fired_events


def test_drill_names_and_mistakes(capsys) -> None:
    assert main(["drill", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in DRILLS) and len(DRILLS) == 8
    assert main(["drill", "no-such", "--scenario", "support-chat"]) == 2
    assert "no drill 'no-such'" in capsys.readouterr().err
    assert main(["drill", "error-burst", "--scenario", "nope"]) == 2
    assert main(["drill", "--clear"]) == 2
    assert "give the drill's NAME or --scenario ID to end" in capsys.readouterr().err
    assert main(["drill", "--clear", "--scenario", "nope"]) == 2  # said before any request
    assert main(["drill", "no-such", "--clear", "--scenario", "doc-search"]) == 2
    assert "no drill 'no-such'" in capsys.readouterr().err
    # demo --drill says what is wrong before any fleet starts
    assert main(["demo", "--drill", "no-such"]) == 2
    assert "aiops-tui demo: no drill 'no-such'; known: latency-spike" in \
        capsys.readouterr().err
    assert main(["demo", "--drill", "stale-index", "--scenario", "nope"]) == 2
    assert "no scenario 'nope' in the config" in capsys.readouterr().err
    assert main(["demo", "--scenario", "doc-search"]) == 2
    assert "--scenario goes with --drill NAME" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(DRILLS))
def test_a_drill_starts_once_and_clears(name: str) -> None:
    config, _ = load_config(DEMO_CONFIG)
    fleet = DemoFleet(config, seed=1)
    status, body = fleet.drill("POST", "doc-search", name)
    again = fleet.drill("POST", "doc-search", name)[1]
    assert status == 200 and json.loads(body)["started"] == name
    assert json.loads(again)["started"] is None  # a second start changes nothing
    ended = json.loads(fleet.drill("DELETE", "doc-search", name)[1])["ended"]
    assert ended == [name]
