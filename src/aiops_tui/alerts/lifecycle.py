"""One alert's lifecycle, as Prometheus runs it: inactive → pending → firing → resolved.

A condition must hold for ``for_s`` before the alert fires (a blip never pages), and a firing
alert stays firing until the condition has been false for ``keep_firing_for_s`` (a flapping
signal does not page again and again). A condition that cannot be evaluated (no data, NaN)
changes nothing but is carried as such, so the alert pane can say "cannot evaluate" instead of
showing a quiet rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    state: State = State.INACTIVE
    active_since: float | None = None  # when the condition last became true
    fired_at: float | None = None
    last_true: float | None = None  # the newest evaluation that found the condition true
    resolved_at: float | None = None
    value: float | None = None  # the newest value evaluated
    unevaluable: str = ""  # why the newest evaluation could not decide, if it could not


def step(alert: Alert, holds: bool | None, value: float | None, now: float, for_s: float,
         keep_firing_for_s: float = 0.0, why: str = "") -> Alert:
    """The alert after one evaluation at ``now``; ``holds`` None means it could not be told
    (``why`` says why). That leaves a firing alert firing (a page must not resolve because
    its data went missing) but restarts a pending one's clock: ``for`` counts time the
    condition was seen to hold, not gaps in between. An evaluation that changes nothing
    returns ``alert`` itself (most rules, most cycles), so callers can tell by identity."""
    a = alert
    if holds is None:
        why = why or "cannot evaluate"
        if a.state is State.PENDING:
            return Alert(State.INACTIVE, None, a.fired_at, a.last_true, a.resolved_at, value,
                         why)
        if a.unevaluable == why and a.value == value:
            return a
        return Alert(a.state, a.active_since, a.fired_at, a.last_true, a.resolved_at, value,
                     why)
    if holds:
        if a.state is State.INACTIVE or a.state is State.RESOLVED:
            state, since, fired_at, resolved_at = State.PENDING, now, None, None
        else:
            state, since, fired_at, resolved_at = a.state, a.active_since, a.fired_at, None
        if state is State.PENDING and now - (now if since is None else since) >= for_s:
            state, fired_at = State.FIRING, now
        return Alert(state, since, fired_at, now, resolved_at, value, "")
    if a.state is State.PENDING:
        return Alert(State.INACTIVE, None, a.fired_at, a.last_true, a.resolved_at, value, "")
    if a.state is State.FIRING and \
            now - (now if a.last_true is None else a.last_true) >= keep_firing_for_s:
        return Alert(State.RESOLVED, a.active_since, a.fired_at, a.last_true, now, value, "")
    if not a.unevaluable and a.value == value:
        return a
    return Alert(a.state, a.active_since, a.fired_at, a.last_true, a.resolved_at, value, "")
