"""Per-scenario one-minute rollups: what long windows, charts and the versions ledger read.

Raw samples answer the fleet window exactly, but a 7-day window over the raw samples of 50
scenarios would scan hundreds of millions of rows. So, as it writes, the writer folds every
counter and histogram bucket into per-scenario, per-minute increases and keeps the newest
status' gauges, health and live versions for that minute: one row per scenario-minute.

Increases are taken between consecutive scrapes of a series with Prometheus' reset rule (a
drop means the counter restarted from zero), so they add up across minutes to what
``increase()`` sees, without its extrapolation at the window edges. A series' first scrape
adds nothing (its value is a total since the engine started, not traffic of this minute).

Histograms are summed per bucket bound across a scenario's replicas, like
``sum by (le) (increase(x_bucket[1m]))``, but only replicas sharing one bucket layout add
up: the minute keeps the layout that saw the most requests and counts the others' requests
as ``left_out``; a replica whose layout changed between two scrapes adds nothing that time.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from aiops_tui.store.points import Labels, SeriesKey, SeriesPoints, bucket_bound, split_le

MINUTE = 60.0
HOUR = 3600.0
COUNTERS = (
    "prompt_tokens_total",
    "generation_tokens_total",
    "requests_ok_total",
    "requests_failed_total",
    "request_duration_seconds_total",
    "prefix_cache_queries_total",
    "prefix_cache_hits_total",
)
# The application's own counters (the ``app`` endpoint kind): retrieval and user feedback.
# Stored after the others (their columns came later).
APP_COUNTERS = (
    "retrieval_queries_total",
    "retrieval_hits_total",
    "feedback_total",
    "feedback_negative_total",
)
ALL_COUNTERS = COUNTERS + APP_COUNTERS
# A counter whose increases are kept per label value: answers by output category, so a
# window's mix can be set against last week's (see ``signals.shift``).
CATEGORIES = ("output_category_total", "category")
HISTOGRAMS = ("e2e_latency_seconds_bucket", "ttft_seconds_bucket")
# The status fields a minute keeps (the newest cycle's): gauges and the slow signals.
GAUGES = ("gpu_util", "gpu_memory", "kv_use", "running", "waiting", "gpu_power_w",
          "gpu_temp_c", "eval_pass_rate", "index_age_s")
VERSION_KINDS = ("model", "prompt", "index")


@dataclass(slots=True)
class Histogram:
    """Cumulative counts of increases per upper bound (ascending, ``+Inf`` last)."""

    bounds: tuple[float, ...]
    counts: list[float]
    left_out: float = 0.0  # requests seen in another bucket layout, not added

    @property
    def total(self) -> float:
        return self.counts[-1] if self.counts else 0.0

    def pairs(self) -> list[tuple[float, float]]:
        return list(zip(self.bounds, self.counts, strict=True))


@dataclass(slots=True)
class MinuteRow:
    start: float
    scenario: str
    counters: dict[str, float] = field(default_factory=dict)
    histograms: dict[str, Histogram] = field(default_factory=dict)
    gauges: dict[str, float | None] = field(default_factory=dict)
    health: str = "unknown"
    versions: dict[str, str | None] = field(default_factory=dict)
    minutes: int = 1  # how many minutes the row sums (history steps hold several)
    first: float | None = None  # the first minute it holds, where a step starts before it
    critical: int = 0  # how many of them the scenario was critical; see ``__post_init__``
    categories: dict[str, float] = field(default_factory=dict)  # see ``CATEGORIES``

    def __post_init__(self) -> None:
        if self.minutes == 1 and self.health == "crit":
            self.critical = 1

    @property
    def covers_from(self) -> float:
        return self.start if self.first is None else self.first


def merge_histograms(parts: Iterable[Histogram]) -> Histogram | None:
    """One histogram from many (minutes, or replicas): the layout with most requests wins."""
    by_layout: dict[tuple[float, ...], list[float]] = {}
    left_out = 0.0
    for h in parts:
        left_out += h.left_out
        sums = by_layout.get(h.bounds)
        if sums is None:
            by_layout[h.bounds] = list(h.counts)
        else:
            for i, c in enumerate(h.counts):
                sums[i] += c
    if not by_layout:
        return None
    bounds, counts = max(by_layout.items(), key=lambda item: item[1][-1] if item[1] else 0.0)
    left_out += sum(c[-1] for b, c in by_layout.items() if b != bounds and c)
    return Histogram(bounds, counts, left_out)


@dataclass(slots=True)
class _Open:
    """A minute being filled: counter sums and per-layout bucket sums."""

    since: float  # the cycle before its first: its increases cover the time from there
    counters: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    categories: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    buckets: dict[str, dict[tuple[float, ...], list[float]]] = field(
        default_factory=lambda: defaultdict(dict))
    status: tuple[dict[str, float | None], str, dict[str, str | None]] | None = None


class MinuteRollup:
    """Folds each cycle's samples into per-scenario minutes; hands closed minutes out."""

    def __init__(self, closed_until: float = float("-inf")) -> None:
        self._last: dict[SeriesKey, float] = {}
        self._layouts: dict[tuple[str, str, str, Labels], tuple[float, ...]] = {}
        self._open: dict[tuple[str, float], _Open] = {}
        # Minutes before this are written: a cycle stamped inside one (the clock stepped back,
        # or a restart within a minute a stopped console flushed) goes to the first open one,
        # so every scenario-minute is one row and a written one never changes.
        self.closed_until = closed_until
        self._cycle_at: float | None = None  # the cycle being folded, and the one before it
        self._previous_at: float | None = None

    def seed(self, series: Iterable[SeriesPoints]) -> None:
        """Start from the newest stored values and layouts, so a restart loses no increase."""
        layouts: dict[tuple[str, str, str, Labels], list[float]] = defaultdict(list)
        for s in series:
            if s.metric not in ALL_COUNTERS and s.metric not in HISTOGRAMS \
                    and s.metric != CATEGORIES[0]:
                continue
            labels = tuple(sorted(s.labels.items()))
            self._last[(s.scenario, s.endpoint, s.metric, labels)] = s.values[-1]
            le = s.labels.get("le")
            bound = bucket_bound(le) if le is not None else None
            if s.metric in HISTOGRAMS and bound is not None:
                rest = tuple(kv for kv in labels if kv[0] != "le")
                layouts[(s.scenario, s.endpoint, s.metric, rest)].append(bound)
        for key, bounds in layouts.items():
            self._layouts[key] = tuple(sorted(bounds))
        newest = [s.ts[-1] for s in series if s.ts]
        self._cycle_at = max(newest, default=None)  # the next increases count from there

    def add(self, scenario: str, endpoint: str, at: float,
            samples: Iterable[tuple[str, Labels, float]]) -> None:
        """One endpoint's scrape; ``at`` is the cycle's time, which picks the minute."""
        minute = self._minute(scenario, at)
        histograms: dict[tuple[str, Labels], list[tuple[float, float]]] = defaultdict(list)
        for metric, labels, value in samples:
            if metric in ALL_COUNTERS:  # kept even at 0: "no traffic" is not "no such counter"
                minute.counters[metric] += self._delta((scenario, endpoint, metric, labels),
                                                       value)
            elif metric == CATEGORIES[0]:
                category = dict(labels).get(CATEGORIES[1], "")
                minute.categories[category] += self._delta((scenario, endpoint, metric, labels),
                                                           value)
            elif metric in HISTOGRAMS:
                le, rest = split_le(labels)
                bound = bucket_bound(le) if le is not None else None
                if bound is not None:
                    histograms[(metric, rest)].append((bound, self._delta(
                        (scenario, endpoint, metric, labels), value)))
        for (metric, rest), buckets in histograms.items():
            buckets.sort()
            layout = tuple(b for b, _ in buckets)
            previous = self._layouts.get((scenario, endpoint, metric, rest))
            self._layouts[(scenario, endpoint, metric, rest)] = layout
            if previous != layout or not math.isinf(layout[-1]):
                continue  # first scrape, or bounds changed (engine restarted): nothing to add
            sums = minute.buckets[metric].setdefault(layout, [0.0] * len(layout))
            for i, (_, delta) in enumerate(buckets):
                sums[i] += delta

    def _delta(self, key: SeriesKey, value: float) -> float:
        previous = self._last.get(key)
        self._last[key] = value
        if previous is None or math.isnan(value) or math.isnan(previous):
            return 0.0
        return value - previous if value >= previous else value  # a drop is a reset to 0

    def note(self, scenario: str, at: float, gauges: Mapping[str, float | None], health: str,
             versions: Mapping[str, str | None]) -> None:
        """The cycle's status for the minute: the newest one noted is what the minute keeps."""
        self._minute(scenario, at).status = (dict(gauges), health, dict(versions))

    def _start(self, at: float) -> float:
        return max(math.floor(at / MINUTE) * MINUTE, self.closed_until)

    def _minute(self, scenario: str, at: float) -> _Open:
        if at != self._cycle_at:
            self._previous_at, self._cycle_at = self._cycle_at, at
        key = (scenario, self._start(at))
        found = self._open.get(key)
        if found is None:
            since = at if self._previous_at is None else min(self._previous_at, at)
            found = self._open[key] = _Open(since=since)
        return found

    def close(self, before: float) -> list[MinuteRow]:
        """Every minute that started before ``before``'s minute, as rows, forgotten here."""
        cutoff = math.floor(before / MINUTE) * MINUTE
        done = sorted(key for key in self._open if key[1] < cutoff)
        self.closed_until = max(self.closed_until, cutoff)
        return [self._row(key, self._open.pop(key)) for key in done]

    def flush(self) -> list[MinuteRow]:
        """Every minute still open, partial ones too: for a clean shutdown."""
        done = sorted(self._open)
        if done:
            self.closed_until = max(self.closed_until, done[-1][1] + MINUTE)
        return [self._row(key, self._open.pop(key)) for key in done]

    def pending(self, scenario: str, at: float) -> MinuteRow | None:
        """The minute still being filled, for windows that reach up to now. Its ``first`` is
        the cycle its increases count from, so a rate over it divides by the time they took
        (its start may even lie ahead of ``at``: see ``closed_until``)."""
        key = (scenario, self._start(at))
        found = self._open.get(key)
        if found is None:
            return None
        row = self._row(key, found)
        row.first = found.since
        return row

    @staticmethod
    def _row(key: tuple[str, float], minute: _Open) -> MinuteRow:
        histograms = {}
        for metric, layouts in minute.buckets.items():
            merged = merge_histograms(Histogram(b, c) for b, c in layouts.items())
            if merged is not None:
                histograms[metric] = merged
        gauges, health, versions = minute.status or ({}, "unknown", {})
        return MinuteRow(start=key[1], scenario=key[0], counters=dict(minute.counters),
                         categories=dict(minute.categories),
                         histograms=histograms, gauges=gauges, health=health,
                         versions=versions)


_WORST = ("ok", "unknown", "warn", "crit")


def combine(rows: Sequence[MinuteRow]) -> MinuteRow | None:
    """Several rows as one, starting at the first: counters and histograms add up (the layout
    with most requests kept), gauges average, health is the worst, versions the newest."""
    if not rows:
        return None
    counters: dict[str, float] = defaultdict(float)
    categories: dict[str, float] = defaultdict(float)
    gauges: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for name, value in r.categories.items():
            categories[name] += value
        for name, value in r.counters.items():
            if value is not None:  # None: no such counter (see the schema)
                counters[name] += value
        for name, value in r.gauges.items():
            if value is not None:
                gauges[name].append(value)
    histograms = {}
    for metric in HISTOGRAMS:
        merged = merge_histograms(r.histograms[metric] for r in rows if metric in r.histograms)
        if merged is not None:
            histograms[metric] = merged
    newest = max(rows, key=lambda r: r.start)
    return MinuteRow(start=min(r.start for r in rows), scenario=rows[0].scenario,
                     counters=dict(counters), histograms=histograms,
                     categories=dict(categories),
                     gauges={g: sum(v) / len(v) for g, v in gauges.items()},
                     health=max((r.health for r in rows), key=_rank), versions=newest.versions,
                     minutes=sum(r.minutes for r in rows),
                     first=min(r.covers_from for r in rows),
                     critical=sum(r.critical for r in rows))


def _rank(health: str) -> int:
    return _WORST.index(health) if health in _WORST else 1
