"""One collection cycle: every endpoint, eval feed and index manifest of the fleet, concurrently.

Endpoints are scraped, or, with a Prometheus source, their series are read from its query API
(``sources.promql``); engines without metrics (``openai``) and the JSON feeds are always asked
directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from aiops_tui.config.models import Config, Endpoint, JsonSource
from aiops_tui.sources.documents import EvalRun, EvalRuns, IndexManifest
from aiops_tui.sources.promql import PromSource, Read, Target
from aiops_tui.sources.scrape import (
    METRICS_KINDS,
    EndpointResult,
    FetchError,
    State,
    collect_endpoint,
    fetch_json,
)
from aiops_tui.stagger import staggered


@dataclass
class FeedResult:
    """Outcome of reading a JSON feed (evals or index manifest) for one scenario: at ``at``,
    the last time it was read, which is read every ``every`` seconds (``JsonSource``)."""

    scenario: str
    feed: str
    at: float
    every: float
    state: State = State.UP
    reason: str = ""
    latency_ms: float = 0.0


@dataclass
class Collection:
    at: float
    endpoints: list[EndpointResult] = field(default_factory=list)
    feeds: list[FeedResult] = field(default_factory=list)
    eval_runs: dict[str, list[EvalRun]] = field(default_factory=dict)
    manifests: dict[str, IndexManifest] = field(default_factory=dict)
    # Scrapes a query API handed over with the times they were made, a collection per console
    # interval they fall in, oldest first: stored before this one. Its own endpoints then
    # carry the states alone.
    earlier: list[Collection] = field(default_factory=list)


def by_interval(scrapes: list[EndpointResult], at: float, interval: float
                ) -> list[Collection]:
    """Timestamped scrapes (oldest first) as collections, one per ``interval`` before ``at``
    and minute they fall in, each stamped with its newest scrape, so each is folded into the
    minute the scrapes were made in."""
    steps: dict[tuple[int, int], list[EndpointResult]] = defaultdict(list)
    for scrape in scrapes:
        steps[(max(0, math.floor((at - scrape.at) / interval)),
               math.floor(scrape.at / 60))].append(scrape)  # a rollup minute
    return sorted((Collection(at=max(s.at for s in group), endpoints=group)
                   for group in steps.values()), key=lambda c: c.at)


def auth_headers(endpoint: Endpoint) -> dict[str, str]:
    """Bearer token from the environment variable the config names; never from the config."""
    if endpoint.token_env and os.environ.get(endpoint.token_env):
        return {"Authorization": f"Bearer {os.environ[endpoint.token_env]}"}
    return {}


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=False,
        # No cap on connections: a pool wait would count against an endpoint's own timeout
        # and mark a healthy endpoint down on a big fleet.
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
        headers={"User-Agent": "aiops-tui", "Accept": "text/plain, application/json"},
    )


class Collector:
    """Owns the HTTP clients for the life of the console, so connections are reused. A query
    API gets a client of its own: httpx checks every connection in a pool each time a
    request starts or ends, so one pool for the queries and the feeds' connections made each
    request pay for both."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._client = http_client()
        self._clients = [self._client]
        self._order = {(s.id, e.name): i for i, (s, e) in enumerate(
            (s, e) for s in config.scenarios for e in s.endpoints)}
        self._feeds: dict[tuple[str, str], FeedResult] = {}  # each feed's last read
        self.prometheus: PromSource | None = None
        self._targets: list[Target] = []
        if config.source.kind == "prometheus":
            self._clients.append(http_client())
            self.prometheus = PromSource(config.source, self._clients[-1],
                                         overlap=config.console.interval_s)
            self._targets = [Target(s.id, e) for s in config.scenarios for e in s.endpoints
                             if e.kind in METRICS_KINDS]

    @property
    def label(self) -> str:
        """Where the endpoints' series come from: "" when scraped."""
        return self.prometheus.label if self.prometheus else ""

    async def aclose(self) -> None:
        async with contextlib.AsyncExitStack() as closing:  # each, whatever the others do
            for client in self._clients:
                closing.push_async_callback(client.aclose)

    async def collect(self, since: float | None = None) -> Collection:
        """One cycle. ``since``: with a query API, the time before which the store already
        holds the fleet's samples (default: one interval back), where its first read starts."""
        started = self.clock()
        limit = self.config.console.max_page_bytes
        endpoint_jobs = [
            collect_endpoint(self._client, s.id, e, auth_headers(e), limit, started)
            for s in self.config.scenarios
            for e in s.endpoints
            if self.prometheus is None or e.kind not in METRICS_KINDS
        ]
        feed_jobs = [self._feed(s.id, name, source, model, limit, started)
                     for s in self.config.scenarios
                     for name, source, model in (("evals", s.evals, EvalRuns),
                                                 ("index", s.index, IndexManifest))
                     if source is not None and self._feed_due(s.id, name, source, started)]
        scraped, fresh, read = await asyncio.gather(
            asyncio.gather(*endpoint_jobs), asyncio.gather(*feed_jobs), self._query(started, since))
        endpoints = list(scraped)
        out = Collection(at=started)
        if read is not None:
            endpoints += read.current
            out.earlier = by_interval(read.scrapes, started, self.config.console.interval_s)
        # Config order, as scraping gives: the scenario view lists endpoints in it.
        out.endpoints = sorted(endpoints,
                               key=lambda r: self._order.get((r.scenario, r.endpoint), 0))
        for feed, document in fresh:
            self._feeds[(feed.scenario, feed.feed)] = feed
            if isinstance(document, EvalRuns):
                out.eval_runs[feed.scenario] = document.runs
            elif isinstance(document, IndexManifest):
                out.manifests[feed.scenario] = document
        out.feeds = list(self._feeds.values())  # as last read: only a fresh read's documents
        return out

    def unread(self, collection: Collection) -> None:
        """Forget the feeds ``collection`` read, whose documents were not stored: they are
        read again the next cycle rather than a feed interval later."""
        for feed in collection.feeds:
            if feed.at == collection.at:
                self._feeds.pop((feed.scenario, feed.feed), None)

    def _feed_due(self, scenario: str, name: str, source: JsonSource, at: float) -> bool:
        """Whether a feed is read this cycle: the first time, then once per its ``interval``,
        at its own point in it (``stagger``), so a fleet's feeds spread over the cycles. A
        failed read waits for its next point too: retried every cycle, the reads that time
        out on an overloaded feed server would keep it overloaded."""
        kept = self._feeds.get((scenario, name))
        every = source.interval
        return (kept is None or every <= self.config.console.interval_s
                or staggered(f"{scenario}/{name}", at, every)
                != staggered(f"{scenario}/{name}", kept.at, every))

    async def _query(self, at: float, since: float | None) -> Read | None:
        if self.prometheus is None:
            return None
        interval = self.config.console.interval_s
        return await self.prometheus.collect(self._targets, at,
                                             at - interval if since is None else since)

    async def _feed(self, scenario: str, name: str, source: JsonSource, model: type,
                    limit: int, at: float) -> tuple[FeedResult, object | None]:
        result = FeedResult(scenario, name, at, source.interval)
        started = time.monotonic()
        document = None
        try:
            document = await fetch_json(self._client, str(source.url), source.timeout_s, model,
                                        limit)
        except FetchError as exc:
            result.state, result.reason = exc.state, exc.reason
        result.latency_ms = (time.monotonic() - started) * 1000
        return result, document
