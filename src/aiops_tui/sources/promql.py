"""Read the engines' series from a Prometheus-compatible query API instead of scraping them.

When a Prometheus, Thanos, Mimir or VictoriaMetrics already scrapes the fleet, the console asks
it, through ``/api/v1/query``, for the series it would otherwise read off each endpoint's page:
the same families (``sources.families``), selected per endpoint by label equality (by default
the ``instance`` a scrape of the endpoint's URL gets). It reads raw samples, counters and
buckets as Prometheus stored them with the time it scraped them, not rates: the console's own
window math, rollups and alert windows then work unchanged, and its figures are the ones
scraping would give. The first read reaches back over the fleet window the console was not
running for, so the first picture is a whole window.

Endpoints of one kind that are matched on the same label names share one query (regex
alternations, POSTed), whose series are then handed to each endpoint by exact label equality;
a fleet of hundreds of endpoints costs a few queries a cycle, not a request per endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import operator
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NotRequired

import httpx
from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict  # pydantic refuses typing's on Python 3.11

from aiops_tui.config.models import Endpoint, Source
from aiops_tui.sources.exposition import Labels, Sample, normalise
from aiops_tui.sources.families import BY_KIND, KEEP_LABELS
from aiops_tui.sources.scrape import EndpointResult, FetchError, State, fetch_body, scrub
from aiops_tui.sources.staleness import LOOKBACK_S, current

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


class Series(TypedDict):
    """One series of a range selector's answer. A dict, not a model: pydantic checks it as
    thoroughly and decodes a big answer in two thirds of the time, since it makes no
    object per series."""

    metric: dict[str, str]
    values: NotRequired[list[tuple[float, str]]]  # absent where a series has native histograms


class Data(BaseModel):
    resultType: Literal["matrix"]  # what a range selector answers
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
    def key(self) -> tuple[str, str]:
        return self.scenario, self.endpoint.name

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
        self.values = operator.itemgetter(*self.names)  # a value, or a tuple for several
        self.by_values: dict[object, list[Target]] = defaultdict(list)
        for t in batch:
            self.by_values[self.values(t.labels)].append(t)

    def of(self, series: Series) -> list[Target]:
        metric = series["metric"]
        try:
            key = self.values(metric)
        except KeyError:  # a label it lacks is an empty one, as a matcher ``x=""`` sees it
            key = self.values({n: metric.get(n, "") for n in self.names})
        return self.by_values.get(key, [])


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
        if name not in mapping:
            if name == "up":
                up.append(value)
                continue
            name += "_total"
            if name not in mapping:
                continue
        # Only the labels ``normalise`` keeps: target labels (job, pod...) would make every
        # endpoint's label sets distinct and defeat its cache.
        pairs = tuple([(k, v) for k, v in metric.items() if k in LABELS_READ])  # in order
        by_instance[metric.get("instance", "") if keep_instance else ""].append(
            (name, pairs, value))
    out: list[Sample] = []
    for instance, rows in sorted(by_instance.items()):
        out += normalise(rows, kind, instance)  # type: ignore[arg-type]
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


@dataclass
class Seen:
    """What the source has read of one endpoint, per ``instance`` (replicas one match selects
    are scraped apart): the newest scrape taken, the time between its last two, and how that
    scrape was judged. ``floor``: nothing at or before it is handed out (the store has it)."""

    floor: float
    newest: dict[str, float] = field(default_factory=dict)
    spacing: dict[str, float] = field(default_factory=dict)
    # The shorter of its last two spacings: when its next scrape is due. A gap in the data (an
    # outage of Prometheus, a backlog of remote writes) is then not taken for its cadence.
    cadence: dict[str, float] = field(default_factory=dict)
    judged: dict[str, tuple[State, str, list[str] | None]] = field(default_factory=dict)
    read_to: float | None = None  # the time of the last read that answered
    latency: float = 0.0  # that read's, in ms: what the endpoint's state shows between reads

    def taken(self, instance: str) -> float:
        return max(self.newest.get(instance, -math.inf), self.floor)

    def live(self, at: float) -> dict[str, float]:
        """The replicas whose newest scrape is still current (``staleness.current``), with
        its time."""
        return {i: ts for i, ts in self.newest.items()
                if current(at - ts, self.spacing.get(i))}

    def due(self, at: float) -> bool:
        """Whether a scrape not taken yet may be there to read: before the first read that
        answered, with no replica live, or once a live replica's next scrape is due (its
        newest plus its ``cadence``). Reading an endpoint only then hands each scrape over in
        one answer, not in every answer until it is a few intervals old."""
        if self.read_to is None:
            return True
        live = self.live(at)
        return not live or any(i not in self.cadence or ts + self.cadence[i] <= at
                               for i, ts in live.items())

    def resume(self, at: float, overlap: float) -> tuple[float, float]:
        """Where its next read may start, earliest and latest. Earliest: just after the
        oldest of its live replicas' newest scrapes, so a backend that makes scrapes visible
        late (remote write, clock skew) still hands each over. Latest: halfway to the
        soonest next scrape of a live replica, which cannot have been made yet; a read
        sharing its range with other endpoints may start there and so leave out the scrapes
        already taken. With a known replica not live (it may be back), the earliest; with
        none live, both are ``overlap`` before the last read, or its floor before the first.
        A replica never seen before is found by the read: its scrapes before the start, at
        most half an interval of them, are not handed out (a new pod's first one or two)."""
        live = self.live(at)
        if live:
            earliest = min(live.values()) + 0.001
            if len(live) < len(self.newest):
                return earliest, earliest
            latest = min(ts + self.cadence[i] / 2 if i in self.cadence else ts + 0.001
                         for i, ts in live.items())
            return earliest, max(earliest, latest)
        start = self.floor if self.read_to is None else self.read_to - overlap
        return start, start

    def forget(self, at: float) -> None:
        """Replicas not scraped for ``LOOKBACK_S`` are gone (a rollout replaces pods)."""
        for instance in [i for i, ts in self.newest.items() if at - ts > LOOKBACK_S]:
            del self.newest[instance]
            self.spacing.pop(instance, None)
            self.cadence.pop(instance, None)
            self.judged.pop(instance, None)


@dataclass
class Read:
    """One read of the query API: each endpoint's state now, and its scrapes that are new,
    each an ``EndpointResult`` stamped with the time Prometheus scraped it, oldest first."""

    current: list[EndpointResult]
    scrapes: list[EndpointResult]
    failed: FetchError | None = None  # why the API did not answer it, if it did not


class PromSource:
    """A query API client for the life of the console, with its credentials from the
    environment (never from the config, never shown: messages are scrubbed of them).

    Each read asks for the raw samples since the newest scrape it has of each endpoint (a
    range selector on ``/api/v1/query``: samples with the time Prometheus scraped them) and
    hands out only the scrapes it has not handed out before; an endpoint is asked for again
    once its next scrape is due (``Seen.due``). A Prometheus scraping every 15 s read every
    5 s costs one scrape's samples per 15 s, decoded once, not three copies of it stamped
    5 s apart. ``overlap``: how far before the last read to start where no replica of an
    endpoint is live (it may be back).
    """

    def __init__(self, source: Source, client: httpx.AsyncClient, overlap: float) -> None:
        self.source = source
        self.client = client
        self.overlap = overlap
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
        self._seen: dict[tuple[str, str], Seen] = {}
        self._failing: FetchError | None = None  # the last cycle's reads all failed: why
        self._reach = LOOKBACK_S  # the longest a read looks back: the first read's, or more

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

    async def collect(self, targets: Sequence[Target], at: float, since: float) -> Read:
        """Every target's state as of ``at`` and its scrapes not read before. Targets whose
        next scrape is due (``Seen.due``) are read, one query per batch, batches
        concurrently; the others keep the state their scrapes so far give, unless the API
        answered none of the cycle's reads: then every target shares its failure and is read
        each cycle until it answers again. ``since``: where a target read for the first time
        starts handing out scrapes (the store holds what came before); its state is judged
        from up to ``LOOKBACK_S`` back, as an instant query would."""
        first = False
        for t in targets:
            if t.key not in self._seen:
                self._seen[t.key] = Seen(floor=since)
                self._reach = max(self._reach, at - since)
                first = True
        if first:  # minutes of every series: one batch's answer in memory at a time
            due = list(targets)
            reads = [await self._read(batch, at) for batch in batches(due)]
        else:
            due = [t for t in targets if self._failing or self._seen[t.key].due(at)]
            reads = list(await asyncio.gather(*(self._read(b, at) for b in batches(due))))
        if reads:
            self._failing = None if any(r.failed is None for r in reads) else reads[0].failed
        read = {t.key for t in due}
        waiting = [t for t in targets if t.key not in read]
        failing = self._failing
        reads.append(Read([  # nothing new to read yet: their state from what is seen
            state_now(t, seen, at, seen.latency) if failing is None else
            _failed(t, at, failing, seen.latency)
            for t in waiting for seen in (self._seen[t.key],)], []))
        return Read([r for read in reads for r in read.current],
                    sorted((r for read in reads for r in read.scrapes), key=lambda r: r.at))

    async def _read(self, batch: list[Target], at: float) -> Read:
        started = time.monotonic()
        seen = [self._seen[t.key] for t in batch]
        start = shared_start([s.resume(at, self.overlap) for s in seen])
        # At least one interval: a scrape stamped ahead of this console's clock (skew) must
        # not make the range empty, which the API refuses.
        reach = min(max(at - start, self.overlap,
                        LOOKBACK_S if any(s.read_to is None for s in seen) else 0), self._reach)
        try:
            found = await self.ask("/api/v1/query", {
                "query": f"{selector(batch)}[{math.ceil(reach * 1000)}ms]",
                "time": f"{at:.3f}"})
            return await asyncio.to_thread(take, batch, self._seen, found, at,
                                          _since(started))
        except FetchError as exc:
            failed = exc
        except Exception as exc:  # a bug must not sink the cycle: the batch says what it was
            failed = self._unexpected(exc)
        for s in seen:  # a first read the API refused is not asked again in full: from
            if s.read_to is None:  # then on, what an instant query would see
                s.floor = max(s.floor, at - LOOKBACK_S)
        return Read([_failed(t, at, failed, _since(started)) for t in batch], [], failed)


def shared_start(spans: Sequence[tuple[float, float]]) -> float:
    """Where a read of several endpoints starts, from each one's (earliest, latest) start
    (``Seen.resume``): the latest earliest start where every endpoint allows it, so no
    endpoint's already-taken scrape comes back in the answer (at 15 s scrapes read every
    5 s, that was half of every answer); else the earliest."""
    start = max(earliest for earliest, _ in spans)
    if start <= min(latest for _, latest in spans):
        return start
    return min(earliest for earliest, _ in spans)


def take(batch: list[Target], seen_by: dict[tuple[str, str], Seen], found: list[Series],
         at: float, latency: float) -> Read:
    """Each target's new scrapes in a read's answer, grouped by ``instance`` and time (a
    scrape stamps all its samples alike) and judged, and its state now; ``seen_by`` (by
    ``Target.key``) is brought up to date."""
    owners = Owners(batch)
    groups: dict[int, dict[tuple[str, float], list[tuple[dict[str, str], float]]]] = {
        id(t): defaultdict(list) for t in batch}
    takens: dict[tuple[int, str], float] = {}
    for series in found:
        metric = series["metric"]
        instance = metric.get("instance", "")
        for t in owners.of(series):
            taken = takens.get((id(t), instance))
            if taken is None:
                seen = seen_by[t.key]
                # Scrapes already handed out are skipped; at or before the floor, a first
                # read of an instance still judges its newest (its state before the start).
                taken = takens[(id(t), instance)] = (
                    seen.taken(instance) if instance in seen.judged else -math.inf)
            scrapes = groups[id(t)]
            for ts, value in series.get("values", ()):
                if ts > taken:
                    scrapes[(instance, ts)].append((metric, _float(value)))
    read = Read([], [])
    for t in batch:
        seen = seen_by[t.key]
        seen.read_to, seen.latency = at, latency
        scrapes = sorted(groups[id(t)].items(), key=lambda kv: kv[0][1])
        before = {i: ts for (i, ts), _ in scrapes if ts <= seen.taken(i)}  # the newest
        for (instance, ts), rows in scrapes:
            new = ts > seen.taken(instance)
            if not new and before[instance] != ts:
                continue
            result = result_for(t, rows, ts, 0.0)
            if new:
                read.scrapes.append(result)
            previous = seen.newest.get(instance)  # scrapes come oldest first: ts is newer
            if previous is not None and ts > previous:
                gap = ts - previous
                seen.cadence[instance] = min(gap, seen.spacing.get(instance, gap))
                seen.spacing[instance] = gap
            seen.newest[instance] = ts
            seen.judged[instance] = (result.state, result.reason, result.served_models)
        seen.forget(at)
        read.current.append(state_now(t, seen, at, latency))
    return read


def state_now(target: Target, seen: Seen, at: float, latency: float) -> EndpointResult:
    """The endpoint now, stamped with its newest scrape: up if any live replica's newest
    scrape was, else what the newest said; down once no replica's newest scrape is current
    (``staleness.current``: three of its intervals)."""
    live = seen.live(at)
    if not live:
        if not seen.newest:
            return result_for(target, [], at, latency)
        instance = max(seen.newest, key=seen.newest.__getitem__)
        age = at - seen.newest[instance]
        every = seen.spacing.get(instance)
        return _failed(target, at, FetchError(State.DOWN, (
            f"no sample of it in Prometheus for {age:.0f}s"
            + (f" (it was scraped every {every:.0f}s)" if every else ""))), latency)
    newest = max(live, key=live.__getitem__)
    up = [i for i in live if seen.judged[i][0] is State.UP]
    state, reason, _ = seen.judged[up[0]] if up else seen.judged[newest]
    served = sorted({m for i in live for m in seen.judged[i][2] or ()}) or None
    endpoint = target.endpoint
    return EndpointResult(target.scenario, endpoint.name, endpoint.kind, at=live[newest],
                          state=state, reason=reason, latency_ms=latency,
                          served_models=served)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _since(started: float) -> float:
    return (time.monotonic() - started) * 1000


def _failed(target: Target, at: float, exc: FetchError, latency_ms: float) -> EndpointResult:
    return EndpointResult(target.scenario, target.endpoint.name, target.endpoint.kind, at=at,
                          state=exc.state, reason=exc.reason, latency_ms=latency_ms)
