"""From drill start to the alert firing on screen, for each page drill on the live demo fleet.

Target (issue 4): the alert fires within one scrape interval after its rule's ``for`` has
elapsed. The demo config shortens the ``for`` windows (see ``config/demo.yaml``), so each
figure is split into: drill start → condition first true (how long the window takes to show
the fault), condition true → fired (``for`` plus the lag, the target's subject), and the
total a responder waits.

    python3 -m bench.drill_latency
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from aiops_tui.alerts.rules import load_alerting
from aiops_tui.cli import _backfill_demo
from aiops_tui.config import load_config
from aiops_tui.demo.drills import DRILLS
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Runtime
from bench.harness import machine
from tests.conftest import DEMO_CONFIG
from tests.test_drills import ROUNDS


async def measure(runtime: Runtime, fleet: DemoFleet, round_: dict[str, str]) -> list[str]:
    rules = {r.id: r for r in runtime.rules.rules}  # type: ignore[union-attr]
    wanted = {(scenario, DRILLS[name].alert): name for name, scenario in round_.items()}
    started = {}
    for name, scenario in round_.items():
        fleet.drill("POST", scenario, name)
        started[scenario] = time.time()
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while wanted and time.monotonic() < deadline:
        t = time.monotonic()
        snapshot = await runtime.cycle()
        assert snapshot is not None
        for a in snapshot.alerts:
            name = wanted.get((a.scenario, a.rule))
            if name is None or a.state != "firing":
                continue
            del wanted[(a.scenario, a.rule)]
            alert = runtime.book.alerts[(a.scenario, a.rule)]  # type: ignore[union-attr]
            rule = rules[a.rule]
            true_after = (alert.active_since or 0) - started[a.scenario]
            lag = (alert.fired_at or 0) - (alert.active_since or 0) - rule.for_s
            total = (alert.fired_at or 0) - started[a.scenario]
            verdict = "ok" if lag <= runtime.interval else "LATE"
            lines.append(f"  {name:<16}{a.rule:<26}{true_after:8.1f}s {rule.for_s:6.0f}s "
                         f"{lag:7.1f}s {total:8.1f}s  {verdict}")
        await asyncio.sleep(max(0.0, runtime.interval - (time.monotonic() - t)))
    lines += [f"  {name:<16}{rule:<26} did not fire within 180 s"
              for (_, rule), name in wanted.items()]
    for scenario in round_.values():
        fleet.drill("DELETE", scenario, None)
    return lines


async def run(tmp: Path) -> None:
    config, path = load_config(DEMO_CONFIG)
    fleet = DemoFleet(config, seed=5)
    live = fleet.start(ephemeral=True)
    store = tmp / "drills.duckdb"
    _backfill_demo(live, store)
    runtime = Runtime(live, store, rules=load_alerting(config, path))
    print(f"scrape interval {runtime.interval:g}s; the demo config's `for` windows")
    print(f"  {'drill':<16}{'alert':<26}{'true after':>9} {'for':>6} {'lag':>7} "
          f"{'total':>9}  (lag = fired - true - for; target <= one interval)")
    try:
        for _ in range(12):  # a minute of traffic in the window, enough to be judged
            await runtime.cycle()
            await asyncio.sleep(runtime.interval)
        for round_ in ROUNDS:
            for line in await measure(runtime, fleet, round_):
                print(line, flush=True)
            for _ in range(5):  # let the cleared faults leave the window's newest scrapes
                await runtime.cycle()
                await asyncio.sleep(runtime.interval)
    finally:
        await runtime.aclose()
        fleet.stop()


def main() -> int:
    print("drill → alert firing benchmark")
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
