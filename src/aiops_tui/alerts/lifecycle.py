"""One alert's lifecycle, as Prometheus runs it: inactive → pending → firing → resolved.

A condition must hold for ``for_s`` before the alert fires (a blip never pages), and a firing
alert stays firing until the condition has been false for ``keep_firing_for_s`` (a flapping
signal does not page again and again). A condition that cannot be evaluated (no data, NaN)
changes nothing but is carried as such, so the alert pane can say "cannot evaluate" instead of
showing a quiet rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


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
    condition was seen to hold, not gaps in between."""
    if holds is None:
        why = why or "cannot evaluate"
        if alert.unevaluable == why and alert.value == value and \
                alert.state is not State.PENDING:
            return alert  # most rules, most cycles: nothing to copy
        if alert.state is State.PENDING:
            return replace(alert, state=State.INACTIVE, active_since=None, unevaluable=why,
                           value=value)
        return replace(alert, unevaluable=why, value=value)
    if not holds and alert.state is State.INACTIVE and not alert.unevaluable \
            and alert.value == value:
        return alert
    alert = replace(alert, value=value, unevaluable="")
    if holds:
        if alert.state in (State.INACTIVE, State.RESOLVED):
            alert = replace(alert, state=State.PENDING, active_since=now, resolved_at=None,
                            fired_at=None)
        alert = replace(alert, last_true=now)
        since = now if alert.active_since is None else alert.active_since
        if alert.state is State.PENDING and now - since >= for_s:
            alert = replace(alert, state=State.FIRING, fired_at=now)
        return alert
    if alert.state is State.PENDING:
        return replace(alert, state=State.INACTIVE, active_since=None)
    last_true = now if alert.last_true is None else alert.last_true
    if alert.state is State.FIRING and now - last_true >= keep_firing_for_s:
        return replace(alert, state=State.RESOLVED, resolved_at=now)
    return alert
