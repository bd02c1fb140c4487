"""Output distribution shift: how far a window's mix of answer categories has moved from a
reference period's, as a KL divergence. Pure, no I/O.

``D(P || Q) = sum p_i log(p_i / q_i)`` in nats, P the window's shares, Q the reference's.
A category the reference never saw would make it infinite, so Q is smoothed (each category
gets half a count): a brand-new kind of answer then weighs heavily but finitely. Too few
answers on either side are noise, and say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

SMOOTHING = 0.5  # counts added to every reference category
MIN_WINDOW = 200  # answers in the window
MIN_REFERENCE = 1000  # answers in the reference period


def kl_divergence(window: Mapping[str, float], reference: Mapping[str, float]
                  ) -> tuple[float | None, str]:
    """The divergence of ``window``'s category counts from ``reference``'s; (None, why)
    where there are too few answers to tell."""
    n, m = sum(window.values()), sum(reference.values())
    if n < MIN_WINDOW:
        return None, f"{n:.0f} answers in the window: too few to compare (under {MIN_WINDOW})"
    if m < MIN_REFERENCE:
        return None, f"{m:.0f} answers in the reference period (under {MIN_REFERENCE})"
    categories = set(window) | set(reference)
    total = m + SMOOTHING * len(categories)
    out = 0.0
    for c in categories:
        p = window.get(c, 0.0) / n
        if p > 0:
            out += p * math.log(p / ((reference.get(c, 0.0) + SMOOTHING) / total))
    return max(0.0, out), ""


def top_moves(window: Mapping[str, float], reference: Mapping[str, float], n: int = 2
              ) -> list[tuple[str, float, float]]:
    """The categories whose share moved most: (category, reference share, window share)."""
    w, r = sum(window.values()) or 1.0, sum(reference.values()) or 1.0
    moves = [(c, reference.get(c, 0.0) / r, window.get(c, 0.0) / w)
             for c in set(window) | set(reference)]
    return sorted(moves, key=lambda m: -abs(m[2] - m[1]))[:n]
