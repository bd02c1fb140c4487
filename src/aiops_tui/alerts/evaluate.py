"""Judge every rule against every scenario once a cycle and step each alert's lifecycle: pure.

Values come from the cycle's ``ScenarioStatus`` (the console's window) or, for a rule with a
window, a baseline or a burn rate, from ``Readings``, which the runtime answers from rollups.
A rule whose value cannot be read says why rather than passing as quiet; a rule that does not
apply to a scenario (an index rule where there is no index) is not evaluated at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
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


@dataclass(frozen=True)
class Verdict:
    holds: bool | None  # None: cannot be told, ``why`` says why
    value: float | None
    threshold: float | None
    say: Callable[[], str]  # the reading in words, made only for the alerts someone sees
    why: str = ""

    @property
    def reading(self) -> str:
        return self.say()


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


def judge(rule: Rule, scenario: Scenario, status: ScenarioStatus, readings: Readings
          ) -> Verdict:
    def value_over(seconds: float | None) -> tuple[float | None, str]:
        if rule.signal in READ or rule.signal in RATED:
            return readings.over(scenario, rule.signal, seconds or status.window_s)
        if seconds is None or seconds == status.window_s:
            return current(status, rule.signal)
        return readings.over(scenario, rule.signal, seconds)

    signal = rule.signal
    if rule.burn_rate is not None:
        assert rule.long is not None and rule.short is not None
        (long_ratio, long_why), (short_ratio, short_why) = value_over(rule.long), \
            value_over(rule.short)
        factor = rule.burn_rate
        holds, rate = burning(factor, long_ratio, short_ratio, scenario.slo.error_rate)
        if holds is None:
            why = long_why or short_why or "no error budget"
            return Verdict(None, None, factor, lambda: f"burn rate: {why}", why)
        long_s, short_s = rule.long, rule.short
        return Verdict(holds, rate, factor, lambda: (
            f"error budget burning {rate:.1f}x over {span(long_s)} and {span(short_s)} "
            f"(fires over {factor:g}x)"))
    value, why = value_over(rule.window)

    def name() -> str:
        of = f" (last {span(rule.window)})" if rule.window else ""
        return f"{signal.removesuffix('_s').replace('_', ' ')}{of}"

    if value is None:
        return Verdict(None, None, None, lambda: f"{name()}: {why}", why)
    detail = why  # what a read value was made of, if it says
    base = None
    if rule.baseline is not None:
        factor = rule.above_baseline or rule.below_baseline
        assert factor is not None
        base, base_why = readings.baseline(scenario, signal, rule.baseline,
                                           rule.window or status.window_s)
        if base is None or base <= 0:
            missing = f"no baseline: {base_why or 'a baseline of zero'}"
            return Verdict(None, value, None,
                           lambda: f"{name()} {shown(signal, value)}: {missing}", missing)
        threshold = factor * base
        above = rule.above_baseline is not None
    else:
        limit = rule.above if rule.above is not None else rule.below
        above = rule.above is not None
        if limit == "slo":
            slo = getattr(scenario.slo, SLO_OF[signal])
            if slo is None:
                return Verdict(None, value, None, lambda: f"{name()}: no SLO",
                               "the scenario has no SLO")
            threshold = float(slo)
        else:
            assert isinstance(limit, float | int)
            threshold = float(limit)
    holds = value > threshold if above else value < threshold

    def say() -> str:
        side = "over" if above else "under"
        if not holds:
            words = f"{name()} {shown(signal, value)}, fires {side} {shown(signal, threshold)}"
        elif base is not None:
            words = (f"{name()} {shown(signal, value)} {side} {factor:g}x its "
                     f"{span(rule.baseline or 0)} baseline {shown(signal, base)} "
                     f"({shown(signal, threshold)})")
        else:
            words = f"{name()} {shown(signal, value)} {side} {shown(signal, threshold)}"
        return f"{words}: {detail}" if detail else words

    return Verdict(holds, value, threshold, say)


@dataclass(frozen=True)
class Evaluated:
    alert: Alert
    verdict: Verdict


def evaluate(rules: Iterable[Rule], scenarios: Iterable[Scenario],
             statuses: Mapping[str, ScenarioStatus], readings: Readings,
             alerts: Mapping[Key, Alert], now: float) -> dict[Key, Evaluated]:
    """Every applicable (scenario, rule) after this cycle's evaluation at ``now``."""
    out: dict[Key, Evaluated] = {}
    rules = tuple(rules)
    for scenario in scenarios:
        status = statuses.get(scenario.id)
        if status is None:
            continue
        for rule in rules:
            if not applies(rule, scenario):
                continue
            verdict = judge(rule, scenario, status, readings)
            key = (scenario.id, rule.id)
            alert = step(alerts.get(key, Alert()), verdict.holds, verdict.value, now,
                         rule.for_s, rule.keep_firing_for_s, verdict.why)
            out[key] = Evaluated(alert, verdict)
    return out
