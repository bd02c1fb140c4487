"""Scenario-view refresh on a week-old store, for each window the view offers.

Target (issue 3): ``Runtime.detail`` (the window's status, chart steps, today's spend and the
trailing baseline, versions ledger, eval history, index builds) <= 50 ms for any window, on
the store ``bench.fleet_refresh`` uses (7 days of a 50-scenario fleet). Windows up to the
in-memory span read raw samples from memory; longer ones read the minute rollups.

Where a ``prometheus`` binary is installed, ``--prometheus`` also backfills the same minute
increases into a real Prometheus TSDB (``promtool tsdb create-blocks-from openmetrics``) and
times the per-scenario p95 query for each window beside ours, printing the ratio.

    python3 -m bench.scenario_view
    python3 -m bench.scenario_view --prometheus
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from aiops_tui.ui.scenario_view import WINDOWS
from bench import week_store
from bench.fleet_refresh import add_store_arguments, parse_store_arguments
from bench.harness import machine, pct

TARGET_MS = 50.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_arguments(parser)
    parser.add_argument("--prometheus", action="store_true",
                        help="also time the same p95 queries against a real Prometheus")
    args, runs = parse_store_arguments(parser, argv, 20)
    print("scenario-view refresh benchmark")
    print(machine())
    print(f"fleet: {args.scenarios} scenarios, {args.days:g} days, target <= {TARGET_MS:g} ms "
          "per window")
    print()
    opened = week_store.open_runtime(args)
    if opened is None:
        return 1
    config, runtime, now, _ = opened
    assert runtime.store is not None and runtime.store.recent is not None
    ours: dict[str, float] = {}
    try:
        runtime.last = runtime.compute(now, {})
        ids = [s.id for s in config.scenarios]
        print()
        print(f"Runtime.detail(scenario, window), {runs} timed runs each (in-memory span "
              f"{runtime.store.recent.span:g} s):")
        print("  open:    a different scenario each run (nothing of it cached)")
        print("  refresh: one scenario again, as the open view does every cycle")
        print(f"  {'window':>6}  {'source':<15} {'open med':>9} {'p95':>7}  {'refresh med':>11} "
              f"{'p95':>7}  {'points':>6}")
        worst = 0.0
        for label, seconds in WINDOWS.items():
            opens, refreshes = [], []
            for i in range(runs):
                t = time.perf_counter()
                runtime.detail(ids[(i + 1) % len(ids)], seconds)
                opens.append((time.perf_counter() - t) * 1e3)
            for _ in range(args.warmup):
                runtime.detail(ids[0], seconds)
            for _ in range(runs):
                t = time.perf_counter()
                detail = runtime.detail(ids[0], seconds)
                refreshes.append((time.perf_counter() - t) * 1e3)
            assert detail is not None
            p95 = pct(refreshes, 0.95)
            worst = max(worst, p95)
            ours[label] = statistics.median(refreshes)
            print(f"  {label:>6}  {detail.source:<15} {statistics.median(opens):7.1f}ms "
                  f"{pct(opens, 0.95):5.1f}ms  {ours[label]:9.1f}ms {p95:5.1f}ms  "
                  f"{len(detail.chart.at):6d}")
        print()
        verdict = "PASS" if worst <= TARGET_MS else "OVER"
        print(f"{verdict}: slowest refresh p95 {worst:.1f} ms vs target <= {TARGET_MS:g} ms "
              "(open figures above)")
        if args.prometheus:
            from bench.prometheus_side import compare

            print()
            compare(runtime, config, now, ours, runs)
    finally:
        asyncio.run(runtime.aclose())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
