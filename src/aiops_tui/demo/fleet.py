"""The demo fleet: real-format endpoints for every scenario of a config, on loopback HTTP.

Every distinct address in the config gets a server: model servers and exporters at their
endpoint addresses; whatever else the config points at (eval results, index manifests) is
served by a fleet API at that address. ``ephemeral=True`` binds free ports instead and rewrites
the config to match, so tests and a second demo never collide.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit
from urllib.request import urlopen

from aiops_tui.config.models import Config, Endpoint, Scenario
from aiops_tui.demo import pages
from aiops_tui.demo.drills import DRILLS
from aiops_tui.demo.sim import ScenarioSim

FAULTS = ("timeout", "http-500", "garbage", "huge", "drip", "refuse-health", "model-swap")
STREAMED = ("huge", "drip")
HANG_S = 60.0  # faults that answer /metrics with a body of unannounced length
IDENTITY = b'{"service": "aiops-tui demo fleet"}'


@dataclass
class Route:
    """What one address serves: one endpoint of one scenario, or the fleet API (None)."""

    scenario: Scenario | None = None
    endpoint: Endpoint | None = None


class DemoFleet:
    def __init__(self, config: Config, seed: int = 7, clock=time.time) -> None:
        self.config = config
        self.seed = seed
        self.clock = clock
        start = clock()
        # Counters start from zero, as an engine's do when it starts: a console whose store
        # outlives a demo fleet then sees a counter reset, not a burst of made-up traffic.
        self.sims = {s.id: ScenarioSim(s, i, seed, start) for i, s in enumerate(config.scenarios)}
        self.faults: dict[tuple[str, str], str] = {}
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    # -- addresses ---------------------------------------------------------------------------
    def routes(self) -> dict[tuple[str, int], Route]:
        table: dict[tuple[str, int], Route] = {}
        for s in self.config.scenarios:
            for e in s.endpoints:
                table[_addr(e.base)] = Route(s, e)
            for source in (s.evals, s.index):
                if source is not None:
                    table.setdefault(_addr(str(source.url)), Route())
        return table

    def already_serving(self) -> bool:
        """Whether a demo fleet answers at this config's fleet API (a second `demo` reuses it)."""
        api = next((s.evals.url for s in self.config.scenarios if s.evals), None)
        if api is None:
            return False
        try:
            with urlopen(f"{api.scheme}://{api.host}:{api.port}/fleet", timeout=0.5) as reply:
                return reply.read() == IDENTITY
        except OSError:
            return False

    def start(self, ephemeral: bool = False) -> Config:
        """Start serving; returns the config whose URLs point at where the fleet really is."""
        moved: dict[tuple[str, int], tuple[str, int]] = {}
        for (host, port), route in self.routes().items():
            server = ThreadingHTTPServer((host, 0 if ephemeral else port), _handler(self, route))
            server.daemon_threads = True
            moved[(host, port)] = server.server_address[:2]  # type: ignore[assignment]
            thread = threading.Thread(target=server.serve_forever, name=f"demo:{port}",
                                      daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        if ephemeral:
            self.config = _rewrite(self.config, moved)
        return self.config

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def inject(self, scenario: str, endpoint: str, fault: str | None) -> None:
        """Make one endpoint misbehave (or behave again with ``None``)."""
        if fault is None:
            self.faults.pop((scenario, endpoint), None)
        elif fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        else:
            self.faults[(scenario, endpoint)] = fault

    # -- content -----------------------------------------------------------------------------
    def respond(self, route: Route, path: str) -> tuple[int, str, bytes]:
        if route.scenario is None:
            return self._fleet_api(path)
        scenario, endpoint = route.scenario, route.endpoint
        assert endpoint is not None
        sim = self.sims[scenario.id]
        sim.advance(self.clock())
        model = scenario.versions.model
        fault = self.faults.get((scenario.id, endpoint.name))
        now = sim.t
        if fault == "model-swap" or sim.drills.active("eval-regression", now):
            model = f"{model}-rev2"  # a silent provider update: another build behind the route
        if endpoint.kind not in ("dcgm", "app") and sim.drills.active("endpoint-down", now):
            fault = "http-500"
        if fault == "http-500":
            return 500, "text/plain", b"Internal Server Error"
        if fault == "refuse-health" and path in ("/health", "/v2/health/ready"):
            return 503, "text/plain", b""
        if path == "/metrics":
            if fault == "garbage":
                return 200, "text/plain", b"\x00\x1b[31m<html>not metrics {{{\n}}} 12 x\n"
            with sim.lock:
                body = pages.page_for(endpoint, sim, model).encode()
            return 200, "text/plain; version=0.0.4; charset=utf-8", body
        if path in ("/health", "/v2/health/ready"):
            return 200, "application/json", b""
        if path == "/v1/models" and endpoint.serves_model:
            return 200, "application/json", pages.models_doc(model, sim.start)
        return 404, "text/plain", b"not found"

    def drill(self, method: str, scenario: str, name: str | None) -> tuple[int, bytes]:
        """Start (POST) or end (DELETE; every drill without a name) a drill on a scenario."""
        sim = self.sims.get(scenario)
        if sim is None:
            return 404, json.dumps({"error": f"no scenario {scenario!r}"}).encode()
        if name is not None and name not in DRILLS:
            return 404, json.dumps({"error": f"no drill {name!r}",
                                    "known": list(DRILLS)}).encode()
        now = self.clock()
        sim.advance(now)  # the drill starts now, not at the last scrape
        if method == "POST" and name is not None:
            started = sim.drills.start(name, now)
            return 200, json.dumps({"started": name if started else None,
                                    "running": sim.drills.running(now)}).encode()
        if method == "DELETE":
            ended = sim.drills.clear(name, now)
            return 200, json.dumps({"ended": ended, "running": sim.drills.running(now)}).encode()
        return 405, b'{"error": "POST /drills/SCENARIO/NAME or DELETE /drills/SCENARIO[/NAME]"}'

    def _fleet_api(self, path: str) -> tuple[int, str, bytes]:
        parts = path.strip("/").split("/")
        if parts == ["fleet"]:
            return 200, "application/json", IDENTITY
        if parts == ["drills"]:
            now = self.clock()
            return 200, "application/json", json.dumps(
                {sid: sim.drills.running(now) for sid, sim in self.sims.items()}).encode()
        if len(parts) == 2 and parts[1] in self.sims:
            sim = self.sims[parts[1]]
            sim.advance(self.clock())
            v = sim.scenario.versions
            if parts[0] == "evals":
                return 200, "application/json", pages.evals_doc(sim, v.model, v.prompt, v.index)
            if parts[0] == "index" and v.index:
                return 200, "application/json", pages.index_doc(sim, v.index)
        return 404, "application/json", b'{"error": "not found"}'


def _addr(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _rewrite(config: Config, moved: dict[tuple[str, int], tuple[str, int]]) -> Config:
    def fix(url: str) -> str:
        parts = urlsplit(url)
        host, port = moved[_addr(url)]
        return parts._replace(netloc=f"{host}:{port}").geturl()

    data = config.model_dump(mode="json")
    for s in data["scenarios"]:
        for e in s["endpoints"]:
            e["url"] = fix(e["url"])
        for key in ("evals", "index"):
            if s.get(key):
                s[key]["url"] = fix(s[key]["url"])
    return Config.model_validate(data)


def _handler(fleet: DemoFleet, route: Route) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version: ClassVar[str] = "aiops-tui-demo"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            endpoint = route.endpoint.name if route.endpoint else ""
            scenario = route.scenario.id if route.scenario else ""
            fault = fleet.faults.get((scenario, endpoint))
            if fault == "timeout":
                time.sleep(HANG_S)  # longer than any client waits
            if fault in STREAMED and path == "/metrics":
                self._stream(fault)
                return
            self._reply(*fleet.respond(route, path))

        def _reply(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _stream(self, fault: str) -> None:
            """A body without Content-Length, ended by closing: 50 MB at once (huge) or a
            line every 0.2 s for up to a minute (drip), as broken or hostile servers do."""
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if fault == "huge":
                    for _ in range(50):
                        self.wfile.write(b"# padding\n" * 104_858)
                else:
                    for _ in range(300):
                        self.wfile.write(b"# still thinking\n")
                        self.wfile.flush()
                        time.sleep(0.2)

        def do_POST(self) -> None:
            self._drill("POST")

        def do_DELETE(self) -> None:
            self._drill("DELETE")

        def _drill(self, method: str) -> None:
            parts = urlsplit(self.path).path.strip("/").split("/")
            if route.scenario is None and parts[0] == "drills" and len(parts) in (2, 3):
                status, body = fleet.drill(method, parts[1], parts[2] if len(parts) == 3
                                           else None)
            else:
                status, body = 404, b'{"error": "not found"}'
            self._reply(status, "application/json", body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the console owns the terminal."""

    return Handler
