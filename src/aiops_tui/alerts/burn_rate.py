"""Multi-window, multi-burn-rate SLO alerts (the SRE workbook's recipe).

Burn rate is how fast the error budget goes: the error ratio over a window divided by the
budget (1 - SLO target). At 1x the budget lasts exactly the SLO period; at 14.4x a 30-day
budget's 2% is gone in an hour. A pair fires only when a long window and its short window both
burn above the factor: the long one proves it matters, the short one that it is still
happening (so the alert resolves soon after the problem stops).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class BurnPair:
    tier: str
    factor: float
    long_s: float
    short_s: float


# SRE workbook, table 5-8: page at 14.4x (1h, 5m) and 6x (6h, 30m); ticket at 1x (3d, 6h).
DEFAULT_PAIRS = (
    BurnPair("page", 14.4, 3600.0, 300.0),
    BurnPair("page", 6.0, 6 * 3600.0, 1800.0),
    BurnPair("ticket", 1.0, 3 * 86400.0, 6 * 3600.0),
)


def burn_rate(error_ratio: float, target: float) -> float:
    """Error ratio over the budget ``1 - target``; NaN when there is no ratio to judge."""
    budget = 1.0 - target
    if math.isnan(error_ratio) or budget <= 0:
        return math.nan
    return error_ratio / budget


def burning(pair: BurnPair, ratios: Mapping[float, float], target: float) -> bool | None:
    """Whether both windows of ``pair`` burn above its factor; None when either window has no
    error ratio (no traffic, or no history that long), which cannot be judged either way."""
    rates = [burn_rate(ratios.get(w, math.nan), target) for w in (pair.long_s, pair.short_s)]
    if any(math.isnan(r) for r in rates):
        return None
    return all(r > pair.factor for r in rates)
