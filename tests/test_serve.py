"""``aiops-tui serve`` for real: the server started as a command on a free loopback port against
the demo fleet, a tab opened in Debian's headless Chromium (driven by playwright-core) or over
a plain websocket, and the console processes each tab gets, watched through /proc."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from aiops_tui.cli_serve import session_command
from tests.conftest import free_port, installed

BROWSER = Path(__file__).parent / "browser"


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port
        self.url = f"http://127.0.0.1:{port}/"
        self.ws = f"ws://127.0.0.1:{port}/ws?width=120&height=40"

    def sessions(self) -> list[int]:
        """The console processes the server runs, one per open tab."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []


@pytest.fixture
def served(fleet_config_file: Path, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiops_tui", "serve", "--config", str(fleet_config_file),
         "--store", str(tmp_path / "s.duckdb"), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Served(process, port)
    deadline = time.time() + 20
    while True:
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        try:
            if httpx.get(server.url, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.time() < deadline, "aiops-tui serve never answered"
        time.sleep(0.2)
    yield server
    sessions = server.sessions()
    process.terminate()
    process.wait(10)
    for pid in sessions:  # whatever a failed test left behind
        if alive(pid):
            os.kill(pid, 9)


def alive(pid: int) -> bool:
    """Running: it exists and is not a zombie waiting for a parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def gone(pid: int, within_s: float) -> bool:
    deadline = time.time() + within_s
    while alive(pid) and time.time() < deadline:
        await asyncio.sleep(0.2)
    return not alive(pid)


async def fleet_view(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Read the tab's output until the fleet view shows a scenario."""
    seen = b""
    deadline = time.time() + 30
    while b"support-chat" not in seen:
        assert time.time() < deadline, "the fleet view never arrived"
        message = await ws.receive(timeout=deadline - time.time())
        assert message.type == aiohttp.WSMsgType.BINARY, message
        seen += message.data


def test_a_tab_in_chromium_shows_the_fleet_view_read_only_and_takes_keys(
        served: Served, tmp_path: Path) -> None:
    node = installed("node", "Node.js (Debian's nodejs)")
    chromium = installed("chromium", "Debian's chromium")
    if not (BROWSER / "node_modules" / "playwright-core").exists():
        if os.environ.get("CI"):
            pytest.fail("playwright-core is not installed: .ci/run runs npm ci in tests/browser")
        pytest.skip("run `npm ci --prefix tests/browser` to run this test (.ci/run does)")
    shot = tmp_path / "tab.png"
    out = subprocess.run([node, str(BROWSER / "drive.mjs"), served.url, chromium, str(shot)],
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["errors"] == []
    assert seen["fleetView"] and seen["readOnly"] and seen["keyWorked"], seen
    assert shot.stat().st_size > 10_000  # the page was painted


async def test_a_session_ends_with_its_tab_and_with_its_server(served: Served) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(served.ws) as ws:
            await fleet_view(ws)
            [first] = served.sessions()
        assert await gone(first, 10), "closing the tab left its console running"

        async with client.ws_connect(served.ws) as ws:
            await fleet_view(ws)
            [second] = served.sessions()
            served.process.kill()  # no quit reaches the console: its guard must notice
            served.process.wait(5)
            assert await gone(second, 10), "the console outlived its server"


def test_sessions_are_read_only_unless_write_is_given(tmp_path: Path) -> None:
    config, store = tmp_path / "c.yaml", tmp_path / "s.duckdb"
    assert session_command(config, store, write=False).endswith(" --read-only")
    command = session_command(config, store, write=True)
    assert command.startswith("exec ") and "--read-only" not in command
