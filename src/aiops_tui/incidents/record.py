"""An incident is what its events add up to: a fold over the incident log. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runbook pane imports this module on the console's start path: no DuckDB
    from aiops_tui.store.incident_log import Event

# sev1: users are hurt now, all hands; sev2: a scenario degraded, its owners on it; sev3: a
# problem that can wait for working hours.
SEVERITIES = ("sev1", "sev2", "sev3")
DUTIES = ("commander", "operations", "communications", "scribe")


def severity_for(tier: str) -> str:
    """An incident from an alert starts at sev2 for a page, sev3 for anything less; the
    commander raises it."""
    return "sev2" if tier == "page" else "sev3"


@dataclass(frozen=True)
class Mark:
    """A checklist step's latest state: ticked or not, by whom and when."""

    done: bool
    at: float
    user: str


@dataclass
class Incident:
    id: str
    scenario: str
    title: str
    severity: str
    declared_at: float
    declared_by: str
    rule: str | None = None  # the alert it is about: declared from, or staged by a drill
    drill: str | None = None  # a practice incident staged by ``demo --drill``
    roles: dict[str, str] = field(default_factory=dict)
    resolved_at: float | None = None
    summary: str = ""
    last_update_at: float | None = None
    last_update: Event | None = None  # the newest status update: condition, actions, needs
    runbooks: list[str] = field(default_factory=list)  # opened, in order
    steps: dict[tuple[str, int], Mark] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def since_update(self, now: float) -> float:
        """Seconds since the last status update (or since it was declared): the commander
        owes the room one every 15–30 minutes."""
        return now - (self.last_update_at or self.declared_at)


def fold(events: Iterable[Event]) -> dict[str, Incident]:
    """Every incident the events tell of, by id, in the order they were declared."""
    incidents: dict[str, Incident] = {}
    for e in events:
        if e.kind == "declared":
            incidents[e.incident] = Incident(
                id=e.incident, scenario=e.scenario, title=e.text, declared_at=e.at,
                severity=e.severity or "sev2", declared_by=e.user, rule=e.rule)
            continue
        incident = incidents.get(e.incident)
        if incident is None:
            continue
        _apply(incident, e)
    return incidents


def _apply(incident: Incident, e: Event) -> None:
    match e.kind:
        case "severity" if e.severity:
            incident.severity = e.severity
        case "role" if e.duty:
            if e.assignee:
                incident.roles[e.duty] = e.assignee
            else:
                incident.roles.pop(e.duty, None)
        case "update":
            incident.last_update_at, incident.last_update = e.at, e
        case "resolved":
            incident.resolved_at, incident.summary = e.at, e.text
        case "runbook" if e.runbook and e.runbook not in incident.runbooks:
            incident.runbooks.append(e.runbook)
        case "step" if e.runbook and e.step is not None:
            incident.steps[(e.runbook, e.step)] = Mark(bool(e.done), e.at, e.user)
        case "drill" if e.state == "started":
            incident.drill, incident.rule = e.text, incident.rule or e.rule


def checklist(events: Iterable[Event], runbook: str) -> dict[int, Mark]:
    """Step marks of one runbook among ``events`` (one incident's, or one scenario's outside
    any incident), latest first wins."""
    marks: dict[int, Mark] = {}
    for e in events:
        if e.kind == "step" and e.runbook == runbook and e.step is not None:
            marks[e.step] = Mark(bool(e.done), e.at, e.user)
    return marks


def notes(events: Iterable[Event], runbook: str, step: int) -> list[Event]:
    return [e for e in events if e.kind == "note" and e.runbook == runbook and e.step == step]
