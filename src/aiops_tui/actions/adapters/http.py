"""Our JSON control-plane contract over HTTP (the README documents it; the demo fleet serves
it): ``GET {url}/scenarios/ID`` → ``{"state": …}``; ``POST {url}/scenarios/ID/ACTION`` with an
``Idempotency-Key`` header → ``{"state": …}`` or ``{"error": …}``."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx
from pydantic import ValidationError

from aiops_tui.actions.adapters import Failed, Reply, Unknown
from aiops_tui.actions.models import Kind, Request, State
from aiops_tui.config.models import HttpControl

ERROR_SHOWN = 300  # characters of a control plane's error text worth showing
_TOKEN = re.compile(r"[\x21-\x7e]+")


class HttpPlane:
    name = "http"
    reads_state = True

    def __init__(self, control: HttpControl) -> None:
        self.base = str(control.url).rstrip("/")
        self.timeout_s = control.timeout_s
        self.token_env = control.token_env
        self._client = httpx.AsyncClient(timeout=control.timeout_s, follow_redirects=False)

    def _auth(self) -> dict[str, str]:
        """Read at each call, so a token exported after start is used, never stored."""
        if not self.token_env:
            return {}
        token = os.environ.get(self.token_env, "")
        if not token:
            raise Failed(f"the control plane's token is not set: export {self.token_env}")
        if not _TOKEN.fullmatch(token):  # a header cannot carry it; httpx would echo it back
            raise Failed(f"${self.token_env} holds characters a header cannot carry "
                         "(spaces, line breaks or non-ASCII)")
        return {"Authorization": f"Bearer {token}"}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def state(self, scenario: str) -> State:
        try:
            reply = await self._client.get(f"{self.base}/scenarios/{scenario}",
                                           headers=self._auth())
        except httpx.HTTPError as exc:
            raise Failed(f"reading the state: {_says(exc)}") from None
        if reply.status_code != 200:
            raise Failed(f"reading the state: HTTP {reply.status_code}: {_error(reply)}")
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
        url = f"{self.base}/scenarios/{request.scenario}/{request.kind}"
        try:
            reply = await self._client.post(url, json=body,
                                            headers={"Idempotency-Key": key, **self._auth()})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.LocalProtocolError) as exc:
            raise Failed(f"not sent: {_says(exc)}") from None
        except httpx.HTTPError as exc:  # sent, then no (whole) answer
            raise Unknown(f"no answer after sending: {_says(exc)}") from None
        if 400 <= reply.status_code < 500:
            raise Failed(f"refused, HTTP {reply.status_code}: {_error(reply)}")
        if reply.status_code != 200:
            raise Unknown(f"HTTP {reply.status_code} after sending: {_error(reply)}")
        try:
            return Reply(State.model_validate(reply.json()["state"]),
                         "replayed: the control plane had done it already"
                         if reply.json().get("replayed") else "")
        except (ValueError, KeyError, TypeError, ValidationError):
            raise Unknown("the answer is not the contract's JSON: the change may or may not "
                          "have been made") from None


def _says(exc: httpx.HTTPError) -> str:
    """The error's kind; its text only for network errors, whose text is about the network
    (a protocol error's text can quote the headers sent)."""
    said = str(exc) if isinstance(exc, httpx.NetworkError | httpx.TimeoutException) else ""
    return f"{type(exc).__name__}" + (f" ({said})" if said else "")


def _error(reply: httpx.Response) -> str:
    """The control plane's own words, if it gave any, cut short."""
    try:
        text = str(reply.json().get("error", ""))
    except (ValueError, AttributeError):
        text = reply.text
    return " ".join(text.split())[:ERROR_SHOWN] or "(no reason given)"
