"""Terminal bytes per second at steady state: what the console costs an SSH link.

Runs the console against the demo fleet in a real pty (120x40, and 80x24), waits until the
picture is live, then counts every byte written to the terminal over a fixed stretch: with the
default refresh, with ``--low-bandwidth``, and under NO_COLOR and a 16-colour terminal. In the
same run ``htop`` (refreshing once a second, the bar the issue sets) runs in a pty of the same
size, and each figure is printed beside it as a ratio. Budget at 120x40: ≤ 1 KB/s by default,
≤ 0.4 KB/s with ``--low-bandwidth``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench.harness import Console, machine, start_fleet


def console_rate(config: Path, size: tuple[int, int], warmup: float, seconds: float,
                 flags: tuple[str, ...] = (), env: dict[str, str] | None = None) -> float:
    store = Path(tempfile.mkdtemp(prefix="aiops-bytes-")) / "s.duckdb"
    console = Console(["run", "--config", str(config), "--store", str(store), *flags],
                      size=size, env=env)
    try:
        console.wait_for(b"support-chat")
        console.read_for(warmup)
        return console.read_for(seconds) / seconds
    finally:
        console.close()


def htop_rate(size: tuple[int, int], warmup: float, seconds: float) -> float | None:
    htop = shutil.which("htop")
    if htop is None:
        return None
    console = Console(["-d", "10"], size=size, program=[htop])  # -d in tenths: 1 s
    try:
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
    runs = [
        ((120, 40), "default refresh", (), None),
        ((120, 40), "--low-bandwidth", ("--low-bandwidth",), None),
        ((120, 40), "NO_COLOR", (), {"NO_COLOR": "1"}),
        ((120, 40), "16 colours (TERM=xterm)", (), {"TERM": "xterm", "COLORTERM": ""}),
        ((80, 24), "default refresh", (), None),
        ((80, 24), "--low-bandwidth", ("--low-bandwidth",), None),
    ]
    try:
        print(f"terminal bytes/s ({machine()}), demo fleet (2 s collection), "
              f"{args.warmup:g}s warm-up then {args.seconds:g}s counted")
        htop = {size: htop_rate(size, args.warmup, args.seconds)
                for size in sorted({size for size, *_ in runs}, reverse=True)}
        for size, rate in htop.items():
            print(f"  {size[0]}x{size[1]}  htop -d 10 (1 s refresh)     "
                  + (f"{rate:8.0f} B/s" if rate is not None else "  not installed"))
        for size, what, flags, env in runs:
            rate = console_rate(config, size, args.warmup, args.seconds, flags, env)
            base = htop[size]
            ratio = f"  {rate / base:5.2f}x htop" if base else ""
            print(f"  {size[0]}x{size[1]}  aiops-tui {what:<24}{rate:8.0f} B/s{ratio}")
    finally:
        fleet.stop()


if __name__ == "__main__":
    main()
