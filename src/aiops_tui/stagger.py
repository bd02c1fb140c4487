"""Each scenario's own point in a period, so work done once per period is spread over it.

A fleet's hundreds of scenarios judged, summed, merged or read at one instant would make one
cycle in each period slow and the rest idle. Each scenario (or anything named, such as one of
its feeds) moves on at its own sixtieth of the period instead (its own second past the
minute, minute past the hour), stable across restarts.
"""

from __future__ import annotations

import functools
import zlib


def staggered(scenario: str, at: float, period: float) -> float:
    """The whole ``period`` that the scenario has last moved on to at ``at``: ``at``
    rounded down to a multiple of ``period``, changing at the scenario's own point in it
    rather than at the top (so it lags ``at`` by up to one period more)."""
    offset = _offset(scenario) * period / 60
    return (at - offset) // period * period


@functools.cache
def _offset(scenario: str) -> int:
    return zlib.crc32(scenario.encode()) % 60
