"""The newest stretch of every series, kept in memory by the writer.

The fleet view needs only the last few minutes, every cycle. Re-reading them from DuckDB costs
tens of milliseconds on a 50-scenario fleet (building per-series lists, converting to Python);
the writer already holds every sample as it writes it. So it keeps a rolling window, filled
from the file once when the store opens, and the store remains the record for history.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Iterator

from aiops_tui.store.points import SeriesKey, SeriesPoints

PRUNE_EVERY = 10  # prune once the span has moved by 1/PRUNE_EVERY of itself


class RecentWindow:
    def __init__(self, span: float, metrics: Collection[str]) -> None:
        self.span = span
        self.metrics = frozenset(metrics)
        self._series: dict[SeriesKey, SeriesPoints] = {}
        # By scenario, then metric: what the fleet window reads, grouped as it reads it.
        self._by_scenario: dict[str, dict[str, list[SeriesPoints]]] = {}
        self._pruned_to = -math.inf

    def add(self, key: SeriesKey, ts: float, value: float) -> None:
        if key[2] not in self.metrics:
            return
        points = self._series.get(key)
        if points is None:
            points = self._series[key] = SeriesPoints(key[0], key[1], key[2], dict(key[3]),
                                                      [], [])
            self._by_scenario.setdefault(key[0], {}).setdefault(key[2], []).append(points)
        if points.ts and ts <= points.ts[-1]:
            return  # a replayed or out-of-order stamp would break the window math
        if not points.values:
            points.carry.append(0.0)
        elif points.carry:  # empty once a non-finite value made it useless: walk instead
            previous = points.values[-1]
            carried = points.carry[-1] + (previous if value < previous else 0.0)
            if math.isfinite(carried):
                points.carry.append(carried)
            else:
                points.carry.clear()
        points.ts.append(ts)
        points.values.append(value)

    def prune(self, now: float) -> None:
        """Forget points older than the span, and series that have no points left. Only once
        the span has moved on by a tenth since the last time: a pass visits every series,
        and points a little older than the span do no harm (windows are found by time)."""
        cutoff = now - self.span
        if cutoff - self._pruned_to < self.span / PRUNE_EVERY:
            return
        self._pruned_to = cutoff
        for key, points in list(self._series.items()):
            cut = bisect_right(points.ts, cutoff)
            if cut:
                del points.ts[:cut]
                del points.values[:cut]
                if points.carry:
                    del points.carry[:cut]
            if not points.ts:
                del self._series[key]
                kept = self._by_scenario[key[0]][key[2]]
                kept[:] = [other for other in kept if other is not points]

    def newest(self) -> float | None:
        """The newest sample's time, None when empty."""
        return max((points.ts[-1] for points in self._series.values()), default=None)

    def of(self, scenario: str) -> dict[str, list[SeriesPoints]]:
        """A scenario's series by metric."""
        return self._by_scenario.get(scenario, {})

    def __iter__(self) -> Iterator[SeriesPoints]:
        return iter(self._series.values())

    def __len__(self) -> int:
        return len(self._series)
