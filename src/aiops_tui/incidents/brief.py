"""What a commander shows the call: the incident boiled down to a few facts a room can read off
a shared screen. Pure: the presentation screen paints it, tests feed it real snapshots."""

from __future__ import annotations

from dataclasses import dataclass

from aiops_tui.incidents.record import DUTIES, Incident
from aiops_tui.signals.status import HARD_STATES, AlertView, Health, ScenarioStatus

# A commander owes the room a status update at least this often (the usual practice is every
# 15–30 minutes); past it, the screens say the update is due.
UPDATE_DUE_S = 30 * 60.0

_TIER_RANK = {"page": 0, "ticket": 1, "review": 2}


@dataclass(frozen=True)
class Burn:
    """How fast the scenario spends its error budget.

    ``rate`` is the burn now: the error ratio over the scenario's window divided by its error
    budget (the SLO's allowed ratio), so 1x spends the budget exactly over the SLO period.
    ``tier`` is what the burn-rate rules, which also look at the long windows, make of it: the
    most urgent tier of a firing one, ``pending`` while one waits out its ``for``,
    ``unknown`` when one cannot judge, else ``within``."""

    tier: str
    rate: float | None
    why: str = ""  # the rule firing or pending, or why a rule cannot judge


def burn(alerts: list[AlertView], status: ScenarioStatus | None) -> Burn:
    rate = None
    if status is not None and status.error_rate is not None and status.error_slo > 0:
        rate = status.error_rate / status.error_slo
    judged = [a for a in alerts if a.condition == "burn_rate"]
    for state in ("firing", "pending"):
        active = sorted((a for a in judged if a.state == state),
                        key=lambda a: _TIER_RANK.get(a.tier, 9))
        if active:
            return Burn(active[0].tier if state == "firing" else "pending", rate,
                        active[0].rule)
    unjudged = next((a for a in judged if a.unevaluable), None)
    if unjudged is not None:
        return Burn("unknown", rate, unjudged.unevaluable)
    return Burn("within", rate)


@dataclass(frozen=True)
class Divergence:
    """One thing that is not as it normally is, in the words the room hears."""

    what: str
    tier: str  # page / ticket / review for an alert; crit / warn for a signal off its SLO
    since: float | None = None  # when an alert's condition began to hold


@dataclass(frozen=True)
class Brief:
    incident: Incident
    health: Health | None  # None: the scenario is not in the picture (yet)
    status: ScenarioStatus | None
    burn: Burn
    roles: list[tuple[str, str | None]]  # every duty, held or not
    since_update: float
    update_due: bool
    diverged: list[Divergence]


def brief(incident: Incident, status: ScenarioStatus | None, alerts: list[AlertView],
          now: float) -> Brief:
    """The incident's scenario as of ``now``: its health, burn, roles and what has diverged
    (its alerts that are firing or pending, most urgent first, then the problems the
    scenario's own assessment names: signals off their SLO, endpoints down, a served model
    that is not the configured one), each said once."""
    mine = [a for a in alerts if a.scenario == incident.scenario]
    active = sorted((a for a in mine if a.state in ("firing", "pending")),
                    key=lambda a: (a.state != "firing", _TIER_RANK.get(a.tier, 9),
                                   a.since or now))
    diverged: list[Divergence] = []
    said: set[str] = set()  # a page and the ticket it holds back often read the same
    for a in active:
        words = a.reading or a.summary
        if a.inhibited_by is None and words not in said:
            said.add(words)
            diverged.append(Divergence(words + ("" if a.state == "firing" else " (pending)"),
                                       a.tier, a.since))
    if status is not None and status.health in (Health.CRIT, Health.WARN):
        crit = _critical(status)
        diverged += [Divergence(p, "crit" if i < crit else "warn")
                     for i, p in enumerate(status.problems) if p not in said]
    since = incident.since_update(min(now, incident.resolved_at or now))  # stops at resolve
    return Brief(
        incident=incident, health=status.health if status else None, status=status,
        burn=burn(mine, status), roles=[(d, incident.roles.get(d)) for d in DUTIES],
        since_update=since, update_due=incident.open and since > UPDATE_DUE_S,
        diverged=diverged)


def _critical(status: ScenarioStatus) -> int:
    """How many of the problems are critical: the assessment lists those first, one per
    signal graded critical and one per endpoint in a hard state."""
    if status.health is not Health.CRIT:
        return 0
    return (sum(1 for level in status.levels.values() if level is Health.CRIT)
            + sum(1 for e in status.endpoints if e.state in HARD_STATES))


def burn_words(b: Burn) -> str:
    """The tier in words, for under the rate."""
    match b.tier:
        case "within":
            return "now · no burn alert"
        case "pending":
            return f"now · {b.why} pending"
        case "unknown":
            return f"now · rules cannot judge: {b.why}"
    return f"now · {b.tier.upper()}: {b.why}"
