"""Incidents as the console and the CLI work them: every change is an event appended to the
incident log with who and when. Anyone may tick a step or write a note (a trainee on a
shadow shift follows along); declaring, staffing, updating and resolving take a responder or
the incident commander. Blocking (file I/O): the UI calls it in threads."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from aiops_tui.config.models import Role
from aiops_tui.incidents.record import (
    DUTIES,
    SEVERITIES,
    Incident,
    Mark,
    checklist,
    fold,
    severity_for,
)
from aiops_tui.store.incident_log import AlreadyOpen, Event, IncidentLog

PREFIX = "INC-"
OBSERVER = "aiops-tui"  # who recorded what the console saw rather than what someone did
MANAGERS: frozenset[Role] = frozenset({"responder", "commander"})


class IncidentError(Exception):
    """The change cannot be made; the message says why, and nothing was recorded."""


class Incidents:
    def __init__(self, log: IncidentLog, user: str, role: Role,
                 clock: Callable[[], float], scenarios: Collection[str] | None = None) -> None:
        self.scenarios = scenarios  # the config's, to refuse a typo; None: any
        self.log = log
        self.user = user
        self.role = role
        self.clock = clock

    # -- reading -------------------------------------------------------------------------
    def all(self) -> list[Incident]:
        """Newest first."""
        return self.read()[0]

    def read(self) -> tuple[list[Incident], list[Event]]:
        """Every incident (newest first) and the events they were folded from: one read
        for a screen that shows both."""
        events = self.log.events()
        return list(reversed(fold(events).values())), events

    def get(self, incident_id: str) -> Incident:
        found = fold(self.log.events(incident=incident_id)).get(incident_id)
        if found is None:
            raise IncidentError(f"no incident {incident_id}")
        return found

    def events(self, incident_id: str) -> list[Event]:
        return self.log.events(incident=incident_id)

    def open_for(self, scenario: str) -> Incident | None:
        return next((i for i in self.all() if i.open and i.scenario == scenario), None)

    def checklist(self, scenario: str, runbook: str) -> tuple[Incident | None, dict[int, Mark]]:
        """The scenario's open incident (None: outside any) and its marks on ``runbook``."""
        incident = self.open_for(scenario)
        events = self.log.events(incident=incident.id if incident else "", scenario=scenario)
        return incident, checklist(events, runbook)

    # -- changing ------------------------------------------------------------------------
    def declare(self, scenario: str, severity: str = "sev2", title: str = "",
                rule: str | None = None) -> Incident:
        self._may_manage("declare an incident")
        _check(severity in SEVERITIES, f"severity is one of {', '.join(SEVERITIES)}")
        return self.get(self._declare(scenario, severity, title or f"{scenario} incident",
                                      rule))

    def start_drill(self, scenario: str, name: str, rule: str, tier: str) -> Incident:
        """The practice incident ``demo --drill`` stages, declared by whoever runs it (a
        trainee too: it is practice) as the page would have been, with the alert the drill
        is expected to fire. A drill left open on the scenario by an earlier run is resolved
        as superseded first; a real incident there is never touched."""
        current = self.open_for(scenario)
        if current is not None and current.drill:
            self.end_drill(current.id, f"superseded: drill {name} started again")
        return self.get(self._declare(scenario, severity_for(tier), f"drill: {name}", None, [
            self._event("", "drill", scenario, state="started", text=name, rule=rule,
                        tier=tier)]))

    def end_drill(self, incident_id: str, why: str) -> None:
        """Resolve a practice incident that is still open (the console running it quit, or
        another drill took its scenario); a real one is left alone."""
        incident = self.get(incident_id)
        if incident.open and incident.drill:
            self._on(incident_id, "resolved", text=why)

    def severity(self, incident_id: str, severity: str) -> Event:
        self._may_manage("change severity")
        _check(severity in SEVERITIES, f"severity is one of {', '.join(SEVERITIES)}")
        return self._on(incident_id, "severity", severity=severity)

    def assign(self, incident_id: str, duty: str, assignee: str) -> Event:
        self._may_manage("assign incident roles")
        _check(duty in DUTIES, f"roles are {', '.join(DUTIES)}")
        return self._on(incident_id, "role", duty=duty, assignee=assignee.strip())

    def update(self, incident_id: str, condition: str, actions: str, needs: str) -> Event:
        """A status update in the three parts the room needs: how things stand, what is
        being done, what help is needed."""
        self._may_manage("post a status update")
        _check(bool(condition.strip()), "a status update says at least the condition")
        return self._on(incident_id, "update", condition=condition.strip(),
                        actions=actions.strip(), needs=needs.strip())

    def resolve(self, incident_id: str, summary: str = "") -> Event:
        self._may_manage("resolve an incident")
        return self._on(incident_id, "resolved", text=summary.strip())

    def note(self, scenario: str, text: str, incident_id: str | None = None,
             runbook: str | None = None, step: int | None = None) -> Event:
        """A note, on the incident (the scenario's open one unless named) or one of its
        runbook steps; outside any incident it is kept with the scenario's checklist."""
        _check(bool(text.strip()), "an empty note says nothing")
        incident = self._target(scenario, incident_id)
        return self.log.append(self._event(incident, "note", scenario, text=text.strip(),
                                           runbook=runbook, step=step))

    def tick(self, scenario: str, runbook: str, step: int, done: bool, words: str = ""
             ) -> Event:
        incident = self._target(scenario, None)
        return self.log.append(self._event(incident, "step", scenario, runbook=runbook,
                                           step=step, done=done, text=words))

    def opened_runbook(self, scenario: str, runbook: str) -> Event | None:
        """Recorded on the scenario's open incident; nothing outside one."""
        incident = self.open_for(scenario)
        if incident is None or runbook in incident.runbooks:
            return None
        return self.log.append(self._event(incident.id, "runbook", scenario, runbook=runbook))

    def record(self, scenario: str, kind: str, at: float | None = None,
               user: str = OBSERVER, **fields: Any) -> Event | None:
        """What the console saw happen (an alert firing or resolving; an ack, by whoever
        acked) on the scenario's open incident; nothing when there is none."""
        incident = self.open_for(scenario)
        if incident is None:
            return None
        event = self._event(incident.id, kind, scenario, **fields)
        return self.log.append(event.model_copy(update={"at": at or event.at, "user": user}))

    # -- helpers -------------------------------------------------------------------------
    def _declare(self, scenario: str, severity: str, title: str, rule: str | None,
                 then: list[Event] | None = None) -> str:
        """A new incident with its declarer as commander (and ``then``'s events); its id."""
        _check(self.scenarios is None or scenario in self.scenarios,
               f"no scenario {scenario!r} in the config")
        declared = self._event("", "declared", scenario, severity=severity, rule=rule,
                               text=title)
        with_it = [e.model_copy(update={"at": declared.at}) for e in (
            self._event("", "role", scenario, duty="commander", assignee=self.user),
            *(then or []))]
        try:  # the open-incident check and the appends are one transaction
            event = self.log.append(declared, new_incident=PREFIX, then=with_it)
        except AlreadyOpen as exc:
            raise IncidentError(f"{exc} is already open on {scenario}: work it, or resolve "
                                "it first") from None
        return event.incident

    def _may_manage(self, what: str) -> None:
        if self.role not in MANAGERS:
            raise IncidentError(f"a {self.role} cannot {what}: it needs the responder or "
                                "commander role (anyone may tick steps and write notes)")

    def _target(self, scenario: str, incident_id: str | None) -> str:
        if incident_id is not None:
            incident = self.get(incident_id)
            _check(incident.scenario == scenario, f"{incident_id} is on {incident.scenario}")
            return incident.id
        current = self.open_for(scenario)
        return current.id if current else ""

    def _on(self, incident_id: str, kind: str, **fields: Any) -> Event:
        incident = self.get(incident_id)
        _check(incident.open, f"{incident_id} is resolved")
        return self.log.append(self._event(incident.id, kind, incident.scenario, **fields))

    def _event(self, incident: str, kind: str, scenario: str, **fields: Any) -> Event:
        return Event(incident=incident, at=self.clock(), user=self.user, kind=kind,
                     scenario=scenario, **fields)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise IncidentError(message)
