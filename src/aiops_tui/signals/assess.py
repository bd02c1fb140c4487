"""Turn a scenario's stored samples into its ``ScenarioStatus``: pure, no I/O."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from aiops_tui.config.models import Scenario
from aiops_tui.signals.burn import burn
from aiops_tui.signals.capacity import headroom, mean, memory_fraction
from aiops_tui.signals.quality import age, pass_rate
from aiops_tui.signals.status import (
    HARD_STATES,
    EndpointStatus,
    EvalSuite,
    Health,
    ScenarioStatus,
    Versions,
)
from aiops_tui.signals.units import duration, percent
from aiops_tui.signals.window import Figures, Window, ratio
from aiops_tui.store.minutes import ALL_COUNTERS, HISTOGRAMS
from aiops_tui.store.points import EvalRow, ManifestRow, SeriesPoints

# What the window must hold (counters and histograms, the same the rollups fold) and the gauges
# whose newest sample is read.
WINDOW_METRICS = (*HISTOGRAMS, *ALL_COUNTERS)
GAUGE_METRICS = (
    "requests_running",
    "requests_waiting",
    "kv_cache_usage",
    "gpu_utilization",
    "gpu_memory_used_bytes",
    "gpu_memory_free_bytes",
    "gpu_memory_total_bytes",
    "gpu_power_watts",
    "gpu_temperature_celsius",
    "gpu_last_xid",
)
NEAR = 0.8  # warn when a signal has used 80% of its allowance
# Below this many finished requests in the window, a p95 or an error rate is noise: shown, not
# judged (three failed requests out of eighty are not a 4% outage).
MIN_REQUESTS = 100
SATURATED = 0.95  # KV cache or GPU memory this full queues new work


Gauges = dict[str, list[float]]  # a gauge's newest value on each series, by metric


def _newest(gauges: Iterable[SeriesPoints]) -> Gauges:
    out: Gauges = defaultdict(list)
    for g in gauges:
        out[g.metric].append(g.values[-1])
    return out


def _gpu_source(gauges: Sequence[SeriesPoints]) -> Sequence[SeriesPoints]:
    """GPU gauges from the DCGM exporter when it is there, else from the engine (Triton).

    Both describe the same physical GPUs; adding them up would count each GPU twice. Without
    the exporter, ``gauges`` itself, so their newest values are worked out once.
    """
    dcgm = {g.endpoint for g in gauges if g.metric == "gpu_memory_free_bytes"}
    return [g for g in gauges if g.endpoint in dcgm] if dcgm else gauges


def _num(value: float) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else value


def _index_lag(manifest: ManifestRow | None, missing: dict[str, str]) -> float | None:
    """How far behind its source the serving build was cut (build time minus watermark)."""
    if manifest is None:
        missing["index_lag_s"] = "no index manifest"
        return None
    lag = manifest.built_at - manifest.source_watermark
    if lag < 0:
        missing["index_lag_s"] = "the manifest's source watermark is later than its build time"
        return None
    return lag


def _new_xid(gpus: Sequence[SeriesPoints]) -> float:
    """The XID a GPU reported inside the window, else NaN.

    DCGM's XID field holds the *last* XID until the exporter restarts, so an old one (often
    an application's own fault, such as 13, 31 or 43) would otherwise warn for ever.
    """
    for g in gpus:
        if g.metric == "gpu_last_xid" and g.values[-1] and g.values[-1] != g.values[0]:
            return g.values[-1]
    return math.nan


def _capacity(gauges: Sequence[SeriesPoints], every: Gauges, missing: dict[str, str]
              ) -> dict[str, float]:
    sources = _gpu_source(gauges)
    gpus = every if sources is gauges else _newest(sources)
    out = {
        "gpu_util": mean(gpus["gpu_utilization"]),
        "gpu_memory": memory_fraction(gpus["gpu_memory_used_bytes"],
                                      gpus["gpu_memory_free_bytes"],
                                      gpus["gpu_memory_total_bytes"]),
        "gpu_power_w": sum(power) if (power := gpus["gpu_power_watts"]) else math.nan,
        "gpu_temp_c": max(gpus["gpu_temperature_celsius"], default=math.nan),
        "gpu_last_xid": max(gpus["gpu_last_xid"], default=math.nan),
        "gpu_new_xid": _new_xid(sources),
        "kv_use": max(every["kv_cache_usage"], default=math.nan),
    }
    out["headroom"] = headroom(out["kv_use"], out["gpu_util"])
    if math.isnan(out["gpu_util"]):
        missing["gpu_util"] = "no fresh GPU utilisation (DCGM or Triton) sample"
    for field in ("gpu_power_w", "gpu_temp_c", "gpu_last_xid"):
        if math.isnan(out[field]):
            missing[field] = "no DCGM exporter sample"
    if math.isnan(out["kv_use"]):
        missing["kv_use"] = "no fresh KV-cache sample (TGI and Triton expose none)"
    if math.isnan(out["headroom"]):
        missing["headroom"] = "needs a fresh KV-cache or GPU utilisation sample"
    elif math.isinf(out["headroom"]):
        missing["headroom"] = "idle: no load to scale from"
    return out


def assess(
    scenario: Scenario,
    figures: Figures,
    gauges: Sequence[SeriesPoints],
    evals: Sequence[EvalRow],
    manifest: ManifestRow | None,
    endpoints: Sequence[EndpointStatus],
    window: Window,
) -> ScenarioStatus:
    """``figures`` (from ``signals.window``), ``gauges``, ``evals`` and ``manifest`` must
    already be this scenario's."""
    missing: dict[str, str] = dict(figures.missing)
    now = window.end
    wl = window.label
    totals = figures.totals
    ok = totals["requests_ok_total"]
    failed = totals["requests_failed_total"]
    ok, failed = (0.0 if math.isnan(ok) else ok), (0.0 if math.isnan(failed) else failed)
    error_rate = ratio(failed, ok + failed)
    if math.isnan(error_rate):
        missing["error_rate"] = f"no finished requests in the last {wl}"
    prefix_hits = ratio(totals["prefix_cache_hits_total"], totals["prefix_cache_queries_total"])
    if math.isnan(prefix_hits):
        missing["prefix_cache_hit_rate"] = f"no prefix-cache queries in the last {wl}"
    retrieval = ratio(totals["retrieval_hits_total"], totals["retrieval_queries_total"])
    if math.isnan(retrieval):
        missing["retrieval_hit_rate"] = f"no retrieval queries in the last {wl} (an app " \
            "endpoint counts them)"
    negative = ratio(totals["feedback_negative_total"], totals["feedback_total"])
    if math.isnan(negative):
        missing["negative_feedback_rate"] = f"no user feedback in the last {wl} (an app " \
            "endpoint counts it)"

    tokens_in = totals["prompt_tokens_total"] / window.seconds
    tokens_out = totals["generation_tokens_total"] / window.seconds
    cost = burn(tokens_in, tokens_out, scenario.pricing.input_per_mtok,
                scenario.pricing.output_per_mtok, scenario.budget.daily)
    if math.isnan(cost.cost_per_hour):
        missing["cost_per_hour"] = f"no token counters with two samples in the last {wl}"

    every = _newest(gauges)
    capacity = _capacity(gauges, every, missing)
    running, waiting = every["requests_running"], every["requests_waiting"]

    suites = [EvalSuite(suite=e.suite, passed=e.passed, total=e.total, model=e.model,
                        prompt=e.prompt, index=e.index_version, finished_at=e.finished_at)
              for e in evals]
    eval_rate = pass_rate([(e.passed, e.total) for e in evals])
    if math.isnan(eval_rate):
        missing["eval_pass_rate"] = "no eval runs received"
    index_age = age(now, manifest.built_at if manifest else None)
    if manifest is None:
        missing["index_age_s"] = "no index manifest received" if scenario.index else \
            "scenario has no index"

    served = next((m for e in endpoints if e.served_models for m in e.served_models), None)
    versions = Versions(model=scenario.versions.model, prompt=scenario.versions.prompt,
                        index=scenario.versions.index, served_model=served,
                        served_index=manifest.version if manifest else None)
    status = {
        **{key: _num(value) for key, value in (figures.quantiles | capacity).items()},
        "error_rate": _num(error_rate), "prefix_cache_hit_rate": _num(prefix_hits),
        "retrieval_hit_rate": _num(retrieval), "negative_feedback_rate": _num(negative),
        "tokens_in_per_min": _num(cost.tokens_in_per_min),
        "tokens_out_per_min": _num(cost.tokens_out_per_min),
        "cost_per_hour": _num(cost.cost_per_hour),
        "budget_fraction": _num(cost.budget_fraction),
        "running": sum(running) if running else None,
        "waiting": sum(waiting) if waiting else None,
        "eval_pass_rate": _num(eval_rate), "index_age_s": _num(index_age),
        "index_lag_s": _index_lag(manifest, missing),
    }
    requests = ok + failed
    if requests < MIN_REQUESTS:
        # Keep the numbers on screen but out of the verdict.
        judged = {**status, "p95_s": None, "error_rate": None}
        missing.setdefault("low_traffic", f"{requests:.0f} requests in the last {wl}: latency "
                           f"and error rate are shown but not judged below {MIN_REQUESTS}")
    else:
        judged = status
    health, problems, levels = _judge(scenario, judged, endpoints, versions,
                                      figures.latency_kind)
    route = scenario.route.primary
    return ScenarioStatus(
        id=scenario.id, name=scenario.name, environment=scenario.environment, at=now,
        window_s=window.seconds, health=health, problems=problems,
        latency_kind=figures.latency_kind,
        p95_slo_s=scenario.slo.p95_latency_s, error_slo=scenario.slo.error_rate,
        daily_budget=scenario.budget.daily, currency=scenario.pricing.currency,
        eval_threshold=scenario.slo.eval_pass_rate, eval_suites=suites,
        index_version=manifest.version if manifest else None,
        index_built_at=manifest.built_at if manifest else None,
        index_documents=manifest.documents if manifest else None,
        index_slo_s=scenario.slo.index_max_age, route=f"primary {route.provider}/{route.model}",
        versions=versions, endpoints=list(endpoints), missing=missing, levels=levels,
        **status,
    )


def percent1(value: float) -> str:
    return percent(value, 1)


def _judge(scenario: Scenario, s: dict[str, float | None], endpoints: Sequence[EndpointStatus],
           versions: Versions, latency_kind: str) -> tuple[Health, list[str], dict[str, Health]]:
    """Worst condition wins. Returns the verdict, a short sentence per problem, and the level
    of each judged signal, so every screen grades a number the same way."""
    crit: list[str] = []
    warn: list[str] = []
    levels: dict[str, Health] = {}
    slo = scenario.slo

    def check(field: str, limit: float | None, what: str, unit: Callable[[float], str],
              above: bool = True) -> None:
        value = s[field]
        if value is None or limit is None:
            return
        if (value > limit) if above else (value < limit):
            crit.append(f"{what} {unit(value)} {'over' if above else 'under'} {unit(limit)}")
            levels[field] = Health.CRIT
        elif above and value > limit * NEAR:
            warn.append(f"{what} {unit(value)} near {unit(limit)}")
            levels[field] = Health.WARN
        else:
            levels[field] = Health.OK

    latency = f"{latency_kind} latency"
    check("p95_s", slo.p95_latency_s, latency, duration)
    check("error_rate", slo.error_rate, "error rate", percent1)
    check("eval_pass_rate", slo.eval_pass_rate, "eval pass rate", percent1, above=False)
    check("index_age_s", slo.index_max_age, "index age", duration)
    check("budget_fraction", 1.0, "spend rate, share of daily budget", percent1)
    # Saturation only warns: a full KV cache or framebuffer queues work, it does not fail it.
    for field in ("kv_use", "gpu_memory"):
        value = s[field]
        if value is not None:
            levels[field] = Health.WARN if value > SATURATED else Health.OK
            if value > SATURATED:
                warn.append(f"{field.replace('_', ' ')} {value:.0%}")
    for e in endpoints:
        if e.state in HARD_STATES:
            crit.append(f"{e.name} {e.state}: {e.reason}")
        elif e.state != "up":
            warn.append(f"{e.name} {e.state}: {e.reason}")
    xid = s["gpu_new_xid"]
    if xid:
        # A new XID in the window: the driver reported a GPU or application fault (e.g. 48
        # double-bit ECC, 79 fell off the bus; 13/31/43 are often the application's own).
        warn.append(f"a GPU reported XID {xid:.0f} in the window")
    if versions.served_model and versions.served_model != versions.model:
        warn.append(f"served model {versions.served_model} is not configured {versions.model}")
        levels["served_model"] = Health.WARN
    if crit:
        return Health.CRIT, crit + warn, levels
    if warn:
        return Health.WARN, warn, levels
    if s["p95_s"] is None and s["error_rate"] is None:
        return (Health.UNKNOWN, ["too little traffic in the window to judge latency and errors"],
                levels)
    return Health.OK, [], levels
