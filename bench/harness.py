"""Shared bench plumbing: the demo fleet on free ports, and the console in a real pty."""

from __future__ import annotations

import fcntl
import math
import os
import platform
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import duckdb
import yaml

from aiops_tui.config import load_config
from aiops_tui.demo.fleet import DemoFleet

ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of timings, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def machine() -> str:
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, {platform.system()} {platform.machine()}")


def start_fleet(seed: int = 7) -> tuple[DemoFleet, Path]:
    """The demo fleet on free loopback ports, and a config file pointing at it."""
    config, _ = load_config(ROOT / "config" / "demo.yaml")
    fleet = DemoFleet(config, seed=seed)
    live = fleet.start(ephemeral=True)
    path = Path(tempfile.mkdtemp(prefix="aiops-bench-")) / "fleet.yaml"
    path.write_text(yaml.safe_dump(live.model_dump(mode="json"), sort_keys=False))
    return fleet, path


class Console:
    """``aiops-tui ARGS`` in a pseudo-terminal of the given size; reads what it writes."""

    def __init__(self, args: list[str], size: tuple[int, int] = (120, 40),
                 env: dict[str, str] | None = None, program: list[str] | None = None
                 ) -> None:
        """``program``: another terminal program to run instead (with ``args``)."""
        self.started = time.perf_counter()
        master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols),
                    "LINES": str(rows), **(env or {})}
        argv = [*(program or [sys.executable, "-m", "aiops_tui"]), *args]
        self.proc = subprocess.Popen(argv, stdin=slave,
                                     stdout=slave, stderr=slave, env=full_env, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.received = bytearray()

    def read_for(self, seconds: float) -> int:
        """Drain output for ``seconds``; returns bytes read in that time."""
        end, count = time.perf_counter() + seconds, 0
        while (left := end - time.perf_counter()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                count += len(chunk)
                self.received += chunk
        return count

    def wait_for(self, needle: bytes, timeout: float = 20.0) -> float:
        """Seconds from process start until ``needle`` appears in the output."""
        end = time.perf_counter() + timeout
        while needle not in self.received:
            if time.perf_counter() > end:
                raise TimeoutError(f"{needle!r} not seen in {timeout}s")
            self.read_for(0.005)
        return time.perf_counter() - self.started

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.master)
