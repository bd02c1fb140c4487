"""The configuration contract: what a console needs to know about its fleet.

Every model forbids unknown keys so a typo is an error at load time, not a silently ignored
setting at 3 a.m. Secrets never live here: fields ending in ``_env`` name an environment variable.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

# ``app``: the AI feature's own service, exposing the ``aiops_app_*`` counters (see the README).
EndpointKind = Literal["vllm", "tgi", "triton", "sglang", "dcgm", "openai", "app"]
Environment = Literal["production", "staging", "development"]

_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_ENV = r"^[A-Z_][A-Z0-9_]*$"
_LABEL = r"^([a-zA-Z]|_[a-zA-Z0-9])[a-zA-Z0-9_]*$"  # a label name (``__`` ones are reserved)
# A value a command template may receive (deployment names, releases, versions): no spaces,
# quotes or shell characters, never starting with "-" (it would read as an option).
# Nor "@" first: some programs read "@file" as arguments from a file.
SAFE_VALUE = r"^[A-Za-z0-9_.:/+=][A-Za-z0-9_.:@/+=-]{0,199}$"
Role = Literal["viewer", "trainee", "responder", "commander"]
ACTION_VALUES = frozenset({"scenario", "component", "to", "rps", "key"})  # filled per action
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int | float) -> float:
    """Seconds from a Prometheus-style duration (``90s``, ``15m``, ``6h``, ``7d``) or a number."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 6h, 7d)")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Endpoint(Strict):
    """A model server or exporter. Model servers are also probed on /health and /v1/models."""

    name: str = Field(pattern=_ID)
    kind: EndpointKind
    url: HttpUrl
    timeout_s: float = Field(default=2.0, gt=0, le=60)
    token_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    # With a Prometheus source: the labels (all must equal) that pick this endpoint's series
    # there. Default: the ``instance`` a scrape of ``url`` gets (``host:port``).
    match: dict[Annotated[str, Field(pattern=_LABEL)], Annotated[str, Field(min_length=1)]
                ] | None = Field(default=None, min_length=1)

    @property
    def base(self) -> str:
        return str(self.url).rstrip("/")

    @property
    def series_labels(self) -> dict[str, str]:
        if self.match is not None:
            return dict(self.match)
        # As Prometheus 3 labels a target: the port only where the URL has one (a scheme's
        # default port, such as :80, is dropped when the URL is read); never credentials.
        return {"instance": urlsplit(str(self.url)).netloc.rsplit("@", 1)[-1]}

    @property
    def serves_model(self) -> bool:
        return self.kind in ("vllm", "tgi", "sglang", "openai")


class Target(Strict):
    provider: str
    model: str


class Route(Strict):
    primary: Target
    fallback: Target | None = None


class Versions(Strict):
    model: str
    prompt: str
    index: str | None = None


class Slo(Strict):
    p95_latency_s: float = Field(gt=0)
    error_rate: float = Field(default=0.05, ge=0, le=1)
    eval_pass_rate: float = Field(default=0.9, ge=0, le=1)
    index_max_age: float | None = Field(default=None, description="seconds; YAML may say 6h")

    @field_validator("index_max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return None if value is None else parse_duration(value)  # type: ignore[arg-type]


class Pricing(Strict):
    """Money per million tokens; what the provider bills or what the GPUs cost per token."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)
    currency: str = "USD"


class Budget(Strict):
    daily: float = Field(gt=0)


class Owners(Strict):
    product: str | None = None
    platform: str | None = None
    quality: str | None = None
    route: str | None = None
    prompt: str | None = None
    tools: str | None = None
    cache: str | None = None
    cost: str | None = None
    incident: str | None = None
    escalation: list[str] = Field(default_factory=list)

    def named(self) -> dict[str, str]:
        """Each owning role that names someone, in the order above."""
        return {role: who for role, who in self.model_dump(exclude={"escalation"}).items()
                if who}


class JsonSource(Strict):
    """An HTTP endpoint that returns JSON documents (eval runs or an index manifest).

    Read every ``interval`` rather than every cycle: eval runs and index builds land minutes
    to hours apart, and a fleet's hundreds of feeds read every few seconds would cost the
    console more than its scrapes. At or under the console's interval: every cycle."""

    url: HttpUrl
    timeout_s: float = Field(default=2.0, gt=0, le=60)
    interval: float = Field(default=30.0, ge=0, le=3600, description="YAML may say 1m")

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value)  # type: ignore[arg-type]


class HttpControl(Strict):
    """Our JSON control-plane contract (see the README); the demo fleet serves it."""

    adapter: Literal["http"]
    url: HttpUrl
    token_env: str | None = Field(default=None, pattern=_ENV)
    timeout_s: float = Field(default=10.0, gt=0, le=120)


class CommandControl(Strict):
    """Argv templates, run without a shell. Placeholders (``{deployment}``) are filled from
    ``values`` and the action (``{scenario}``, ``{component}``, ``{to}``, ``{rps}``), each
    checked against ``SAFE_VALUE``; an action without a template is not offered."""

    adapter: Literal["command"]
    rollback: list[str] | None = None
    route: list[str] | None = None
    kill: list[str] | None = None
    unkill: list[str] | None = None
    rate_limit: list[str] | None = None
    values: dict[str, Annotated[str, Field(pattern=SAFE_VALUE)]] = Field(default_factory=dict)
    timeout_s: float = Field(default=60.0, gt=0, le=900)

    @field_validator("rollback", "route", "kill", "unkill", "rate_limit")
    @classmethod
    def _argv(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not value[0] or "{" in value[0]):
            raise ValueError("an argv template starts with a fixed program name")
        return value

    @model_validator(mode="after")
    def _placeholders(self) -> CommandControl:
        known = set(self.values) | ACTION_VALUES
        for name in ("rollback", "route", "kill", "unkill", "rate_limit"):
            for arg in getattr(self, name) or []:
                try:
                    fields = {f for _, f, _, _ in string.Formatter().parse(arg) if f is not None}
                except ValueError as exc:
                    raise ValueError(f"{name}: {arg!r}: {exc}") from None
                if unknown := sorted(fields - known):
                    raise ValueError(f"{name}: {arg!r} uses {{{unknown[0]}}}, which is neither "
                                     f"in values nor one of {', '.join(sorted(ACTION_VALUES))}")
        return self


class LitellmControl(Strict):
    """A LiteLLM proxy's admin API. ``model`` is the model name the scenario calls (its
    fallback rule is keyed by it), ``deployment`` the proxy's id for the deployment behind it
    (``model_info.id``: model rollbacks, rate limits and the kill switch change it), and
    ``fallback`` the model names a fallback route sends to. The master key comes from
    ``key_env``. LiteLLM serves models: prompt and index rollbacks need another plane."""

    adapter: Literal["litellm"]
    url: HttpUrl
    key_env: str = Field(pattern=_ENV)
    model: str = Field(pattern=SAFE_VALUE)
    deployment: str = Field(pattern=SAFE_VALUE)
    fallback: list[Annotated[str, Field(pattern=SAFE_VALUE)]] = Field(min_length=1)
    timeout_s: float = Field(default=10.0, gt=0, le=120)


Control = Annotated[HttpControl | CommandControl | LitellmControl,
                    Field(discriminator="adapter")]


class Scenario(Strict):
    id: str = Field(pattern=_ID)
    name: str
    environment: Environment = "production"
    endpoints: list[Endpoint] = Field(min_length=1)
    route: Route
    versions: Versions
    slo: Slo
    pricing: Pricing
    budget: Budget
    owners: Owners = Field(default_factory=Owners)
    evals: JsonSource | None = None
    index: JsonSource | None = None
    runbooks: list[str] = Field(default_factory=list)
    control: Control | None = None  # where actions go; none: the scenario is watched only

    @model_validator(mode="after")
    def _unique_endpoints(self) -> Scenario:
        names = [e.name for e in self.endpoints]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"endpoint names repeat: {', '.join(dupes)}")
        return self


class Console(Strict):
    interval_s: float = Field(default=5.0, ge=0.5, le=300)
    window_s: float = Field(default=300.0, ge=10, description="signal window; YAML may say 5m")
    retention: float = Field(default=7 * 86400.0, ge=3600,
                             description="minute rollups, eval runs and index builds kept")
    raw_retention: float = Field(default=86400.0, ge=3600, description="raw samples kept")
    max_page_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    runbooks: str | None = Field(default=None, description="default: runbooks/ beside or "
                                 "above the config file")

    @field_validator("window_s", "retention", "raw_retention", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value)  # type: ignore[arg-type]


class Source(Strict):
    """Where the engines' metrics come from: each endpoint's own page (``scrape``), or an
    existing Prometheus, Thanos, Mimir or VictoriaMetrics that already scrapes them, read
    through its query API (``prometheus``; ``url`` is the base the ``/api/v1/...`` paths go
    under, e.g. ``http://mimir/prometheus``). Credentials come from the environment."""

    kind: Literal["scrape", "prometheus"] = "scrape"
    url: HttpUrl | None = None
    tenant: str | None = Field(default=None, description="sent as X-Scope-OrgID (Mimir, "
                               "Cortex, Thanos receive)")
    headers: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")], str] = Field(
        default_factory=dict, description="extra headers; no secrets (use token_env)")
    token_env: str | None = Field(default=None, pattern=_ENV)
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=_ENV)
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.kind == "scrape":
            if (self.url or self.tenant or self.headers or self.token_env or self.username
                    or self.password_env):
                raise ValueError("the scrape source takes no other settings (did you mean "
                                 "kind: prometheus?)")
            return self
        if self.url is None:
            raise ValueError("a prometheus source needs url")
        if self.url.username or self.url.password:
            raise ValueError("url: no credentials in the URL; use token_env or "
                             "username/password_env")
        if not all(v.isascii() and v.isprintable()
                   for v in (self.tenant or "", *self.headers.values())):
            raise ValueError("tenant and header values must be printable ASCII (HTTP "
                             "headers are)")
        if (self.username is None) != (self.password_env is None):
            raise ValueError("basic auth needs both username and password_env")
        if self.token_env and self.username:
            raise ValueError("use token_env or username/password_env, not both")
        lowered = {h.lower() for h in self.headers}
        if "authorization" in lowered:
            raise ValueError("headers: no Authorization here; name the variable holding the "
                             "token in token_env")
        if self.tenant and "x-scope-orgid" in lowered:
            raise ValueError("headers: X-Scope-OrgID repeats tenant")
        return self

    @property
    def base(self) -> str:
        return str(self.url).rstrip("/")


class Notifier(Strict):
    """Where alert notifications go. The routing key or token is read from the environment."""

    kind: Literal["pagerduty", "webhook"]
    name: str = Field(default="", pattern=r"^$|^[a-z0-9][a-z0-9_-]{0,62}$")
    url: HttpUrl | None = Field(default=None, description="pagerduty: Events API v2 address")
    routing_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    token_env: str | None = Field(default=None, pattern=_ENV)
    tiers: list[Literal["page", "ticket"]] = Field(default_factory=lambda: ["page"])
    timeout_s: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _complete(self) -> Notifier:
        if self.kind == "pagerduty" and not self.routing_key_env:
            raise ValueError("a pagerduty notifier needs routing_key_env")
        if self.kind == "webhook" and self.url is None:
            raise ValueError("a webhook notifier needs url")
        return self

    @property
    def target(self) -> str:
        return str(self.url) if self.url else "https://events.pagerduty.com/v2/enqueue"


class Alerting(Strict):
    """Which rules to judge (default: ``alerts.yaml`` beside the config, else the shipped
    defaults), durations changed per rule (the demo shortens its ``for`` windows), notifiers."""

    rules: str | None = None
    # How often each scenario's rules are judged, as Prometheus' ``evaluation_interval``; each
    # scenario at its own point in it, so a fleet's judgements spread over the cycles. At or
    # under the console's interval: every cycle.
    evaluation_interval: float = Field(default=15.0, ge=0, le=300)
    overrides: dict[str, dict[str, str | float]] = Field(default_factory=dict)
    notifiers: list[Notifier] = Field(default_factory=list)

    @field_validator("evaluation_interval", mode="before")
    @classmethod
    def _duration(cls, value: str | float) -> float:
        return parse_duration(value)

    @field_validator("overrides")
    @classmethod
    def _durations_only(cls, value: dict[str, dict[str, str | float]]
                        ) -> dict[str, dict[str, str | float]]:
        for rule, fields in value.items():
            unknown = sorted(set(fields) - OVERRIDABLE)
            if unknown:
                raise ValueError(f"{rule}: only {', '.join(sorted(OVERRIDABLE))} can be "
                                 f"overridden, not {', '.join(unknown)}")
            for name, duration in fields.items():
                try:
                    parse_duration(duration)
                except ValueError as exc:
                    raise ValueError(f"{rule}.{name}: {exc}") from None
        return value


OVERRIDABLE = frozenset({"for", "keep_firing_for", "window", "baseline", "long", "short"})


class Access(Strict):
    """Who may act: OS user names mapped to roles (viewer, trainee, responder, commander),
    the role of everyone else, and read-only (no action at all, whoever asks)."""

    roles: dict[str, Role] = Field(default_factory=dict)
    default_role: Role = "viewer"
    read_only: bool = False


class Config(Strict):
    console: Console = Field(default_factory=Console)
    source: Source = Field(default_factory=Source)
    alerts: Alerting = Field(default_factory=Alerting)
    access: Access = Field(default_factory=Access)
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        ids = [s.id for s in self.scenarios]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"scenario ids repeat: {', '.join(dupes)}")
        return self

    def scenario(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)
