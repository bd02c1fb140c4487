"""Talk HTTP to one endpoint: scrape its page, probe its health and served model.

Every outcome is a value with a state and a reason a responder can act on; nothing here raises
for a misbehaving endpoint. Bodies are read with a size cap so a 50 MB page cannot balloon memory.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

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
    STALE = "stale"


HEALTH_PATH = {"vllm": "/health", "sglang": "/health", "tgi": "/health", "openai": "/health",
               "triton": "/v2/health/ready"}
METRICS_KINDS = frozenset({"vllm", "sglang", "tgi", "triton", "dcgm"})
SLOW_FRACTION = 0.5  # an answer that used more than half its timeout is flagged slow


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
                     headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body, read at most ``limit`` bytes; transport trouble becomes ``FetchError``."""
    try:
        async with client.stream("GET", url, timeout=timeout, headers=headers) as response:
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
    except httpx.TimeoutException as exc:
        raise FetchError(State.DOWN, f"timed out after {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        raise FetchError(State.DOWN, "connection refused") from exc
    except httpx.HTTPError as exc:
        raise FetchError(State.DOWN, f"{type(exc).__name__}: {exc}") from exc


async def fetch_json(client: httpx.AsyncClient, url: str, timeout: float, model: type[BaseModel],
                     limit: int, headers: dict[str, str] | None = None) -> BaseModel:
    status, body = await fetch_body(client, url, timeout, limit, headers)
    if status != 200:
        raise FetchError(State.DOWN, f"HTTP {status} from {url}")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise FetchError(State.BAD_PAYLOAD, f"unexpected JSON at {where}: {first['msg']}") from exc


async def collect_endpoint(client: httpx.AsyncClient, scenario: str, endpoint: Endpoint,
                           headers: dict[str, str], limit: int, at: float) -> EndpointResult:
    """Scrape and probe one endpoint; the worst outcome decides its state.

    Samples are stamped ``at``, the cycle's start, as Prometheus stamps a scrape with its start:
    one timestamp per cycle keeps every series of the cycle aligned for window math.
    """
    started = time.monotonic()
    result = EndpointResult(scenario, endpoint.name, endpoint.kind, at=at)
    base, timeout = endpoint.base, endpoint.timeout_s
    try:
        health = HEALTH_PATH.get(endpoint.kind)
        if health:
            status, _ = await fetch_body(client, base + health, timeout, limit, headers)
            if status != 200:
                raise FetchError(State.DOWN, f"{health} answered HTTP {status}")
        if endpoint.kind in METRICS_KINDS:
            status, body = await fetch_body(client, base + "/metrics", timeout, limit, headers)
            if status != 200:
                raise FetchError(State.DOWN, f"/metrics answered HTTP {status}")
            try:
                result.samples = parse_page(body.decode("utf-8", "replace"), endpoint.kind)
            except PayloadError as exc:
                raise FetchError(State.BAD_PAYLOAD, str(exc)) from exc
            if not result.samples:
                raise FetchError(State.BAD_PAYLOAD, f"no {endpoint.kind} metrics on the page: "
                                 "wrong endpoint or kind?")
        if endpoint.serves_model:
            models = await fetch_json(client, base + "/v1/models", timeout, ModelList, limit,
                                      headers)
            result.served_models = [m.id for m in models.data]  # type: ignore[attr-defined]
    except FetchError as exc:
        result.state, result.reason = exc.state, exc.reason
    elapsed = time.monotonic() - started
    result.latency_ms = elapsed * 1000
    if result.state is State.UP and elapsed > timeout * SLOW_FRACTION:
        result.state, result.reason = State.SLOW, f"answered in {elapsed:.1f}s"
    return result
