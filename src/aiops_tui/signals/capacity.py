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


def headroom(kv_use: float, gpu_util: float) -> float:
    """How much more load fits before saturation, as a share of the current load.

    ``1 / max(KV-cache use, GPU utilisation) - 1``: the busier of the two is what saturates
    first (a full KV cache makes vLLM queue and preempt), and both grow roughly in proportion
    to load. 0.25 busy gives 3.0 (+300%); at or past 1.0 it is 0. NaN with neither signal.
    A first-order estimate: utilisation is not linear at the extremes.
    """
    busiest = max((v for v in (kv_use, gpu_util) if not math.isnan(v)), default=math.nan)
    if math.isnan(busiest):
        return math.nan
    if busiest <= 0:
        return math.inf
    return max(0.0, 1.0 / busiest - 1.0)
