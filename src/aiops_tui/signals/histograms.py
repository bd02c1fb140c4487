"""Quantiles of a histogram's bucket series over a window, or the reason there are none.

Like ``histogram_quantile(q, sum by (le) (rate(x_bucket[w])))``, with one guard PromQL lacks:
if the bucket layout changed inside the window (an engine restarted with other bounds), the
old and new buckets do not add up to one distribution, so the answer is NaN with that reason
instead of a plausible wrong number.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

from aiops_tui.signals.quantile import histogram_quantiles
from aiops_tui.signals.rates import increase_in
from aiops_tui.store.points import SeriesPoints


def window_quantiles(buckets: Sequence[SeriesPoints], qs: Sequence[float], start: float,
                     end: float) -> tuple[list[float], str]:
    """Quantiles ``qs`` of the ``*_bucket`` series given, and why they are NaN if they are.

    Series are grouped into histograms (one per endpoint and label set, ``le`` aside). A
    histogram whose buckets came or went inside the window is left out; histograms whose
    finite bounds differ (replicas mid-upgrade) are refused together, since their buckets
    do not add up to one distribution.
    """
    nan = [math.nan] * len(qs)
    groups: dict[str, list] = defaultdict(list)
    for s in buckets:
        bound, ts = s.bound, s.ts
        if bound is None or not ts:
            continue
        lo = bisect_right(ts, start)
        hi = len(ts) if ts[-1] <= end else bisect_right(ts, end)  # the window ends at now
        if hi > lo:
            groups[s.histogram].append((s, bound, lo, hi))
    if not groups:
        return nan, "no samples in the window"
    # Every bucket of one histogram is scraped together: differing spans mean buckets came
    # or went inside the window (an engine restarted with other bounds).
    steady = [g for g in groups.values() if _spans_alike(g)]
    if not steady:
        return nan, "bucket bounds changed inside the window (engine restarted?)"
    layouts = {frozenset(b for _, b, _, _ in g if not math.isinf(b)) for g in steady}
    if len(layouts) > 1:
        return nan, "replicas expose different bucket bounds (mid-upgrade?)"
    deltas: dict[float, float] = defaultdict(float)
    counted = False
    for group in steady:
        for s, bound, lo, hi in group:
            delta = increase_in(s.ts, s.values, lo, hi, start, end, s.carry)
            if not math.isnan(delta):
                deltas[bound] += delta
                counted = True
    if not counted:
        return nan, "fewer than two scrapes in the window"
    if not any(math.isinf(le) and le > 0 for le in deltas):
        return nan, "the histogram has no +Inf bucket"
    if max(deltas.values()) <= 0:
        return nan, "no requests in the window"
    values = histogram_quantiles(qs, deltas.items())
    return values, "" if not any(math.isnan(v) for v in values) else "too few buckets"


def _spans_alike(group: list) -> bool:
    """Whether every bucket's points in the window start and end at the same scrapes."""
    first, _, lo, hi = group[0]
    start, end = first.ts[lo], first.ts[hi - 1]
    return all(s.ts[lo] == start and s.ts[hi - 1] == end for s, _, lo, hi in group)
