"""The console's numbers against a real Prometheus scraping the same demo fleet.

Prometheus (Debian's package; ``.ci/run`` installs it) and the console both scrape the demo
fleet (see ``tests.prometheus_server``): both see the same sequence of page values; only
*when* each scraped differs. The window starts just before the first scrape of either side,
so each side's first sample lies within one step of the window's start: there Prometheus'
extrapolation rules agree across versions (Debian ships 2.42, before PR #13725 reordered the
half-step and zero cuts; the console follows the newer order). What remains is scrape-time
skew, and it touches only the rates:
- a rate's extrapolation depends on where each side's first and last scrape fall in the
  window: at most one scrape step at each edge, two over the sampled span in all;
- a quantile or a ratio of counters does not: every series of one side shares one
  extrapolation factor (the window's increase is a tenth of what the counters held when it
  began, so none is cut at its zero point), so both sides divide the same increases and must
  agree to rounding.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import httpx
import pytest

from aiops_tui.runtime import Runtime

SCRAPE_S = 0.25  # as ``under_prometheus`` scrapes: short, so scrape-time skew stays small


def promql(base: str, query: str, at: float) -> float:
    reply = httpx.get(f"{base}/api/v1/query", params={"query": query, "time": at}, timeout=5)
    body = reply.json()
    assert body["status"] == "success", body
    result = body["data"]["result"]
    assert len(result) == 1, (query, result)
    return float(result[0]["value"][1])


QUERIES = {
    "vllm": {
        "p95_s": "histogram_quantile(0.95, sum by (le) "
                 "(rate(vllm:e2e_request_latency_seconds_bucket{{job='{job}'}}[{w}ms])))",
        "ttft_p95_s": "histogram_quantile(0.95, sum by (le) "
                      "(rate(vllm:time_to_first_token_seconds_bucket{{job='{job}'}}[{w}ms])))",
        "p99_s": "histogram_quantile(0.99, sum by (le) "
                 "(rate(vllm:e2e_request_latency_seconds_bucket{{job='{job}'}}[{w}ms])))",
        "prefix_cache_hit_rate": "sum(rate(vllm:prefix_cache_hits_total{{job='{job}'}}[{w}ms]))"
                                 " / sum(rate(vllm:prefix_cache_queries_total{{job='{job}'}}"
                                 "[{w}ms]))",
        "tokens_in_per_min": "sum(rate(vllm:prompt_tokens_total{{job='{job}'}}[{w}ms])) * 60",
        "tokens_out_per_min": "sum(rate(vllm:generation_tokens_total{{job='{job}'}}[{w}ms])) * 60",
    },
    "tgi": {
        "p95_s": "histogram_quantile(0.95, sum by (le) "
                 "(rate(tgi_request_duration_bucket{{job='{job}'}}[{w}ms])))",
        "p99_s": "histogram_quantile(0.99, sum by (le) "
                 "(rate(tgi_request_duration_bucket{{job='{job}'}}[{w}ms])))",
        "tokens_in_per_min": "sum(rate(tgi_request_input_length_sum{{job='{job}'}}[{w}ms])) * 60",
        "tokens_out_per_min":
            "sum(rate(tgi_request_generated_tokens_sum{{job='{job}'}}[{w}ms])) * 60",
    },
}


# Fields where every series involved shares one extrapolation factor: exact up to rounding.
EXACT = {"p95_s", "p99_s", "ttft_p95_s", "prefix_cache_hit_rate"}


async def test_console_matches_prometheus(under_prometheus, tmp_path: Path) -> None:
    config, base, clock = under_prometheus
    runtime = Runtime(config, tmp_path / "console.duckdb")

    cycles = 1

    async def scrape_for(seconds: float) -> None:
        nonlocal cycles
        end = time.time() + seconds
        while time.time() < end:
            await runtime.cycle()
            cycles += 1
            await asyncio.sleep(SCRAPE_S)

    first = await runtime.cycle()
    assert first is not None
    first_scrape = first.at
    await scrape_for(3)  # both sides see the starting values, several times
    for _ in range(6):
        clock.now += 10  # ten simulated seconds of traffic at once
        await scrape_for(3)  # both sides scrape the new values at least twice
    at = time.time()
    # Starting half a step before the console's first scrape puts each side's first sample
    # within one step of the window's start (Prometheus scraped the same values before).
    window_ms = round((at - first_scrape + 0.5) * 1000)
    snapshot = runtime.compute(at, {}, window_s=window_ms / 1000)
    assert runtime.last is not None
    sampled = runtime.last.at - first_scrape
    step = max(SCRAPE_S, sampled / (cycles - 1))  # the console's cycle also takes time
    await runtime.aclose()
    tolerance = 2 * step / sampled

    compared = 0
    for status in snapshot.scenarios:
        scenario = config.scenario(status.id)
        endpoint = next((e for e in scenario.endpoints if e.kind in QUERIES), None)
        if endpoint is None:
            continue
        for field, template in QUERIES[endpoint.kind].items():
            theirs = promql(base, template.format(job=f"{status.id}/{endpoint.name}",
                                                  w=window_ms), at)
            ours = getattr(status, field)
            assert ours is not None and not math.isnan(theirs), (status.id, field)
            rel = 1e-9 if field in EXACT else tolerance
            assert ours == pytest.approx(theirs, rel=rel), (status.id, field, ours, theirs)
            compared += 1
    assert compared >= 15
