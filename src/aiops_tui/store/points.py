"""Plain rows the store hands upward: series points, eval runs, index manifests."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, str, str, Labels]  # scenario, endpoint, metric, labels


@dataclass(frozen=True, slots=True)
class SeriesPoints:
    scenario: str
    endpoint: str
    metric: str
    labels: dict[str, str]
    ts: list[float]
    values: list[float]
    # Running total of what counter resets added back up to each point (see
    # ``signals.rates``), kept by the in-memory window so a window's increase is two lookups,
    # not a walk over its points. Empty where nobody kept it, or once a non-finite value
    # made it useless.
    carry: list[float] = field(default_factory=list)
    # A histogram bucket's upper bound (None if ``le`` is missing or not a number) and the
    # histogram it belongs to (its endpoint and other labels, as one string: its hash is
    # kept), worked out once rather than for every window read.
    bound: float | None = field(init=False, default=None)
    histogram: str = field(init=False, default="")

    def __post_init__(self) -> None:
        le = self.labels.get("le")
        if le is not None:
            object.__setattr__(self, "bound", bucket_bound(le))
            object.__setattr__(self, "histogram", "\0".join(
                [self.endpoint, *(f"{k}={v}" for k, v in self.labels.items() if k != "le")]))


@functools.lru_cache(maxsize=65536)
def split_le(labels: Labels) -> tuple[str | None, Labels]:
    """A bucket's ``le`` and its histogram's other labels: worked out once per label set, as
    every scrape repeats them (a 200-scenario fleet's cycle has thousands of buckets)."""
    le = None
    rest = []
    for key, value in labels:
        if key == "le":
            le = value
        else:
            rest.append((key, value))
    return le, tuple(rest)


@functools.lru_cache(maxsize=4096)
def bucket_bound(le: str) -> float | None:
    """A bucket's upper bound, or None where ``le`` is not a number."""
    try:
        bound = float(le)
    except ValueError:
        return None
    return None if math.isnan(bound) else bound


@dataclass(frozen=True, slots=True)
class EvalRow:
    scenario: str
    suite: str
    passed: int
    total: int
    model: str
    prompt: str
    index_version: str | None
    finished_at: float


@dataclass(frozen=True, slots=True)
class ManifestRow:
    scenario: str
    index_name: str
    version: str
    built_at: float
    source_watermark: float
    documents: int


@dataclass(frozen=True, slots=True)
class VersionSpan:
    """One model, prompt or index version and the minutes it was live."""

    kind: str
    version: str
    first_seen: float
    last_seen: float
    minutes: int
    critical_minutes: int


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One (scenario, rule)'s alert as stored: its lifecycle and how it is being handled."""

    scenario: str
    rule: str
    state: str
    active_since: float | None = None
    fired_at: float | None = None
    last_true: float | None = None
    resolved_at: float | None = None
    value: float | None = None
    unevaluable: str = ""
    acked_by: str | None = None
    acked_at: float | None = None
    silenced_until: float | None = None
    silenced_by: str | None = None
    silence_reason: str | None = None
    notified: bool = False  # a notifier accepted its trigger and has not had its resolve


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: float
    scenario: str
    rule: str
    event: str  # pending, fired, resolved, acked, silenced, unsilenced
    who: str | None
    detail: str
