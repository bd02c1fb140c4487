"""Terminal bytes per second at steady state: what the console costs an SSH link.

Runs the console against the demo fleet in a real 120x40 pty (and 80x24), waits until the
picture is live, then counts every byte written to the terminal over a fixed stretch. Issue 2
asks for the figure; a later issue sets the budget (≤ 1 KB/s at 120x40).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.harness import Console, machine, start_fleet


def measure(config: Path, size: tuple[int, int], warmup: float, seconds: float) -> float:
    store = Path(tempfile.mkdtemp(prefix="aiops-bytes-")) / "s.duckdb"
    console = Console(["run", "--config", str(config), "--store", str(store)], size=size)
    try:
        console.wait_for(b"support-chat")
        console.read_for(warmup)
        return console.read_for(seconds) / seconds
    finally:
        console.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    args = parser.parse_args()
    fleet, config = start_fleet()
    try:
        print(f"terminal bytes/s ({machine()}), demo fleet, default refresh, "
              f"{args.warmup:g}s warm-up then {args.seconds:g}s counted")
        for size in ((120, 40), (80, 24)):
            rate = measure(config, size, args.warmup, args.seconds)
            print(f"  {size[0]}x{size[1]}: {rate:8.0f} B/s")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
