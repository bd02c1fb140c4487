"""Plain rows the store hands upward: series points, eval runs, index manifests."""

from __future__ import annotations

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
