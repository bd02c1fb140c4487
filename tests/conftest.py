"""Shared fixtures: the real demo fleet on free loopback ports, and the shared captures."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from aiops_tui.config import Config, load_config
from aiops_tui.demo.fleet import DemoFleet

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
DEMO_CONFIG = ROOT / "config" / "demo.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed(program: str, package: str) -> str:
    """The path of a program a test runs for real. ``.ci/run`` installs them all, so under CI
    a missing one fails the test; elsewhere it is skipped with what to install."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is not installed: .ci/run installs {package}")
        pytest.skip(f"install {package} to run this test (.ci/run does)")
    return path


def relaxed(config: Config, timeout_s: float = 10.0, **console: float) -> Config:
    """The config with long endpoint timeouts, so a loaded test machine never turns a healthy
    endpoint "slow" (half its timeout) and changes what a test sees; ``console`` overrides."""
    data = config.model_dump(mode="json")
    for scenario in data["scenarios"]:
        for endpoint in scenario["endpoints"]:
            endpoint["timeout_s"] = timeout_s
    data["console"].update(console)
    return Config.model_validate(data)


@pytest.fixture
def demo_config() -> Config:
    return load_config(DEMO_CONFIG)[0]


@pytest.fixture
def fleet(demo_config: Config) -> Iterator[DemoFleet]:
    """The demo fleet serving over loopback HTTP on free ports; ``fleet.config`` points at it."""
    running = DemoFleet(demo_config, seed=11)
    running.start(ephemeral=True)
    yield running
    running.stop()


@pytest.fixture
def under_prometheus(demo_config: Config, tmp_path: Path) -> Iterator[tuple]:
    """The demo fleet on a frozen clock, with a real Prometheus on loopback scraping every
    endpoint four times a second: ``(config, prometheus base URL, clock)``."""
    from tests.prometheus_server import fleet_under_prometheus

    with fleet_under_prometheus(installed("prometheus", "Debian's prometheus package"),
                                demo_config, tmp_path, 0.25) as running:
        yield running


@pytest.fixture
def fleet_config_file(fleet: DemoFleet, tmp_path: Path) -> Path:
    """The running fleet's config as a YAML file, for the CLI."""
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet.config.model_dump(mode="json"), sort_keys=False))
    return path


def fixture_text(name: str) -> str:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"shared fixture {name} not present beside the repo")
    return path.read_text(encoding="utf-8")
