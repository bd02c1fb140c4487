"""Our JSON control-plane contract over HTTP (the README documents it; the demo fleet serves
it): ``GET {url}/scenarios/ID`` → ``{"state": …}``; ``POST {url}/scenarios/ID/ACTION`` with an
``Idempotency-Key`` header → ``{"state": …}`` or ``{"error": …}``."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from aiops_tui.actions.adapters import Failed, Reply, Unknown
from aiops_tui.actions.adapters.web import bearer, error, read, write
from aiops_tui.actions.models import Kind, Request, State
from aiops_tui.config.models import HttpControl


class HttpPlane:
    name = "http"
    reads_state = True

    def __init__(self, control: HttpControl) -> None:
        self.base = str(control.url).rstrip("/")
        self.timeout_s = control.timeout_s
        self.token_env = control.token_env
        self._client = httpx.AsyncClient(timeout=control.timeout_s, follow_redirects=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    def unsupported(self, request: Request) -> str | None:
        return None  # the contract covers every action

    async def state(self, scenario: str) -> State:
        reply = await read(self._client, f"{self.base}/scenarios/{scenario}",
                           bearer(self.token_env))
        if reply.status_code != 200:
            raise Failed(f"reading the state: HTTP {reply.status_code}: {error(reply)}")
        try:
            return State.model_validate(reply.json()["state"])
        except (ValueError, KeyError, TypeError, ValidationError):
            raise Failed("reading the state: the answer is not the contract's JSON") from None

    async def act(self, request: Request, key: str) -> Reply:
        body: dict[str, Any]
        match request.kind:
            case Kind.ROLLBACK:
                body = {"component": request.component, "to": request.to}
            case Kind.ROUTE:
                body = {"to": request.to}
            case Kind.KILL:
                body = {"on": request.to != "off"}
            case Kind.RATE_LIMIT:
                body = {"rps": request.rps}
        reply = await write(self._client, "POST",
                            f"{self.base}/scenarios/{request.scenario}/{request.kind}",
                            {"Idempotency-Key": key, **bearer(self.token_env)}, body)
        if reply.status_code != 200:
            raise Unknown(f"HTTP {reply.status_code} after sending: {error(reply)}")
        try:
            return Reply(State.model_validate(reply.json()["state"]),
                         "replayed: the control plane had done it already"
                         if reply.json().get("replayed") else "")
        except (ValueError, KeyError, TypeError, ValidationError):
            raise Unknown("the answer is not the contract's JSON: the change may or may not "
                          "have been made") from None
