"""The same per-scenario p95 queries against a real Prometheus, beside the console's figures.

The bench store's minute rollups of end-to-end latency buckets (the newest day of all 50
scenarios) become cumulative bucket counters, one sample a minute, written as OpenMetrics and
backfilled into a fresh TSDB with ``promtool tsdb create-blocks-from openmetrics``. Prometheus
then serves it on loopback and answers

    histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket
                                               {scenario="..."}[W])))

for each window W the scenario view offers that the backfill covers. Each timing is one HTTP
query (a different scenario each run), beside the console's whole scenario-view refresh.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from aiops_tui.config.models import Config
from aiops_tui.runtime import Runtime
from aiops_tui.ui.scenario_view import WINDOWS
from bench.harness import pct

BACKFILL_DAYS = 1.0
METRIC = "vllm:e2e_request_latency_seconds_bucket"


def _openmetrics(runtime: Runtime, since: float, until: float, path: Path) -> int:
    """Cumulative bucket counters from the minute rollups, as an OpenMetrics file."""
    assert runtime.store is not None
    con = runtime.store.con
    con.execute(
        f"""
        COPY (
            WITH cells AS (
                SELECT scenario, start + 60 AS ts, e2e_bounds[i] AS le, e2e_counts[i] AS n
                FROM minutes, range(1, len(e2e_bounds) + 1) r(i)
                WHERE start >= $since AND start < $until AND e2e_counts IS NOT NULL
            )
            SELECT '{METRIC}{{scenario="' || scenario || '",le="'
                   || CASE WHEN isinf(le) THEN '+Inf' ELSE le::VARCHAR END || '"}} '
                   || (sum(n) OVER (PARTITION BY scenario, le ORDER BY ts))::VARCHAR || ' '
                   || ts::BIGINT::VARCHAR
            FROM cells ORDER BY scenario, le, ts
        ) TO '{path}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t')
        """, {"since": since, "until": until})
    body = path.read_text()
    path.write_text(f"# TYPE {METRIC} unknown\n{body}# EOF\n")
    return body.count("\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compare(runtime: Runtime, config: Config, now: float, ours: dict[str, float],
            runs: int) -> None:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    print("side by side with Prometheus")
    if not prometheus or not promtool:
        print("  prometheus/promtool not installed: skipped (apt-get install prometheus)")
        return
    work = Path(tempfile.mkdtemp(prefix="aiops-bench-prom-"))
    try:
        until = now - now % 60
        started = time.perf_counter()
        lines = _openmetrics(runtime, until - BACKFILL_DAYS * 86400, until, work / "data.om")
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics",
                        str(work / "data.om"), str(work / "tsdb")], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  backfilled {lines:,d} samples (newest {BACKFILL_DAYS:g} day, one a minute) in "
              f"{time.perf_counter() - started:.0f} s")
        port = _free_port()
        (work / "prometheus.yml").write_text("global: {}\n")
        process = subprocess.Popen(
            [prometheus, f"--config.file={work / 'prometheus.yml'}",
             f"--storage.tsdb.path={work / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}",
             "--storage.tsdb.retention.time=30d"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _run(base, runtime, config, until, ours, runs)
        finally:
            process.terminate()
            process.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(base: str, runtime: Runtime, config: Config, at: float, ours: dict[str, float],
         runs: int) -> None:
    deadline = time.time() + 60
    with httpx.Client(timeout=30) as client:
        while True:
            try:
                if client.get(f"{base}/-/ready").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                print("  prometheus did not become ready")
                return
            time.sleep(0.3)
        print(f"  {'window':>6}  {'prometheus p95 query':>21}  {'console refresh':>15}  ratio"
              f"   p95 of {config.scenarios[0].id}: prometheus / console")
        ids = [s.id for s in config.scenarios]
        for label, seconds in WINDOWS.items():
            if seconds > BACKFILL_DAYS * 86400:
                print(f"  {label:>6}  {'(beyond the backfill)':>21}")
                continue
            timings, answers = [], []
            for i in range(runs + 1):
                query = (f"histogram_quantile(0.95, sum by (le) (rate({METRIC}"
                         f"{{scenario=\"{ids[i % len(ids)]}\"}}[{label}])))")
                t = time.perf_counter()
                reply = client.get(f"{base}/api/v1/query", params={"query": query, "time": at})
                elapsed = (time.perf_counter() - t) * 1e3
                result = reply.json()["data"]["result"]
                answers.append(float(result[0]["value"][1]) if result else float("nan"))
                if i:  # the first warms Prometheus' caches
                    timings.append(elapsed)
            median = statistics.median(timings)
            detail = runtime.detail(ids[0], seconds)
            console = detail.status.p95_s if detail else None
            print(f"  {label:>6}  {median:9.1f} ms (p95 {pct(timings, 0.95):5.1f})  "
                  f"{ours[label]:12.1f} ms  {median / ours[label]:5.2f}x   "
                  f"{answers[0]:.4f} / {console or float('nan'):.4f} s")
        print("  ratio = Prometheus' one p95 query / the console's whole scenario-view refresh")
