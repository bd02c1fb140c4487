"""Eval pass rates and index freshness: the signals that catch quiet failures."""

from __future__ import annotations

import math
from collections.abc import Sequence


def pass_rate(runs: Sequence[tuple[int, int]]) -> float:
    """Overall pass rate of ``(passed, total)`` runs: a sum, so big suites weigh more."""
    total = sum(t for _, t in runs)
    return sum(p for p, _ in runs) / total if total else math.nan


def age(now: float, then: float | None) -> float:
    return math.nan if then is None else max(0.0, now - then)
