"""Judge every rule against every scenario once a cycle and step each alert's lifecycle: pure.

Values come from the cycle's ``ScenarioStatus`` (the console's window) or, for a rule with a
window, a baseline or a burn rate, from ``Readings``, which the runtime answers from rollups.
A rule whose value cannot be read says why rather than passing as quiet; a rule that does not
apply to a scenario (an index rule where there is no index) is not evaluated at all.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aiops_tui.alerts.burn_rate import burning
from aiops_tui.alerts.lifecycle import Alert, step
from aiops_tui.alerts.rules import READ, SLO_OF, Rule
from aiops_tui.config.models import Scenario
from aiops_tui.signals.counted import RATIOS
from aiops_tui.signals.status import HARD_STATES, ScenarioStatus
from aiops_tui.signals.units import duration, money, percent, span
from aiops_tui.sources.families import BY_KIND

Key = tuple[str, str]  # scenario id, rule id
_FRACTIONS = frozenset({"error_rate", "eval_pass_rate", "budget_fraction", "gpu_util",
                        "gpu_memory", "kv_use", "prefix_cache_hit_rate", "headroom",
                        "retrieval_hit_rate", "negative_feedback_rate"})
TOKEN_SIGNALS = frozenset({"cost_per_hour", "tokens_in_per_min", "tokens_out_per_min",
                           "budget_fraction"})
# Signals only the application's own counters give (an ``app`` endpoint).
APP_SIGNALS = frozenset({"retrieval_hit_rate", "negative_feedback_rate", "output_kl",
                         "novel_errors"})
# Ratios of the app's sparse counters: read through the rollups, which refuse a window with
# too few ratings or retrievals (the status shows any ratio, a handful of ratings included).
RATED = frozenset(name for name, *_ in RATIOS)
# Numbers too thin to judge on the status: its verdict leaves them out below MIN_REQUESTS.
_TRAFFIC_BOUND = frozenset({"p50_s", "p95_s", "p99_s", "error_rate"})


class Readings(Protocol):
    """Values over windows other than the console's, read from rollups."""

    def over(self, scenario: Scenario, signal: str, seconds: float
             ) -> tuple[float | None, str]:
        """``signal`` over the last ``seconds``, and why there is no value; with a value, the
        text may say what it was made of (the new error messages, the shares that moved)."""
        ...

    def baseline(self, scenario: Scenario, signal: str, seconds: float, before: float
                 ) -> tuple[float | None, str]:
        """``signal`` over the ``seconds`` that end ``before`` seconds ago."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's judgement of one scenario. Plain numbers: the words (``reading``) are made
    only for the alerts someone sees, not for the hundreds judged quiet each cycle."""

    holds: bool | None  # None: cannot be told, ``why`` says why
    value: float | None
    threshold: float | None
    why: str = ""
    base: float | None = None  # the baseline the threshold was made from
    detail: str = ""  # what a read value was made of (new error messages, shares that moved)


def shown(signal: str, value: float | None) -> str:
    """A signal's value in its unit."""
    if value is None or math.isnan(value):
        return "—"
    if signal.endswith("_s"):
        return duration(value)
    if signal in _FRACTIONS:
        return percent(value, 1)
    if signal == "output_kl":
        return f"{value:.3f} nats"
    if signal == "cost_per_hour":
        return f"{money(value)}/h"
    return f"{value:g}"


def _counts_tokens(scenario: Scenario) -> bool:
    return any(m.metric == "prompt_tokens_total" for e in scenario.endpoints
               for m in BY_KIND[e.kind].values())


def applies(rule: Rule, scenario: Scenario) -> bool:
    """Whether the scenario can have the rule's signal at all: no index rule without an index,
    no eval rule without evals, no cost rule where no engine counts tokens (Triton), no
    quality rule without the application's own counters. Missing data on a scenario that
    should have it is another matter: that is "cannot evaluate"."""
    if rule.signal in TOKEN_SIGNALS and not _counts_tokens(scenario):
        return False
    if rule.signal in APP_SIGNALS and not any(e.kind == "app" for e in scenario.endpoints):
        return False
    if rule.signal == "retrieval_hit_rate" and not scenario.index:
        return False
    if rule.signal in ("index_age_s", "index_lag_s", "index_documents") and not scenario.index:
        return False
    if rule.signal == "index_age_s" and "slo" in (rule.above, rule.below):
        return scenario.slo.index_max_age is not None
    if rule.signal == "eval_pass_rate":
        return scenario.evals is not None
    return True


def current(status: ScenarioStatus, signal: str) -> tuple[float | None, str]:
    """``signal`` as this cycle's status has it, over the console's window."""
    if signal == "endpoints_down":
        return float(sum(e.state in HARD_STATES for e in status.endpoints)), ""
    if signal == "served_model_changed":
        v = status.versions
        return float(v.served_model is not None and v.served_model != v.model), ""
    if signal in _TRAFFIC_BOUND and "low_traffic" in status.missing:
        return None, status.missing["low_traffic"]
    value = getattr(status, signal)
    if value is None:
        return None, status.missing.get(signal, f"no {signal} this cycle")
    return float(value), ""


def _value(rule: Rule, scenario: Scenario, status: ScenarioStatus, readings: Readings,
           seconds: float | None) -> tuple[float | None, str]:
    """The rule's signal over ``seconds`` (None: the console's window)."""
    if rule.signal in READ or rule.signal in RATED:
        return readings.over(scenario, rule.signal, seconds or status.window_s)
    if seconds is None or seconds == status.window_s:
        return current(status, rule.signal)
    return readings.over(scenario, rule.signal, seconds)


def judge(rule: Rule, scenario: Scenario, status: ScenarioStatus, readings: Readings
          ) -> Verdict:
    if rule.burn_rate is not None:
        long_ratio, long_why = _value(rule, scenario, status, readings, rule.long)
        short_ratio, short_why = _value(rule, scenario, status, readings, rule.short)
        holds, rate = burning(rule.burn_rate, long_ratio, short_ratio, scenario.slo.error_rate)
        if holds is None:
            return Verdict(None, None, rule.burn_rate,
                           long_why or short_why or "no error budget")
        return Verdict(holds, rate, rule.burn_rate)
    value, why = _value(rule, scenario, status, readings, rule.window)
    if value is None:
        return Verdict(None, None, None, why)
    base = None
    if rule.baseline is not None:
        factor = rule.above_baseline or rule.below_baseline
        assert factor is not None
        base, base_why = readings.baseline(scenario, rule.signal, rule.baseline,
                                           rule.window or status.window_s)
        if base is None or base <= 0:
            return Verdict(None, value, None,
                           f"no baseline: {base_why or 'a baseline of zero'}")
        threshold = factor * base
    else:
        limit = rule.above if rule.above is not None else rule.below
        if limit == "slo":
            slo = getattr(scenario.slo, SLO_OF[rule.signal])
            if slo is None:
                return Verdict(None, value, None, "the scenario has no SLO")
            threshold = float(slo)
        else:
            assert isinstance(limit, float | int)
            threshold = float(limit)
    above = rule.above is not None or rule.above_baseline is not None
    holds = value > threshold if above else value < threshold
    return Verdict(holds, value, threshold, "", base, why)


def reading(rule: Rule, verdict: Verdict) -> str:
    """The verdict in words: the value against what it is held to, or why it cannot be told."""
    signal = rule.signal
    if rule.burn_rate is not None:
        if verdict.holds is None:
            return f"burn rate: {verdict.why}"
        return (f"error budget burning {verdict.value:.1f}x over {span(rule.long or 0)} and "
                f"{span(rule.short or 0)} (fires over {rule.burn_rate:g}x)")
    of = f" (last {span(rule.window)})" if rule.window else ""
    name = f"{signal.removesuffix('_s').replace('_', ' ')}{of}"
    value, threshold = verdict.value, verdict.threshold
    if verdict.holds is None:
        at = f" {shown(signal, value)}" if value is not None else ""
        return f"{name}{at}: {verdict.why}"
    above = rule.above is not None or rule.above_baseline is not None
    side = "over" if above else "under"
    if not verdict.holds:
        words = f"{name} {shown(signal, value)}, fires {side} {shown(signal, threshold)}"
    elif verdict.base is not None:
        factor = rule.above_baseline or rule.below_baseline or 0
        words = (f"{name} {shown(signal, value)} {side} {factor:g}x its "
                 f"{span(rule.baseline or 0)} baseline {shown(signal, verdict.base)} "
                 f"({shown(signal, threshold)})")
    else:
        words = f"{name} {shown(signal, value)} {side} {shown(signal, threshold)}"
    return f"{words}: {verdict.detail}" if verdict.detail else words


@dataclass(frozen=True, slots=True)
class Evaluated:
    alert: Alert
    verdict: Verdict


# Which rules each scenario is judged by: worked out once per configuration, not per cycle.
Plan = tuple[tuple[Scenario, tuple[tuple[Rule, Key], ...]], ...]


def plan_for(rules: Iterable[Rule], scenarios: Iterable[Scenario]) -> Plan:
    """Every scenario with the rules that apply to it, each with its alert's key."""
    rules = tuple(rules)
    return tuple((s, tuple((r, (s.id, r.id)) for r in rules if applies(r, s)))
                 for s in scenarios)


_QUIET = Alert()


def evaluate(plan: Plan, statuses: Mapping[str, ScenarioStatus], readings: Readings,
             alerts: Mapping[Key, Alert], now: float, due: Container[str] | None = None
             ) -> dict[Key, Evaluated]:
    """Every applicable (scenario, rule) of the ``due`` scenarios (default: all) after
    their evaluation at ``now``."""
    out: dict[Key, Evaluated] = {}
    for scenario, pairs in plan:
        status = statuses.get(scenario.id)
        if status is None or (due is not None and scenario.id not in due):
            continue
        for rule, key in pairs:
            verdict = judge(rule, scenario, status, readings)
            alert = step(alerts.get(key, _QUIET), verdict.holds, verdict.value, now,
                         rule.for_s, rule.keep_firing_for_s, verdict.why)
            out[key] = Evaluated(alert, verdict)
    return out
