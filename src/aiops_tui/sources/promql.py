"""Read the engines' series from a Prometheus-compatible query API instead of scraping them.

When a Prometheus, Thanos, Mimir or VictoriaMetrics already scrapes the fleet, the console asks
it, through ``/api/v1/query``, for the series it would otherwise read off each endpoint's page:
the same families (``sources.families``), selected per endpoint by label equality (by default
the ``instance`` a scrape of the endpoint's URL gets). It reads raw counters and buckets, not
rates: the console's own window math, rollups and alert windows then work unchanged, and its
figures are the ones scraping would give. At start, ``/api/v1/query_range`` fills the fleet
window the console was not running for, so the first picture is a whole window.

Endpoints of one kind that are matched on the same label names share one query (regex
alternations, POSTed), whose series are then handed to each endpoint by exact label equality;
a fleet of hundreds of endpoints costs a few queries a cycle, not a request per endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from aiops_tui.config.models import Endpoint, Source
from aiops_tui.sources.exposition import Labels, Sample, normalise
from aiops_tui.sources.families import BY_KIND, KEEP_LABELS
from aiops_tui.sources.scrape import EndpointResult, FetchError, State, fetch_body, scrub

LABELS_READ = frozenset({*KEEP_LABELS, "Hostname", "hostname"})  # see ``exposition``
BATCH = 50  # endpoints per query: long enough to save requests, short enough to read back
BODY_LIMIT = 64 * 1024 * 1024  # a query answer for a big batch is larger than one page

# What the query API's ``errorType`` means for the person looking at the screen.
ERROR_TYPES = {
    "bad_data": "rejected the query as malformed",
    "timeout": "timed out evaluating the query",
    "canceled": "cancelled the query",
    "execution": "failed evaluating the query",
    "unavailable": "is unavailable",
    "internal": "had an internal error",
    "not_found": "has no such API",
}
STATUS_HINTS = {
    401: "not authorised: check token_env, username/password_env or tenant",
    403: "forbidden: check the token's rights or the tenant",
    404: "no query API here: url must be the API's base (…/api/v1 is added)",
    422: "could not evaluate the query",
    429: "rate limited: raise interval_s",
    503: "unavailable or overloaded",
}


class Series(BaseModel):
    metric: dict[str, str]
    value: tuple[float, str] | None = None  # an instant vector's sample
    # A range query's samples. A factory: pydantic deep-copies a literal default for every
    # series, which was a tenth of decoding a big answer.
    values: list[tuple[float, str]] = Field(default_factory=list)


class Data(BaseModel):
    resultType: Literal["vector", "matrix"]
    result: list[Series]


class Answer(BaseModel):
    status: Literal["success", "error"]
    data: Data | None = None
    errorType: str = ""
    error: str = ""


@dataclass(frozen=True)
class Target:
    """One endpoint as the query source sees it."""

    scenario: str
    endpoint: Endpoint

    @cached_property
    def labels(self) -> dict[str, str]:
        """Its match, worked out once: every cycle reads it several times per endpoint."""
        return self.endpoint.series_labels


def names(kind: str) -> list[str]:
    """Every name the engine's families may have in Prometheus, and ``up``. A counter its
    page exposes without ``_total`` keeps that name in Prometheus, while the page parser
    (and so ``families``) spells it with one: both are asked for."""
    wanted = set(BY_KIND[kind])  # type: ignore[index]
    wanted |= {n.removesuffix("_total") for n in wanted if n.endswith("_total")}
    return sorted(wanted | {"up"})


def _string(text: str) -> str:
    """A PromQL string literal. Non-ASCII stays as it is: JSON's surrogate-pair escapes for
    characters beyond the BMP are not PromQL's."""
    return json.dumps(text, ensure_ascii=False)


def selector(targets: Sequence[Target]) -> str:
    """One vector selector for endpoints of one kind matched on the same label names."""
    wanted = "|".join(re.escape(n) for n in names(targets[0].endpoint.kind))
    matchers = [f"__name__=~{_string(wanted)}"]
    for label in sorted(targets[0].labels):
        values = sorted({t.labels[label] for t in targets})
        matchers.append(f"{label}={_string(values[0])}" if len(values) == 1 else
                        f"{label}=~{_string('|'.join(re.escape(v) for v in values))}")
    return "{" + ", ".join(matchers) + "}"


def batches(targets: Iterable[Target]) -> list[list[Target]]:
    """Endpoints that can share a query: same kind, same label names; at most ``BATCH``."""
    groups: dict[tuple[str, tuple[str, ...]], list[Target]] = defaultdict(list)
    for t in targets:
        groups[(t.endpoint.kind, tuple(sorted(t.labels)))].append(t)
    return [group[i:i + BATCH] for group in groups.values()
            for i in range(0, len(group), BATCH)]


def failure(status: int, body: bytes) -> FetchError:
    """What went wrong, from the API's error envelope where there is one. The body is the
    server's, so it is cut short; the screen shows it as plain text."""
    try:
        answer = Answer.model_validate_json(body)
    except ValidationError:
        answer = None
    if answer is not None and answer.status == "error":
        what = ERROR_TYPES.get(answer.errorType, "answered an error")
        return FetchError(State.DOWN, f"the query API {what} ({answer.errorType or '?'}, "
                          f"HTTP {status}): {_short(answer.error)}")
    if status == 200:
        return FetchError(State.BAD_PAYLOAD, "the query API answered 200 without a result: "
                          "is url a Prometheus-compatible API?")
    hint = STATUS_HINTS.get(status, "unexpected answer")
    text = _short(body.decode("utf-8", "replace"))
    return FetchError(State.DOWN, f"the query API answered HTTP {status}, {hint}"
                      + (f": {text}" if text else ""))


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def parse(status: int, body: bytes) -> list[Series]:
    """The result of a successful query, or ``FetchError`` saying why there is none."""
    if status != 200 or not body.lstrip().startswith(b"{"):
        raise failure(status, body)  # an HTML login page is not "unexpected JSON"
    try:
        answer = Answer.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise FetchError(State.BAD_PAYLOAD, f"the query API answered unexpected JSON at "
                         f"{where}: {first['msg']}") from exc
    if answer.status != "success" or answer.data is None:
        raise failure(status, body)
    return answer.data.result


class Owners:
    """Which endpoints of a batch a series belongs to: those whose labels it carries, all of
    them equal. A batch's endpoints match on the same label names, so this is one lookup per
    series (a scan of the batch per series was most of a big fleet's cycle)."""

    def __init__(self, batch: Sequence[Target]) -> None:
        self.names = sorted(batch[0].labels)
        self.by_values: dict[tuple[str, ...], list[Target]] = defaultdict(list)
        for t in batch:
            self.by_values[tuple(t.labels[n] for n in self.names)].append(t)

    def of(self, series: Series) -> list[Target]:
        got = series.metric
        return self.by_values.get(tuple(got.get(n, "") for n in self.names), [])


def samples(raw: Iterable[tuple[dict[str, str], float]], target: Target) -> tuple[
        list[Sample], list[float]]:
    """One endpoint's canonical samples and its ``up`` values. Replicas selected together
    stay apart by ``instance`` unless the match names one."""
    kind = target.endpoint.kind
    mapping = BY_KIND[kind]  # type: ignore[index]
    keep_instance = "instance" not in target.labels
    up: list[float] = []
    by_instance: dict[str, list[tuple[str, Labels, float]]] = defaultdict(list)
    for metric, value in raw:
        name = metric.get("__name__", "")
        if name == "up":
            up.append(value)
            continue
        if name not in mapping and name + "_total" in mapping:
            name += "_total"
        # Only the labels ``normalise`` keeps: target labels (job, pod...) would make every
        # endpoint's label sets distinct and defeat its cache.
        pairs = tuple((k, v) for k, v in metric.items() if k in LABELS_READ)
        by_instance[metric.get("instance", "") if keep_instance else ""].append(
            (name, pairs, value))
    out: list[Sample] = []
    for instance, rows in sorted(by_instance.items()):
        for s in normalise(rows, kind):  # type: ignore[arg-type]
            labels = tuple(sorted((*s.labels, ("instance", instance)))) if instance else s.labels
            out.append(Sample(s.metric, labels, s.value))
    return out, up


def result_for(target: Target, raw: list[tuple[dict[str, str], float]], at: float,
               latency_ms: float) -> EndpointResult:
    """What the query said of one endpoint, judged as a scrape would be: ``up`` at 0 is
    down, no series at all is down, series without the engine's metrics a bad payload."""
    endpoint = target.endpoint
    result = EndpointResult(target.scenario, endpoint.name, endpoint.kind, at=at,
                            latency_ms=latency_ms)
    result.samples, up = samples(raw, target)
    if up and 1.0 not in up:
        result.state, result.reason = State.DOWN, "Prometheus' last scrape of it failed (up 0)"
    elif not result.samples:
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(target.labels.items()))
        result.state, result.reason = (State.BAD_PAYLOAD, f"no {endpoint.kind} metrics "
                                       f"in Prometheus for {shown}") if up else (
            State.DOWN, f"no series in Prometheus match {shown}")
    if endpoint.serves_model and result.samples:
        served = {m for metric, _ in raw if (m := metric.get("model_name") or metric.get("model"))}
        result.served_models = sorted(served) or None
    return result


class PromSource:
    """A query API client for the life of the console, with its credentials from the
    environment (never from the config, never shown: messages are scrubbed of them)."""

    def __init__(self, source: Source, client: httpx.AsyncClient) -> None:
        self.source = source
        self.client = client
        self.headers = dict(source.headers)
        if source.tenant:
            self.headers["X-Scope-OrgID"] = source.tenant
        secret = ""
        if source.token_env and os.environ.get(source.token_env):
            secret = os.environ[source.token_env]
            self.headers["Authorization"] = f"Bearer {secret}"
        elif source.username and source.password_env:
            secret = os.environ.get(source.password_env, "")
            pair = base64.b64encode(f"{source.username}:{secret}".encode()).decode()
            self.headers["Authorization"] = f"Basic {pair}"
        self._secrets = {"a": self.headers.get("Authorization", ""), "s": secret}

    @property
    def label(self) -> str:
        """Where the series come from, as the top bar says it."""
        return f"Prometheus {self.source.url.host}:{self.source.url.port}"  # type: ignore[union-attr]

    async def ask(self, path: str, form: dict[str, str]) -> list[Series]:
        """One query; ``FetchError`` naming the API's own complaint, scrubbed of secrets.
        The answer is decoded off the event loop: a big batch's takes tens of ms."""
        try:
            status, body = await fetch_body(self.client, self.source.base + path,
                                            self.source.timeout_s, BODY_LIMIT,
                                            self.headers, form)
            return await asyncio.to_thread(parse, status, body)
        except FetchError as exc:
            raise FetchError(exc.state, scrub(f"{self.label}: {exc.reason}",
                                              self._secrets)) from exc
        except Exception as exc:  # a bug or an odd environment must not sink the cycle
            raise self._unexpected(exc) from exc

    def _unexpected(self, exc: Exception) -> FetchError:
        return FetchError(State.DOWN, scrub(f"{self.label}: unexpected {type(exc).__name__}: "
                                            f"{exc}", self._secrets))

    async def collect(self, targets: Sequence[Target], at: float) -> list[EndpointResult]:
        """Every target's series as of ``at``, one query per batch, batches concurrently."""
        return [r for group in await asyncio.gather(
            *(self._instant(batch, at) for batch in batches(targets))) for r in group]

    async def _instant(self, batch: list[Target], at: float) -> list[EndpointResult]:
        started = time.monotonic()
        try:
            found = await self.ask("/api/v1/query",
                                   {"query": selector(batch), "time": f"{at:.3f}"})
            latency = (time.monotonic() - started) * 1000
            return await asyncio.to_thread(_instant_results, batch, found, at, latency)
        except FetchError as exc:
            return [_failed(t, at, exc, started) for t in batch]
        except Exception as exc:  # a bug must not sink the cycle: the batch says what it was
            return [_failed(t, at, self._unexpected(exc), started) for t in batch]

    async def backfill(self, targets: Sequence[Target], start: float, end: float, step: float
                       ) -> list[tuple[float, list[EndpointResult]]]:
        """The targets' series at each ``step`` over ``[start, end]``, oldest first, as if
        collected then; a batch the API refuses is left out (the window fills as it runs)."""
        groups = batches(targets)
        answers = await asyncio.gather(*(self._range(b, start, end, step) for b in groups))
        return await asyncio.to_thread(_range_results, groups, answers)

    async def _range(self, batch: list[Target], start: float, end: float, step: float
                     ) -> list[Series]:
        try:
            return await self.ask("/api/v1/query_range", {
                "query": selector(batch), "start": f"{start:.3f}", "end": f"{end:.3f}",
                "step": f"{step:g}"})
        except FetchError:
            return []


def _instant_results(batch: list[Target], found: list[Series], at: float, latency: float
                     ) -> list[EndpointResult]:
    raw: dict[int, list[tuple[dict[str, str], float]]] = defaultdict(list)
    owners = Owners(batch)
    for series in found:
        if series.value is None:
            continue
        value = _float(series.value[1])
        for t in owners.of(series):
            raw[id(t)].append((series.metric, value))
    return [result_for(t, raw[id(t)], at, latency) for t in batch]


def _range_results(groups: list[list[Target]], answers: list[list[Series]]
                   ) -> list[tuple[float, list[EndpointResult]]]:
    per_step: dict[float, list[EndpointResult]] = defaultdict(list)
    for batch, found in zip(groups, answers, strict=True):
        raw: dict[tuple[float, int], list[tuple[dict[str, str], float]]] = defaultdict(list)
        owners = Owners(batch)
        for series in found:
            for t in owners.of(series):
                for ts, value in series.values:
                    raw[(ts, id(t))].append((series.metric, _float(value)))
        for ts in sorted({ts for ts, _ in raw}):
            per_step[ts] += [result_for(t, raw[(ts, id(t))], ts, 0.0) for t in batch
                             if (ts, id(t)) in raw]
    return sorted(per_step.items())


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _failed(target: Target, at: float, exc: FetchError, started: float) -> EndpointResult:
    return EndpointResult(target.scenario, target.endpoint.name, target.endpoint.kind, at=at,
                          state=exc.state, reason=exc.reason,
                          latency_ms=(time.monotonic() - started) * 1000)
