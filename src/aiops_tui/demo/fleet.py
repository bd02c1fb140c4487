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

from aiops_tui.config.models import Config, Endpoint, HttpControl, Scenario
from aiops_tui.demo import pages
from aiops_tui.demo.control import ControlError
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
        self._control_lock = threading.Lock()
        self.control_requests: list[tuple[str, str, str | None]] = []  # method, path, key
        self._replies: dict[str, tuple[bytes, int, bytes]] = {}  # key → request, answer
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    # -- addresses ---------------------------------------------------------------------------
    def routes(self) -> dict[tuple[str, int], Route]:
        table: dict[tuple[str, int], Route] = {}
        for s in self.config.scenarios:
            for e in s.endpoints:
                table[_addr(e.base)] = Route(s, e)
            urls = [str(source.url) for source in (s.evals, s.index) if source is not None]
            if isinstance(s.control, HttpControl):  # our contract: the fleet API serves it
                urls.append(str(s.control.url))
            for url in urls:
                table.setdefault(_addr(url), Route())
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
            server = _Server((host, 0 if ephemeral else port), _handler(self, route))
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
        """Stop every server at once: each notices within its half-second poll, so stopping
        them one after another took seconds (the demo console's quit waited on it)."""
        stopping = [threading.Thread(target=server.shutdown) for server in self._servers]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        for server in self._servers:
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
        fault = self.faults.get((scenario.id, endpoint.name))
        now = sim.t
        control = sim.control
        fallback = scenario.route.fallback
        if control.route == "fallback" and fallback is not None:
            model = fallback.model  # the fallback provider's model answers behind the route
        else:
            model = control.serving("model", self.clock()) or scenario.versions.model
        if fault == "model-swap":
            model = f"{model}-rev2"  # a silent provider update: another build behind the route
        if endpoint.kind not in ("dcgm", "app") and sim.drills.active("endpoint-down", now) \
                and control.in_effect("endpoint-down", now):
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
            with sim.lock:
                started = sim.drills.start(name, now)
                if started:
                    sim.control.deploy(name, now)
            return 200, json.dumps({"started": name if started else None,
                                    "running": sim.drills.running(now)}).encode()
        if method == "DELETE":
            with sim.lock:
                ended = sim.drills.clear(name, now)
                for drill in ended:
                    sim.control.undeploy(drill, now)
            return 200, json.dumps({"ended": ended, "running": sim.drills.running(now)}).encode()
        return 405, b'{"error": "POST /drills/SCENARIO/NAME or DELETE /drills/SCENARIO[/NAME]"}'

    def control(self, method: str, path: str, body: bytes, key: str | None
                ) -> tuple[int, bytes]:
        """The http control-plane contract (README, "Control planes"): GET
        ``/control/v1/scenarios/ID`` reads the state; POST ``…/ID/rollback|route|kill|
        rate-limit`` changes it and answers with the state it left. A POST needs an
        ``Idempotency-Key``: the same key again gets the first answer, nothing is done twice."""
        parts = path.strip("/").split("/")
        with self._control_lock:
            self.control_requests.append((method, path, key))
            if len(parts) not in (4, 5) or parts[:3] != ["control", "v1", "scenarios"]:
                return 404, b'{"error": "not found"}'
            sim = self.sims.get(parts[3])
            if sim is None:
                return 404, json.dumps({"error": f"no scenario {parts[3]!r}"}).encode()
            now = self.clock()
            if method == "GET" and len(parts) == 4:
                sim.advance(now)
                return 200, json.dumps({"state": sim.control.state(now)}).encode()
            if method != "POST" or len(parts) != 5:
                return 405, b'{"error": "GET a scenario, or POST one of its actions"}'
            if not key:
                return 400, b'{"error": "an Idempotency-Key header is required"}'
            asked = path.encode() + b"\n" + body
            if key in self._replies:
                first, status, reply = self._replies[key]
                if first != asked:
                    return 422, b'{"error": "this Idempotency-Key came with another request"}'
                return status, reply.replace(b'"replayed": false', b'"replayed": true')
            status, reply = self._change(sim, parts[4], body, now)
            self._replies[key] = (asked, status, reply)
            return status, reply

    @staticmethod
    def _change(sim: ScenarioSim, action: str, body: bytes, now: float) -> tuple[int, bytes]:
        try:
            args = json.loads(body or b"{}")
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as exc:
            return 400, json.dumps({"error": f"bad JSON: {exc}"}).encode()
        sim.advance(now)  # the change takes effect from now, not from the last scrape
        control = sim.control
        try:
            with sim.lock:
                if action == "rollback":
                    control.rollback(str(args.get("component")), args.get("to"), now)
                elif action == "route":
                    control.set_route(str(args.get("to")))
                elif action == "kill":
                    on = args.get("on", True)
                    if not isinstance(on, bool):
                        raise ControlError("on is true or false")
                    control.killed = on
                elif action == "rate-limit":
                    rps = args.get("rps")
                    if rps is not None and (not isinstance(rps, int | float) or rps <= 0):
                        raise ControlError("rps must be a positive number, or null to lift it")
                    control.rate_limit_rps = None if rps is None else float(rps)
                else:
                    return 404, json.dumps({"error": f"no action {action!r}"}).encode()
        except ControlError as exc:
            return 409, json.dumps({"error": str(exc), "state": control.state(now)}).encode()
        return 200, json.dumps({"state": control.state(now), "replayed": False}).encode()

    def _fleet_api(self, path: str) -> tuple[int, str, bytes]:
        parts = path.strip("/").split("/")
        if parts == ["fleet"]:
            return 200, "application/json", IDENTITY
        if parts[0] == "control":
            status, body = self.control("GET", path, b"", None)
            return status, "application/json", body
        if parts == ["drills"]:
            now = self.clock()
            return 200, "application/json", json.dumps(
                {sid: sim.drills.running(now) for sid, sim in self.sims.items()}).encode()
        if len(parts) == 2 and parts[1] in self.sims:
            sim = self.sims[parts[1]]
            sim.advance(self.clock())
            if parts[0] == "evals":
                return 200, "application/json", pages.evals_doc(sim)
            if parts[0] == "index" and sim.scenario.versions.index:
                return 200, "application/json", pages.index_doc(sim)
        return 404, "application/json", b'{"error": "not found"}'


class _Server(ThreadingHTTPServer):
    """A listen backlog of 128, not socketserver's 5: a console reading dozens of feeds from
    one address at once (a scaled-up fleet's) overflowed five, and the dropped connections'
    retries outlasted the feeds' timeouts."""

    request_queue_size = 128


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
        for key in ("evals", "index", "control"):
            if s.get(key) and (key != "control" or s[key]["adapter"] == "http"):
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
            if route.scenario is None and self.path.startswith("/control/"):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 65536))
                status, reply = fleet.control("POST", urlsplit(self.path).path, body,
                                              self.headers.get("Idempotency-Key"))
                self._reply(status, "application/json", reply)
                return
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
