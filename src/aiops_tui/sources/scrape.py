"""Talk HTTP to one endpoint: scrape its page, probe its health and served model.

Every outcome is a value with a state and a reason a responder can act on; nothing here raises
for a misbehaving endpoint. Bodies are read with a size cap so a 50 MB page cannot balloon memory.
"""

from __future__ import annotations

import asyncio
import enum
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from aiops_tui.config.models import Endpoint
from aiops_tui.sources.documents import ModelList
from aiops_tui.sources.exposition import PayloadError, Sample, parse_page


class State(enum.StrEnum):
    UP = "up"
    SLOW = "slow"
    DOWN = "down"
    BAD_PAYLOAD = "bad payload"
    STALE = "stale"  # failing, but for less than a few intervals: values are from before


HEALTH_PATH = {"vllm": "/health", "sglang": "/health", "tgi": "/health", "openai": "/health",
               "triton": "/v2/health/ready"}
METRICS_KINDS = frozenset({"vllm", "sglang", "tgi", "triton", "dcgm", "app"})
SLOW_FRACTION = 0.5  # a request that used more than half its timeout is flagged slow


class FetchError(Exception):
    def __init__(self, state: State, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


@dataclass
class EndpointResult:
    scenario: str
    endpoint: str
    kind: str
    at: float
    state: State = State.UP
    reason: str = ""
    latency_ms: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    served_models: list[str] | None = None


async def fetch_body(client: httpx.AsyncClient, url: str, timeout: float, limit: int,
                     headers: dict[str, str] | None = None,
                     form: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body within ``timeout`` seconds in all and ``limit`` bytes; a POST of
    ``form`` when given (a query too long for a URL).

    httpx's timeouts apply per network read, so a server dripping a byte at a time could hold
    a request for ever; the overall deadline here is what keeps one endpoint from stalling a
    cycle. Transport trouble becomes ``FetchError``.
    """
    try:
        async with asyncio.timeout(timeout), client.stream(
                "POST" if form is not None else "GET", url, timeout=timeout, headers=headers,
                data=form) as response:
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > limit:
                raise FetchError(State.BAD_PAYLOAD, f"page of {int(length):,} bytes exceeds "
                                 f"the {limit:,}-byte limit")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(State.BAD_PAYLOAD, f"page exceeds the {limit:,}-byte limit")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise FetchError(State.DOWN, f"no complete answer within {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        raise FetchError(State.DOWN, "connection refused") from exc
    except httpx.HTTPError as exc:
        raise FetchError(State.DOWN, f"{type(exc).__name__}: {exc}") from exc


async def fetch_json(client: httpx.AsyncClient, url: str, timeout: float, model: type[BaseModel],
                     limit: int, headers: dict[str, str] | None = None) -> BaseModel:
    status, body = await fetch_body(client, url, timeout, limit, headers)
    return parse_json(urlsplit(url).path, status, body, model)


def parse_json(path: str, status: int, body: bytes, model: type[BaseModel]) -> BaseModel:
    """A JSON answer as ``model``; a non-200 status or an unexpected shape is a FetchError."""
    if status != 200:
        raise FetchError(State.DOWN, f"{path} answered HTTP {status}")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise FetchError(State.BAD_PAYLOAD,
                         f"{path}: unexpected JSON at {where}: {first['msg']}") from exc


def scrub(text: str, headers: dict[str, str]) -> str:
    """Remove header values (bearer tokens) from a message before anyone can see or store it,
    also in the escaped forms error messages print (``b'Bearer abc\\n'``)."""
    for value in headers.values():
        for secret in (value, value.removeprefix("Bearer ").strip()):
            if len(secret) < 4:
                continue
            for form in (secret, repr(secret.encode())[2:-1], repr(secret)[1:-1]):
                text = text.replace(form, "***")
    return text


async def collect_endpoint(client: httpx.AsyncClient, scenario: str, endpoint: Endpoint,
                           headers: dict[str, str], limit: int, at: float) -> EndpointResult:
    """Scrape and probe one endpoint; the worst outcome decides its state. Never raises.

    Samples are stamped ``at``, the cycle's start, as Prometheus stamps a scrape with its start:
    one timestamp per cycle keeps every series of the cycle aligned for window math.
    """
    started = time.monotonic()
    result = EndpointResult(scenario, endpoint.name, endpoint.kind, at=at)
    base, timeout = endpoint.base, endpoint.timeout_s
    slowest = 0.0

    async def get(path: str) -> tuple[int, bytes]:
        nonlocal slowest
        begun = time.monotonic()
        try:
            return await fetch_body(client, base + path, timeout, limit, headers)
        finally:
            slowest = max(slowest, time.monotonic() - begun)

    try:
        health = HEALTH_PATH.get(endpoint.kind)
        if health:
            status, _ = await get(health)
            if status != 200:
                raise FetchError(State.DOWN, f"{health} answered HTTP {status}")
        if endpoint.kind in METRICS_KINDS:
            status, body = await get("/metrics")
            if status != 200:
                raise FetchError(State.DOWN, f"/metrics answered HTTP {status}")
            try:
                # A page that takes the full parser can cost a second of CPU: off the loop.
                result.samples = await asyncio.to_thread(
                    parse_page, body.decode("utf-8", "replace"), endpoint.kind)
            except PayloadError as exc:
                raise FetchError(State.BAD_PAYLOAD, str(exc)) from exc
            if not result.samples:
                raise FetchError(State.BAD_PAYLOAD, f"no {endpoint.kind} metrics on the page: "
                                 "wrong endpoint or kind?")
        if endpoint.serves_model:
            models = parse_json("/v1/models", *await get("/v1/models"), ModelList)
            result.served_models = [m.id for m in models.data]  # type: ignore[attr-defined]
    except FetchError as exc:
        result.state, result.reason = exc.state, scrub(exc.reason, headers)
    except Exception as exc:  # a bug or an odd environment must not sink the whole cycle
        result.state = State.DOWN
        result.reason = scrub(f"unexpected {type(exc).__name__}: {exc}", headers)
    result.latency_ms = (time.monotonic() - started) * 1000
    if result.state is State.UP and slowest > timeout * SLOW_FRACTION:
        result.state, result.reason = State.SLOW, f"a request took {slowest:.1f}s"
    return result
