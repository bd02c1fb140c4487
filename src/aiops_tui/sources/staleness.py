"""When a series' newest sample stops counting as current: one rule for the query source's
replicas and the console's gauges, so a replica and its gauges drop out together."""

from __future__ import annotations

LOOKBACK_S = 300.0  # as an instant query: a target's state is its scrape up to 5 min back
STALE_SCRAPES = 3  # a series none of whose samples arrived for this many intervals is gone


def current(age: float, spacing: float | None) -> bool:
    """Whether a sample ``age`` seconds old still counts, from a series sampled every
    ``spacing`` seconds (None: not known yet, so the lookback). A gap of minutes is an
    outage between two samples, not a cadence: spacing counts up to a third of the lookback."""
    every = LOOKBACK_S if spacing is None else spacing
    return age <= STALE_SCRAPES * min(every, LOOKBACK_S / STALE_SCRAPES)
