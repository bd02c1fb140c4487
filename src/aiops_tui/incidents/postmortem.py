"""An incident written up as a markdown postmortem: summary, impact, timeline, what changed,
the runbook steps as worked, and what the scenario must never ship without again. The facts
come from the incident log and the audit log; the analysis is left for people, as headings
with prompts. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from aiops_tui.config.models import Owners
from aiops_tui.incidents.record import DUTIES, Incident, notes
from aiops_tui.incidents.timeline import Debrief, Line, debrief, lines, span
from aiops_tui.runbooks.library import Library
from aiops_tui.store.audit_chain import Entry
from aiops_tui.store.incident_log import Event

# What each kind of alert says the scenario lacked before it shipped.
_NEVER_AGAIN = (
    ("eval", ("eval-", "served-model-changed", "output-shift"),
     "A new eval case (or suite) that fails on what regressed here, gating every model, "
     "prompt and index change"),
    ("schema", ("output-shift", "novel-error", "error-rate", "error-budget"),
     "A stricter output schema or validator, so a malformed or off-distribution answer is "
     "an error rather than a 200"),
    ("budget", ("cost", "token"),
     "A budget alert on tokens and spend for this scenario, per day, against its trailing "
     "week"),
)


def write_up(incident: Incident, events: Sequence[Event], audit: Sequence[Entry],
             owners: Owners, library: Library, now: float) -> str:
    """The postmortem from what the logs hold: the timeline merged, steps named from the
    runbooks, a debrief for a drill."""
    timeline = lines(incident, events, audit, now)

    def step_title(runbook: str, number: int) -> str:
        found = next((s for s in library.steps(runbook) if s.number == number), None)
        return found.title.splitlines()[0] if found else "(no longer in the runbook)"

    return render(incident, timeline, events, owners, step_title,
                  debrief(incident, events, audit) if incident.drill else None)


def render(incident: Incident, timeline: Sequence[Line], events: Sequence[Event],
           owners: Owners, step_title: Callable[[str, int], str],
           debrief: Debrief | None = None) -> str:
    out: list[str] = [f"# Postmortem {incident.id}: {_one_line(incident.title)}", ""]
    end = incident.resolved_at
    resolved = f"{_stamp(end)} ({span(end - incident.declared_at)} open)" if end else "not yet"
    out += [
        "| | |", "|---|---|",
        f"| Scenario | {incident.scenario} |",
        f"| Severity | {incident.severity} |",
        f"| Declared | {_stamp(incident.declared_at)} by {_one_line(incident.declared_by)}"
        + (f", from alert `{incident.rule}`" if incident.rule and not incident.drill
           else "") + " |",
        f"| Resolved | {resolved} |",
        *(f"| {duty.capitalize()} | {_one_line(incident.roles[duty])} |" for duty in DUTIES
          if duty in incident.roles),
        f"| Owners | {_owners(owners)} |",
        f"| Escalation | {' → '.join(owners.escalation) or 'none configured'} |",
        "",
    ]
    if incident.drill:
        out += [f"This was a drill (`aiops-tui demo --drill {incident.drill} --scenario "
                f"{incident.scenario}`).", ""]
    if incident.summary:
        out += ["## Summary", "", _one_line(incident.summary), ""]
    alerts = [line for line in timeline if line.kind == "alert"]
    out += ["## Impact", ""]
    if incident.drill:
        out.append(f"- none on users: a drill, staged to fire alert {incident.rule}")
    elif incident.rule:
        out.append(f"- alert {incident.rule} firing when the incident was declared")
    out += [f"- {_clock(a.at)} {a.what}" for a in alerts]
    if not alerts and not incident.rule:
        out.append("- No alert fired while the incident was open.")
    if not incident.drill:
        out.append("- Users affected, for how long, and how we know: _to be written_")
    out.append("")
    out += ["## Timeline", "", "Times are UTC; `+` is time since the incident was declared.", ""]
    out += [f"- {_clock(line.at)} (+{span(line.at - incident.declared_at)}) "
            f"{line.user}: {_one_line(line.what)}" for line in timeline]
    out += ["", "## What changed", ""]
    actions = [line for line in timeline if line.kind == "action"]
    out += [f"- {_clock(a.at)} {a.user}: {_one_line(a.what)}" for a in actions] or \
        ["- No action was taken from the console or `aiops-tui act`."]
    out += ["", "## Runbook steps", ""]
    if not incident.steps:
        out.append("- No runbook step was ticked.")
    for (runbook, step), mark in sorted(incident.steps.items()):
        box = "x" if mark.done else " "
        out.append(f"- [{box}] {runbook} step {step}: {_one_line(step_title(runbook, step))}"
                   f" ({mark.user}, {_clock(mark.at)})")
        out += [f"  - note: {_one_line(n.text)}" for n in notes(events, runbook, step)]
    if debrief is not None:
        out += ["", "## Drill debrief", "", "| Measure | Since start |", "|---|---|"]
        for label, value in debrief.rows():
            out.append(f"| {label} | {span(value) if value is not None else 'not reached'} |")
    rules = " ".join(a.what for a in alerts) + " " + (incident.rule or "")
    out += ["", "## What we will never ship without again", ""]
    for _, hints, text in _NEVER_AGAIN:
        fired = any(h in rules for h in hints)
        out.append(f"- [ ] {text}" + (" (suggested by the alerts above)" if fired else ""))
    out += ["", "## Analysis", "", "- What broke, and why it was not caught before users "
            "saw it: _to be written_", "- What went well, what was hard: _to be written_", ""]
    return "\n".join(out)


def _owners(owners: Owners) -> str:
    return ", ".join(f"{k} {v}" for k, v in owners.named().items()) or "none configured"


def _one_line(text: str) -> str:
    """Text from operators and endpoints kept to one markdown line: no line breaks, no pipe
    to break a table, no control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in text).replace("|", "\\|").strip()


def _stamp(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _clock(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%H:%M:%S")
