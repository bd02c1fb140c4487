"""The alert rules' windows and baselines, read from the store's rollups.

Counter signals (error rate, tokens, cost) are summed from ``store.trailing`` in microseconds;
a quantile's baseline merges the hourly histograms of its window once per hour and is kept.
A window with too little history behind it is "cannot evaluate", with how much there was,
rather than a rate over an hour passed off as three days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from aiops_tui.alerts.rules import COUNTED
from aiops_tui.config.models import Scenario
from aiops_tui.signals.counted import counted
from aiops_tui.signals.shift import kl_divergence, top_moves
from aiops_tui.signals.units import span
from aiops_tui.signals.window import Window, from_rollup
from aiops_tui.stagger import staggered
from aiops_tui.store.db import Store
from aiops_tui.store.minutes import HOUR, MINUTE, MinuteRow, combine
from aiops_tui.store.trailing import Totals, Trailing

T = TypeVar("T")
REFERENCE_S = 7 * 86400.0  # the answer mix a window's is set against: the week before
WINDOW_COVERAGE = 0.9  # a window must have rollups for this share of its length
LONG_WINDOW_S = 1800.0  # windows this long are summed from closed minutes only
KEPT = 16384  # answers kept for closed minutes and hours before unasked ones are dropped
UNASKED_S = 600.0  # answers not asked for this long are past (a scenario is judged at least
# every five minutes: ``evaluation_interval`` is at most that)
BASELINE_MIN_S = 86400.0  # a baseline needs this much history, or half its window if shorter


def _short(have: float, want: float, what: str) -> str:
    return f"only {Window(0.0, have).label} of history for a {span(want)} {what}"


class RollupReadings:
    """``evaluate.Readings`` over one store, as of ``now``."""

    def __init__(self, store: Store, trailing: Trailing) -> None:
        self.store = store
        self.trailing = trailing
        self.now = 0.0
        # Answers that change only when a minute or an hour closes, kept until then.
        self._kept: dict[tuple[object, ...], Any] = {}
        self._asked: dict[tuple[object, ...], float] = {}  # when each was last asked for
        self._limit = KEPT  # how many are kept before the next drop
        self._pending: dict[str, MinuteRow | None] = {}
        self._totals: dict[tuple[str, float, float, bool], Totals] = {}

    def at(self, now: float) -> RollupReadings:
        self.now = now
        self._pending.clear()
        self._totals.clear()
        if len(self._kept) > self._limit:  # answers no evaluation asked for lately are past
            self._asked = {k: t for k, t in self._asked.items() if now - t <= UNASKED_S}
            self._kept = {k: self._kept[k] for k in self._asked if k in self._kept}
            # A big fleet may ask for more in ten minutes: drop again only once it doubles.
            self._limit = max(KEPT, 2 * len(self._kept))
        return self

    def _keep(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """``make()``, worked out once per ``key`` (which names the closed minute or hour it
        stands for); past ``KEPT`` of them, those not asked for in ``UNASKED_S`` are dropped
        (each cycle judges only some of the scenarios, so not asked this cycle is not past)."""
        self._asked[key] = self.now
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]  # type: ignore[no-any-return]

    def _rolled(self, end_h: float) -> float:
        """``end_h``, or the end of the newest hour rolled up if that is earlier: a window
        over hours waits for its newest one to be rolled rather than being kept all hour
        without it (and rolled hours are in memory, so moving on reads nothing)."""
        rolled = self.store.rolled_until()
        return end_h if rolled is None else min(end_h, rolled)

    def _total(self, scenario: str, since: float, until: float, pending: bool = False
               ) -> Totals:
        """A window's totals, once a cycle: several rules sum the same window (the 6h of two
        burn rates, the week before for retrieval and feedback)."""
        key = (scenario, since, until, pending)
        if key not in self._totals:
            self._totals[key] = self.trailing.total(
                scenario, since, until, self.pending(scenario) if pending else None)
        return self._totals[key]

    def pending(self, scenario: str) -> MinuteRow | None:
        """The minute being filled, made once a cycle (many windows end in it)."""
        if scenario not in self._pending:
            self._pending[scenario] = self.store.rollup.pending(scenario, self.now)
        return self._pending[scenario]

    def over(self, scenario: Scenario, signal: str, seconds: float
             ) -> tuple[float | None, str]:
        since = (self.now - seconds) // MINUTE * MINUTE  # whole minutes: at least the window
        if signal == "novel_errors":
            return self._novel_errors(scenario, seconds)
        if signal == "output_kl":
            if seconds < LONG_WINDOW_S:
                return self._shift(scenario, since, self.now)
            until = staggered(scenario.id, self.now, MINUTE)  # as below: once a minute
            return self._keep(("shift", scenario.id, seconds, until),
                              lambda: self._shift(scenario, until - seconds, until))
        if signal not in COUNTED:
            raise ValueError(f"{signal} has no rollup window")
        if seconds >= LONG_WINDOW_S:
            # Whole minutes up to the newest closed one: the value changes once a minute, so
            # it is worked out once a minute (the minute being filled is 3% of 30m at most),
            # each scenario at its own second, so the fleet's sums are not all redone in one
            # cycle (the newest minute may lag by one more, nothing to a 30m+ window).
            until = staggered(scenario.id, self.now, MINUTE)
            return self._keep(("over", scenario.id, signal, seconds, until), lambda: self._judged(
                signal, self._total(scenario.id, until - seconds, until), seconds, scenario))
        totals = self._total(scenario.id, since, self.now, pending=True)
        return self._judged(signal, totals, seconds, scenario)

    @staticmethod
    def _judged(signal: str, totals: Totals, seconds: float, scenario: Scenario
                ) -> tuple[float | None, str]:
        if totals.seconds < WINDOW_COVERAGE * seconds:
            return None, _short(totals.seconds, seconds, "window")
        return counted(signal, totals.counters, totals.seconds, scenario.pricing)

    def _novel_errors(self, scenario: Scenario, seconds: float) -> tuple[float | None, str]:
        """Error messages first seen in the window; the ones there when the console first
        watched the application are its old ones, not news."""
        first_contact, seen = self.store.error_strings(scenario.id)
        if first_contact is None:
            return None, "the application has not answered yet"
        new = sorted((t, e) for e, t in seen.items()
                     if t > first_contact and t >= self.now - seconds)
        shown = "; ".join(f"{e[:80]!r}" for _, e in new[:3])
        return float(len(new)), (f"new: {shown}" + (" …" if len(new) > 3 else "")
                                 if new else "")

    def _shift(self, scenario: Scenario, since: float, until: float
               ) -> tuple[float | None, str]:
        """The window's answer categories against the week before it (whole hours, kept
        until the next hour); a window ending now includes the minute being filled."""
        window = self.trailing.categories(scenario.id, since, until, self.pending(scenario.id))
        end_h = self._rolled(staggered(scenario.id, since, HOUR))

        def week() -> dict[str, float]:
            merged = combine(self.store.history(scenario.id, end_h - REFERENCE_S, end_h, HOUR,
                                                "hours"))
            return merged.categories if merged else {}

        reference = self._keep(("categories", scenario.id, end_h), week)
        value, why = kl_divergence(window, reference)
        if value is None:
            return None, why
        moves = ", ".join(f"{c[:40]!r} {was:.0%} → {now:.0%}"
                          for c, was, now in top_moves(window, reference))
        return value, f"moved most: {moves}"

    def baseline(self, scenario: Scenario, signal: str, seconds: float, before: float
                 ) -> tuple[float | None, str]:
        end = self.now - before
        need = min(seconds / 2, BASELINE_MIN_S)
        if signal in COUNTED:
            end = staggered(scenario.id, end, MINUTE)  # the same answer all minute long

            def summed() -> tuple[float | None, str]:
                totals = self._total(scenario.id, end - seconds, end)
                if totals.seconds < need:
                    return None, _short(totals.seconds, seconds, "baseline")
                return counted(signal, totals.counters, totals.seconds, scenario.pricing)

            return self._keep(("baseline", scenario.id, signal, seconds, end), summed)
        # A quantile: merge the whole hours of the window (kept until the next hour).
        end_h = self._rolled(staggered(scenario.id, end, HOUR))

        def merged() -> tuple[float | None, str]:
            since = end_h - seconds
            # Hour by hour: the store keeps finished hours, so the next hour reads one row.
            row = combine(self.store.history(scenario.id, since, end_h, HOUR, "hours"))
            have = row.minutes * MINUTE if row else 0.0
            if have < need:
                return None, _short(have, seconds, "baseline")
            value = from_rollup(row, Window(since, end_h)).quantiles.get(signal, math.nan)
            if math.isnan(value):
                return None, f"no latency histogram in the {span(seconds)} baseline"
            return value, ""

        return self._keep(("quantile", scenario.id, signal, seconds, end_h), merged)
