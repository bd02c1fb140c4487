"""Regenerate the screenshots in this folder from the real app on the seeded demo fleet.

    python3 screenshots/make_screenshots.py

The demo fleet serves on free loopback ports; on top of the week of simulated past that
`aiops-tui demo` gives a fresh store, the console collects from it for an hour of a
simulated afternoon (a stepped clock, so windows and charts are full and the run takes under a
minute), then runs live while each view is saved as SVG.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable, OptionList

from aiops_tui.alerts.rules import load_alerting
from aiops_tui.cli import _backfill_demo
from aiops_tui.cli_drill import practice
from aiops_tui.config import load_config
from aiops_tui.demo.drills import DRILLS
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Runtime
from aiops_tui.signals.status import FleetSnapshot
from aiops_tui.ui.action_screens import ComponentScreen, ConfirmScreen
from aiops_tui.ui.alerts_screen import AlertsScreen
from aiops_tui.ui.app import AiopsApp
from aiops_tui.ui.debrief_screen import DebriefScreen
from aiops_tui.ui.runbook_pane import RunbookPane

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "config" / "demo.yaml"
AFTERNOON = datetime(2026, 11, 19, 14, 0, tzinfo=UTC).timestamp()
PREFILL_S = 3600
PREFILL_STEP_S = 10.0
SWAP_AT_S = 2400.0
RUNBOOKS = HERE.parent / "runbooks"
DRILLS_AT_S = 3300.0  # incidents staged in the last minutes, for the alerts pane


class Clock:
    """Stepped while the window fills, then wall time carrying on from there."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.offset: float | None = None

    def __call__(self) -> float:
        return self.now if self.offset is None else time.time() + self.offset

    def go_live(self) -> None:
        self.offset = self.now - time.time()


async def capture(app: AiopsApp, size: tuple[int, int],
                  shots: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    """Each shot: a name, the scenario to open (or none: the fleet view) and keys to press
    (``wait`` lets what the keys started arrive first)."""
    async with app.run_test(size=size) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        for name, (scenario, keys) in shots.items():
            if scenario:
                app.open_scenario(scenario)
                await pilot.pause(0.3)
            for key in keys:
                await (pilot.pause(0.5) if key == "wait" else pilot.press(key))
            await pilot.pause(1.0)  # the scenario view reads the store in a thread
            app.save_screenshot(f"{name}.svg", str(HERE))
            while len(app.screen_stack) > 1:
                app.pop_screen()
            await pilot.pause(0.1)


async def until(pilot, condition, limit_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(limit_s / 0.25)):
        if condition():
            return
        await pilot.pause(0.25)
    pilot.app.save_screenshot("stuck.svg", tempfile.gettempdir())
    raise SystemExit(f"gave up waiting; the screen is in {tempfile.gettempdir()}/stuck.svg")


def firing(snapshot: FleetSnapshot | None, scenario: str, rule: str) -> bool:
    return snapshot is not None and any(
        (a.scenario, a.rule, a.state) == (scenario, rule, "firing") for a in snapshot.alerts)


async def drill_debrief(runtime: Runtime, fleet: DemoFleet) -> None:
    """``demo --drill eval-regression`` worked from the keys: the alert acknowledged, its
    runbook opened, the bound rollback step run; the debrief once the evals pass again. The
    bad deploy staged for the other shots is taken back first, so the drill starts from a
    passing claims-triage; quitting resolves the practice incident."""
    drill = DRILLS["eval-regression"]
    fleet.drill("DELETE", "claims-triage", drill.name)
    while firing(await runtime.cycle(), "claims-triage", drill.alert):
        await asyncio.sleep(runtime.interval)
    with practice(runtime.config, runtime.incidents, drill, "claims-triage") as incident:
        await work_the_drill(AiopsApp(runtime, label="demo fleet", drill=incident))


async def work_the_drill(app: AiopsApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: firing(app.snapshot, "claims-triage",
                                          app.drill.rule if app.drill else ""), 120)
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await until(pilot, lambda: bool(screen.alerts))
        screen.query_one(DataTable).move_cursor(row=next(
            i for i, a in enumerate(screen.alerts)
            if (a.scenario, a.rule) == ("claims-triage", app.drill.rule)))
        await pilot.press("A", "b")
        await until(pilot, lambda: bool(screen.query(RunbookPane)))
        pane = screen.query_one(RunbookPane)
        bound = next(s.number for s in pane.steps.values() if s.action == "rollback $S")
        checklist = pane.query_one(OptionList)
        checklist.highlighted = next(i for i in range(checklist.option_count)
                                     if checklist.get_option_at_index(i).id == f"step-{bound}")
        await pilot.press("enter")  # the bound step: which component?
        await until(pilot, lambda: isinstance(app.screen, ComponentScreen))
        await pilot.press("enter")  # the model
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press(*"claims-triage", "enter")
        await until(pilot, lambda: isinstance(app.screen, DebriefScreen))
        await pilot.pause(0.5)
        app.save_screenshot("drill-debrief-80x24.svg", str(HERE))


async def main() -> None:
    config, path = load_config(CONFIG)
    rules = load_alerting(config, path)
    clock = Clock(AFTERNOON)
    fleet = DemoFleet(config, seed=7, clock=clock)
    live = fleet.start(ephemeral=True)
    fleet.inject("doc-search", "tgi-a", "http-500")  # one endpoint down, as a responder sees it
    store = Path(tempfile.mkdtemp(prefix="aiops-shots-")) / "demo.duckdb"
    _backfill_demo(live, store, now=clock.now)  # the week of simulated past `demo` starts with
    try:
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        for step in range(int(PREFILL_S / PREFILL_STEP_S)):
            if step * PREFILL_STEP_S == SWAP_AT_S:  # a silent model update, as providers do
                fleet.inject("support-chat", "vllm-a", "model-swap")
            if step * PREFILL_STEP_S == DRILLS_AT_S:
                fleet.drill("POST", "code-review", "error-burst")
                fleet.drill("POST", "support-chat", "output-shift")
                fleet.drill("POST", "claims-triage", "eval-regression")  # a bad deploy
            await runtime.cycle()
            clock.now += PREFILL_STEP_S
        clock.go_live()
        await capture(AiopsApp(runtime, label="demo fleet"), (120, 40), {
            "fleet-view": ("", ()),
            "scenario-view": ("support-chat", ()),
            "scenario-view-1h": ("code-review", ("2",)),
            "describe": ("support-chat", ("d",)),
            "scenario-history": ("support-chat", ("pagedown", "pagedown", *"kkkkkk")),
            "alerts": ("", ("a",)),
        })
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        await capture(AiopsApp(runtime, label="demo fleet"), (80, 24), {
            "fleet-view-80x24": ("", ()),
            "scenario-view-80x24": ("doc-search", ()),
            "alerts-80x24": ("", ("a",)),
            # The first alert's runbook beside the alerts, a step highlighted.
            "runbook-80x24": ("", ("a", "b", "wait", "j", "j", "wait")),
            "runbook-search-80x24": ("", ("slash", *"kv cache", "wait")),
        })
        # Last, as they change the fleet: the other shots show it as the incidents left it.
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        await capture(AiopsApp(runtime, label="demo fleet"), (120, 40), {
            # The rollback's confirmation as it opens: focus on Cancel, the id still to type.
            "action-confirm": ("claims-triage", ("R", "wait", "enter", "wait")),
            # A fallback route through command mode (staging: no id to type), then the trail.
            "audit": ("", ("colon", *"route code-review", "enter", "wait", "tab", "enter",
                           "wait", "wait", "t")),
            "scenario-actions": ("code-review", ("end",)),
        })
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        await drill_debrief(runtime, fleet)
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        await capture(AiopsApp(runtime, label="demo fleet"), (120, 40), {
            # An incident declared by command, its runbook beside the timeline, two steps
            # ticked.
            "incident": ("", ("colon", *"incident claims-triage sev1 claims misrouted",
                              "enter", "wait", "wait", "wait", "b", "wait", "space", "j",
                              "space", "wait", "wait", "wait", "wait", "wait")),
        })
        # The commander of an incident on the erroring scenario shares it on a call: staffed,
        # one status update out.
        runtime = Runtime(live, store, clock=clock, rules=rules, runbooks=RUNBOOKS)
        await capture(AiopsApp(runtime, label="demo fleet"), (120, 36), {
            "presentation": ("", (
                "colon", *"incident code-review sev1 review comments failing", "enter",
                "wait", "wait",
                "colon", *"role operations priya", "enter", "wait",
                "colon", *"update a third of review calls fail since the GPU error / routing "
                          "to the fallback model / platform owner to drain the node", "enter",
                "wait",
                "P", "wait", "wait", "wait", "wait")),
        })
    finally:
        fleet.stop()
    for path in sorted(HERE.glob("*.svg")):
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    asyncio.run(main())
