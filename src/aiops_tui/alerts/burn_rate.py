"""Multi-window, multi-burn-rate SLO alerts (the SRE workbook's recipe).

Burn rate is how fast the error budget goes: the error ratio over a window divided by the
budget (the SLO's allowed error ratio, 1 - target). At 1x the budget lasts exactly the SLO
period; at 14.4x a 30-day budget's 2% is gone in an hour. A rule fires only when a long window
and its short window both burn above the factor: the long one proves it matters, the short one
that it is still happening (so the alert resolves soon after the problem stops). The shipped
pairs are in ``config/alerts.yaml``: page at 14.4x (1h, 5m) and 6x (6h, 30m), ticket at 1x
(3d, 6h).
"""

from __future__ import annotations

import math


def burn_rate(error_ratio: float | None, budget: float) -> float:
    """Error ratio over the budget; NaN when there is no ratio to judge or no budget."""
    if error_ratio is None or math.isnan(error_ratio) or budget <= 0:
        return math.nan
    return error_ratio / budget


def burning(factor: float, long_ratio: float | None, short_ratio: float | None,
            budget: float) -> tuple[bool | None, float]:
    """Whether both windows burn above ``factor``, and the slower of the two burn rates; None
    when either window has no error ratio (no traffic, or no history that long), which cannot
    be judged either way."""
    rates = [burn_rate(r, budget) for r in (long_ratio, short_ratio)]
    if any(math.isnan(r) for r in rates):
        return None, math.nan
    return all(r > factor for r in rates), min(rates)
