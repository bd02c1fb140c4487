"""Counter signals from a window's totals, as ``assess`` computes them: pure, no I/O.

The alert rules measure error rate and cost over windows of their own (a burn rate's 6h, a
day's spend) from summed rollups; this says what those sums mean, with the same low-traffic
rule and the same "unknown, not zero" for an engine that counts no tokens.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiops_tui.config.models import Pricing
from aiops_tui.signals.assess import MIN_REQUESTS
from aiops_tui.signals.detail import cost
from aiops_tui.signals.window import Window

# Ratios of the app's counters: (signal, part, whole, what the whole counts).
RATIOS = (("retrieval_hit_rate", "retrieval_hits_total", "retrieval_queries_total",
           "retrievals"),
          ("negative_feedback_rate", "feedback_negative_total", "feedback_total", "ratings"))
MIN_EVENTS = 50  # fewer ratings or retrievals than this in a window are noise


def counted(signal: str, counters: Mapping[str, float | None], seconds: float,
            pricing: Pricing) -> tuple[float | None, str]:
    """``signal`` over a window of ``seconds`` whose counter increases are ``counters``;
    (None, why) where it cannot be told."""
    if seconds <= 0:
        return None, "no rollups in the window yet"

    def where() -> str:  # only when there is no value: most calls have one
        return f"in {Window(0.0, seconds).label} of rollups"

    if signal == "error_rate":
        ok = counters.get("requests_ok_total") or 0.0
        failed = counters.get("requests_failed_total") or 0.0
        if ok + failed < MIN_REQUESTS:
            return None, f"{ok + failed:.0f} requests {where()}: too few to judge"
        return failed / (ok + failed), ""
    for name, part, whole, what in RATIOS:
        if signal == name:
            n = counters.get(whole) or 0.0
            if n < MIN_EVENTS:
                return None, f"{n:.0f} {what} {where()}: too few to judge"
            return (counters.get(part) or 0.0) / n, ""
    tokens_in = counters.get("prompt_tokens_total")
    tokens_out = counters.get("generation_tokens_total")
    if tokens_in is None:
        return None, f"no token counters {where()} (the engine exposes none)"
    match signal:
        case "tokens_in_per_min":
            return tokens_in / seconds * 60, ""
        case "tokens_out_per_min":
            return (tokens_out or 0.0) / seconds * 60, ""
        case "cost_per_hour":
            return cost(tokens_in, tokens_out or 0.0, pricing) / seconds * 3600, ""
    raise ValueError(f"{signal} is not a counted signal")
