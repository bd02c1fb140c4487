"""What the HTTP control planes share: a bearer token read from the environment at each call,
and the one reading of a call's fate (not sent → ``Failed``; sent, then no clear answer →
``Unknown``). Error text never quotes what was sent, which may hold the token."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx

from aiops_tui.actions.adapters import Failed, Unknown

ERROR_SHOWN = 300  # characters of a control plane's error text worth showing
_TOKEN = re.compile(r"[\x21-\x7e]+")


def bearer(token_env: str | None) -> dict[str, str]:
    """Read at each call, so a token exported after start is used, never stored."""
    if not token_env:
        return {}
    token = os.environ.get(token_env, "")
    if not token:
        raise Failed(f"the control plane's token is not set: export {token_env}")
    if not _TOKEN.fullmatch(token):  # a header cannot carry it; httpx would echo it back
        raise Failed(f"${token_env} holds characters a header cannot carry "
                     "(spaces, line breaks or non-ASCII)")
    return {"Authorization": f"Bearer {token}"}


async def read(client: httpx.AsyncClient, url: str, headers: dict[str, str],
               what: str = "reading the state") -> httpx.Response:
    """A GET whose failure only means the state is unknown: ``Failed`` either way."""
    try:
        return await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise Failed(f"{what}: {says(exc)}") from None


async def write(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str],
                body: dict[str, Any] | None = None) -> httpx.Response:
    """A change: refused (4xx) or never sent → ``Failed``; sent and then cut off, timed out
    or answered 5xx → ``Unknown``. Returns a 2xx reply."""
    try:
        reply = await client.request(method, url, json=body, headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.LocalProtocolError) as exc:
        raise Failed(f"not sent: {says(exc)}") from None
    except httpx.HTTPError as exc:  # sent, then no (whole) answer
        raise Unknown(f"no answer after sending: {says(exc)}") from None
    if 400 <= reply.status_code < 500:
        raise Failed(f"refused, HTTP {reply.status_code}: {error(reply)}")
    if not 200 <= reply.status_code < 300:
        raise Unknown(f"HTTP {reply.status_code} after sending: {error(reply)}")
    return reply


def says(exc: httpx.HTTPError) -> str:
    """The error's kind; its text only for network errors, whose text is about the network
    (a protocol error's text can quote the headers sent)."""
    said = str(exc) if isinstance(exc, httpx.NetworkError | httpx.TimeoutException) else ""
    return f"{type(exc).__name__}" + (f" ({said})" if said else "")


def error(reply: httpx.Response) -> str:
    """The control plane's own words, if it gave any, cut short. Knows our contract's
    ``{"error": "…"}`` and the shapes FastAPI servers such as LiteLLM's answer with
    (``{"detail": …}``, ``{"error": {"message": …}}``). Not on 401/403, whose text can echo
    (part of) the credential."""
    if reply.status_code in (401, 403):
        return "not authorised: check the token the config names"
    try:
        data = reply.json()
        said = data.get("error") or data.get("detail") or ""
        while isinstance(said, dict):
            said = said.get("message") or said.get("error") or ""
        text = str(said)
    except (ValueError, AttributeError):
        text = reply.text
    return " ".join(text.split())[:ERROR_SHOWN] or "(no reason given)"
