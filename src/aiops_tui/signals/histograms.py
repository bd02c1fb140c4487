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

from aiops_tui.signals.quantile import histogram_quantile
from aiops_tui.signals.rates import increase
from aiops_tui.store.points import SeriesPoints


def window_quantiles(buckets: Sequence[SeriesPoints], qs: Sequence[float], start: float,
                     end: float) -> tuple[list[float], str]:
    """Quantiles ``qs`` of the ``*_bucket`` series given, and why they are NaN if they are."""
    nan = [math.nan] * len(qs)
    inside = [(s, *_span(s, start, end)) for s in buckets]
    inside = [(s, first, last) for s, first, last in inside if first is not None]
    if not inside:
        return nan, "no samples in the window"
    histograms: dict[tuple[str, tuple[tuple[str, str], ...]], list] = defaultdict(list)
    for s, first, last in inside:
        others = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        histograms[(s.endpoint, others)].append((first, last))
    for spans in histograms.values():
        # Every bucket of one histogram is scraped together: differing spans mean buckets
        # came or went inside the window.
        if len({first for first, _ in spans}) > 1 or len({last for _, last in spans}) > 1:
            return nan, "bucket bounds changed inside the window (engine restarted?)"
    deltas: dict[float, float] = defaultdict(float)
    counted = False
    for s, _, _ in inside:
        delta = increase(s.ts, s.values, start, end)
        if not math.isnan(delta):
            deltas[float(s.labels.get("le", "nan"))] += delta
            counted = True
    if not counted:
        return nan, "fewer than two scrapes in the window"
    if not any(math.isinf(le) and le > 0 for le in deltas):
        return nan, "the histogram has no +Inf bucket"
    if max(deltas.values()) <= 0:
        return nan, "no requests in the window"
    values = [histogram_quantile(q, deltas.items()) for q in qs]
    return values, "" if not any(math.isnan(v) for v in values) else "too few buckets"


def _span(s: SeriesPoints, start: float, end: float) -> tuple[float | None, float | None]:
    """First and last sample time in ``(start, end]`` (``ts`` ascending, as stored)."""
    lo, hi = bisect_right(s.ts, start), bisect_right(s.ts, end)
    return (s.ts[lo], s.ts[hi - 1]) if hi > lo else (None, None)
