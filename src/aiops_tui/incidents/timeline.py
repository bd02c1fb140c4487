"""An incident's timeline: its own events and the audit log's actions on its scenario while it
was open, merged in time order, in words. Drill debriefs are read off the same lines. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiops_tui.incidents.record import Incident
from aiops_tui.store.audit_chain import Entry
from aiops_tui.store.incident_log import Event


@dataclass(frozen=True)
class Line:
    at: float
    user: str
    kind: str  # an event kind, or "action"
    what: str


def lines(incident: Incident, events: Iterable[Event], audit: Iterable[Entry],
          now: float) -> list[Line]:
    end = incident.resolved_at or now
    out = [Line(e.at, e.user, e.kind, describe(e)) for e in events
           if e.incident == incident.id]
    out += [Line(a.at, a.user, "action", _action(a)) for a in audit
            if a.scenario == incident.scenario and a.phase != "intent"
            and incident.declared_at <= a.at <= end]
    return sorted(out, key=lambda line: line.at)


def describe(e: Event) -> str:
    match e.kind:
        case "declared":
            origin = f" from alert {e.rule}" if e.rule else ""
            return f"declared {e.severity} on {e.scenario}{origin}: {e.text}"
        case "severity":
            return f"severity {e.severity}"
        case "role":
            return f"{e.duty}: {e.assignee}" if e.assignee else f"{e.duty}: unassigned"
        case "alert":
            return f"alert {e.rule} ({e.tier}) {e.state}"
        case "ack":
            return f"acknowledged alert {e.rule}"
        case "runbook":
            return f"opened runbook {e.runbook}"
        case "step":
            return f"{'ticked' if e.done else 'unticked'} {e.runbook} step {e.step}: {e.text}"
        case "note":
            where = f" on {e.runbook} step {e.step}" if e.runbook else ""
            return f"note{where}: {e.text}"
        case "update":
            return (f"status update: condition: {e.condition or '-'}; actions: "
                    f"{e.actions or '-'}; needs: {e.needs or '-'}")
        case "resolved":
            return f"resolved: {e.text}" if e.text else "resolved"
        case "drill":
            expect = f": expect alert {e.rule} ({e.tier})" if e.rule else ""
            return f"drill {e.text} {e.state}{expect}"
    return e.kind


def _action(a: Entry) -> str:
    if a.phase == "verify":
        return f"read the state after {a.what}: {a.detail}"
    # "model v2 → model v1" names the component already
    what = f"{a.action} {a.change}" if a.change else a.what
    detail = f" ({a.detail})" if a.detail and a.outcome != "done" else ""
    return f"{what}: {a.outcome}{detail}"


@dataclass(frozen=True)
class Debrief:
    """How a drill went, in seconds from its start; None: not done (yet). ``detected`` is
    the console's share (the rule's wait), the rest the responder's."""

    detected: float | None
    acknowledged: float | None
    runbook_opened: float | None
    mitigated: float | None
    recovered: float | None

    def rows(self) -> list[tuple[str, float | None]]:
        """The measures as the debrief screen and the postmortem name them, in order."""
        return [("Time to detect (the alert fired)", self.detected),
                ("Time to acknowledge", self.acknowledged),
                ("Time to open the runbook", self.runbook_opened),
                ("Time to mitigate (first action through)", self.mitigated),
                ("Time to recovery (the alert resolved)", self.recovered)]


def debrief(incident: Incident, events: Iterable[Event], audit: Iterable[Entry]) -> Debrief:
    """Time for the alert the incident is about to fire, to acknowledge it, to open a
    runbook, to the first action that went through, and to recovery (that alert resolved
    after the action); all while the incident was open."""
    events = [e for e in events if e.incident == incident.id]
    start, end = incident.declared_at, incident.resolved_at or float("inf")

    def first(times: Iterable[float]) -> float | None:
        found = sorted(t for t in times if start <= t <= end)
        return found[0] - start if found else None

    def about(e: Event) -> bool:  # the drill's alert: another firing beside it is not it
        return incident.rule in (None, e.rule)

    def alert(e: Event, state: str) -> bool:
        return e.kind == "alert" and e.state == state and about(e)

    detected = first(e.at for e in events if alert(e, "firing"))
    if detected is None and incident.rule and any(
            e.kind in ("ack", "alert") and e.rule == incident.rule for e in events):
        detected = 0.0  # acked or resolved, never fired: it was firing when the drill began
    mitigated = first(a.at for a in audit if a.scenario == incident.scenario
                      and a.phase == "result" and a.outcome == "done")
    after = start + mitigated if mitigated is not None else None
    return Debrief(
        detected=detected,
        acknowledged=first(e.at for e in events if e.kind == "ack" and about(e)),
        runbook_opened=first(e.at for e in events if e.kind == "runbook"),
        mitigated=mitigated,
        recovered=first(e.at for e in events if alert(e, "resolved")
                        and after is not None and e.at >= after))


def span(seconds: float) -> str:
    """A time span as incident rooms say it: 42s, 3m05s, 1h02m07s."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
