"""Incidents on a real incident log file: declared, staffed, updated, resolved; checklist
progress survives a restart (a new process reading the same file); trainees tick and note but
do not run the incident; a postmortem holds what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_tui.config.models import Owners
from aiops_tui.incidents.postmortem import write_up
from aiops_tui.incidents.service import IncidentError, Incidents
from aiops_tui.incidents.timeline import debrief
from aiops_tui.runbooks.library import Library
from aiops_tui.store.audit_chain import Entry
from aiops_tui.store.incident_log import IncidentLog

ROOT = Path(__file__).resolve().parents[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        self.now += 30.0
        return self.now


def desk(path: Path, user: str = "ana", role: str = "commander", clock=None) -> Incidents:
    return Incidents(IncidentLog(path), user, role, clock or Clock(),  # type: ignore[arg-type]
                     {"support-chat", "doc-search"})


def test_an_incident_is_declared_worked_and_resolved_and_survives_a_restart(
        tmp_path: Path) -> None:
    path = tmp_path / "s.incidents.duckdb"
    ana = desk(path)
    incident = ana.declare("support-chat", "sev2", "answers wrong", rule="eval-pass-rate-low")
    assert (incident.id, incident.roles) == ("INC-1", {"commander": "ana"})
    with pytest.raises(IncidentError, match="INC-1 is already open on support-chat"):
        ana.declare("support-chat")
    assert ana.declare("doc-search", "sev3").id == "INC-2"
    with pytest.raises(IncidentError, match="no scenario 'suport-chat' in the config"):
        ana.declare("suport-chat")  # a typo never becomes a permanent incident
    ana.assign("INC-1", "scribe", "ben")
    ana.severity("INC-1", "sev1")
    ana.tick("support-chat", "model-rollback", 1, True, "What is loaded now")
    ana.tick("support-chat", "model-rollback", 2, True, "Target")
    ana.tick("support-chat", "model-rollback", 2, False, "Target")  # unticked again
    ana.note("support-chat", "served rev2 since 03:12", runbook="model-rollback", step=1)
    ana.update("INC-1", "degraded", "rolling back the model", "nothing")
    with pytest.raises(IncidentError, match="severity is one of"):
        ana.severity("INC-1", "sev9")

    again = desk(path, "ben", "responder")  # another process, after a restart
    current, marks = again.checklist("support-chat", "model-rollback")
    assert current is not None and current.id == "INC-1" and current.severity == "sev1"
    assert {n: m.done for n, m in marks.items()} == {1: True, 2: False}
    assert current.roles == {"commander": "ana", "scribe": "ben"}
    assert current.last_update_at is not None
    again.resolve("INC-1", "model rolled back")
    with pytest.raises(IncidentError, match="INC-1 is resolved"):
        again.note("support-chat", "late", incident_id="INC-1") and \
            again.update("INC-1", "x", "", "")
    assert again.open_for("support-chat") is None
    assert [i.id for i in again.all()] == ["INC-2", "INC-1"]


def test_a_trainee_ticks_and_notes_but_does_not_run_the_incident(tmp_path: Path) -> None:
    path = tmp_path / "s.incidents.duckdb"
    desk(path).declare("support-chat")
    trainee = desk(path, "tia", "trainee")
    for attempt in (lambda: trainee.declare("doc-search"),
                    lambda: trainee.resolve("INC-1"),
                    lambda: trainee.assign("INC-1", "scribe", "tia"),
                    lambda: trainee.update("INC-1", "fine", "", "")):
        with pytest.raises(IncidentError, match="a trainee cannot"):
            attempt()
    trainee.tick("support-chat", "model-rollback", 1, True)
    trainee.note("support-chat", "shadowing")
    events = trainee.events("INC-1")
    assert [(e.kind, e.user) for e in events][-2:] == [("step", "tia"), ("note", "tia")]


def test_ticks_outside_an_incident_are_kept_with_the_scenario(tmp_path: Path) -> None:
    practice = desk(tmp_path / "s.incidents.duckdb", "tia", "trainee")
    practice.tick("doc-search", "stale-index", 3, True)
    incident, marks = practice.checklist("doc-search", "stale-index")
    assert incident is None and marks[3].done and marks[3].user == "tia"
    assert practice.checklist("support-chat", "stale-index")[1] == {}


def test_the_postmortem_holds_timeline_actions_steps_and_what_to_never_ship_without(
        tmp_path: Path) -> None:
    clock = Clock()
    ana = desk(tmp_path / "s.incidents.duckdb", clock=clock)
    incident = ana.declare("support-chat", "sev2", "evals | dropped", rule="eval-pass-rate-low")
    ana.record("support-chat", "alert", rule="eval-pass-rate-low", tier="page",
               state="firing")
    ana.tick("support-chat", "model-rollback", 7, True, "Roll back.")
    action = Entry(at=clock(), user="ana", role="commander", phase="result",
                   action="rollback", scenario="support-chat", component="model",
                   before="model m-rev2", to="model m", outcome="done")
    ana.record("support-chat", "alert", rule="eval-pass-rate-low", tier="page",
               state="resolved")
    ana.resolve(incident.id, "rolled back")
    done = ana.get(incident.id)
    text = write_up(done, ana.events(done.id), [action], Owners(incident="oncall"),
                    Library.load(ROOT / "runbooks"), clock())
    assert "# Postmortem INC-1: evals \\| dropped" in text  # a pipe cannot break the table
    assert "| Resolved | 2026-09-21 " in text and "open) |" in text
    assert "rollback model m-rev2 → model m: done" in text
    assert "- [x] model-rollback step 7: Roll back. (ana, " in text
    assert "alert eval-pass-rate-low (page) firing" in text
    assert "- [ ] A new eval case (or suite) that fails on what regressed here, gating " \
           "every model, prompt and index change (suggested by the alerts above)" in text
    assert "budget alert on tokens and spend for this scenario, per day, against its " \
           "trailing week\n" in text  # not suggested: no cost alert fired


def test_command_mode_words_for_incidents() -> None:
    from aiops_tui.actions.command_line import CommandError
    from aiops_tui.incidents.commands import parse

    declared = parse(":incident support-chat sev1 answers look wrong")
    assert (declared.scenario, declared.severity, declared.text) == (
        "support-chat", "sev1", "answers look wrong")
    update = parse("update inc-3 p95 3s / rolled back v2/v1 / none")
    assert (update.incident, update.parts) == ("INC-3", ("p95 3s", "rolled back v2/v1", "none"))
    assert parse("update degraded").parts == ("degraded", "", "")
    assert parse("role scribe ben").duty == "scribe"
    assert parse("rollback support-chat") is None  # not an incident command
    for bad in ("role chef ben", "severity sev9", "update", "note", "incident"):
        with pytest.raises(CommandError):
            parse(bad)


def test_a_drill_is_timed_from_its_start_and_written_up_as_practice(tmp_path: Path) -> None:
    clock = Clock()  # each stamp 30 s after the one before (declaring takes two)
    ana = desk(tmp_path / "s.incidents.duckdb", clock=clock)
    first = ana.start_drill("support-chat", "eval-regression", "eval-pass-rate-low", "page")
    assert (first.title, first.drill, first.rule, first.severity) == (
        "drill: eval-regression", "eval-regression", "eval-pass-rate-low", "sev2")
    assert first.roles == {"commander": "ana"}
    ana.record("support-chat", "alert", rule="served-model-changed", state="firing")  # +60
    ana.record("support-chat", "alert", rule="eval-pass-rate-low", state="firing")  # +90
    ana.record("support-chat", "ack", rule="eval-pass-rate-low")  # +120
    ana.opened_runbook("support-chat", "eval-regression")  # +150
    failed = Entry(at=clock(), user="ana", role="commander", phase="result",  # +180
                   action="route", scenario="support-chat", outcome="failed")
    action = Entry(at=clock(), user="ana", role="commander", phase="result",  # +210
                   action="rollback", scenario="support-chat", component="model",
                   outcome="done")
    ana.record("support-chat", "alert", rule="served-model-changed", state="resolved")
    ana.record("support-chat", "alert", rule="eval-pass-rate-low", state="resolved")  # +270
    drill = ana.get(first.id)
    result = debrief(drill, ana.events(drill.id), [failed, action])
    assert [value for _, value in result.rows()] == [90.0, 120.0, 150.0, 210.0, 270.0]
    text = write_up(drill, ana.events(drill.id), [failed, action], Owners(),
                    Library.load(ROOT / "runbooks"), clock())
    assert "This was a drill (`aiops-tui demo --drill eval-regression --scenario " \
           "support-chat`)." in text
    assert "- none on users: a drill, staged to fire alert eval-pass-rate-low" in text
    assert "| Time to mitigate (first action through) | 3m30s |" in text
    assert "from alert" not in text and "Users affected" not in text

    # Started again: the drill left open gives way; a real incident is never touched.
    again = ana.start_drill("support-chat", "eval-regression", "eval-pass-rate-low", "page")
    assert again.id == "INC-2" and ana.get(first.id).summary.startswith("superseded")
    later = Entry(at=clock(), user="ben", role="commander", phase="result",
                  action="kill", scenario="support-chat", outcome="done")
    superseded = ana.get(first.id)  # resolved: what was done after is not its doing
    assert debrief(superseded, ana.events(first.id), [later]).mitigated is None
    assert debrief(again, ana.events(again.id), [later]).rows()[0][1] is None  # not fired
    ana.record("support-chat", "ack", rule="served-model-changed")  # not the drill's alert
    ana.record("support-chat", "ack", rule="eval-pass-rate-low")  # firing since the last run
    assert debrief(again, ana.events(again.id), [later]).rows()[:2] == [
        ("Time to detect (the alert fired)", 0.0), ("Time to acknowledge", 120.0)]
    ana.resolve(again.id)
    ana.declare("support-chat", "sev1", "real trouble")
    with pytest.raises(IncidentError, match="INC-3 is already open on support-chat"):
        ana.start_drill("support-chat", "eval-regression", "eval-pass-rate-low", "page")
