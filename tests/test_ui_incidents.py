"""Runbooks and incidents from the console, end to end over loopback: an alert leads to its
runbook in a pane, steps are ticked and noted, the step bound to a rollback runs it through the
confirmation and the demo fleet's control plane, the incident timeline holds all of it, and
``aiops-tui incident export`` writes the postmortem the golden file holds. A trainee follows
the same runbook and cannot run its action."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import yaml
from textual.widgets import DataTable, Digits, OptionList, Static

from aiops_tui import cli, cli_drill
from aiops_tui.alerts.rules import load_alerting
from aiops_tui.config import Config, load_config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.paths import audit_path
from aiops_tui.runtime import Runtime
from aiops_tui.store.audit import AuditLog
from aiops_tui.ui.action_screens import AskScreen, ComponentScreen, ConfirmScreen
from aiops_tui.ui.alerts_screen import AlertsScreen
from aiops_tui.ui.app import AiopsApp
from aiops_tui.ui.debrief_screen import DebriefScreen
from aiops_tui.ui.incident_screen import IncidentScreen
from aiops_tui.ui.present_screen import PresentScreen
from aiops_tui.ui.runbook_pane import RunbookPane
from tests.conftest import relaxed
from tests.test_actions import posts
from tests.test_ui import wait_for
from tests.test_ui_actions import notices

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "postmortem.md"
ALERT = "eval-pass-rate-low"


def runtime_for(config: Config, store: Path, role: str | None = None) -> Runtime:
    data = relaxed(config, interval_s=0.5, window_s=10).model_dump(mode="json")
    if role is not None:
        data["access"] = {"roles": {}, "default_role": role}
    rules = load_alerting(*load_config(ROOT / "config" / "demo.yaml"))
    return Runtime(Config.model_validate(data), store, rules=rules, runbooks=ROOT / "runbooks")


def console(config: Config, store: Path, role: str | None = None) -> AiopsApp:
    return AiopsApp(runtime_for(config, store, role), label="test")


def firing(app: AiopsApp, scenario: str = "support-chat") -> bool:
    return app.snapshot is not None and any(
        a.rule == ALERT and a.scenario == scenario and a.state == "firing"
        for a in app.snapshot.alerts)


async def open_runbook_from_the_alert(app: AiopsApp, pilot,  # type: ignore[no-untyped-def]
                                      scenario: str = "support-chat") -> RunbookPane:
    await wait_for(pilot, lambda: firing(app, scenario), timeout=30)
    await pilot.press("a")
    alerts = app.screen
    assert isinstance(alerts, AlertsScreen)
    await wait_for(pilot, lambda: any(a.rule == ALERT for a in alerts.alerts))
    alerts.query_one(DataTable).move_cursor(row=next(
        i for i, a in enumerate(alerts.alerts) if a.rule == ALERT and a.scenario == scenario))
    await pilot.pause()
    return alerts  # type: ignore[return-value]


def highlight(pane: RunbookPane, number: int) -> None:
    checklist = pane.query_one(OptionList)
    checklist.highlighted = next(i for i in range(checklist.option_count)
                                 if checklist.get_option_at_index(i).id == f"step-{number}")


async def test_alert_runbook_checklist_bound_action_incident_timeline_and_postmortem(
        fleet: DemoFleet, tmp_path: Path) -> None:
    fleet.drill("POST", "support-chat", "eval-regression")  # a silent provider update
    store = tmp_path / "s.duckdb"
    app = console(fleet.config, store)
    async with app.run_test(size=(100, 30)) as pilot:
        alerts = await open_runbook_from_the_alert(app, pilot)
        await pilot.press("I")  # declared from the alert
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentScreen)
                       and app.screen.incident is not None)
        assert app.screen.incident.id == "INC-1" and app.screen.incident.rule == ALERT
        await present(app, pilot)
        await pilot.press("escape")
        assert app.screen is alerts
        await pilot.press("b")  # the alert's runbook, beside the alerts
        pane = alerts.query_one(RunbookPane)
        assert (pane.runbook.id, pane.scenario) == ("eval-regression", "support-chat")
        await wait_for(pilot, lambda: pane.incident is not None)

        highlight(pane, 1)
        await pilot.press("space")
        await wait_for(pilot, lambda: 1 in pane.marks)
        await pilot.press("j", "space")  # step 2
        await wait_for(pilot, lambda: 2 in pane.marks)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen))
        await pilot.press(*"served model is a rev2 since the drill", "enter")
        await wait_for(pilot, lambda: "note saved on step 2" in notices(app))

        bound = next(s for s in pane.steps.values() if s.action == "rollback $S")
        highlight(pane, bound.number)
        await pilot.press("enter")  # runs the step's action: which component first
        await wait_for(pilot, lambda: isinstance(app.screen, ComponentScreen))
        await pilot.press("enter")  # model
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press(*"support-chat", "enter")
        await wait_for(pilot, lambda: "rollback done" in notices(app))
        await wait_for(pilot, lambda: bound.number in pane.marks)  # ticked itself
        assert [p[1].rsplit("/", 1)[1] for p in posts(fleet)] == ["rollback"]
        # Recovery: the next eval run passes and the page resolves on the incident.
        await wait_for(pilot, lambda: not firing(app), timeout=30)

        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        await pilot.press("colon", *"update recovered / rolled back the model / nothing",
                          "enter")
        await wait_for(pilot, lambda: "update recorded on INC-1" in notices(app))
        await pilot.press("colon", *"role scribe ben", "enter")
        await wait_for(pilot, lambda: "role recorded on INC-1" in notices(app))
        await wait_for(pilot, lambda: any("alert eval-pass-rate-low (page) resolved" in
                                          line.what for line in screen._shown))
        await pilot.press("colon", *"resolve model rolled back to the known good", "enter")
        await wait_for(pilot, lambda: screen.incident is not None
                       and not screen.incident.open)
        kinds = [line.kind for line in screen._shown]
        for kind in ("declared", "runbook", "step", "note", "action", "alert", "update",
                     "resolved"):
            assert kind in kinds, kind
        await pilot.press("escape", "escape", "q")

    config_file = tmp_path / "fleet.yaml"
    data = fleet.config.model_dump(mode="json")
    data["console"]["runbooks"] = str(ROOT / "runbooks")
    config_file.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "INC-1.md"
    assert cli.main(["incident", "export", "inc-1", "--config", str(config_file),
                     "--store", str(store), "--out", str(out)]) == 0
    written = scrub(out.read_text())
    if os.environ.get("AIOPS_UPDATE_GOLDEN"):
        GOLDEN.write_text(written)
    assert written == GOLDEN.read_text()


async def present(app: AiopsApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """``P`` on the incident: the commander's screen names what diverged, in large type."""
    incident = app.screen
    await pilot.press("P")
    screen = app.screen
    assert isinstance(screen, PresentScreen)

    def said(widget: str) -> str:
        return str(screen.query_one(widget, Static).render())

    await wait_for(pilot, lambda: "eval pass rate" in said("#present-diverged"))
    assert "✖ PAGE" in said("#present-diverged")
    assert "SEV2" in said("#present-title") and "INC-1" in said("#present-title")
    assert "CRITICAL" in said("#present-health")
    assert f"COMMANDER {app.source.user}" in " ".join(said("#present-roles").split())
    assert screen.query_one("#digits-update", Digits).value.startswith("0:")
    await pilot.press("escape")
    assert app.screen is incident


def scrub(text: str) -> str:
    """Times, spans, the OS user and model revisions vary by run; the rest must not."""
    user = app_user()
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "<date>", text)
    text = re.sub(r"\b\d{2}:\d{2}:\d{2}\b", "<time>", text)
    text = re.sub(r"\(\+[0-9hms]+\)", "(+<span>)", text)
    text = re.sub(r"\([0-9hms]+ open\)", "(<span> open)", text)
    return re.sub(rf"\b{re.escape(user)}\b", "<user>", text)


def app_user() -> str:
    from aiops_tui.actions.policy import os_user

    return os_user()


async def test_a_trainee_follows_the_runbook_but_cannot_run_its_action(
        fleet: DemoFleet, tmp_path: Path) -> None:
    fleet.drill("POST", "support-chat", "eval-regression")
    store = tmp_path / "s.duckdb"
    app = console(fleet.config, store, role="trainee")
    async with app.run_test(size=(80, 24)) as pilot:
        alerts = await open_runbook_from_the_alert(app, pilot)
        await pilot.press("I")
        await wait_for(pilot, lambda: "a trainee cannot declare an incident" in notices(app))
        await pilot.press("b")
        pane = alerts.query_one(RunbookPane)
        highlight(pane, 1)
        await pilot.press("space")  # a trainee ticks
        await wait_for(pilot, lambda: 1 in pane.marks)
        bound = next(s for s in pane.steps.values() if s.action == "rollback $S")
        highlight(pane, bound.number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "rollback refused" in notices(app))
        assert not isinstance(app.screen, ConfirmScreen | ComponentScreen)
        assert bound.number not in pane.marks
        await pilot.press("escape", "escape", "q")
    assert posts(fleet) == []
    entries = [s.entry for s in AuditLog(audit_path(store)).entries()]
    assert [(e.action, e.outcome, e.role) for e in entries] == [
        ("rollback", "refused", "trainee")]


async def test_a_drill_is_staged_worked_from_the_keyboard_timed_and_debriefed(
        fleet: DemoFleet, tmp_path: Path, fleet_config_file: Path) -> None:
    store = tmp_path / "s.duckdb"
    runtime = runtime_for(fleet.config, store)
    drill = cli_drill.pick(runtime.config, "eval-regression", None)  # on claims-triage
    with cli_drill.practice(runtime.config, runtime.incidents, *drill) as incident:
        assert incident.id == "INC-1" and fleet.sims["claims-triage"].drills.running(
            time.time()) == ["eval-regression"]
        await work_the_drill(AiopsApp(runtime, label="test", drill=incident))
    # Quitting resolves the practice incident and ends the drill this run started.
    assert runtime.incidents.get("INC-1").summary == "drill over: the console running it quit"
    assert fleet.sims["claims-triage"].drills.running(time.time()) == []
    out = tmp_path / "INC-1.md"
    assert cli.main(["incident", "export", "INC-1", "--config", str(fleet_config_file),
                     "--store", str(store), "--out", str(out)]) == 0
    written = out.read_text()
    assert "## Drill debrief" in written and "not reached" not in written
    assert "drill eval-regression started: expect alert eval-pass-rate-low (page)" in written


async def work_the_drill(app: AiopsApp) -> None:
    """As a trainee would: acknowledge, open the runbook, run its bound rollback."""
    async with app.run_test(size=(80, 24)) as pilot:  # a trainee's SSH terminal
        assert " DRILL " in app.status_line().plain
        assert "expect alert eval-pass-rate-low" in notices(app)
        alerts = await open_runbook_from_the_alert(app, pilot, "claims-triage")
        await pilot.press("A")
        await wait_for(pilot, lambda: "ack done" in notices(app))
        await pilot.press("b")
        pane = alerts.query_one(RunbookPane)
        assert (pane.runbook.id, pane.scenario) == ("eval-regression", "claims-triage")
        bound = next(s for s in pane.steps.values() if s.action == "rollback $S")
        highlight(pane, bound.number)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ComponentScreen))
        await pilot.press("enter")  # model
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press(*"claims-triage", "enter")
        await wait_for(pilot, lambda: "rollback done" in notices(app))
        # The next eval run passes, the page resolves: the debrief comes up by itself.
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen), timeout=40)
        times = [value for _, value in app.screen.result.rows()]
        assert None not in times and times == sorted(times), times
        await pilot.press("enter")
        assert not isinstance(app.screen, DebriefScreen)
        await pilot.press("escape", "escape", "q")
