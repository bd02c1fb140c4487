"""A real Prometheus (Debian's package) on loopback, scraping the demo fleet on a frozen clock.

The fleet's simulated clock only moves when a test steps it, so every reader (Prometheus, a
scraping console, a console reading Prometheus) sees the same sequence of page values; only
*when* each read them differs.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml

from aiops_tui.config import Config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.sources.scrape import METRICS_KINDS
from tests.conftest import free_port, relaxed


class FrozenClock:
    """The fleet's simulated time: still until the test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def scrape_config(config: Config, scrape_s: float) -> dict:
    """A job per endpoint with metrics; each target's ``instance`` is its ``host:port``."""
    jobs = [{"job_name": f"{scenario.id}/{endpoint.name}",
             "static_configs": [{"targets": [urlsplit(endpoint.base).netloc]}]}
            for scenario in config.scenarios for endpoint in scenario.endpoints
            if endpoint.kind in METRICS_KINDS]
    return {"global": {"scrape_interval": f"{scrape_s * 1000:g}ms",
                       "scrape_timeout": f"{min(scrape_s, 1.0) * 800:g}ms"},
            "scrape_configs": jobs}


@contextmanager
def fleet_under_prometheus(binary: str, demo_config: Config, directory: Path, scrape_s: float
                           ) -> Iterator[tuple[Config, str, FrozenClock]]:
    """The demo fleet on a frozen clock and Prometheus scraping every endpoint of it; yields
    the fleet's config, Prometheus' base URL and the clock, once every target was scraped."""
    clock = FrozenClock()
    fleet = DemoFleet(relaxed(demo_config, window_s=60), seed=13, clock=clock)
    config = fleet.start(ephemeral=True)
    scrapes = scrape_config(config, scrape_s)
    (directory / "prometheus.yml").write_text(yaml.safe_dump(scrapes))
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={directory / 'prometheus.yml'}",
         f"--storage.tsdb.path={directory / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"{base}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.time() < deadline, "prometheus did not become ready"
            time.sleep(0.2)
        # Targets are discovered a few seconds after start: wait until each was scraped.
        while not scraped_all(base, len(scrapes["scrape_configs"])):
            assert time.time() < deadline, "prometheus never scraped every target"
            time.sleep(0.2)
        yield config, base, clock
    finally:
        process.terminate()
        process.wait(10)
        fleet.stop()


def scraped_all(base: str, jobs: int) -> bool:
    reply = httpx.get(f"{base}/api/v1/query", params={"query": "sum(up)"}, timeout=2).json()
    result = reply["data"]["result"]
    return bool(result) and float(result[0]["value"][1]) == jobs
