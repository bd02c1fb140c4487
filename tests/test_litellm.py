"""The litellm control plane against a loopback stub of the LiteLLM proxy's documented admin
endpoints (paths, bodies and error shapes as its management endpoints answer them)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aiops_tui.actions.adapters import Failed
from aiops_tui.actions.adapters.litellm import LitellmPlane
from aiops_tui.actions.models import Kind, Outcome, Request
from aiops_tui.actions.planes import planes_for
from aiops_tui.actions.service import Actions, Actor, Refusal
from aiops_tui.config import Config
from aiops_tui.config.models import LitellmControl
from aiops_tui.store.audit import AuditLog

KEY = "sk-master-test"


class Proxy:
    """What a LiteLLM proxy keeps that these endpoints touch: one deployment, fallbacks."""

    def __init__(self) -> None:
        self.deployment = {"model_name": "support-chat", "blocked": False,
                           "litellm_params": {"model": "openai/gpt-4o-2024-08-06", "rpm": None},
                           "model_info": {"id": "dep-1", "db_model": True}}
        self.fallbacks: dict[str, list[str]] = {}
        self.requests: list[tuple[str, str, dict | None]] = []


class Handler(BaseHTTPRequestHandler):
    proxy: Proxy

    def log_message(self, *_: object) -> None:
        return None

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        proxy = self.proxy
        proxy.requests.append((self.command, url.path, body))
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            # user_api_key_auth's answer: a ProxyException
            return self._answer(401, {"error": {"message": "Authentication Error, invalid key",
                                                "type": "auth_error", "code": "401"}})
        query = parse_qs(url.query)
        dep = proxy.deployment
        match self.command, url.path.strip("/").split("/"):
            case "GET", ["v2", "model", "info"]:
                rows = [dep] if query.get("modelId") == [dep["model_info"]["id"]] else []
                return self._answer(200, {"data": rows, "total_count": len(rows),
                                          "current_page": 1, "total_pages": 1, "size": 50})
            case "GET", ["fallback", model]:
                if model not in proxy.fallbacks:
                    return self._answer(404, {"detail": {
                        "error": f"No general fallbacks configured for model '{model}'"}})
                return self._answer(200, {"model": model, "fallback_models":
                                          proxy.fallbacks[model], "fallback_type": "general"})
            case "POST", ["fallback"]:
                if body["model"] == "nope":
                    return self._answer(404, {"detail": {"error": "Model 'nope' not found",
                                                         "available_models": ["support-chat"]}})
                proxy.fallbacks[body["model"]] = body["fallback_models"]
                return self._answer(200, {**body, "message":
                                          "Fallback configuration created successfully"})
            case "DELETE", ["fallback", model]:
                if proxy.fallbacks.pop(model, None) is None:
                    return self._answer(404, {"detail": {"error": "no fallback"}})
                return self._answer(200, {"model": model, "fallback_type": "general",
                                          "message": "Fallback configuration deleted"})
            case "PATCH", ["model", model_id, "update"] if model_id == dep["model_info"]["id"]:
                dep["litellm_params"].update(body.get("litellm_params") or {})
                return self._answer(200, dep)
            case "POST", ["model", ("block" | "unblock") as which]:
                dep["blocked"] = which == "block"
                return self._answer(200, dep)
        return self._answer(404, {"detail": f"Model {url.path} not found on proxy."})

    do_GET = do_POST = do_PATCH = do_DELETE = _handle


@pytest.fixture
def proxy() -> Iterator[tuple[Proxy, str]]:
    state = Proxy()
    handler = type("Bound", (Handler,), {"proxy": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def on_litellm(config: Config, url: str) -> Config:
    control = {"adapter": "litellm", "url": url, "key_env": "LITELLM_TEST_KEY",
               "model": "support-chat", "deployment": "dep-1", "fallback": ["claude-fallback"]}
    data = config.model_dump(mode="json")
    for s in data["scenarios"]:
        s["control"] = control if s["id"] == "support-chat" else None
    return Config.model_validate(data)


async def test_every_action_through_the_litellm_admin_api(
        proxy: tuple[Proxy, str], demo_config: Config, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    state, url = proxy
    monkeypatch.setenv("LITELLM_TEST_KEY", KEY)
    config = on_litellm(demo_config, url)
    actions = Actions(config, AuditLog(tmp_path / "a.duckdb"), Actor("ana", "commander"),
                      planes_for(config))

    async def act(**fields: object):  # type: ignore[no-untyped-def]
        preview = await actions.preview(Request(scenario="support-chat", **fields))
        return preview, await actions.execute(preview, "support-chat")

    with pytest.raises(Refusal, match="knows no last good model"):  # LiteLLM keeps none
        await actions.preview(Request(kind=Kind.ROLLBACK, scenario="support-chat",
                                      component="model"))
    preview, result = await act(kind=Kind.ROLLBACK, component="model",
                                to="openai/gpt-4o-2024-05-13")
    assert preview.before == "model openai/gpt-4o-2024-08-06" and result.outcome is Outcome.DONE
    assert state.deployment["litellm_params"]["model"] == "openai/gpt-4o-2024-05-13"
    assert state.requests[-1][:2] == ("PATCH", "/model/dep-1/update")

    preview, result = await act(kind=Kind.ROUTE)  # flips: to the fallback
    assert (preview.before, preview.after) == ("primary", "fallback")
    assert state.fallbacks == {"support-chat": ["claude-fallback"]}
    assert (await actions.verify("support-chat")).route == "fallback"
    preview, result = await act(kind=Kind.ROUTE)
    assert preview.after == "primary" and state.fallbacks == {}

    state.fallbacks["support-chat"] = ["team-failover-a", "team-failover-b"]  # not ours
    preview, result = await act(kind=Kind.ROUTE)
    assert preview.before == "primary" and result.outcome is Outcome.FAILED
    assert "did not set" in result.message
    assert state.fallbacks["support-chat"] == ["team-failover-a", "team-failover-b"]

    _, result = await act(kind=Kind.KILL, to="on")
    assert state.deployment["blocked"] is True
    assert (await actions.verify("support-chat")).killed
    _, result = await act(kind=Kind.KILL)  # flips back
    assert state.deployment["blocked"] is False

    _, result = await act(kind=Kind.RATE_LIMIT, rps=2.5)
    assert state.deployment["litellm_params"]["rpm"] == 150
    assert (await actions.verify("support-chat")).rate_limit_rps == 2.5
    writes = len(state.requests)
    for fields, why in (({"kind": Kind.RATE_LIMIT, "to": "off"}, "cannot be lifted"),
                        ({"kind": Kind.ROLLBACK, "component": "prompt", "to": "support-v6"},
                         "does not manage its prompt")):
        with pytest.raises(Refusal, match=why):  # before anything is written or sent
            await act(**fields)
    assert all(r[0] == "GET" for r in state.requests[writes:])
    await actions.aclose()
    entries = actions.audit.entries()
    assert all(KEY not in s.entry.model_dump_json() for s in entries)
    assert [s.entry.outcome for s in entries if s.entry.phase == "result"].count("refused") == 3


async def test_litellm_errors_say_what_it_said_and_never_the_key(
        proxy: tuple[Proxy, str], monkeypatch: pytest.MonkeyPatch) -> None:
    state, url = proxy
    control = LitellmControl(adapter="litellm", url=url, key_env="LITELLM_TEST_KEY",
                             model="nope", deployment="dep-9", fallback=["x"])
    plane = LitellmPlane(control)
    monkeypatch.setenv("LITELLM_TEST_KEY", "sk-wrong")
    with pytest.raises(Failed, match="HTTP 401: not authorised") as bad:
        await plane.state("support-chat")
    assert "sk-wrong" not in str(bad.value)
    monkeypatch.setenv("LITELLM_TEST_KEY", KEY)
    with pytest.raises(Failed, match="no deployment 'dep-9'"):
        await plane.state("support-chat")
    with pytest.raises(Failed, match="HTTP 404: Model 'nope' not found"):
        await plane.act(Request(kind=Kind.ROUTE, scenario="support-chat", to="fallback"), "k")
    monkeypatch.delenv("LITELLM_TEST_KEY")
    with pytest.raises(Failed, match="export LITELLM_TEST_KEY"):
        await plane.state("support-chat")
    assert all(r[0] != "POST" or r[2]["model"] == "nope" for r in state.requests)
    await plane.aclose()
