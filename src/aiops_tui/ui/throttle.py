"""When a weak link repaints: at most every ``every`` seconds, except for what a human must see
first (a scenario's health changing, an alert changing state), which shows at once."""

from __future__ import annotations

from aiops_tui.signals.status import FleetSnapshot


class PaintThrottle:
    def __init__(self, every: float) -> None:
        self.every = every
        self._at = float("-inf")
        self._urgent: object = None

    def due(self, snapshot: FleetSnapshot, now: float) -> bool:
        if not self.every:
            return True
        urgent = ([(s.id, s.health) for s in snapshot.scenarios],
                  sorted((a.scenario, a.rule, a.state) for a in snapshot.alerts))
        if urgent != self._urgent or now - self._at >= self.every:
            self._at, self._urgent = now, urgent
            return True
        return False
