"""The alert book: every (scenario, rule)'s alert, how it is being handled, and what changed.

It holds the lifecycle (``lifecycle.Alert``) next to the operator's handling (ack, silence),
turns each cycle's evaluation into events (fired, resolved) and notices for the notifiers, and
makes the views screens and scripts read. No I/O: the runtime stores ``dirty()`` rows and the
events in the same transaction, and loads the rows back on start, so a restart loses no
pending timer, ack or silence.

Inhibition follows Alertmanager's usual rule: while a scenario's page on a signal fires, its
tickets on the same signal are held back (shown, marked, not notified). An ack lasts until the
alert resolves; a silence until its end time, even across a resolve.
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from aiops_tui.alerts.evaluate import Evaluated, Key, Plan, Verdict, plan_for, reading
from aiops_tui.alerts.lifecycle import Alert, State
from aiops_tui.alerts.rules import AlertRules, Rule
from aiops_tui.config.models import Config
from aiops_tui.signals.status import AlertView
from aiops_tui.stagger import staggered
from aiops_tui.store.points import AlertEvent, AlertRow

TIERS = ("page", "ticket", "review")
RESOLVED_SHOWN_S = 900.0  # a resolved alert stays on the pane this long, then leaves it
STALE_PENDING_S = 300.0  # a stored pending alert older than this restarts its ``for``
_OPEN = (State.PENDING, State.FIRING)
_QUIET = Alert()


class AlertError(ValueError):
    """An ack or silence that cannot be done, and why."""


@dataclass(frozen=True)
class Handling:
    acked_by: str | None = None
    acked_at: float | None = None
    silenced_until: float | None = None
    silenced_by: str | None = None
    silence_reason: str | None = None

    def silenced(self, now: float) -> bool:
        return self.silenced_until is not None and self.silenced_until > now


_UNHANDLED = Handling()


class Notice(enum.StrEnum):
    """What a notifier is told (PagerDuty's event actions)."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class Notification:
    notice: Notice
    view: AlertView


def _lifecycle(alert: Alert) -> tuple[object, ...]:
    """What of an alert is stored when it changes: not the value and the reason it cannot be
    told, which most rules change every cycle and a restart judges again at once (writing
    them was a thousand rows a cycle on a 200-scenario fleet)."""
    return alert.state, alert.active_since, alert.fired_at, alert.last_true, alert.resolved_at


class Book:
    def __init__(self, rules: AlertRules, config: Config, rows: Iterable[AlertRow] = (),
                 now: float = 0.0) -> None:
        self.rules: dict[str, Rule] = {r.id: r for r in rules.rules}
        self.config = config
        self._scenarios = {s.id: s for s in config.scenarios}  # by id: every view looks one up
        self.plan: Plan = plan_for(self.rules.values(), config.scenarios)
        self.alerts: dict[Key, Alert] = {}
        self.handling: dict[Key, Handling] = {}
        self.verdicts: dict[Key, Verdict] = {}  # the newest, for its words and threshold
        self._dirty: set[Key] = set()
        # Each view with what it was made from and its place in ``views``' order.
        self._views: dict[Key, tuple[tuple[object, ...], AlertView, tuple[object, ...]]] = {}
        # Triggered (queued or delivered) and not resolved since; of those, the ones a
        # notifier accepted, which are stored: a restart knows what is open at PagerDuty.
        self._notified: set[Key] = set()
        self._accepted: set[Key] = set()
        self._periods: dict[str, float] = {}  # the evaluation period each was last judged in
        for row in rows:
            key = (row.scenario, row.rule)
            alert = Alert(State(row.state), row.active_since, row.fired_at, row.last_true,
                          row.resolved_at, row.value, row.unevaluable)
            if alert.state is State.PENDING and (alert.last_true or 0) < now - STALE_PENDING_S:
                # Pending when the console stopped long ago: ``for`` starts again.
                alert = replace(alert, state=State.INACTIVE, active_since=None)
                self._dirty.add(key)
            self.alerts[key] = alert
            self.handling[key] = Handling(row.acked_by, row.acked_at, row.silenced_until,
                                          row.silenced_by, row.silence_reason)
            if row.notified:
                self._notified.add(key)
                self._accepted.add(key)

    # -- each cycle --------------------------------------------------------------------------
    def due(self, now: float) -> set[str]:
        """The scenarios to judge at ``now``: each once per ``evaluation_interval``, at its
        own point in it (``stagger``); all of them on the first cycle, and every cycle when
        the interval is no longer than the console's."""
        every = self.config.alerts.evaluation_interval
        if every <= self.config.console.interval_s:
            return set(self._scenarios)
        return {s for s in self._scenarios if self._periods.get(s) != staggered(s, now, every)}

    def update(self, evaluated: Mapping[Key, Evaluated], now: float,
               judged: Collection[str] | None = None) -> list[AlertEvent]:
        """Take an evaluation of the ``judged`` scenarios (default: all); returns the events
        it made (fired, resolved). An open alert of a judged scenario that was not evaluated
        resolves: its rule stopped applying (the scenario lost its index, evals or app
        endpoint); so does one whose rule or scenario left the config. The judged are not
        ``due`` again until their next period: a cycle that failed before this judges them
        again on the next."""
        every = self.config.alerts.evaluation_interval
        for scenario in self._scenarios if judged is None else judged:
            self._periods[scenario] = staggered(scenario, now, every)
        events = []
        for key in [k for k, a in self.alerts.items() if a.state in _OPEN
                    and k not in evaluated and (judged is None or k[0] in judged
                                                or k[0] not in self._scenarios
                                                or k[1] not in self.rules)]:
            if self.alerts[key].state is State.FIRING:
                self.alerts[key] = replace(self.alerts[key], state=State.RESOLVED,
                                           resolved_at=now, unevaluable="")
                gone = key[1] not in self.rules or key[0] not in self._scenarios
                events.append(AlertEvent(now, *key, "resolved", None,
                                         "no longer in the configuration" if gone
                                         else "the rule no longer applies"))
            else:  # pending, never fired: just not pending any more
                self.alerts[key] = replace(self.alerts[key], state=State.INACTIVE,
                                           active_since=None, unevaluable="")
            if self.handling.get(key, _UNHANDLED).acked_by:
                self.handling[key] = replace(self.handling[key], acked_by=None, acked_at=None)
            self._dirty.add(key)
        for key, item in evaluated.items():
            after = item.alert
            if after.state is State.INACTIVE and not after.unevaluable:
                # Quiet: nothing shows its words. Not kept, so the few hundred verdicts of a
                # cycle do not pile up in the collector's oldest generation.
                self.verdicts.pop(key, None)
            else:
                self.verdicts[key] = item.verdict
            before = self.alerts.get(key, _QUIET)
            if after is before or after == before:
                continue
            self.alerts[key] = after
            if _lifecycle(after) != _lifecycle(before):
                self._dirty.add(key)
            if after.state != before.state and after.state in (State.FIRING, State.RESOLVED):
                events.append(AlertEvent(now, *key, "fired" if after.state is State.FIRING
                                         else "resolved", None,
                                         reading(self.rules[key[1]], item.verdict)))
            if after.state not in _OPEN and self.handling.get(key, _UNHANDLED).acked_by:
                self.handling[key] = replace(self.handling[key], acked_by=None, acked_at=None)
        return events

    def notifications(self, now: float) -> list[Notification]:
        """Triggers for alerts that fire, unsilenced and uninhibited, and were not yet sent;
        resolves for sent ones that stopped firing."""
        out = []
        paging = self._paging()
        for key, alert in self.alerts.items():
            if alert.state is not State.FIRING and key not in self._notified:
                continue  # the common case, kept cheap: no view is made for it
            view = self._view(key, now, paging)
            if view is None:  # its rule or scenario left the config: close what was opened
                if key in self._notified and alert.state is not State.FIRING:
                    self._notified.discard(key)
                    rule = self.rules.get(key[1])  # without it, the tier is not known: "" goes
                    out.append(Notification(Notice.RESOLVE, AlertView(  # to every notifier
                        scenario=key[0], rule=key[1], tier=rule.tier if rule else "",
                        state=str(alert.state), summary="no longer in the configuration",
                        value=alert.value, threshold=None, reading="",
                        since=alert.resolved_at)))
                continue
            if self._wanted(view, now) and key not in self._notified:
                self._notified.add(key)
                out.append(Notification(Notice.TRIGGER, view))
                if view.acked_by:  # acked while pending: the incident opens acknowledged
                    out.append(Notification(Notice.ACKNOWLEDGE, view))
            elif key in self._notified and view.state != State.FIRING:
                self._notified.discard(key)
                out.append(Notification(Notice.RESOLVE, view))
        return out

    def _wanted(self, view: AlertView, now: float) -> bool:
        """Whether a notifier should have this alert open: firing, neither held back by a page
        nor silenced, and not a weekly-review item."""
        silenced = self.handling.get((view.scenario, view.rule), _UNHANDLED).silenced(now)
        return (view.state == State.FIRING and view.inhibited_by is None
                and view.tier != "review" and not silenced)

    def delivered(self, key: Key, notice: Notice) -> None:
        """A notifier accepted ``notice`` for ``key``: stored with the alert."""
        if notice is Notice.TRIGGER and key not in self._accepted:
            self._accepted.add(key)
            self._dirty.add(key)
        elif notice is Notice.RESOLVE and key in self._accepted:
            self._accepted.discard(key)
            self._dirty.add(key)

    def dirty(self) -> list[AlertRow]:
        """Rows changed since they were last stored (see ``saved``)."""
        return [self._row(key) for key in sorted(self._dirty)]

    def saved(self, rows: Iterable[AlertRow]) -> None:
        """``rows`` are in the store: until then a failed write leaves them to store again."""
        self._dirty.difference_update((r.scenario, r.rule) for r in rows)

    def restore(self, key: Key, handling: Handling) -> None:
        """Undo an ack or silence whose write failed: the screen must match the store."""
        self.handling[key] = handling

    def _row(self, key: Key) -> AlertRow:
        a, h = self.alerts.get(key, _QUIET), self.handling.get(key, _UNHANDLED)
        return AlertRow(key[0], key[1], str(a.state), a.active_since, a.fired_at, a.last_true,
                        a.resolved_at, a.value, a.unevaluable, h.acked_by, h.acked_at,
                        h.silenced_until, h.silenced_by, h.silence_reason,
                        key in self._accepted)

    def _reading(self, key: Key) -> str:
        verdict = self.verdicts.get(key)
        return reading(self.rules[key[1]], verdict) if verdict else ""

    # -- the operator ------------------------------------------------------------------------
    def _known(self, key: Key) -> None:
        if key[0] not in self._scenarios or key[1] not in self.rules:
            raise AlertError(f"no alert {key[1]!r} on scenario {key[0]!r}")

    def ack(self, key: Key, who: str, now: float) -> tuple[AlertEvent, Notification | None]:
        """Acknowledge an open alert: the responder has it. Notifiers are told."""
        self._known(key)
        alert = self.alerts.get(key, _QUIET)
        if alert.state not in _OPEN:
            raise AlertError(f"{key[1]} on {key[0]} is {alert.state}: only a pending or "
                             "firing alert can be acknowledged")
        self.handling[key] = replace(self.handling.get(key, _UNHANDLED), acked_by=who,
                                     acked_at=now)
        self._dirty.add(key)
        notice = None
        if key in self._notified:
            notice = Notification(Notice.ACKNOWLEDGE, self.view(key, now))
        return AlertEvent(now, *key, "acked", who, self._reading(key)), notice

    def silence(self, key: Key, who: str, until: float, reason: str, now: float
                ) -> AlertEvent:
        """Hold an alert's notifications until ``until``; it still shows, marked silenced."""
        self._known(key)
        if until <= now:
            raise AlertError("a silence must end in the future")
        if not reason.strip():
            raise AlertError("say why: a silence without a reason helps nobody at handover")
        self.handling[key] = replace(self.handling.get(key, _UNHANDLED), silenced_until=until,
                                     silenced_by=who, silence_reason=reason.strip())
        self._dirty.add(key)
        return AlertEvent(now, *key, "silenced", who,
                          f"for {until - now:.0f}s: {reason.strip()}")

    def unsilence(self, key: Key, who: str, now: float) -> AlertEvent:
        self._known(key)
        if not self.handling.get(key, _UNHANDLED).silenced(now):
            raise AlertError(f"{key[1]} on {key[0]} is not silenced")
        self.handling[key] = replace(self.handling[key], silenced_until=None, silenced_by=None,
                                     silence_reason=None)
        self._dirty.add(key)
        return AlertEvent(now, *key, "unsilenced", who, "")

    # -- what screens read -------------------------------------------------------------------
    def view(self, key: Key, now: float, inhibited_by: str | None = None) -> AlertView:
        """The alert as screens show it; reused while nothing in it changed (most of a
        fleet's lines are rules that cannot be judged yet, the same cycle after cycle)."""
        return self._kept(key, now, inhibited_by)[1]

    def _kept(self, key: Key, now: float, inhibited_by: str | None
              ) -> tuple[tuple[object, ...], AlertView, tuple[object, ...]]:
        """What the view is made from, the view, and its rank (``_rank``)."""
        alert, handling = self.alerts.get(key, _QUIET), self.handling.get(key, _UNHANDLED)
        verdict = self.verdicts.get(key)
        mark = (alert, handling, inhibited_by, handling.silenced(now),
                (verdict.why, verdict.threshold) if verdict else None)
        kept = self._views.get(key)
        if kept is not None and kept[0] == mark:
            return kept
        made = self._make_view(key, now, inhibited_by)
        kept = self._views[key] = (mark, made, _rank(made))
        return kept

    def _make_view(self, key: Key, now: float, inhibited_by: str | None) -> AlertView:
        scenario = self._scenarios[key[0]]
        rule = self.rules[key[1]]
        alert, handling = self.alerts.get(key, _QUIET), self.handling.get(key, _UNHANDLED)
        owners = scenario.owners
        silenced = handling.silenced(now)
        return AlertView(
            scenario=key[0], rule=key[1], tier=rule.tier, condition=rule.condition,
            state=str(alert.state), summary=rule.summary, value=alert.value,
            threshold=self.verdicts[key].threshold if key in self.verdicts else None,
            reading=self._reading(key),
            since=alert.resolved_at if alert.state is State.RESOLVED else alert.active_since,
            fired_at=alert.fired_at, unevaluable=alert.unevaluable,
            owner=owners.incident or (owners.escalation[0] if owners.escalation else None),
            escalation=list(owners.escalation), runbook=rule.runbook,
            acked_by=handling.acked_by, acked_at=handling.acked_at,
            silenced_until=handling.silenced_until if silenced else None,
            silenced_by=handling.silenced_by if silenced else None,
            silence_reason=handling.silence_reason if silenced else None,
            inhibited_by=inhibited_by)

    def _paging(self) -> dict[tuple[str, str], str]:
        """(scenario, signal) → the firing page on it, which holds back its tickets."""
        return {(k[0], self.rules[k[1]].signal): k[1] for k, a in self.alerts.items()
                if a.state is State.FIRING and k[1] in self.rules
                and self.rules[k[1]].tier == "page"}

    def _view(self, key: Key, now: float, paging: dict[tuple[str, str], str]
              ) -> AlertView | None:
        """The view of ``key``; None for a rule or scenario removed from the config since."""
        kept = self._entry(key, now, paging)
        return kept[1] if kept is not None else None

    def _entry(self, key: Key, now: float, paging: dict[tuple[str, str], str]
               ) -> tuple[tuple[object, ...], AlertView, tuple[object, ...]] | None:
        rule = self.rules.get(key[1])
        if rule is None or key[0] not in self._scenarios:
            return None
        inhibitor = paging.get((key[0], rule.signal)) if rule.tier == "ticket" else None
        return self._kept(key, now, inhibitor)

    def views(self, now: float, every: bool = False) -> list[AlertView]:
        """Alerts worth a line: pending, firing, resolved lately, or unevaluable; sorted by
        tier, then state (firing first), then age (oldest first), the unevaluable last.
        ``every`` keeps all."""
        paging = self._paging()
        out = []
        for key, alert in self.alerts.items():
            if not (every or alert.state in _OPEN or alert.unevaluable
                    or (alert.state is State.RESOLVED and alert.resolved_at is not None
                        and now - alert.resolved_at < RESOLVED_SHOWN_S)):
                continue
            kept = self._entry(key, now, paging)
            if kept is not None:
                out.append(kept)
        out.sort(key=operator.itemgetter(2))  # each view's rank is kept with it
        return [view for _, view, _ in out]


_STATE_ORDER = {str(State.FIRING): 0, str(State.PENDING): 1, str(State.RESOLVED): 2,
                str(State.INACTIVE): 3}


def _rank(view: AlertView) -> tuple[object, ...]:
    """Where a view goes in ``Book.views``: by tier, state and age (one that has not begun
    after those that have), and the rules that cannot be judged after all of them, so a fresh
    store's "not enough history yet" never buries a page."""
    return (bool(view.unevaluable) and view.state != State.FIRING, TIERS.index(view.tier),
            _STATE_ORDER[view.state], view.since if view.since is not None else math.inf,
            view.scenario, view.rule)
