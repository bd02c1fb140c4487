"""The alert rules' windows and baselines, read from the store's rollups.

Counter signals (error rate, tokens, cost) are summed from ``store.trailing`` in microseconds;
a quantile's baseline merges the hourly histograms of its window once per hour and is kept.
A window with too little history behind it is "cannot evaluate", with how much there was,
rather than a rate over an hour passed off as three days.
"""

from __future__ import annotations

import math

from aiops_tui.alerts.rules import COUNTED
from aiops_tui.config.models import Scenario
from aiops_tui.signals.counted import counted
from aiops_tui.signals.shift import kl_divergence, top_moves
from aiops_tui.signals.units import span
from aiops_tui.signals.window import Window, from_rollup
from aiops_tui.store.db import Store
from aiops_tui.store.minutes import HOUR, MINUTE, combine
from aiops_tui.store.trailing import Trailing

REFERENCE_S = 7 * 86400.0  # the answer mix a window's is set against: the week before
WINDOW_COVERAGE = 0.9  # a window must have rollups for this share of its length
BASELINE_MIN_S = 86400.0  # a baseline needs this much history, or half its window if shorter


def _short(have: float, want: float, what: str) -> str:
    return f"only {Window(0.0, have).label} of history for a {span(want)} {what}"


class RollupReadings:
    """``evaluate.Readings`` over one store, as of ``now``."""

    def __init__(self, store: Store, trailing: Trailing) -> None:
        self.store = store
        self.trailing = trailing
        self.now = 0.0
        self._quantiles: dict[tuple[str, str, float, float], tuple[float | None, str]] = {}
        self._references: dict[tuple[str, str, float, float], dict[str, float]] = {}

    def at(self, now: float) -> RollupReadings:
        self.now = now
        return self

    def over(self, scenario: Scenario, signal: str, seconds: float
             ) -> tuple[float | None, str]:
        since = (self.now - seconds) // MINUTE * MINUTE  # whole minutes: at least the window
        if signal == "novel_errors":
            return self._novel_errors(scenario, seconds)
        if signal == "output_kl":
            return self._shift(scenario, since)
        if signal not in COUNTED:
            raise ValueError(f"{signal} has no rollup window")
        totals = self.trailing.total(scenario.id, since, self.now,
                                     self.store.rollup.pending(scenario.id, self.now))
        if totals.seconds < WINDOW_COVERAGE * seconds:
            return None, _short(totals.seconds, seconds, "window")
        return counted(signal, totals.counters, totals.seconds, scenario.pricing)

    def _novel_errors(self, scenario: Scenario, seconds: float) -> tuple[float | None, str]:
        """Error messages first seen in the window; the ones there when the console first
        watched the application are its old ones, not news."""
        seen = self.store.error_strings(scenario.id)
        if not seen:
            return 0.0, ""
        first_contact = min(seen.values())
        new = sorted((t, e) for e, t in seen.items()
                     if t > first_contact and t >= self.now - seconds)
        shown = "; ".join(f"{e[:80]!r}" for _, e in new[:3])
        return float(len(new)), (f"new: {shown}" + (" …" if len(new) > 3 else "")
                                 if new else "")

    def _shift(self, scenario: Scenario, since: float) -> tuple[float | None, str]:
        """The window's answer categories against the week before it (whole hours, kept
        until the next hour)."""
        window = self.trailing.categories(scenario.id, since, self.now,
                                          self.store.rollup.pending(scenario.id, self.now))
        end_h = since // HOUR * HOUR
        key = (scenario.id, "categories", REFERENCE_S, end_h)
        if key not in self._references:
            if len(self._references) > 4096:
                self._references.clear()
            rows = self.store.history(scenario.id, end_h - REFERENCE_S, end_h, HOUR, "hours")
            merged = combine(rows)
            self._references[key] = merged.categories if merged else {}
        reference = self._references[key]
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
            totals = self.trailing.total(scenario.id, end - seconds, end)
            if totals.seconds < need:
                return None, _short(totals.seconds, seconds, "baseline")
            return counted(signal, totals.counters, totals.seconds, scenario.pricing)
        # A quantile: merge the whole hours of the window (kept until the next hour).
        end_h = end // HOUR * HOUR
        key = (scenario.id, signal, seconds, end_h)
        if key not in self._quantiles:
            if len(self._quantiles) > 4096:
                self._quantiles.clear()
            since = end_h - seconds
            # Hour by hour: the store keeps finished hours, so the next hour reads one row.
            row = combine(self.store.history(scenario.id, since, end_h, HOUR, "hours"))
            have = row.minutes * MINUTE if row else 0.0
            if have < need:
                self._quantiles[key] = (None, _short(have, seconds, "baseline"))
            else:
                value = from_rollup(row, Window(since, end_h)).quantiles.get(signal, math.nan)
                self._quantiles[key] = ((None, f"no latency histogram in the {span(seconds)} "
                                               "baseline") if math.isnan(value) else (value, ""))
        return self._quantiles[key]
