"""The newest stretch of every series, kept in memory by the writer.

The fleet view needs only the last few minutes, every cycle. Re-reading them from DuckDB costs
tens of milliseconds on a 50-scenario fleet (building per-series lists, converting to Python);
the writer already holds every sample as it writes it. So it keeps a rolling window, filled
from the file once when the store opens, and the store remains the record for history.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator

from aiops_tui.store.points import Labels, SeriesKey, SeriesPoints, split_le

PRUNE_EVERY = 10  # prune once the span has moved by 1/PRUNE_EVERY of itself


class RecentWindow:
    """The window, by series. A histogram's buckets scraped together share one list of
    times (one per bucket layout): the window math then finds a window's edges once per
    histogram, not once per bucket, and the times are kept once."""

    def __init__(self, span: float, metrics: Collection[str]) -> None:
        self.span = span
        self.metrics = frozenset(metrics)
        self._series: dict[SeriesKey, SeriesPoints] = {}  # each series' newest points
        # By scenario, then metric: what the fleet window reads, grouped as it reads it. It
        # also holds a bucket layout's series after the next layout has replaced them.
        self._by_scenario: dict[str, dict[str, list[SeriesPoints]]] = {}
        # Each histogram's buckets by ``le``, sharing the times of their scrapes.
        self._histograms: dict[tuple[str, str, str, Labels], dict[str, SeriesPoints]] = {}
        self._pruned_to = -math.inf

    def add(self, scenario: str, endpoint: str, at: float,
            samples: Iterable[tuple[str, Labels, float]]) -> None:
        """One scrape of one endpoint, made at ``at``."""
        buckets: dict[tuple[str, Labels], dict[str, float]] = {}
        for metric, labels, value in samples:
            if metric not in self.metrics:
                continue
            le, rest = split_le(labels) if metric.endswith("_bucket") else (None, labels)
            if le is None:
                key = (scenario, endpoint, metric, labels)
                points = self._series.get(key) or self._new(key, [])
                if not points.ts or at > points.ts[-1]:
                    points.ts.append(at)
                    _append(points, value)
            else:
                buckets.setdefault((metric, rest), {})[le] = value
        for (metric, rest), values in buckets.items():
            self._add_histogram((scenario, endpoint, metric, rest), at, values)

    def _add_histogram(self, key: tuple[str, str, str, Labels], at: float,
                       values: dict[str, float]) -> None:
        """One scrape of a histogram's buckets: their shared times grow by one. Buckets
        other than the ones before (an engine restarted with other bounds, or the first
        scrape) start a list of times for the new layout; a scrape missing some of them (a
        NaN left out, remote-write shards arriving apart) is left out of the window, since
        it would look like a new layout and refuse every window holding it."""
        kept = self._histograms.get(key)
        if kept is not None:
            ts = next(iter(kept.values())).ts
            if at <= ts[-1] or values.keys() < kept.keys():
                return  # a replayed or out-of-order stamp would break the window math too
        if kept is None or kept.keys() != values.keys():
            ts = []
            scenario, endpoint, metric, rest = key
            kept = self._histograms[key] = {
                le: self._new((scenario, endpoint, metric, tuple(sorted((*rest, ("le", le))))),
                              ts) for le in values}
        ts.append(at)
        for le, value in values.items():
            _append(kept[le], value)

    def _new(self, key: SeriesKey, ts: list[float]) -> SeriesPoints:
        points = self._series[key] = SeriesPoints(key[0], key[1], key[2], dict(key[3]), ts, [])
        self._by_scenario.setdefault(key[0], {}).setdefault(key[2], []).append(points)
        return points

    def prune(self, now: float) -> None:
        """Forget points older than the span, and series that have no points left. Only once
        the span has moved on by a tenth since the last time: a pass visits every series,
        and points a little older than the span do no harm (windows are found by time)."""
        cutoff = now - self.span
        if cutoff - self._pruned_to < self.span / PRUNE_EVERY:
            return
        self._pruned_to = cutoff
        cuts: dict[int, int] = {}  # by times list: a histogram's buckets share theirs
        for by_metric in self._by_scenario.values():
            for metric, series in by_metric.items():
                for points in series:
                    cut = cuts.get(id(points.ts))
                    if cut is None:
                        cut = cuts[id(points.ts)] = bisect_right(points.ts, cutoff)
                        del points.ts[:cut]
                    if cut:
                        del points.values[:cut]
                        if points.carry:
                            del points.carry[:cut]
                if any(not points.values for points in series):
                    by_metric[metric] = [points for points in series if points.values]
        for key in [k for k, points in self._series.items() if not points.values]:
            del self._series[key]
        for key in [k for k, kept in self._histograms.items()
                    if not next(iter(kept.values())).values]:
            del self._histograms[key]

    def newest(self) -> float | None:
        """The newest sample's time, None when empty."""
        return max((points.ts[-1] for points in self._series.values()), default=None)

    def of(self, scenario: str) -> dict[str, list[SeriesPoints]]:
        """A scenario's series by metric."""
        return self._by_scenario.get(scenario, {})

    def __iter__(self) -> Iterator[SeriesPoints]:
        """Each series' newest points."""
        return iter(self._series.values())

    def __len__(self) -> int:
        return len(self._series)


def _append(points: SeriesPoints, value: float) -> None:
    """A value whose time has just been appended, with the running total of what resets
    added back (``SeriesPoints.carry``)."""
    if not points.values:
        points.carry.append(0.0)
    elif points.carry:  # empty once a non-finite value made it useless: walk instead
        previous = points.values[-1]
        carried = points.carry[-1] + (previous if value < previous else 0.0)
        if math.isfinite(carried):
            points.carry.append(carried)
        else:
            points.carry.clear()
    points.values.append(value)
