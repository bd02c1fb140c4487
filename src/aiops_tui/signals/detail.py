"""The scenario view's picture beyond the status: charts, spend, versions ledger, evals, builds.

Pure: the runtime reads minute rollups, eval runs and index builds from the store and hands
them here. Each builder says what it cannot know (a baseline without a full day of history,
a rollback target nobody has run long enough to trust) instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import Field

from aiops_tui.config.models import Pricing, Scenario
from aiops_tui.signals.quality import pass_rate
from aiops_tui.signals.status import Model, ScenarioStatus
from aiops_tui.signals.window import Window, from_rollup, ratio
from aiops_tui.store.minutes import MinuteRow
from aiops_tui.store.points import EvalRow, ManifestRow, VersionSpan

DAY = 86400.0
# A day counts towards the cost baseline when the store covers most of it.
FULL_DAY_MINUTES = 1200
# A version is "known good" once it served this many minutes with the scenario not critical,
# and was critical for under a tenth of the time it was live.
KNOWN_GOOD_MINUTES = 30
KNOWN_GOOD_MAX_CRITICAL = 0.1
CHART_POINTS = 60

# What each chart line plots; the keys are ScenarioStatus field names.
CHART_FIELDS = ("p50_s", "p95_s", "p99_s", "ttft_p95_s", "error_rate", "tokens_in_per_min",
                "tokens_out_per_min", "cost_per_hour", "gpu_util", "gpu_memory", "kv_use",
                "eval_pass_rate", "index_age_s")


class Chart(Model):
    """One value per step for each field; ``None`` where a step has nothing to say."""

    step_s: float
    at: list[float]
    values: dict[str, list[float | None]]


class Spend(Model):
    currency: str
    today_so_far: float | None
    projected_today: float | None  # so far plus the current burn until midnight UTC
    daily_budget: float
    baseline_daily: float | None  # mean daily cost over the previous full days (up to 7)
    baseline_days: int
    reasons: dict[str, str] = Field(default_factory=dict)  # field -> why it has no value


class VersionEntry(Model):
    kind: str
    version: str
    first_seen: float
    last_seen: float
    minutes: int
    critical_minutes: int
    live: bool
    known_good: bool


class EvalPoint(Model):
    suite: str
    finished_at: float
    pass_rate: float
    model: str
    prompt: str
    index: str | None


class IndexBuild(Model):
    version: str
    built_at: float
    source_watermark: float
    documents: int
    documents_change: int | None  # against the build before it


class ScenarioDetail(Model):
    status: ScenarioStatus  # judged over the chosen window
    source: str  # "raw samples" or "minute rollups"
    chart: Chart
    spend: Spend
    versions: list[VersionEntry]
    last_known_good: dict[str, str | None]
    evals: list[EvalPoint]
    builds: list[IndexBuild]


def chart_step(window_s: float) -> float:
    """At most ``CHART_POINTS`` steps across the window: whole minutes, or whole hours from a
    day up (those windows read the hourly rollups)."""
    unit = 3600.0 if window_s >= DAY else 60.0
    return max(unit, math.ceil(window_s / CHART_POINTS / unit) * unit)


def cost(tokens_in: float, tokens_out: float, pricing: Pricing) -> float:
    return (tokens_in * pricing.input_per_mtok + tokens_out * pricing.output_per_mtok) / 1e6


def _row_cost(row: MinuteRow, pricing: Pricing) -> float:
    """NaN where the engine counts no tokens (Triton): unknown, not free."""
    tokens_in = row.counters.get("prompt_tokens_total")
    tokens_out = row.counters.get("generation_tokens_total")
    if tokens_in is None:
        return math.nan
    return cost(tokens_in, tokens_out or 0.0, pricing)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else value


def chart(steps: Sequence[MinuteRow], step_s: float, pricing: Pricing, now: float) -> Chart:
    """Chart lines from history steps: quantiles per step's merged histogram, rates per the
    time the step covers (the newest minute only up to ``now``), gauges averaged."""
    values: dict[str, list[float | None]] = {f: [] for f in CHART_FIELDS}
    for row in steps:
        covered = max(1.0, min(row.minutes * 60.0, now - row.covers_from))
        fig = from_rollup(row, Window(row.start, row.start + covered))
        t = fig.totals
        ok, failed = (0.0 if math.isnan(v) else v for v in (t["requests_ok_total"],
                                                            t["requests_failed_total"]))
        point = {
            **fig.quantiles,
            "error_rate": ratio(failed, ok + failed),  # as ``assess``: an absent counter is 0
            "tokens_in_per_min": t["prompt_tokens_total"] / covered * 60,
            "tokens_out_per_min": t["generation_tokens_total"] / covered * 60,
            "cost_per_hour": _row_cost(row, pricing) / covered * 3600,
            **{g: row.gauges.get(g) for g in ("gpu_util", "gpu_memory", "kv_use",
                                              "eval_pass_rate", "index_age_s")},
        }
        if fig.latency_kind == "mean":
            point["p50_s"] = point["p99_s"] = None  # a mean is not a quantile: p95 line only
        for f in CHART_FIELDS:
            values[f].append(_finite(point.get(f)))
    return Chart(step_s=step_s, at=[r.start for r in steps], values=values)


def spend(scenario: Scenario, now: float, today: MinuteRow | None,
          days: Sequence[MinuteRow], cost_per_hour: float | None) -> Spend:
    """Today's spend so far and projected, against the budget and the trailing baseline.

    ``today`` sums the minutes since midnight UTC; ``days`` are whole-day history steps.
    """
    pricing = scenario.pricing
    so_far = _finite(_row_cost(today, pricing)) if today else None
    left_h = (DAY - now % DAY) / 3600
    projected = None if cost_per_hour is None or so_far is None else \
        so_far + cost_per_hour * left_h
    full = [d for d in days if d.minutes >= FULL_DAY_MINUTES]
    baseline = _finite(math.fsum(_row_cost(d, pricing) for d in full) / len(full)) \
        if full else None
    uncounted = "no token counters on this scenario's endpoints: spend cannot be counted"
    rows = [r for r in (today, *days) if r is not None]
    no_tokens = bool(rows) and all(r.counters.get("prompt_tokens_total") is None for r in rows)
    reasons = {}
    if today is None:
        reasons["today_so_far"] = "nothing collected yet today (UTC)"
    elif so_far is None:
        reasons["today_so_far"] = uncounted
    if projected is None:
        reasons["projected_today"] = (reasons.get("today_so_far")
                                      or "no current burn rate to project from")
    if baseline is None:
        stored = sum(d.minutes for d in days) / 60
        reasons["baseline_daily"] = uncounted if no_tokens else (
            f"no full day of history before today yet ({stored:.1f}h stored; a day counts "
            f"with {FULL_DAY_MINUTES // 60}h or more)")
    return Spend(currency=pricing.currency, today_so_far=so_far, projected_today=projected,
                 daily_budget=scenario.budget.daily, baseline_daily=baseline,
                 baseline_days=len(full), reasons=reasons)


def ledger(spans: Sequence[VersionSpan], live: dict[str, str | None]
           ) -> tuple[list[VersionEntry], dict[str, str | None]]:
    """Versions with their live time, which are known good, and the last known good of each
    kind other than the one live now (the rollback target)."""
    entries = []
    for s in spans:
        healthy = s.minutes - s.critical_minutes
        good = (healthy >= KNOWN_GOOD_MINUTES
                and s.critical_minutes < KNOWN_GOOD_MAX_CRITICAL * s.minutes)
        entries.append(VersionEntry(kind=s.kind, version=s.version, first_seen=s.first_seen,
                                    last_seen=s.last_seen, minutes=s.minutes,
                                    critical_minutes=s.critical_minutes,
                                    live=live.get(s.kind) == s.version, known_good=good))
    last_good: dict[str, str | None] = {}
    for kind in ("model", "prompt", "index"):
        candidates = [e for e in entries if e.kind == kind and e.known_good and not e.live]
        newest = max(candidates, key=lambda e: e.last_seen, default=None)
        last_good[kind] = newest.version if newest else None
    return entries, last_good


EVAL_POINTS = 8  # the newest runs of each suite: enough for a trend, cheap at any window


def eval_points(runs: Sequence[EvalRow]) -> list[EvalPoint]:
    """The newest ``EVAL_POINTS`` runs of each suite (``runs`` oldest first), oldest first."""
    seen: dict[str, int] = {}
    newest = []
    for r in reversed(runs):
        if r.total > 0 and seen.get(r.suite, 0) < EVAL_POINTS:
            seen[r.suite] = seen.get(r.suite, 0) + 1
            newest.append(r)
    return [EvalPoint(suite=r.suite, finished_at=r.finished_at,
                      pass_rate=pass_rate([(r.passed, r.total)]), model=r.model, prompt=r.prompt,
                      index=r.index_version) for r in reversed(newest)]


def builds(manifests: Sequence[ManifestRow]) -> list[IndexBuild]:
    """Builds newest first, each with its document count change against the one before."""
    out = []
    for i, m in enumerate(manifests):
        before = manifests[i + 1] if i + 1 < len(manifests) else None
        out.append(IndexBuild(version=m.version, built_at=m.built_at,
                              source_watermark=m.source_watermark, documents=m.documents,
                              documents_change=m.documents - before.documents if before else None))
    return out
