"""What an action is, what a control plane says the scenario's state is, and how it went."""

from __future__ import annotations

import enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Component = Literal["model", "prompt", "index"]


class Kind(enum.StrEnum):
    ROLLBACK = "rollback"
    ROUTE = "route"
    KILL = "kill"
    RATE_LIMIT = "rate-limit"


class Request(BaseModel):
    """An operator's intent, before policy and confirmation: ``to`` is a version (rollback,
    None: the last known good), ``primary``/``fallback`` (route) or ``on``/``off`` (kill);
    ``rps`` the rate limit (None lifts it)."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    scenario: str
    component: Component | None = None
    to: str | None = None
    rps: float | None = Field(default=None, gt=0)


class VersionState(BaseModel):
    current: str | None = None
    last_known_good: str | None = None
    history: list[str] = Field(default_factory=list)  # oldest first, current last


class State(BaseModel):
    """The scenario as its control plane has it (the http contract's reply)."""

    scenario: str
    versions: dict[str, VersionState] = Field(default_factory=dict)
    route: Literal["primary", "fallback"] = "primary"
    killed: bool = False
    rate_limit_rps: float | None = None

    def words(self) -> str:
        """The state in one line, as a state read reports and records it."""
        versions = ", ".join(f"{c} {v.current}" for c, v in self.versions.items())
        limit = f"{self.rate_limit_rps:g} rps" if self.rate_limit_rps else "no rate limit"
        return (f"{versions}; route {self.route}; {'KILLED' if self.killed else 'serving'}; "
                f"{limit}")


class Outcome(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"  # the control plane said no, or the call failed before reaching it
    UNKNOWN = "unknown"  # timed out or cut off after sending: read the state, never retry
    REFUSED = "refused"  # policy or confirmation: nothing was sent
