"""Fleet scale: the console at 50, 200 and 1,000 scenarios, scraping and reading Prometheus.

Targets (issue 7) at 200 scenarios: refresh ≤ 5% of a core at the default 5 s interval,
memory ≤ 300 MB, fleet-view query ≤ 50 ms.

For each size, the demo fleet's four scenarios are copied round-robin to N scenarios; every
copy's endpoints are the demo fleet's real HTTP servers (``aiops-tui fleet``, its own
process), so the console does N scenarios' work: N scenarios' pages fetched and parsed, their
samples stored, their signals and alert rules worked out every cycle. Only the four originals
keep their eval and index feeds (read every 30 s, the default) unless ``--all-feeds`` is
given: then every copy reads its two (three in four have an index), about 12 reads a second
at 200 scenarios.

- **scrape**: the console (a real ``aiops-tui run`` in a 120x40 pty) scrapes every endpoint.
  Not at 1,000 by default: that is about 1,000 requests a second (pages and probes), which
  the demo fleet cannot serve on this machine, so the figure would be of its timeouts.
- **prometheus** (Debian's ``prometheus``): Prometheus scrapes every copy as its own job
  (every 15 s, so each copy has its own series, as a real fleet's would), and the console reads
  them through the query API, matching each endpoint by its job. One Prometheus scrapes the
  largest fleet (the smaller fleets' jobs are among its) and runs until it holds a whole fleet
  window before the first console starts, as a Prometheus that has been running would: the
  console's first read (and its memory peak) covers that window. These runs come first, so
  Prometheus' scrapes do not load the demo fleet during the scraping runs.

Per run: **cold start** (process start → the first frame with the fleet's data), then after a
settling period, over a measured period: **CPU** (the console process' user + system time
over wall time, % of one core), **memory** (resident set at the end, and its peak), and the
cycle time the console itself reports (collect + store + signals + alerts).

**Fleet-view query**: ``Runtime.compute`` (every signal of every scenario, what each refresh
of the fleet view runs) on a synthetic store of N scenarios whose raw window is full
(``bench.week_store``, 5 s scrapes), timed in this process.

    python3 -m bench.fleet_scale                 # 50, 200 (both), 1000 (prometheus): ~25 min
    python3 -m bench.fleet_scale --sizes 50 --settle 30 --measure 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml

from aiops_tui.sources.scrape import METRICS_KINDS
from bench import week_store
from bench.harness import ROOT, Console, machine, pct

INTERVAL_S = 5.0  # the console's default
PROMETHEUS_SCRAPE_S = 15
DEMO_SCENARIOS = 4  # the originals, which keep their eval and index feeds
TICK_HZ = os.sysconf("SC_CLK_TCK")


def scaled(scenarios: int, via: str | None, all_feeds: bool = False) -> dict:
    """The demo config's scenarios copied to ``scenarios`` ids (``week_store.fleet_config``:
    the demo fleet's addresses), feeds kept on the originals only unless ``all_feeds``, read
    as often as by default; with ``via`` (a Prometheus base URL), each endpoint is matched
    there by its own job."""
    doc = week_store.fleet_config(scenarios, INTERVAL_S).model_dump(mode="json",
                                                                     exclude_none=True)
    for i, scenario in enumerate(doc["scenarios"]):
        for feed in ("evals", "index"):
            if i >= DEMO_SCENARIOS and not all_feeds:
                scenario.pop(feed, None)
            elif feed in scenario:
                scenario[feed].pop("interval", None)  # read as often as by default
        if via:
            for endpoint in scenario["endpoints"]:
                if endpoint["kind"] in METRICS_KINDS:
                    endpoint["match"] = {"job": f"{scenario['id']}/{endpoint['name']}"}
    if via:
        doc["source"] = {"kind": "prometheus", "url": via, "timeout_s": 20}
    doc["alerts"].pop("evaluation_interval", None)  # the default, as the interval is
    return doc


def scrape_jobs(doc: dict) -> dict:
    jobs = [{"job_name": f"{s['id']}/{e['name']}",
             "static_configs": [{"targets": [urlsplit(e["url"]).netloc]}]}
            for s in doc["scenarios"] for e in s["endpoints"] if e["kind"] in METRICS_KINDS]
    return {"global": {"scrape_interval": f"{PROMETHEUS_SCRAPE_S}s", "scrape_timeout": "10s"},
            "scrape_configs": jobs}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK_HZ  # utime, stime


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident set now and at its peak, MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024)


def start_prometheus(doc: dict, work: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("prometheus")
    assert binary
    (work / "prometheus.yml").write_text(yaml.safe_dump(scrape_jobs(doc)))
    port = 29090 + os.getpid() % 1000
    process = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}",
         f"--storage.tsdb.path={work / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def wait_scraped(base: str, jobs: int, timeout: float) -> float:
    """Seconds until every job was scraped twice (a rate needs two samples)."""
    started = time.monotonic()
    query = f"count(count_over_time(up[{PROMETHEUS_SCRAPE_S * 3}s]) >= 2)"
    while time.monotonic() - started < timeout:
        try:
            found = httpx.get(f"{base}/api/v1/query", params={"query": query}, timeout=10
                              ).json()["data"]["result"]
            if found and int(float(found[0]["value"][1])) >= jobs:
                return time.monotonic() - started
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(1)
    raise TimeoutError(f"Prometheus did not scrape {jobs} jobs twice in {timeout:.0f} s")


def live_run(scenarios: int, via: str | None, settle: float, measure: float,
             all_feeds: bool = False) -> dict[str, float | str]:
    """One console on ``scenarios`` scenarios, scraping them, or reading them from the
    Prometheus at ``via``."""
    work = Path(tempfile.mkdtemp(prefix=f"aiops-scale-{scenarios}-"))
    try:
        doc = scaled(scenarios, via, all_feeds)
        config = work / "fleet.yaml"
        config.write_text(yaml.safe_dump(doc, sort_keys=False))
        store = work / "store.duckdb"
        console = Console(["run", "--config", str(config), "--store", str(store)])
        try:
            first_data = console.wait_for(b"live", timeout=600)
            console.read_for(settle)
            pid = console.proc.pid
            cpu0, wall0 = cpu_seconds(pid), time.monotonic()
            cycles: list[float] = []
            down: list[int] = []
            end = wall0 + measure
            while time.monotonic() < end:
                console.read_for(min(1.0, end - time.monotonic()))
                try:
                    snapshot = json.loads(store.with_name(store.name + ".live.json").read_text())
                except (OSError, ValueError):
                    continue
                cycles.append(snapshot["cycle_ms"])
                down.append(sum(e["state"] not in ("up", "slow") for s in snapshot["scenarios"]
                                for e in s["endpoints"]))
            cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0)
            rss, peak = memory_mb(pid)
        finally:
            console.close()
        return {"first_data_s": first_data, "cpu": cpu, "rss_mb": rss, "peak_mb": peak,
                "cycle_ms": statistics.median(cycles) if cycles else float("nan"),
                "cycle_p95_ms": pct(cycles, 0.95) if cycles else float("nan"),
                "down": max(down, default=0)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def prometheus_with_history(scenarios: int) -> Iterator[str]:
    """A Prometheus scraping the ``scenarios``-scenario fleet (the smaller fleets' jobs are
    among its), yielded once it holds a whole fleet window: a console joining a Prometheus
    that has run for a while reads that much at start."""
    work = Path(tempfile.mkdtemp(prefix="aiops-scale-prometheus-"))
    process, via = start_prometheus(scaled(scenarios, None), work)
    try:
        doc = scaled(scenarios, via)
        jobs = len(scrape_jobs(doc)["scrape_configs"])
        scraped = wait_scraped(via, jobs, 300)
        history = doc["console"]["window_s"] + 2 * INTERVAL_S + PROMETHEUS_SCRAPE_S
        print(f"    prometheus: {jobs} jobs scraped twice after {scraped:.0f} s; waiting "
              f"until it holds {history:.0f} s of them", flush=True)
        time.sleep(max(0.0, history - scraped))
        yield via
    finally:
        process.terminate()
        process.wait(30)
        shutil.rmtree(work, ignore_errors=True)


def fleet_view_query(scenarios: int, runs: int) -> dict[str, float]:
    """``Runtime.compute`` over a synthetic store whose fleet window is full."""
    args = argparse.Namespace(scenarios=scenarios, days=0.25, raw_days=0.01,
                              interval=INTERVAL_S, regenerate=False)
    opened = week_store.open_runtime(args)
    assert opened is not None
    _, runtime, now, opened_ms = opened
    # The window named: every histogram computed, as in a cycle where each got a new scrape,
    # not answered from the quantiles the console keeps between cycles.
    window_s = runtime.config.console.window_s
    try:
        runtime.compute(now, {}, window_s)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            runtime.compute(now, {}, window_s)
            timings.append((time.perf_counter() - started) * 1e3)
    finally:
        asyncio.run(runtime.aclose())
    return {"median_ms": statistics.median(timings), "p95_ms": pct(timings, 0.95),
            "open_ms": opened_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--modes", nargs="+", default=["scrape", "prometheus"],
                        choices=["scrape", "prometheus"])
    parser.add_argument("--settle", type=float, default=60.0, help="seconds before measuring")
    parser.add_argument("--measure", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--runs", type=int, default=20, help="fleet-view query runs")
    parser.add_argument("--all-feeds", action="store_true",
                        help="every copy keeps its eval and index feeds, not only the originals")
    parser.add_argument("--scrape-up-to", type=int, default=200,
                        help="largest size run with the scrape source")
    args = parser.parse_args(argv)
    modes = [m for m in args.modes if m != "prometheus" or shutil.which("prometheus")]
    if modes != args.modes:
        print("prometheus not installed: the prometheus source is skipped "
              "(apt-get install prometheus)")
    print("fleet scale benchmark")
    print(machine())
    print(f"console interval {INTERVAL_S:g} s, settle {args.settle:g} s, measure "
          f"{args.measure:g} s; Prometheus scrapes every {PROMETHEUS_SCRAPE_S} s; feeds on "
          f"{'every copy' if args.all_feeds else 'the originals only'}")
    demo = ROOT / "config" / "demo.yaml"
    fleet = subprocess.Popen([sys.executable, "-m", "aiops_tui", "fleet", "--config", str(demo)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        time.sleep(2)
        assert fleet.poll() is None, "the demo fleet did not start: are its ports in use?"
        if "prometheus" in modes:  # first: its scrapes would load the fleet scraping runs use
            with prometheus_with_history(max(args.sizes)) as via:
                for size in args.sizes:
                    print(f"  {size} scenarios, prometheus…", flush=True)
                    rows.append((size, "prometheus", live_run(size, via, args.settle,
                                                              args.measure, args.all_feeds)))
        for size in args.sizes if "scrape" in modes else []:
            if size > args.scrape_up_to:
                print(f"  {size} scenarios, scrape: not run (--scrape-up-to "
                      f"{args.scrape_up_to})")
                continue
            print(f"  {size} scenarios, scrape…", flush=True)
            rows.append((size, "scrape", live_run(size, None, args.settle, args.measure,
                                                  args.all_feeds)))
    finally:
        fleet.terminate()
        fleet.wait(10)
    rows.sort(key=lambda row: (row[0], row[1] != "scrape"))
    queries = {}
    for size in args.sizes:
        print(f"  fleet-view query, {size} scenarios…", flush=True)
        queries[size] = fleet_view_query(size, args.runs)
    print()
    print(f"{'scenarios':>9}  {'source':<10} {'first data':>10}  {'CPU':>6}  {'RSS':>7}  "
          f"{'peak':>7}  {'cycle med/p95':>15}  {'down':>4}")
    for size, mode, r in rows:
        print(f"{size:>9}  {mode:<10} {r['first_data_s']:>9.1f}s  {r['cpu']:>6.1%}  "
              f"{r['rss_mb']:>5.0f}MB  {r['peak_mb']:>5.0f}MB  "
              f"{r['cycle_ms']:>6.0f}/{r['cycle_p95_ms']:<6.0f}ms  {r['down']:>4}")
    print()
    print(f"{'scenarios':>9}  fleet-view query (Runtime.compute, full 5m window)")
    for size, q in queries.items():
        print(f"{size:>9}  median {q['median_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms "
              f"(store opened and window filled in {q['open_ms']:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
