"""Quantiles of a histogram's bucket series over a window, or the reason there are none.

Like ``histogram_quantile(q, sum by (le) (rate(x_bucket[w])))``, with one guard PromQL lacks:
if the bucket layout changed inside the window (an engine restarted with other bounds), the
old and new buckets do not add up to one distribution, so the answer is NaN with that reason
instead of a plausible wrong number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from aiops_tui.signals.quantile import histogram_quantiles
from aiops_tui.signals.rates import edges, increases_over, never_cut, points_in
from aiops_tui.store.points import SeriesPoints

Quantiles = tuple[list[float], str]
# A histogram's quantiles by (scenario, metric, histogram), with the scrapes they were made
# from.
Memo = dict[tuple[str, str, str], tuple[tuple[object, ...], Quantiles]]


def window_quantiles(buckets: Sequence[SeriesPoints], qs: Sequence[float], start: float,
                     end: float, memo: Memo | None = None) -> Quantiles:
    """Quantiles ``qs`` of the ``*_bucket`` series given, and why they are NaN if they are.

    Series are grouped into histograms (one per endpoint and label set, ``le`` aside). A
    histogram whose buckets came or went inside the window is left out; histograms whose
    finite bounds differ (replicas mid-upgrade) are refused together, since their buckets
    do not add up to one distribution.

    ``memo``: a single histogram's answer is kept with the scrapes it was made from and
    given again while the window holds the same ones, as long as no bucket's start is cut
    at zero (``rates.never_cut``): then the window's edges scale every bucket's increase
    alike and the quantiles do not move. With 15 s scrapes read every 5 s, two cycles in
    three.
    """
    nan = [math.nan] * len(qs)
    histograms: dict[str, list[SeriesPoints]] = defaultdict(list)
    for s in buckets:
        if s.bound is not None and s.ts:
            histograms[s.histogram].append(s)
    placed = [p for p in (_in_window(h, start, end) for h in histograms.values()) if p.buckets]
    if not placed:
        return nan, "no samples in the window"
    key, mark = None, None
    if memo is not None and len(placed) == 1 and placed[0].shared:
        first = placed[0].buckets[0]
        lo, hi = placed[0].spans[0]
        key = (first.scenario, first.metric, first.histogram)
        mark = (first.ts, first.ts[lo], first.ts[hi - 1], len(placed[0].buckets), tuple(qs))
        kept = memo.get(key)
        if kept is not None and kept[0][0] is mark[0] and kept[0][1:] == mark[1:]:
            return kept[1]
    answer = _quantiles(placed, qs, start, end)
    if key is not None and mark is not None and all(
            never_cut(s.values, lo, hi, s.carry) for s in placed[0].buckets):
        memo[key] = (mark, answer)  # type: ignore[index]
    return answer


def _quantiles(placed: list[_Placed], qs: Sequence[float], start: float, end: float
               ) -> Quantiles:
    nan = [math.nan] * len(qs)
    steady = [p for p in placed if p.alike]
    if not steady:
        return nan, "bucket bounds changed inside the window (engine restarted?)"
    if len(steady) > 1 and len({frozenset(s.bound for s in p.buckets  # type: ignore[misc]
                                          if not math.isinf(s.bound))  # type: ignore[arg-type]
                                for p in steady}) > 1:
        return nan, "replicas expose different bucket bounds (mid-upgrade?)"
    deltas: dict[float, float] = defaultdict(float)
    for p in steady:
        # Alike spans: the same edges unless a scrape was missed (one group when shared).
        for (lo, hi), group in groupby(zip(p.buckets, p.spans, strict=True), itemgetter(1)):
            buckets = [s for s, _ in group]
            found = edges(buckets[0].ts, lo, hi, start, end)
            if found is None:
                continue
            increases = increases_over(found, [(s.values, s.carry) for s in buckets], lo, hi)
            for s, delta in zip(buckets, increases, strict=True):
                if not math.isnan(delta):
                    deltas[s.bound] += delta  # type: ignore[index]
    if not deltas:
        return nan, "fewer than two scrapes in the window"
    if not any(math.isinf(le) and le > 0 for le in deltas):
        return nan, "the histogram has no +Inf bucket"
    if max(deltas.values()) <= 0:
        return nan, "no requests in the window"
    values = histogram_quantiles(qs, deltas.items())
    return values, "" if not any(math.isnan(v) for v in values) else "too few buckets"


class _Placed(NamedTuple):
    """A histogram's buckets that have points in the window, each with where they are
    (``[lo, hi)``), and whether those points start and end at the same scrapes in every
    bucket, as buckets scraped together do; if not, buckets came or went inside the window
    (an engine restarted with other bounds)."""

    buckets: list[SeriesPoints]
    spans: list[tuple[int, int]]
    alike: bool
    shared: bool = False  # the buckets share one list of times (so one span)


def _in_window(histogram: list[SeriesPoints], start: float, end: float) -> _Placed:
    """Where each bucket's points in the window are: found once where the buckets share
    their times (as the in-memory window keeps a scrape's buckets), else bucket by bucket."""
    ts = histogram[0].ts
    if all(s.ts is ts for s in histogram):
        lo, hi = points_in(ts, start, end)
        return _Placed(histogram, [(lo, hi)] * len(histogram), True, True) if hi > lo else \
            _Placed([], [], True)
    found = [(s, points_in(s.ts, start, end)) for s in histogram]
    found = [(s, span) for s, span in found if span[1] > span[0]]
    if not found:
        return _Placed([], [], False)
    first, (lo, hi) = found[0]
    alike = all(s.ts[a] == first.ts[lo] and s.ts[b - 1] == first.ts[hi - 1]
                for s, (a, b) in found)
    return _Placed([s for s, _ in found], [span for _, span in found], alike)
