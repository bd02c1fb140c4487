"""A LiteLLM proxy as a control plane, through its admin API (master key as a bearer token):

- state: ``GET /v2/model/info?modelId=D`` (the deployment's model, rpm, blocked) and
  ``GET /fallback/M`` (a general fallback rule: 200 routed, 404 not);
- rollback model: ``PATCH /model/D/update`` with ``litellm_params.model``;
- route: ``POST /fallback`` ``{"model", "fallback_models", "fallback_type": "general"}`` to
  fall back, ``DELETE /fallback/M`` to go back to primary. A LiteLLM fallback sends a request
  to the fallback models when the primary fails; it does not move healthy traffic. Only the
  rule this console sets (exactly ``fallback``) reads as routed, and a rule someone else set
  (a standing failover list) is never replaced or deleted from here;
- kill switch: ``POST /model/block`` / ``/model/unblock`` ``{"model_id": D}``;
- rate limit: ``PATCH /model/D/update`` with ``litellm_params.rpm`` (requests per minute).

LiteLLM takes no idempotency key; each write sets a value, so a repeat changes nothing.
It keeps no "last known good" model either: a model rollback names its version. The state is
not read again after a write (the write's budget is the action's; ``verify`` reads it).
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

    def unsupported(self, request: Request) -> str | None:
        if request.kind is Kind.ROLLBACK and request.component != "model":
            return (f"LiteLLM serves models: roll the {request.component} back through the "
                    "plane that deploys it")
        if request.kind is Kind.RATE_LIMIT and request.rps is None:
            return ("LiteLLM merges deployment updates, so a limit cannot be lifted through "
                    "its API: set a higher one")
        return None

    async def state(self, scenario: str) -> State:
        c = self.control
        info = await read(self._client, f"{self.base}/v2/model/info?modelId="
                          f"{quote(c.deployment, safe='')}", self._auth())
        if info.status_code != 200:
            raise Failed(f"reading the deployment: HTTP {info.status_code}: {error(info)}")
        deployment = _deployment(info, c.deployment)
        if deployment.get("model_name") != c.model:
            raise Failed(f"deployment {c.deployment!r} serves model name "
                         f"{deployment.get('model_name')!r}, not the configured {c.model!r}")
        rule = await self._rule()
        params = deployment.get("litellm_params") or {}
        blocked = deployment.get("blocked", (deployment.get("model_info") or {}).get("blocked"))
        rpm = params.get("rpm")
        return State(scenario=scenario,
                     versions={"model": VersionState(current=str(params.get("model") or "")
                                                     or None)},
                     route="fallback" if rule == c.fallback else "primary",
                     killed=bool(blocked),
                     rate_limit_rps=rpm / 60 if isinstance(rpm, int | float) and rpm else None)

    async def _rule(self) -> list[str] | None:
        """The model's general fallback list, None if it has none."""
        reply = await read(self._client, self._rule_url(), self._auth(),
                           "reading the fallback rule")
        if reply.status_code == 404:
            return None
        try:
            if reply.status_code == 200:
                return [str(m) for m in reply.json()["fallback_models"]]
        except (ValueError, KeyError, TypeError):
            pass
        raise Failed(f"reading the fallback rule: HTTP {reply.status_code}: {error(reply)}")

    def _rule_url(self) -> str:
        return f"{self.base}/fallback/{quote(self.control.model, safe='')}?fallback_type=general"

    async def act(self, request: Request, key: str) -> Reply:
        c = self.control
        auth = self._auth()
        if reason := self.unsupported(request):
            raise Failed(reason)
        match request.kind:
            case Kind.ROLLBACK:
                await self._update({"model": request.to}, auth)
            case Kind.ROUTE:
                rule = await self._rule()
                if rule is not None and rule != c.fallback:
                    raise Failed(f"{c.model} has a fallback rule this console did not set "
                                 f"({', '.join(rule)}): change it in LiteLLM")
                if request.to == "fallback" and rule is None:
                    await write(self._client, "POST", f"{self.base}/fallback", auth, {
                        "model": c.model, "fallback_models": c.fallback,
                        "fallback_type": "general"})
                elif request.to == "primary" and rule is not None:
                    await write(self._client, "DELETE", self._rule_url(), auth)
            case Kind.KILL:
                which = "unblock" if request.to == "off" else "block"
                await write(self._client, "POST", f"{self.base}/model/{which}", auth,
                            {"model_id": c.deployment})
            case Kind.RATE_LIMIT:
                await self._update({"rpm": max(1, round((request.rps or 0) * 60))}, auth)
        return Reply(None, "litellm: made; V reads the state")

    async def _update(self, params: dict[str, Any], auth: dict[str, str]) -> None:
        await write(self._client, "PATCH",
                    f"{self.base}/model/{quote(self.control.deployment, safe='')}/update",
                    auth, {"litellm_params": params})


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
