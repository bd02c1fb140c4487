"""Fleet-view refresh on a week-old store: is one refresh of every signal of every scenario cheap?

Target (issue 3): ``Runtime.compute`` (all signals, all scenarios) <= 30 ms on a store holding 7
days of a 50-scenario fleet scraped every 15 s (raw samples for the newest day, the raw
retention; minute rollups for the week). See ``bench.week_store`` for how it is made.

    python3 -m bench.fleet_refresh             # 50 scenarios, 7 days, 15 s
    python3 -m bench.fleet_refresh --quick     # 1 day, fewer runs: a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter

from aiops_tui.signals.assess import GAUGE_METRICS, WINDOW_METRICS
from bench import week_store
from bench.harness import machine, pct

TARGET_MS = 30.0


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenarios", type=int, default=50)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--raw-days", type=float, default=1.0, help="raw samples kept")
    parser.add_argument("--interval", type=float, default=15.0, help="scrape interval, seconds")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 day, 5 runs")
    parser.add_argument("--runs", type=int, default=None, help="timed runs (default 20)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the store file")


def parse_store_arguments(parser: argparse.ArgumentParser, argv: list[str] | None,
                          runs: int) -> tuple[argparse.Namespace, int]:
    """The arguments, with ``--quick`` applied, and how many timed runs to make."""
    args = parser.parse_args(argv)
    if args.quick:
        args.days = 1.0
    return args, args.runs or (5 if args.quick else runs)


# -- report --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_arguments(parser)
    args, runs = parse_store_arguments(parser, argv, 20)

    print("fleet-view refresh benchmark")
    print(machine())
    print(f"fleet: {args.scenarios} scenarios, {args.days:g} days at {args.interval:g} s scrapes "
          f"(raw samples: newest {args.raw_days:g} days), target <= {TARGET_MS:g} ms")
    print()
    opened = week_store.open_runtime(args)
    if opened is None:
        return 1
    config, runtime, now, opened_ms = opened
    store = runtime.store
    assert store is not None
    try:
        threads = store.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        print(f"  duckdb threads       {threads:>11}")

        # Whole refresh, what the fleet view calls, with every histogram new: the window named,
        # so the quantiles kept between cycles (which would answer every repeat) are not used.
        window_s = runtime.config.console.window_s
        print()
        print(f"Runtime.compute(now, {{}}, {window_s:g}): {args.warmup} warmup + {runs} timed runs")
        warm = []
        for _ in range(args.warmup):
            t = time.perf_counter()
            snapshot = runtime.compute(now, {}, window_s)
            warm.append((time.perf_counter() - t) * 1e3)
        timings = []
        for _ in range(runs):
            t = time.perf_counter()
            snapshot = runtime.compute(now, {}, window_s)
            timings.append((time.perf_counter() - t) * 1e3)
        median, p95 = statistics.median(timings), pct(timings, 0.95)
        print(f"  first (cold) call    {warm[0] if warm else float('nan'):9.1f} ms")
        print(f"  median               {median:9.1f} ms")
        print(f"  p95                  {p95:9.1f} ms")
        print(f"  min / max            {min(timings):9.1f} / {max(timings):.1f} ms")

        health = Counter(str(s.health) for s in snapshot.scenarios)
        with_p95 = sum(s.p95_s is not None for s in snapshot.scenarios)
        with_gpu = sum(s.gpu_util is not None for s in snapshot.scenarios)
        with_cost = sum(s.cost_per_hour is not None for s in snapshot.scenarios)
        print(f"  sanity: {len(snapshot.scenarios)} scenarios, health "
              f"{dict(sorted(health.items()))}, p95 {with_p95}, gpu {with_gpu}, "
              f"cost {with_cost} present")

        # The refresh reads the writer's in-memory window; these say what that saves.
        print()
        recent = store.recent
        assert recent is not None
        points = sum(len(p.ts) for p in recent)
        print(f"  open + fill the in-memory window from the file: {opened_ms:.1f} ms "
              f"({len(recent):,d} series, {points:,d} points)")
        window = config.console.window_s
        reads = []
        for _ in range(runs):
            t = time.perf_counter()
            store.window(now - window, now, WINDOW_METRICS + GAUGE_METRICS)
            reads.append((time.perf_counter() - t) * 1e3)
        print(f"  for reference, the same window read from DuckDB instead: median "
              f"{statistics.median(reads):.1f} ms, p95 {pct(reads, 0.95):.1f} ms")
        print()
        verdict = "PASS" if p95 <= TARGET_MS else "OVER"
        print(f"{verdict}: fleet refresh p95 {p95:.1f} ms (median {median:.1f} ms) vs target "
              f"<= {TARGET_MS:g} ms for {args.scenarios} scenarios x {args.days:g} days")
    finally:
        asyncio.run(runtime.aclose())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
