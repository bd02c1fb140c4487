"""Token burn: tokens per minute and money per hour from per-model pricing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Burn:
    tokens_in_per_min: float
    tokens_out_per_min: float
    cost_per_hour: float
    budget_fraction: float  # cost per hour over the daily budget spread evenly: 1.0 = on budget


def burn(in_per_s: float, out_per_s: float, in_per_mtok: float, out_per_mtok: float,
         daily_budget: float) -> Burn:
    cost_per_hour = (in_per_s * in_per_mtok + out_per_s * out_per_mtok) * 3600 / 1e6
    return Burn(in_per_s * 60, out_per_s * 60, cost_per_hour, cost_per_hour * 24 / daily_budget)
