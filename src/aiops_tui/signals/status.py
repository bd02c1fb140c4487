"""The per-scenario picture the UI, ``status --json`` and follower consoles all read.

These models are the contract between the core and its readers. A number that cannot be
computed is ``None`` and ``missing[field]`` says why, so the screen can show "—" with a reason
instead of a zero that looks healthy.
"""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, computed_field

# Endpoint states that make a scenario critical (slow only warns).
HARD_STATES = frozenset({"down", "bad payload"})


class Health(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    CRIT = "crit"
    UNKNOWN = "unknown"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class EndpointStatus(Model):
    name: str
    kind: str
    state: str
    reason: str = ""
    latency_ms: float = 0.0
    served_models: list[str] | None = None
    last_ok: float | None = None


class EvalSuite(Model):
    suite: str
    passed: int
    total: int
    model: str
    prompt: str
    index: str | None
    finished_at: float


class Versions(Model):
    """Configured versions, and what the endpoints say is actually live."""

    model: str
    prompt: str
    index: str | None
    served_model: str | None = None  # what /v1/models says is actually loaded
    served_index: str | None = None  # the build the index manifest says is serving

    def live(self) -> dict[str, str | None]:
        """What is live per kind: served where an endpoint says so, else configured."""
        return {"model": self.served_model or self.model, "prompt": self.prompt,
                "index": self.served_index or self.index}


class ScenarioStatus(Model):
    id: str
    name: str
    environment: str
    at: float
    window_s: float
    health: Health
    problems: list[str]
    latency_kind: str  # "p95" from a histogram, "mean" where the engine only has counters
    p50_s: float | None
    p95_s: float | None
    p99_s: float | None
    p95_slo_s: float
    ttft_p95_s: float | None
    ttft_p99_s: float | None
    prefix_cache_hit_rate: float | None
    retrieval_hit_rate: float | None = None  # retrievals that found a relevant document
    negative_feedback_rate: float | None = None  # feedback that was negative
    error_rate: float | None
    error_slo: float
    tokens_in_per_min: float | None
    tokens_out_per_min: float | None
    cost_per_hour: float | None
    daily_budget: float
    budget_fraction: float | None
    currency: str
    gpu_util: float | None
    gpu_memory: float | None
    gpu_power_w: float | None
    gpu_temp_c: float | None
    gpu_last_xid: float | None  # the last XID error a GPU reported; 0 = none
    gpu_new_xid: float | None  # an XID first reported inside the window
    kv_use: float | None
    headroom: float | None  # growth in load before saturation; see signals.capacity.headroom
    running: float | None
    waiting: float | None
    eval_pass_rate: float | None
    eval_threshold: float
    eval_suites: list[EvalSuite]
    index_version: str | None
    index_built_at: float | None
    index_documents: int | None
    index_age_s: float | None
    index_lag_s: float | None  # how far behind its source the serving build was cut
    index_slo_s: float | None
    route: str
    versions: Versions
    endpoints: list[EndpointStatus]
    missing: dict[str, str]
    levels: dict[str, Health]  # how each judged signal stands; absent = not judged

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tokens_per_min(self) -> float | None:
        """Prompt plus generated tokens per minute."""
        if self.tokens_in_per_min is None:
            return None
        return self.tokens_in_per_min + (self.tokens_out_per_min or 0.0)


class AlertView(Model):
    """One alert as screens and scripts see it (made by ``alerts.book``)."""

    scenario: str
    rule: str
    tier: str  # page, ticket, review
    condition: str = ""  # the rule's: above, below, above_baseline, below_baseline, burn_rate
    state: str  # pending, firing, resolved; inactive only when it cannot be evaluated
    summary: str
    value: float | None
    threshold: float | None
    reading: str  # the value against the threshold, in words: "p95 9.1s over 6.4s"
    since: float | None  # when the condition began to hold (or the alert resolved)
    fired_at: float | None = None
    unevaluable: str = ""  # why the newest evaluation could not decide
    owner: str | None = None
    escalation: list[str] = []
    runbook: str | None = None
    acked_by: str | None = None
    acked_at: float | None = None
    silenced_until: float | None = None
    silenced_by: str | None = None
    silence_reason: str | None = None
    inhibited_by: str | None = None  # the firing page that holds this ticket back


class FleetSnapshot(Model):
    """One cycle's picture of the whole fleet, as shared with followers and scripts."""

    at: float
    interval_s: float
    cycle_ms: float
    writer_pid: int
    scenarios: list[ScenarioStatus]
    alerts: list[AlertView] = []
    alerts_at: float = 0.0  # when the alerts were judged (an ack may land mid-cycle)
    source: str = ""  # where the engines' series came from, when not scraped ("Prometheus …")
