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
from aiops_tui.signals.rates import increase
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
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list] = defaultdict(list)
    for s in buckets:
        bound = _bound(s.labels.get("le"))
        first, last = _span(s, start, end)
        if bound is not None and first is not None:
            others = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            groups[(s.endpoint, others)].append((s, bound, first, last))
    if not groups:
        return nan, "no samples in the window"
    # Every bucket of one histogram is scraped together: differing spans mean buckets came
    # or went inside the window (an engine restarted with other bounds).
    steady = [g for g in groups.values()
              if len({first for *_, first, _ in g}) == 1 and len({last for *_, last in g}) == 1]
    if not steady:
        return nan, "bucket bounds changed inside the window (engine restarted?)"
    layouts = {frozenset(b for _, b, _, _ in g if not math.isinf(b)) for g in steady}
    if len(layouts) > 1:
        return nan, "replicas expose different bucket bounds (mid-upgrade?)"
    deltas: dict[float, float] = defaultdict(float)
    counted = False
    for group in steady:
        for s, bound, _, _ in group:
            delta = increase(s.ts, s.values, start, end)
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


def _bound(le: str | None) -> float | None:
    """A bucket's upper bound, or None for a series that is not a well-formed bucket."""
    try:
        bound = float(le) if le is not None else math.nan
    except ValueError:
        return None
    return None if math.isnan(bound) else bound


def _span(s: SeriesPoints, start: float, end: float) -> tuple[float | None, float | None]:
    """First and last sample time in ``(start, end]`` (``ts`` ascending, as stored)."""
    lo, hi = bisect_right(s.ts, start), bisect_right(s.ts, end)
    return (s.ts[lo], s.ts[hi - 1]) if hi > lo else (None, None)
