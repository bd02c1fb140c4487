"""A week of simulated past for a fresh demo store, so the 24h and 7d windows, the charts and
the spend baseline have something to show from the first minute.

Hourly rollups in closed form from each scenario's traffic profile: the expected value of what
``demo.sim`` draws at that hour of the day (requests, outcomes, tokens, lognormal latencies
over the same buckets), without its noise and bursts. Only the demo writes them, and only into
a store that has no history yet; describe and the README say where they come from.
"""

from __future__ import annotations

import math

from aiops_tui.config.models import Config, Scenario
from aiops_tui.demo.sim import (
    CATEGORIES,
    E2E_BUCKETS,
    FEEDBACK_P,
    NEGATIVE_P,
    RETRIEVAL_HIT_P,
    TTFT_BUCKETS,
    Profile,
    profile_for,
    tgi_duration_buckets,
)
from aiops_tui.store.minutes import HOUR, Histogram, MinuteRow

DAYS = 7
SIGMA_E2E, SIGMA_TTFT = 0.35, 0.5  # as demo.sim draws them


def _histogram(bounds: tuple[float, ...], median: float, sigma: float, n: float) -> Histogram:
    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))

    return Histogram((*bounds, math.inf), [n * cdf(b) for b in bounds] + [n])


def _span(scenario: Scenario, p: Profile, start: float, seconds: float) -> MinuteRow:
    """What ``seconds`` of traffic from ``start`` would add up to, on average."""
    hour_of_day = ((start + seconds / 2) % 86400) / 3600
    load = 1.0 + 0.45 * math.sin(2 * math.pi * (hour_of_day - 9) / 24)  # ScenarioSim.diurnal
    concurrency = p.rps * load * p.latency_median * 1.2
    slowdown = 1.0 + max(0.0, concurrency / p.capacity - 0.7) * 2.5
    requests = p.rps * load * seconds
    failed = requests * p.error_p
    kinds = {e.kind for e in scenario.endpoints}
    counters = {"requests_ok_total": requests - failed, "requests_failed_total": failed}
    histograms = {}
    latency = p.latency_median * slowdown
    if kinds & {"vllm", "openai", "sglang", "tgi"}:
        prompt = requests * p.in_tokens
        counters |= {"prompt_tokens_total": prompt,
                     "generation_tokens_total": (requests - failed) * p.out_tokens}
        bounds = tgi_duration_buckets() if "tgi" in kinds else E2E_BUCKETS
        histograms["e2e_latency_seconds_bucket"] = _histogram(bounds, latency, SIGMA_E2E,
                                                              requests)
    if kinds & {"vllm", "openai"}:
        counters |= {"prefix_cache_queries_total": prompt, "prefix_cache_hits_total": prompt * 0.35}
        histograms["ttft_seconds_bucket"] = _histogram(
            TTFT_BUCKETS, p.ttft_median * slowdown, SIGMA_TTFT, requests)
    if "triton" in kinds:
        mean = latency * math.exp(SIGMA_E2E**2 / 2)
        counters["request_duration_seconds_total"] = (requests - failed) * mean
    if "app" in kinds:  # the application's counters, as demo.sim draws them
        ok = requests - failed
        counters |= {"feedback_total": ok * FEEDBACK_P,
                     "feedback_negative_total": ok * FEEDBACK_P * NEGATIVE_P}
        if scenario.index:
            counters |= {"retrieval_queries_total": ok,
                         "retrieval_hits_total": ok * RETRIEVAL_HIT_P}
        categories = {c: ok * share for c, share in CATEGORIES.items()}
    else:
        categories = {}
    running = min(concurrency, p.capacity)
    kv = min(1.0, 0.08 + 0.85 * running / p.capacity)
    util = min(1.0, 0.12 + 0.8 * concurrency / p.capacity + 0.05)
    gauges = {
        "gpu_util": util, "gpu_memory": min(0.98, 0.55 + 0.4 * kv + 0.0125),
        "kv_use": kv if kinds & {"vllm", "openai", "sglang"} else None, "running": running,
        "waiting": max(0.0, concurrency - p.capacity),
        "gpu_power_w": p.gpus * (60 + util * 160), "gpu_temp_c": 38 + util * 100 // 3,
        "eval_pass_rate": 0.96, "index_age_s": 1800.0 + 240 if scenario.index else None,
    }
    v = scenario.versions
    return MinuteRow(start=start, scenario=scenario.id, counters=counters,
                     histograms=histograms, gauges=gauges, health="ok",
                     versions={"model": v.model, "prompt": v.prompt, "index": v.index},
                     minutes=round(seconds / 60), categories=categories)


def past(config: Config, now: float, days: int = DAYS) -> tuple[list[MinuteRow],
                                                                 list[MinuteRow]]:
    """Every scenario's past from midnight UTC ``days`` ago: whole hours up to the hour
    ``now`` falls in, then that hour's minutes up to ``now``'s, so live collection carries on
    without a gap and the first day of the baseline is a whole one."""
    hour, minute = now - now % HOUR, now - now % 60
    first = now - now % 86400 - days * 86400
    profiles = [(scenario, profile_for(scenario, index))
                for index, scenario in enumerate(config.scenarios)]
    hours = [_span(scenario, p, start, HOUR) for scenario, p in profiles
             for start in range(int(first), int(hour), int(HOUR))]
    minutes = [_span(scenario, p, start, 60.0) for scenario, p in profiles
               for start in range(int(hour), int(minute), 60)]
    return hours, minutes
