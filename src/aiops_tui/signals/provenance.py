"""Where each number on screen comes from: endpoints, metric names, window, formula, PromQL.

The describe key shows this, so a responder can check a number against the engine's own page
or a Prometheus before acting on it. Built from the config and the engine mappings in
``sources.families``, so it names the metrics as each engine really exposes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiops_tui.config.models import Scenario
from aiops_tui.signals.detail import Spend
from aiops_tui.signals.status import Model, ScenarioStatus
from aiops_tui.signals.units import span
from aiops_tui.signals.window import Window
from aiops_tui.sources.families import BY_KIND


class Provenance(Model):
    field: str
    title: str
    sources: list[str]  # "endpoint (kind, url): metric names"
    window: str
    formula: str
    promql: str = ""
    why_missing: str = ""


@dataclass(frozen=True)
class _Recipe:
    title: str
    metrics: tuple[str, ...]  # canonical names; where they come from is looked up per engine
    formula: str
    promql: str = ""  # with {m0}, {m1} (the metrics' names as exposed) and {w} (the window)
    feed: str = ""  # "evals" or "index" for numbers from a JSON feed


def _quantile(q: str, metric: str, what: str) -> _Recipe:
    return _Recipe(
        f"{what} p{q}", (f"{metric}_bucket",),
        f"the {q}th percentile of the bucket increases in the window, summed over replicas "
        "by bound; linear within the bucket it falls in, the lowest from 0; NaN without +Inf",
        f"histogram_quantile(0.{q}, sum by (le) (rate({{m0}}[{{w}}])))")


RATE = "sum(rate({m0}[{w}])) * 60"
RECIPES: dict[str, _Recipe] = {
    "p50_s": _quantile("50", "e2e_latency_seconds", "end-to-end latency"),
    "p95_s": _quantile("95", "e2e_latency_seconds", "end-to-end latency"),
    "p99_s": _quantile("99", "e2e_latency_seconds", "end-to-end latency"),
    "ttft_p95_s": _quantile("95", "ttft_seconds", "time to first token"),
    "ttft_p99_s": _quantile("99", "ttft_seconds", "time to first token"),
    "error_rate": _Recipe(
        "error rate", ("requests_failed_total", "requests_ok_total"),
        "failed / (failed + succeeded) requests finished in the window (vLLM: finished with "
        "reason abort or error count as failed)",
        "sum(increase({m0}[{w}])) / (sum(increase({m0}[{w}])) + sum(increase({m1}[{w}])))"),
    "tokens_in_per_min": _Recipe("prompt tokens per minute", ("prompt_tokens_total",),
                                 "increase over the window / window seconds × 60", RATE),
    "tokens_out_per_min": _Recipe("generated tokens per minute", ("generation_tokens_total",),
                                  "increase over the window / window seconds × 60", RATE),
    "cost_per_hour": _Recipe(
        "cost per hour", ("prompt_tokens_total", "generation_tokens_total"),
        "(prompt tokens/s × input price + generated tokens/s × output price) × 3600 / 1e6, "
        "prices per million tokens from the scenario's pricing"),
    "budget_fraction": _Recipe(
        "spend rate against budget", ("prompt_tokens_total", "generation_tokens_total"),
        "cost per hour × 24 / daily budget: 100% spends exactly the budget in a day"),
    "prefix_cache_hit_rate": _Recipe(
        "prefix-cache hit rate", ("prefix_cache_hits_total", "prefix_cache_queries_total"),
        "hit tokens / queried tokens in the window",
        "sum(increase({m0}[{w}])) / sum(increase({m1}[{w}]))"),
    "retrieval_hit_rate": _Recipe(
        "retrieval hit rate", ("retrieval_hits_total", "retrieval_queries_total"),
        "retrievals that found a relevant document / retrievals, in the window (the app's "
        "own counters)",
        "sum(increase({m0}[{w}])) / sum(increase({m1}[{w}]))"),
    "negative_feedback_rate": _Recipe(
        "negative feedback rate", ("feedback_negative_total", "feedback_total"),
        "negative ratings / ratings given in the window (the app's own counters)",
        "sum(increase({m0}[{w}])) / sum(increase({m1}[{w}]))"),
    "gpu_util": _Recipe("GPU utilisation", ("gpu_utilization",),
                        "mean over the scenario's GPUs of the newest sample (DCGM reports "
                        "0-100, shown as a fraction); Triton's own figure where no DCGM"),
    "gpu_memory": _Recipe("GPU framebuffer in use",
                          ("gpu_memory_used_bytes", "gpu_memory_free_bytes",
                           "gpu_memory_total_bytes"),
                          "sum of used / sum of (used + free) over the GPUs (Triton: / total)"),
    "gpu_power_w": _Recipe("GPU power", ("gpu_power_watts",), "sum over the GPUs, newest"),
    "gpu_temp_c": _Recipe("hottest GPU", ("gpu_temperature_celsius",), "max over the GPUs"),
    "gpu_last_xid": _Recipe("last GPU XID", ("gpu_last_xid",),
                            "the last XID error the driver reported (0 = none); it warns only "
                            "when it changes inside the window"),
    "kv_use": _Recipe("KV-cache use", ("kv_cache_usage",), "max over the engines, newest"),
    "headroom": _Recipe("headroom", ("kv_cache_usage", "gpu_utilization"),
                        "1 / busy - 1, busy = KV-cache use (else GPU utilisation): how much "
                        "more load fits before saturation, as a share of today's load"),
    "running": _Recipe("requests running", ("requests_running",), "sum over engines, newest"),
    "waiting": _Recipe("requests waiting", ("requests_waiting",), "sum over engines, newest"),
    "eval_pass_rate": _Recipe("eval pass rate", (),
                              "passed / total over the newest run of every suite (big suites "
                              "weigh more)", feed="evals"),
    "index_age_s": _Recipe("index age", (), "now - built_at of the serving build",
                           feed="index"),
    "index_lag_s": _Recipe("index source lag", (),
                           "built_at - source_watermark: how far behind its source the "
                           "serving build was cut", feed="index"),
    "index_documents": _Recipe("index documents", (), "documents in the serving build",
                               feed="index"),
}
MEAN_LATENCY = _Recipe(
    "mean latency", ("request_duration_seconds_total", "requests_ok_total"),
    "increase of total request duration / increase of successful requests (Triton exposes "
    "no latency histogram by default, so this is a mean, not a p95)",
    "sum(increase({m0}[{w}])) / sum(increase({m1}[{w}]))")


def _engine_names(kind: str, metric: str) -> list[str]:
    """The names an engine exposes for a canonical metric, as a Prometheus would store them.

    (``prometheus_client`` appends ``_total`` to TGI's and Triton's counters; a Prometheus
    keeps the exposed name.) vLLM splits one counter by ``finished_reason``.
    """
    names = []
    for source, mapping in BY_KIND[kind].items():  # type: ignore[index]
        name = source[:-6] if kind in ("tgi", "triton") and source.endswith("_total") else source
        if mapping.metric == metric:
            names.append(name)
        elif mapping.metric == "requests_finished_total" and metric == "requests_failed_total":
            names.append(name + '{finished_reason=~"abort|error"}')
        elif mapping.metric == "requests_finished_total" and metric == "requests_ok_total":
            names.append(name + '{finished_reason!~"abort|error"}')
    return names


def describe(scenario: Scenario, status: ScenarioStatus, field: str, source: str
             ) -> Provenance:
    """Provenance of ``status.<field>``; ``source`` is "raw samples" or "minute rollups"."""
    recipe = RECIPES[field]
    if field == "p95_s" and status.latency_kind == "mean":
        recipe = MEAN_LATENCY
    window = span(round(status.window_s))  # valid as a PromQL range
    label = Window(0.0, round(status.window_s)).label
    sources = []
    if recipe.feed:
        feed = scenario.evals if recipe.feed == "evals" else scenario.index
        sources.append(f"{recipe.feed} feed: {feed.url}" if feed else f"no {recipe.feed} feed")
        window_text = "newest document"
    else:
        for endpoint in scenario.endpoints:
            names = sorted({n for m in recipe.metrics for n in _engine_names(endpoint.kind, m)})
            if names:
                sources.append(f"{endpoint.name} ({endpoint.kind}, {endpoint.url}): "
                               + ", ".join(names))
        gauge = not any(m.endswith(("_total", "_bucket")) for m in recipe.metrics)
        window_text = ("newest sample (no older than 3 scrape intervals)" if gauge else
                       f"last {label}, from {source}" + (
                           "; whole steps, no extrapolation at the edges"
                           if source.endswith("rollups") else
                           "; Prometheus rules (extrapolated to the window edges)"))
    exposed = [next((n for e in scenario.endpoints for n in _engine_names(e.kind, m)), m)
               for m in recipe.metrics]
    promql = ""
    if recipe.promql and exposed:
        promql = recipe.promql.format(m0=exposed[0], m1=exposed[-1], w=window)
    return Provenance(field=field, title=recipe.title, sources=sources or ["no endpoint "
                      "of this scenario exposes it"], window=window_text,
                      formula=recipe.formula, promql=promql,
                      why_missing=status.missing.get(field, ""))


SPEND = {
    "today_so_far": ("spent today (UTC)",
                     "the day's token increases from the minute and hourly rollups since "
                     "midnight UTC, plus the minute being filled, at the scenario's prices"),
    "projected_today": ("projected spend today",
                        "spent so far + cost per hour over the fleet window × hours left until "
                        "midnight UTC"),
    "baseline_daily": ("trailing 7-day daily cost",
                       "mean cost of the previous seven UTC days that the rollups cover for "
                       "20 hours or more, at today's prices"),
}


def describe_spend(scenario: Scenario, spend: Spend, field: str) -> Provenance:
    """Provenance of a ``Spend`` figure on the scenario view."""
    title, formula = SPEND[field]
    names = sorted({n for e in scenario.endpoints for m in ("prompt_tokens_total",
                                                           "generation_tokens_total")
                    for n in _engine_names(e.kind, m)})
    p = scenario.pricing
    return Provenance(
        field=field, title=title,
        sources=[f"token counters: {', '.join(names) or 'none on these endpoints'}",
                 f"prices: {p.input_per_mtok:g} in / {p.output_per_mtok:g} out "
                 f"{p.currency} per million tokens; budget {spend.daily_budget:g} a day"],
        window="today so far" if field != "baseline_daily" else
        f"previous 7 days ({spend.baseline_days} full)",
        formula=formula,
        why_missing=spend.reasons.get(field, "") if getattr(spend, field) is None else "")
