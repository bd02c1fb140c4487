"""A scenario's traffic, simulated one second at a time, deterministic for a given seed.

Load follows the day (quiet at night, busy in the afternoon), with noise and rare bursts; each
simulated request draws a latency, a time to first token, token counts and an outcome, and lands
in cumulative counters and histograms exactly as an inference engine would count it.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import zlib
from dataclasses import dataclass, field

from aiops_tui.config.models import Scenario
from aiops_tui.demo.control import Control
from aiops_tui.demo.drills import DrillLog

# vLLM V1 bucket layouts (read from the engine's metrics code and the fixtures).
E2E_BUCKETS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
               120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0)
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
                7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0)


def tgi_duration_buckets() -> tuple[float, ...]:
    """TGI's router: 35 exponential buckets from 1e-4 x 1.5, float noise and all."""
    out, value = [], 0.0001
    for _ in range(35):
        value *= 1.5
        out.append(value)
    return tuple(out)


@dataclass
class Histogram:
    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)  # per bucket, not cumulative; +Inf last
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, int]]:
        running, out = 0, []
        for bound, count in zip((*self.bounds, math.inf), self.counts, strict=True):
            running += count
            out.append(("+Inf" if math.isinf(bound) else repr(bound), running))
        return out

    @property
    def count(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Profile:
    """Traffic shape of one scenario, derived from its config so any config can be simulated."""

    rps: float
    latency_median: float
    ttft_median: float
    error_p: float
    in_tokens: float
    out_tokens: float
    capacity: float  # concurrent requests at which the KV cache is full
    gpus: int


def profile_for(scenario: Scenario, index: int) -> Profile:
    slo = scenario.slo.p95_latency_s
    return Profile(
        rps=(6.0, 14.0, 3.0, 9.0, 5.0)[index % 5],
        latency_median=slo * 0.35,
        ttft_median=min(0.6, slo * 0.06),
        error_p=scenario.slo.error_rate * 0.15,
        in_tokens=(900, 1600, 350, 1200, 700)[index % 5],
        out_tokens=(220, 380, 40, 300, 160)[index % 5],
        capacity=(48, 96, 64, 48, 32)[index % 5],
        gpus=(2, 4, 1, 2, 1)[index % 5],
    )


# What the application makes of each answer, and why requests fail: the ``app`` endpoint.
CATEGORIES = {"answered": 0.78, "clarifying-question": 0.08, "handed-off": 0.06,
              "no-answer-found": 0.04, "refused": 0.04}
SHIFTED = {"answered": 0.48, "clarifying-question": 0.07, "handed-off": 0.05,
           "no-answer-found": 0.18, "refused": 0.22}  # the output-shift drill
ERRORS = ("upstream returned HTTP 503", "request timed out after 30s")
BURST_ERROR = "CUDA error: an illegal memory access was encountered"  # new in an error burst
RETRIEVAL_HIT_P, STALE_HIT_P = 0.86, 0.58
FEEDBACK_P, NEGATIVE_P, UNHAPPY_P = 0.06, 0.10, 0.32


def draw(rng: random.Random, shares: dict[str, float]) -> str:
    x, last = rng.random(), ""
    for name, share in shares.items():
        last = name
        x -= share
        if x < 0:
            return name
    return last


def stable_seed(seed: int, name: str) -> int:
    return zlib.crc32(f"{seed}:{name}".encode())


class ScenarioSim:
    """Counters and gauges of one scenario; ``advance(now)`` catches up in one-second ticks."""

    MAX_CATCH_UP = 600  # ticks simulated per call at most; a long pause fast-forwards quietly

    def __init__(self, scenario: Scenario, index: int, seed: int, start: float) -> None:
        self.scenario = scenario
        self.profile = profile_for(scenario, index)
        self.rng = random.Random(stable_seed(seed, scenario.id))
        self.lock = threading.Lock()
        self.t = math.floor(start)
        self.e2e = Histogram(E2E_BUCKETS)
        self.ttft = Histogram(TTFT_BUCKETS)
        self.tgi_duration = Histogram(tgi_duration_buckets())
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.prefix_queries = 0  # prompt tokens looked up in the prefix cache
        self.prefix_hits = 0
        self.ok = 0
        self.failed = 0
        self.running = 0.0
        self.waiting = 0.0
        self.kv = 0.0
        self.load = 0.0  # utilisation of capacity, 0..1+
        self.pressure = False  # the gpu-memory-pressure drill: framebuffers full
        self.burst_left = 0
        self.start = float(self.t)
        self.drills = DrillLog()
        self.control = Control(scenario, self.start)
        # The application's counters draw from their own generator, so the engine's numbers
        # are the same with or without them.
        self.app_rng = random.Random(stable_seed(seed, f"{scenario.id}/app"))
        self.categories = dict.fromkeys(CATEGORIES, 0)
        # Known messages exported at 0 from the start (prometheus_client's advice for label
        # values known up front), so only a new kind of failure is new to the console.
        self.errors: dict[str, int] = dict.fromkeys(ERRORS, 0)
        self.retrievals = self.retrieval_hits = 0
        self.feedback = self.feedback_negative = 0

    def diurnal(self, t: float) -> float:
        hour = (t % 86400) / 3600
        return 1.0 + 0.45 * math.sin(2 * math.pi * (hour - 9) / 24)

    def advance(self, now: float) -> None:
        with self.lock:
            target = math.floor(now)
            if target - self.t > self.MAX_CATCH_UP:
                self.t = target - self.MAX_CATCH_UP
            while self.t < target:
                self.t += 1
                self._tick()

    def _app_failed(self, burst: bool) -> None:
        error = BURST_ERROR if burst and self.app_rng.random() < 0.8 else \
            ERRORS[self.app_rng.random() < 0.4]
        self.errors[error] = self.errors.get(error, 0) + 1

    def _app_answered(self, drilled: list[str]) -> None:
        rng = self.app_rng
        shares = SHIFTED if "output-shift" in drilled else CATEGORIES
        self.categories[draw(rng, shares)] += 1
        if self.scenario.index:
            self.retrievals += 1
            hit_p = STALE_HIT_P if "stale-index" in drilled else RETRIEVAL_HIT_P
            self.retrieval_hits += rng.random() < hit_p
        if rng.random() < FEEDBACK_P:
            self.feedback += 1
            unhappy = {"output-shift", "eval-regression"} & set(drilled)
            self.feedback_negative += rng.random() < (UNHAPPY_P if unhappy else NEGATIVE_P)

    def _poisson(self, lam: float) -> int:
        if lam > 30:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        threshold, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= threshold:
                return k
            k += 1

    def _tick(self) -> None:
        p, rng = self.profile, self.rng
        drilled = [d for d in self.drills.running(self.t) if self.control.in_effect(d, self.t)
                   ] if self.drills.runs else []
        slow = 4.0 if "latency-spike" in drilled else 1.0
        error_p = 0.5 if "error-burst" in drilled else p.error_p
        tokens_in, tokens_out = ((p.in_tokens * 3, p.out_tokens * 8)
                                 if "token-runaway" in drilled else (p.in_tokens, p.out_tokens))
        if self.burst_left > 0:
            self.burst_left -= 1
        elif rng.random() < 0.0005:  # about one burst in half an hour
            self.burst_left = rng.randint(30, 120)
        factor = self.diurnal(self.t) * (rng.uniform(1.4, 1.8) if self.burst_left else 1.0)
        factor *= rng.uniform(0.9, 1.1)
        arrivals = self._poisson(p.rps * factor)
        if self.control.killed:  # the gateway answers with a static apology; no model call
            arrivals = 0
        elif self.control.rate_limit_rps is not None:  # the rest are turned away with 429
            rps = self.control.rate_limit_rps  # a fraction: one request in some seconds
            arrivals = min(arrivals, int(rps) + (self.app_rng.random() < rps % 1))
        concurrency = p.rps * factor * p.latency_median * 1.2
        self.load = concurrency / p.capacity
        slowdown = (1.0 + max(0.0, self.load - 0.7) * 2.5) * slow
        for _ in range(arrivals):
            latency = rng.lognormvariate(math.log(p.latency_median * slowdown), 0.35)
            self.e2e.observe(latency)
            self.tgi_duration.observe(latency)
            self.ttft.observe(rng.lognormvariate(math.log(p.ttft_median * slowdown), 0.5))
            prompt = max(1, int(rng.gauss(tokens_in, tokens_in * 0.3)))
            self.prompt_tokens += prompt
            self.prefix_queries += prompt
            self.prefix_hits += int(prompt * rng.uniform(0.2, 0.5))  # shared system prompts
            if rng.random() < error_p:
                self.failed += 1
                self._app_failed("error-burst" in drilled)
            else:
                self.ok += 1
                self.generation_tokens += max(1, int(rng.gauss(tokens_out, tokens_out * 0.4)))
                self._app_answered(drilled)
        self.running = min(concurrency, p.capacity) * rng.uniform(0.85, 1.15)
        self.waiting = max(0.0, concurrency - p.capacity)
        self.kv = min(1.0, 0.08 + 0.85 * self.running / p.capacity)
        self.pressure = "gpu-memory-pressure" in drilled
        if self.pressure:  # something else holds the memory: the cache has no room left
            self.kv = 0.99
