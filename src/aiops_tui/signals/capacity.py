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

    ``1 / busy - 1``, where ``busy`` is KV-cache use when the engine reports it, else GPU
    utilisation. KV use grows with the requests in flight and is what makes vLLM queue and
    preempt; GPU utilisation (the share of time any kernel runs) nears 100% under continuous
    batching even at light load, so it is only the fallback (Triton). 0.25 busy gives 3.0
    (+300%); at or past 1.0 it is 0. NaN with neither signal; infinite when idle.
    """
    busy = gpu_util if math.isnan(kv_use) else kv_use
    if math.isnan(busy):
        return math.nan
    if busy <= 0:
        return math.inf
    return max(0.0, 1.0 / busy - 1.0)
