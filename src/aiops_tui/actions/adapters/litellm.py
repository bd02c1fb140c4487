"""A LiteLLM proxy as a control plane, through its admin API (master key as a bearer token):

- state: ``GET /v2/model/info?modelId=D`` (the deployment's model, rpm, blocked) and
  ``GET /fallback/M`` (a general fallback rule: 200 routed, 404 not);
- rollback model: ``PATCH /model/D/update`` with ``litellm_params.model``;
- route: ``POST /fallback`` ``{"model", "fallback_models", "fallback_type": "general"}`` to
  fall back, ``DELETE /fallback/M`` to go back to primary;
- kill switch: ``POST /model/block`` / ``/model/unblock`` ``{"model_id": D}``;
- rate limit: ``PATCH /model/D/update`` with ``litellm_params.rpm`` (requests per minute).

LiteLLM takes no idempotency key; each write sets a value, so a repeat changes nothing.
It keeps no "last known good" model either: a model rollback names its version.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from aiops_tui.actions.adapters import Failed, Reply
from aiops_tui.actions.adapters.web import bearer, error, read, write
from aiops_tui.actions.models import Kind, Request, State, VersionState
from aiops_tui.config.models import LitellmControl


class LitellmPlane:
    name = "litellm"
    reads_state = True

    def __init__(self, control: LitellmControl) -> None:
        self.base = str(control.url).rstrip("/")
        self.control = control
        self.timeout_s = control.timeout_s
        self._client = httpx.AsyncClient(timeout=control.timeout_s, follow_redirects=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _auth(self) -> dict[str, str]:
        return bearer(self.control.key_env)

    async def state(self, scenario: str) -> State:
        c = self.control
        info = await read(self._client, f"{self.base}/v2/model/info?modelId="
                          f"{quote(c.deployment, safe='')}", self._auth())
        if info.status_code != 200:
            raise Failed(f"reading the deployment: HTTP {info.status_code}: {error(info)}")
        deployment = _deployment(info, c.deployment)
        rule = await read(self._client, f"{self.base}/fallback/{quote(c.model, safe='')}"
                          "?fallback_type=general", self._auth(), "reading the fallback rule")
        if rule.status_code not in (200, 404):
            raise Failed(f"reading the fallback rule: HTTP {rule.status_code}: {error(rule)}")
        params = deployment.get("litellm_params") or {}
        blocked = deployment.get("blocked", (deployment.get("model_info") or {}).get("blocked"))
        rpm = params.get("rpm")
        return State(scenario=scenario,
                     versions={"model": VersionState(current=str(params.get("model") or "")
                                                     or None)},
                     route="fallback" if rule.status_code == 200 else "primary",
                     killed=bool(blocked),
                     rate_limit_rps=rpm / 60 if isinstance(rpm, int | float) and rpm else None)

    async def act(self, request: Request, key: str) -> Reply:
        c = self.control
        deployment = quote(c.deployment, safe="")
        auth = self._auth()
        match request.kind:
            case Kind.ROLLBACK if request.component != "model":
                raise Failed(f"LiteLLM serves models: roll the {request.component} back "
                             "through the plane that deploys it")
            case Kind.ROLLBACK:
                await self._update(deployment, {"model": request.to}, auth)
            case Kind.ROUTE if request.to == "fallback":
                await write(self._client, "POST", f"{self.base}/fallback", auth, {
                    "model": c.model, "fallback_models": c.fallback,
                    "fallback_type": "general"})
            case Kind.ROUTE:
                await self._unroute(auth)
            case Kind.KILL:
                which = "unblock" if request.to == "off" else "block"
                await write(self._client, "POST", f"{self.base}/model/{which}", auth,
                            {"model_id": c.deployment})
            case Kind.RATE_LIMIT if request.rps is None:
                raise Failed("LiteLLM merges deployment updates, so a limit cannot be lifted "
                             "through its API: set a higher one")
            case Kind.RATE_LIMIT:
                await self._update(deployment, {"rpm": max(1, round(request.rps * 60))}, auth)
        try:
            return Reply(await self.state(request.scenario))
        except Failed as exc:  # the change was made: only the picture after it is missing
            return Reply(None, f"made; the state could not be read after it ({exc})")

    async def _update(self, deployment: str, params: dict[str, Any],
                      auth: dict[str, str]) -> None:
        await write(self._client, "PATCH", f"{self.base}/model/{deployment}/update", auth,
                    {"litellm_params": params})

    async def _unroute(self, auth: dict[str, str]) -> None:
        """Back to primary: delete the rule; none there (404) means it already was."""
        url = f"{self.base}/fallback/{quote(self.control.model, safe='')}?fallback_type=general"
        try:
            await write(self._client, "DELETE", url, auth)
        except Failed as exc:
            if "HTTP 404" not in str(exc):
                raise


def _deployment(reply: httpx.Response, deployment: str) -> dict[str, Any]:
    """The deployment's entry in a ``/v2/model/info`` page."""
    try:
        rows = reply.json()["data"]
        found = [r for r in rows if (r.get("model_info") or {}).get("id") == deployment]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Failed("reading the deployment: the answer is not LiteLLM's model info") from None
    if not found:
        raise Failed(f"LiteLLM has no deployment {deployment!r} (model_info.id)")
    return found[0]
