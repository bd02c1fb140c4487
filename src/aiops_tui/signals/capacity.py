"""GPU capacity: utilisation and memory across a scenario's GPUs."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def memory_fraction(used: Sequence[float], free: Sequence[float],
                    total: Sequence[float]) -> float:
    """Framebuffer in use over the whole: DCGM reports used and free, Triton used and total."""
    whole = sum(total) if total else sum(used) + sum(free)
    return sum(used) / whole if whole > 0 else math.nan
