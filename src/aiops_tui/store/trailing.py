"""Counter totals over any trailing window, in memory: what the alert rules sum every cycle.

A burn-rate rule asks for a scenario's error ratio over 1h, 6h and 3d; a cost rule for a day's
spend against the seven before. Summing rollup rows for each of those on every cycle would cost
more than the rest of the cycle, so each scenario keeps running totals (prefix sums) of its
minute rows and of its hour rows: any window's total is then two lookups. Minutes answer
windows within the minutes kept; older parts come from whole hours, so a window reaching past
them is exact to the hour.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiops_tui.store.minutes import ALL_COUNTERS, HOUR, MINUTE, MinuteRow

_N = len(ALL_COUNTERS)


# One row as kept: each counter's increase (None: the engine has no such counter), the minutes
# it holds, its answers by category. Plain tuples and dicts of numbers, which the garbage
# collector does not track: a console holds tens of thousands of these, and objects it tracks
# would make every full collection scan them (a pause of 100+ ms every few cycles).
_Row = tuple[tuple[float | None, ...], int, dict[str, float]]


def _compact(row: MinuteRow) -> _Row:
    return tuple(row.counters.get(c) for c in ALL_COUNTERS), row.minutes, row.categories


@dataclass
class _Sums:
    """Prefix sums over rows in start order: ``cum[i]`` totals rows ``[0, i)`` (each counter,
    then the minutes the rows hold); ``seen`` counts the rows that had each counter (an engine
    without it must read "unknown", not 0)."""

    starts: list[float] = field(default_factory=list)
    cum: list[tuple[float, ...]] = field(default_factory=lambda: [(0.0,) * (_N + 1)])
    seen: list[tuple[int, ...]] = field(default_factory=lambda: [(0,) * _N])
    rows: dict[float, _Row] = field(default_factory=dict)

    def add(self, row: MinuteRow) -> None:
        compact = _compact(row)
        if self.starts and row.start <= self.starts[-1]:
            self.rows[row.start] = compact  # a rewrite or the clock stepped back: rebuild
            self._rebuild()
            return
        self.rows[row.start] = compact
        self._append(row.start, compact)

    def _append(self, start: float, row: _Row) -> None:
        values, minutes, _ = row
        self.starts.append(start)
        self.cum.append(tuple(t + (v or 0.0) for t, v in
                              zip(self.cum[-1], [*values, minutes], strict=True)))
        self.seen.append(tuple(n + (v is not None) for n, v in
                               zip(self.seen[-1], values, strict=True)))

    def _rebuild(self) -> None:
        self.starts, self.cum, self.seen = [], [(0.0,) * (_N + 1)], [(0,) * _N]
        for start in sorted(self.rows):
            self._append(start, self.rows[start])

    def drop_before(self, start: float) -> None:
        if self.starts and self.starts[0] < start:
            self.rows = {s: r for s, r in self.rows.items() if s >= start}
            self._rebuild()

    def span(self, since: float, until: float) -> tuple[int, int]:
        return bisect.bisect_left(self.starts, since), bisect.bisect_left(self.starts, until)

    def first(self) -> float | None:
        return self.starts[0] if self.starts else None


@dataclass(frozen=True)
class Totals:
    """What a window held: each counter's increase (None where no row had it) and the seconds
    of rollups that were there to sum."""

    counters: dict[str, float | None]
    seconds: float


class Trailing:
    """Per-scenario running totals of minute and hour rollups."""

    def __init__(self, minutes_kept_s: float) -> None:
        self.minutes_kept_s = minutes_kept_s
        self._minutes: dict[str, _Sums] = {}
        self._hours: dict[str, _Sums] = {}

    def add(self, rows: Iterable[MinuteRow], table: str = "minutes") -> None:
        sums = self._minutes if table == "minutes" else self._hours
        for row in rows:
            sums.setdefault(row.scenario, _Sums()).add(row)

    def forget(self, now: float, hours_kept_s: float) -> None:
        """Drop minutes older than ``minutes_kept_s`` and hours older than ``hours_kept_s``."""
        for sums in self._minutes.values():
            sums.drop_before(now - self.minutes_kept_s)
        for sums in self._hours.values():
            sums.drop_before(now - hours_kept_s)

    def categories(self, scenario: str, since: float, until: float,
                   pending: MinuteRow | None = None) -> dict[str, float]:
        """Answers by category over ``[since, until)`` from the minutes kept (and
        ``pending``): a window within the minutes kept, as the shift rules use."""
        out: dict[str, float] = {}
        minutes = self._minutes.get(scenario)
        parts = []
        if minutes is not None:
            lo, hi = minutes.span(since, until)
            parts = [minutes.rows[s][2] for s in minutes.starts[lo:hi]]
        if pending is not None and since <= pending.start < until:
            parts.append(pending.categories)
        for categories in parts:
            for category, count in categories.items():
                out[category] = out.get(category, 0.0) + count
        return out

    def total(self, scenario: str, since: float, until: float,
              pending: MinuteRow | None = None) -> Totals:
        """Counter increases over ``[since, until)``: whole minutes where they are kept, whole
        hours before them, and ``pending`` (the minute being filled) if it falls inside."""
        minutes = self._minutes.get(scenario)
        hours = self._hours.get(scenario)
        parts: list[tuple[_Sums, int, int]] = []
        first_minute = minutes.first() if minutes else None
        minutes_from = since
        if hours is not None and hours.starts and (first_minute is None or
                                                   since < first_minute):
            # Hours up to the first whole hour the minutes cover (or as far as the hours go,
            # after a long stop), minutes after it.
            hours_until = min(until, hours.starts[-1] + HOUR)
            if first_minute is not None:
                hours_until = min(hours_until, -(-first_minute // HOUR) * HOUR)
            parts.append((hours, *hours.span(since - since % HOUR, hours_until)))
            minutes_from = hours_until
        if minutes is not None:
            parts.append((minutes, *minutes.span(minutes_from, until)))
        totals = [0.0] * (_N + 1)
        seen = [0] * _N
        for sums, lo, hi in parts:
            if hi <= lo:
                continue
            totals = [t + a - b for t, a, b in zip(totals, sums.cum[hi], sums.cum[lo],
                                                   strict=True)]
            seen = [n + a - b for n, a, b in zip(seen, sums.seen[hi], sums.seen[lo],
                                                 strict=True)]
        seconds = totals[_N] * MINUTE
        if pending is not None and since <= pending.start < until:
            for i, name in enumerate(ALL_COUNTERS):
                value = pending.counters.get(name)
                if value is not None:
                    totals[i] += value
                    seen[i] += 1
            seconds += max(0.0, min(until, pending.start + MINUTE) - pending.start)
        return Totals({name: (totals[i] if seen[i] else None)
                       for i, name in enumerate(ALL_COUNTERS)}, seconds)
