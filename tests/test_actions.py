"""Actions: roles and read-only, the in-flight and in-doubt guard, the command adapter with a
real executable, and rollback / fallback routing end to end on the demo fleet's control plane."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from aiops_tui.actions import guard
from aiops_tui.actions.adapters import Failed
from aiops_tui.actions.adapters.command import CommandPlane, fill
from aiops_tui.actions.models import Kind, Outcome, Request
from aiops_tui.actions.planes import planes_for
from aiops_tui.actions.policy import refusal
from aiops_tui.actions.service import Actions, Actor, Refusal
from aiops_tui.config.models import CommandControl, Config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.store.audit import AuditLog, Refused
from aiops_tui.store.audit_chain import Entry, verify

ROLES = ("viewer", "trainee", "responder", "commander")


def test_roles_and_read_only_decide_every_action() -> None:
    may = {(role, kind) for role in ROLES for kind in Kind if refusal(kind, role, False) is None}
    assert may == {("responder", k) for k in (Kind.ROLLBACK, Kind.ROUTE, Kind.RATE_LIMIT)} | \
        {("commander", k) for k in Kind}
    assert refusal(Kind.KILL, "responder", False) == \
        "a responder cannot kill: it needs the commander role"
    assert all(refusal(k, "commander", True) for k in Kind)  # read-only: nobody


def entry(phase: str, at: float, key: str, outcome: str = "") -> Entry:
    return Entry(at=at, user="ana", role="responder", phase=phase,  # type: ignore[arg-type]
                 action="rollback", scenario="s", key=key, outcome=outcome)


def test_an_action_in_flight_or_in_doubt_blocks_the_next_until_the_state_is_read() -> None:
    assert guard.blocked([], 100.0, 10.0) is None
    sent = [entry("intent", 100.0, "a")]
    assert "in flight" in guard.blocked(sent, 105.0, 10.0)
    assert "never recorded a result" in guard.blocked(sent, 200.0, 10.0)
    assert guard.blocked([*sent, entry("result", 101.0, "a", "done")], 102.0, 10.0) is None
    assert guard.blocked([*sent, entry("result", 101.0, "a", "failed")], 102.0, 10.0) is None
    doubt = [*sent, entry("result", 111.0, "a", "unknown")]
    assert "ended unknown: read the state first" in guard.blocked(doubt, 300.0, 10.0)
    assert guard.blocked([*doubt, entry("verify", 120.0, "")], 300.0, 10.0) is None
    # A refused attempt after the doubt changes nothing.
    assert guard.blocked([*doubt, entry("result", 130.0, "b", "refused")], 300.0, 10.0)
    # Confirming the same preview again while it is in flight is refused under its key: that
    # refusal must not make the first intent look answered; nor may a state read.
    again = [*sent, entry("result", 101.0, "a", "refused")]
    assert "in flight" in guard.blocked(again, 102.0, 10.0)
    assert "in flight" in guard.blocked([*sent, entry("verify", 101.0, "")], 102.0, 10.0)
    # The same key sent again after it was done is a new action in flight.
    rerun = [*sent, entry("result", 101.0, "a", "done"), entry("intent", 150.0, "a")]
    assert "in flight" in guard.blocked(rerun, 151.0, 10.0)


def test_refusals_never_crowd_a_doubt_out_of_the_guards_view(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "g.audit.duckdb")
    log.append(entry("intent", 100.0, "a"))
    log.append(entry("result", 111.0, "a", "unknown"))
    for i in range(60):  # a viewer pressing a key sixty times
        log.append(entry("result", 120.0 + i, f"r{i}", "refused"))
    with pytest.raises(Refused, match="ended unknown"):
        log.append(entry("intent", 300.0, "b"), guard=lambda e: guard.blocked(e, 300.0, 10.0))


@pytest.mark.parametrize("value", [
    "v1; rm -rf /", "v1 && true", "$(id)", "`id`", "v 1", "'v1'", '"v1"', "-rf", "--force",
    "[bold]v1[/]", "\x1b[31mv1", "v1\nv2", "v1\n", "@/etc/passwd", "", "v1|cat"])
def test_no_scenario_id_or_version_gets_into_a_command_as_more_than_one_safe_argument(
        value: str) -> None:
    with pytest.raises(Failed, match="not a safe argument value"):
        fill(["helm", "rollback", "{release}", "{to}"], {"release": "chat", "to": value})
    assert fill(["helm", "rollback", "{release}", "--version={to}"],
                {"release": "chat", "to": "1.2.3+build/7"}) == [
        "helm", "rollback", "chat", "--version=1.2.3+build/7"]
    with pytest.raises(Failed, match="only plain"):
        fill(["echo", "{to!r}"], {"to": "v1"})


def test_the_command_adapter_runs_a_real_program_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "argv.json"
    script = tmp_path / "record.py"
    script.write_text("import json, sys\njson.dump(sys.argv[1:], open(sys.argv[1], 'w'))\n"
                      "print('rolled back'); sys.exit(int(sys.argv[-1] == 'fail'))\n")

    def plane(**templates: list[str]) -> CommandPlane:
        return CommandPlane(CommandControl(adapter="command", timeout_s=2, values={
            "deployment": "chat-v2"}, **templates))

    rollback = Request(kind=Kind.ROLLBACK, scenario="support-chat", component="model",
                       to="v1.2")
    reply = asyncio.run(plane(rollback=[sys.executable, str(script), str(out),
                                        "deployment/{deployment}", "{component}", "{to}"]
                              ).act(rollback, "k1"))
    assert json.loads(out.read_text())[1:] == ["deployment/chat-v2", "model", "v1.2"]
    assert reply.state is None and reply.said == f"{sys.executable} exited 0: rolled back"
    with pytest.raises(Failed, match="exited 1: rolled back"):
        asyncio.run(plane(rollback=[sys.executable, str(script), str(out), "fail"]
                          ).act(rollback, "k2"))
    with pytest.raises(Failed, match="No such file"):
        asyncio.run(plane(rollback=["/nonexistent/kubectl", "rollout", "undo"]
                          ).act(rollback, "k3"))
    with pytest.raises(Failed, match="no route command"):
        asyncio.run(plane().act(Request(kind=Kind.ROUTE, scenario="s", to="fallback"), "k4"))
    from aiops_tui.actions.adapters import Unknown

    with pytest.raises(Unknown, match="still running after 2s: killed"):
        asyncio.run(plane(kill=["sleep", "30"]).act(Request(kind=Kind.KILL, scenario="s"),
                                                     "k5"))


# -- end to end on the demo fleet ---------------------------------------------------------------

def actions_on(config: Config, tmp_path: Path, role: str = "commander",
               read_only: bool = False) -> Actions:
    return Actions(config, AuditLog(tmp_path / "t.audit.duckdb"),
                   Actor("ana", role, read_only), planes_for(config))  # type: ignore[arg-type]


def served(fleet: DemoFleet, scenario: str) -> str:
    endpoint = next(e for e in fleet.config.scenario(scenario).endpoints if e.kind == "vllm")
    return httpx.get(f"{endpoint.base}/v1/models").json()["data"][0]["id"]


def posts(fleet: DemoFleet) -> list[tuple[str, str, str | None]]:
    return [r for r in fleet.control_requests if r[0] == "POST"]


def test_a_rollback_reaches_the_control_plane_once_and_the_fleet_serves_the_good_model(
        fleet: DemoFleet, tmp_path: Path) -> None:
    good = served(fleet, "support-chat")
    httpx.post(f"{fleet.config.scenario('support-chat').evals.url}".replace(
        "/evals/support-chat", "/drills/support-chat/eval-regression"))
    assert served(fleet, "support-chat") == f"{good}-rev2"  # the silent provider update
    actions = actions_on(fleet.config, tmp_path)

    async def go() -> tuple:
        preview = await actions.preview(Request(kind=Kind.ROLLBACK, scenario="support-chat",
                                                component="model"))
        first = await actions.execute(preview, "support-chat")
        again = await actions.execute(preview, "support-chat")  # the same confirmation twice
        await actions.aclose()
        return preview, first, again

    preview, first, again = asyncio.run(go())
    assert (preview.before, preview.after, preview.typed) == (
        f"model {good}-rev2", f"model {good}", True)
    assert first.outcome is Outcome.DONE and first.state.versions["model"].current == good
    assert len(posts(fleet)) == 2 and posts(fleet)[0][2] == posts(fleet)[1][2] == preview.key
    assert "replayed" in again.message  # the control plane dropped the repeat
    assert fleet.sims["support-chat"].control.live["model"][-1][1] == good
    assert len(fleet.sims["support-chat"].control.live["model"]) == 3  # bad, then good: once
    assert served(fleet, "support-chat") == good
    log = AuditLog(tmp_path / "t.audit.duckdb")
    entries = log.entries()
    assert [(s.entry.phase, s.entry.outcome) for s in entries] == [
        ("intent", ""), ("result", "done"), ("intent", ""), ("result", "done")]
    assert entries[0].entry.before == f"model {good}-rev2" and entries[1].entry.duration_ms
    assert verify(entries, log.head()) == []


async def test_fallback_routing_serves_the_fallback_model_and_back(fleet: DemoFleet,
                                                             tmp_path: Path) -> None:
    actions = actions_on(fleet.config, tmp_path, role="responder")
    fallback = fleet.config.scenario("support-chat").route.fallback

    async def route(to: str):  # type: ignore[no-untyped-def]
        preview = await actions.preview(Request(kind=Kind.ROUTE, scenario="support-chat",
                                                to=to))
        return preview, await actions.execute(preview, "support-chat")

    preview, result = await route("fallback")
    assert (preview.before, preview.after, result.outcome) == ("primary", "fallback",
                                                                Outcome.DONE)
    assert served(fleet, "support-chat") == fallback.model
    _, back = await route("primary")
    assert back.outcome is Outcome.DONE and served(fleet, "support-chat") != fallback.model
    assert len(posts(fleet)) == 2


async def test_who_may_not_act_is_refused_by_every_path_and_the_refusal_is_recorded(
        fleet: DemoFleet, tmp_path: Path) -> None:
    request = Request(kind=Kind.ROLLBACK, scenario="support-chat", component="prompt",
                      to="support-v41")
    for role, read_only in (("viewer", False), ("trainee", False), ("commander", True)):
        actions = actions_on(fleet.config, tmp_path, role, read_only)
        with pytest.raises(Refusal):
            await actions.preview(request)
        # Straight to execute with a made-up preview: refused the same.
        made = (await actions_on(fleet.config, tmp_path / "x").preview(
            Request(kind=Kind.KILL, scenario="support-chat")))
        with pytest.raises(Refusal):
            await actions.execute(made, "support-chat")
    assert posts(fleet) == []
    outcomes = [s.entry.outcome for s in AuditLog(tmp_path / "t.audit.duckdb").entries()]
    assert outcomes == ["refused"] * 6
    # Production wants the id typed; anything else is no confirmation.
    actions = actions_on(fleet.config, tmp_path)
    preview = await actions.preview(Request(kind=Kind.KILL, scenario="support-chat"))
    with pytest.raises(Refusal, match="type support-chat"):
        await actions.execute(preview, "support")
    staging = await actions.preview(Request(kind=Kind.KILL, scenario="code-review"))
    assert not staging.typed
    assert (await actions.execute(staging, None)).outcome is Outcome.DONE


class Misbehaving(BaseHTTPRequestHandler):
    """A control plane that answers ``mode``: 409, 503, garbage or nothing in time."""

    mode = "409"
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self._send(200, json.dumps({"state": {"scenario": "support-chat", "versions": {
            "model": {"current": "m2", "last_known_good": "m1"}}}}).encode())

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.mode == "slow":
            threading.Event().wait(3)
        body = {"409": b'{"error": "\\u001b[31m[bold]model m1 is quarantined[/]"}',
                "503": b'{"error": "overloaded"}', "garbage": b"<html>ok</html>",
                "slow": b"{}"}[self.mode]
        self._send(200 if self.mode in ("garbage", "slow") else int(self.mode), body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def misbehaving(demo_config: Config) -> Iterator[Config]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    data = demo_config.model_dump(mode="json")
    data["scenarios"][0]["control"] = {
        "adapter": "http", "url": f"http://127.0.0.1:{server.server_address[1]}/v1",
        "token_env": "AIOPS_TEST_CP_TOKEN", "timeout_s": 1}
    yield Config.model_validate(data)
    server.shutdown()


@pytest.mark.parametrize(("mode", "outcome", "says"), [
    ("409", Outcome.FAILED, "refused, HTTP 409: \x1b[31m[bold]model m1 is quarantined[/]"),
    ("503", Outcome.UNKNOWN, "unknown — verify: HTTP 503 after sending: overloaded"),
    ("garbage", Outcome.UNKNOWN, "not the contract's JSON"),
    ("slow", Outcome.UNKNOWN, "no answer after sending: ReadTimeout"),
])
async def test_a_control_plane_that_misbehaves_gives_a_clear_error_and_a_consistent_record(
        misbehaving: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str,
        outcome: Outcome, says: str) -> None:
    monkeypatch.setenv("AIOPS_TEST_CP_TOKEN", "s3cret-token-value")
    Misbehaving.mode, Misbehaving.seen = mode, []
    actions = actions_on(misbehaving, tmp_path)
    request = Request(kind=Kind.ROLLBACK, scenario="support-chat", component="model")
    preview = await actions.preview(request)
    result = await actions.execute(preview, "support-chat")
    assert result.outcome is outcome and says in result.message
    assert Misbehaving.seen == ["Bearer s3cret-token-value"]
    log = AuditLog(tmp_path / "t.audit.duckdb")
    entries = [s.entry for s in log.entries()]
    assert [(e.phase, e.outcome) for e in entries] == [("intent", ""), ("result", str(outcome))]
    recorded = "".join(e.model_dump_json() for e in log.entries())
    assert "s3cret" not in recorded + result.message
    if outcome is Outcome.UNKNOWN:  # never a blind retry: the next action waits for a read
        with pytest.raises(Refusal, match="read the state first"):
            (await actions.execute(dataclasses.replace(preview, key="new"),
                                        "support-chat"))
        await actions.verify("support-chat")
        assert (await actions.execute(dataclasses.replace(preview, key="after"),
                                           "support-chat")).outcome is outcome
    assert verify(log.entries(), log.head()) == []


def test_act_on_the_command_line_needs_the_id_off_a_terminal(fleet: DemoFleet,
                                                             fleet_config_file: Path,
                                                             tmp_path: Path) -> None:
    def act(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aiops_tui", "act", *args, "--config",
             str(fleet_config_file), "--store", str(tmp_path / "s.duckdb")],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1"})

    unconfirmed = act("rate-limit", "code-review", "--rps", "2")
    assert unconfirmed.returncode == 5 and "--confirm code-review" in unconfirmed.stderr
    done = act("rate-limit", "code-review", "--rps", "2", "--confirm", "code-review")
    assert done.returncode == 0, done.stderr
    assert fleet.sims["code-review"].control.rate_limit_rps == 2.0
    read_only = act("rate-limit", "code-review", "--off", "--confirm", "code-review",
                    "--read-only")
    assert read_only.returncode == 5 and "read-only" in read_only.stderr
    assert act("route", "claims-triage", "--to", "fallback", "--confirm",
               "claims-triage").returncode == 5  # no fallback target
    audit = subprocess.run([sys.executable, "-m", "aiops_tui", "audit", "--json", "--store",
                            str(tmp_path / "s.duckdb")], capture_output=True, text=True,
                           timeout=60)
    rows = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [(r["phase"], r["outcome"]) for r in rows] == [
        ("result", "refused"), ("intent", ""), ("result", "done"), ("result", "refused"),
        ("result", "refused")]


def test_a_command_template_with_an_unknown_placeholder_is_a_config_error(
        tmp_path: Path) -> None:
    import yaml

    from aiops_tui.config import ConfigError, load_config
    from tests.conftest import DEMO_CONFIG

    data = yaml.safe_load(DEMO_CONFIG.read_text())
    data["scenarios"][1]["control"] = {"adapter": "command", "values": {"release": "search"},
                                       "rollback": ["helm", "rollback", "{release}",
                                                    "{revison}"]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if "adapter: command" in text) - 1  # the `control:` key above it
    assert str(caught.value).startswith(f"{path}:{line}: scenarios[1].control.command: "
                                        "rollback: '{revison}' uses {revison}")


async def test_a_command_plane_is_checked_by_hand_and_a_bad_token_never_leaves(
        misbehaving: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = misbehaving.model_dump(mode="json")
    data["scenarios"][1]["control"] = {"adapter": "command", "kill": ["sleep", "30"],
                                       "timeout_s": 1}
    config = Config.model_validate(data)
    actions = actions_on(config, tmp_path)
    kill = await actions.preview(Request(kind=Kind.KILL, scenario="doc-search"))
    assert kill.before == "unknown"  # a command cannot say how things stand
    assert (await actions.execute(kill, "doc-search")).outcome is Outcome.UNKNOWN
    with pytest.raises(Refusal, match="ended unknown"):
        await actions.execute(dataclasses.replace(kill, key="k2"), "doc-search")
    with pytest.raises(Refusal, match="viewer cannot"):
        await actions_on(config, tmp_path, role="viewer").verify("doc-search")
    assert await actions.verify("doc-search") is None  # the operator's word, recorded
    assert "checked by hand" in AuditLog(tmp_path / "t.audit.duckdb").entries()[-1].entry.detail
    # A token a header cannot carry: not sent, and never repeated anywhere.
    monkeypatch.setenv("AIOPS_TEST_CP_TOKEN", "s3cret-token")
    rollback = await actions.preview(Request(kind=Kind.ROLLBACK, scenario="support-chat",
                                             component="model"))
    monkeypatch.setenv("AIOPS_TEST_CP_TOKEN", "s3cret-token\n")
    Misbehaving.seen = []
    with pytest.raises(Refusal, match="holds characters a header cannot carry") as caught:
        await actions.preview(Request(kind=Kind.ROLLBACK, scenario="support-chat",
                                      component="model"))
    result = await actions.execute(rollback, "support-chat")
    assert result.outcome is Outcome.FAILED and "a header cannot carry" in result.message
    assert Misbehaving.seen == []
    log = AuditLog(tmp_path / "t.audit.duckdb")
    recorded = "".join(e.model_dump_json() for e in log.entries())
    assert "s3cret" not in recorded + str(caught.value) + result.message


def test_the_demo_control_plane_ties_a_key_to_its_request(fleet: DemoFleet) -> None:
    base = str(fleet.config.scenario("code-review").control.url)
    first = httpx.post(f"{base}/scenarios/code-review/rate-limit", json={"rps": 3},
                       headers={"Idempotency-Key": "k"})
    elsewhere = httpx.post(f"{base}/scenarios/support-chat/rate-limit", json={"rps": 3},
                           headers={"Idempotency-Key": "k"})
    assert (first.status_code, elsewhere.status_code) == (200, 422)
    assert fleet.sims["support-chat"].control.rate_limit_rps is None
    assert httpx.post(f"{base}/scenarios/code-review/kill", json={"on": "false"},
                      headers={"Idempotency-Key": "k2"}).status_code == 409


def test_command_mode_lines_become_the_requests_the_keys_make() -> None:
    from aiops_tui.actions.command_line import CommandError, parse

    assert parse(":rollback support-chat prompt").request == Request(
        kind=Kind.ROLLBACK, scenario="support-chat", component="prompt")
    assert parse("rollback doc-search index idx-2026-11-01").request.to == "idx-2026-11-01"
    assert parse("route support-chat").request.to is None  # flips, from the state
    assert parse("rl claims-triage 2.5").request.rps == 2.5
    assert parse("rate-limit claims-triage off").request.to == "off"
    assert parse("kill code-review off").request.to == "off"
    assert (parse("verify doc-search").verb, parse("audit").scenario) == ("verify", None)
    assert parse("rollback doc-search").request.component is None  # asked, like the key
    for bad in ("", "rollback", "rollback s weights", "route s sideways",
                "rate-limit s 0", "rate-limit s -3", "rate-limit s nan", "kill s maybe",
                "rollback s model v1 v2", "drop table", "verify a b"):
        with pytest.raises(CommandError):
            parse(bad)


async def test_a_route_or_kill_left_open_flips_what_the_control_plane_says(
        fleet: DemoFleet, tmp_path: Path) -> None:
    actions = actions_on(fleet.config, tmp_path)
    route = await actions.preview(Request(kind=Kind.ROUTE, scenario="doc-search"))
    kill = await actions.preview(Request(kind=Kind.KILL, scenario="doc-search"))
    assert (route.request.to, route.after, kill.request.to) == ("fallback", "fallback", "on")
    await actions.execute(kill, "doc-search")
    again = await actions.preview(Request(kind=Kind.KILL, scenario="doc-search"))
    assert (again.before, again.after) == ("killed", "serving")
    await actions.aclose()
