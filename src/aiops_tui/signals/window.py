"""A window's traffic figures, from raw samples or from minute rollups: pure, no I/O.

Both readers answer the same questions (latency quantiles, request, token and prefix-cache
totals) so that ``assess`` judges a 5-minute window read from raw samples and a 7-day window
read from rollups by the same rules. Raw samples follow Prometheus exactly (``increase()``
with its extrapolation, ``histogram_quantile()`` over bucket deltas); rollups sum per-minute
increases over whole minutes, which is what a 15m-7d window or one chart step needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiops_tui.signals.histograms import Memo, window_quantiles
from aiops_tui.signals.quantile import histogram_quantiles
from aiops_tui.signals.rates import increase
from aiops_tui.signals.units import duration, span
from aiops_tui.store.minutes import MinuteRow
from aiops_tui.store.points import SeriesPoints

LATENCY = ("p50_s", "p95_s", "p99_s")
TTFT = ("ttft_p95_s", "ttft_p99_s")
TOTALS = ("retrieval_queries_total", "retrieval_hits_total", "feedback_total",
          "feedback_negative_total",
          "requests_ok_total", "requests_failed_total", "prompt_tokens_total",
          "generation_tokens_total", "prefix_cache_queries_total", "prefix_cache_hits_total")


@dataclass(frozen=True)
class Window:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def label(self) -> str:
        """``5m``, ``24h``; ``7.0d`` or ``97s`` where it is not a whole unit."""
        whole = span(self.seconds)
        return duration(self.seconds) if whole.endswith("s") and self.seconds >= 60 else whole


@dataclass
class Figures:
    """What a window saw. NaN where it cannot be said; ``missing`` says why."""

    latency_kind: str = "p95"  # "mean" where the engine only has duration/count counters
    quantiles: dict[str, float] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def ratio(part: float, whole: float) -> float:
    """NaN, not an exception, when there is nothing to divide by (no traffic in the window)."""
    return part / whole if whole > 0 else math.nan


def _finish(fig: Figures, why: str, ttft_why: str, duration: float, window: Window) -> Figures:
    """The rules both readers share: Triton's mean latency, and the reasons for NaNs."""
    q = fig.quantiles
    if not bool(why) and math.isnan(q["p95_s"]):  # no histogram at all: counters' mean
        mean_latency = ratio(duration, fig.totals["requests_ok_total"])
        if not math.isnan(mean_latency):
            q["p95_s"], fig.latency_kind = mean_latency, "mean"
    for name in LATENCY:
        if math.isnan(q[name]):
            fig.missing[name] = (f"latency, last {window.label}: "
                                 f"{why or 'no latency histogram samples'}")
    for name in TTFT:
        if math.isnan(q[name]):
            fig.missing[name] = (f"time to first token, last {window.label}: "
                                 f"{ttft_why or 'none exposed (TGI, Triton)'}")
    return fig


def _total(series: Sequence[SeriesPoints], window: Window) -> float:
    """Sum of the per-series increases (PromQL ``sum(increase(...))``) of one metric's
    series; NaN if none has two samples in the window."""
    deltas = [increase(s.ts, s.values, window.start, window.end, s.carry) for s in series]
    valid = [d for d in deltas if not math.isnan(d)]
    return math.fsum(valid) if valid else math.nan


def from_metrics(by_metric: Mapping[str, Sequence[SeriesPoints]], window: Window,
                 memo: Memo | None = None) -> Figures:
    """Exact figures from raw samples grouped by metric (``RecentWindow.of``), the way
    Prometheus computes them; ``memo`` keeps quantiles between calls (``window_quantiles``)."""

    def quantiles(metric: str, qs: Sequence[float]) -> tuple[list[float], str]:
        buckets = by_metric.get(metric)
        if not buckets:
            return [math.nan] * len(qs), ""
        return window_quantiles(buckets, qs, window.start, window.end, memo)

    latency, why = quantiles("e2e_latency_seconds_bucket", (0.5, 0.95, 0.99))
    ttft, ttft_why = quantiles("ttft_seconds_bucket", (0.95, 0.99))
    fig = Figures(quantiles=dict(zip(LATENCY + TTFT, latency + ttft, strict=True)),
                  totals={m: _total(by_metric.get(m, ()), window) for m in TOTALS})
    duration = _total(by_metric.get("request_duration_seconds_total", ()), window)
    return _finish(fig, why, ttft_why, duration, window)


def from_rollup(row: MinuteRow | None, window: Window) -> Figures:
    """Figures from the minute rollups summed over the window (see ``Store.history``)."""
    counters = row.counters if row else {}
    fig = Figures(totals={m: math.nan if counters.get(m) is None else counters[m]
                          for m in TOTALS})
    reasons = {}
    for metric, names, qs in (("e2e_latency_seconds_bucket", LATENCY, (0.5, 0.95, 0.99)),
                              ("ttft_seconds_bucket", TTFT, (0.95, 0.99))):
        short = metric.split("_", 1)[0]
        h = row.histograms.get(metric) if row else None
        values = [math.nan] * len(qs)
        reason = ""
        if h is not None:
            if h.total <= 0:
                reason = "no requests in the window"
            else:
                values = histogram_quantiles(qs, h.pairs())
                if h.left_out:
                    fig.missing[f"{short}_left_out"] = (
                        f"{h.left_out:.0f} requests in another bucket layout left out")
        fig.quantiles.update(zip(names, values, strict=True))
        reasons[metric] = reason
    duration = counters.get("request_duration_seconds_total")
    duration = math.nan if duration is None else duration
    return _finish(fig, reasons["e2e_latency_seconds_bucket"], reasons["ttft_seconds_bucket"],
                   duration, window)
