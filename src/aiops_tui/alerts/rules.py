"""Alert rules as YAML: which signal, which condition, for how long, at which tier.

A rule names a scenario signal (any number describe knows) and exactly one condition: above or
below a value, or the scenario's own SLO for that signal (``slo``), or above a multiple of the
signal's trailing baseline. Rules are validated like the config, with file:line errors, so a
typo is caught by ``aiops-tui check`` rather than by a page that never comes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from aiops_tui.config.loader import ConfigError, ConfigProblem, parse_yaml
from aiops_tui.config.models import Strict, parse_duration
from aiops_tui.signals.provenance import RECIPES

Tier = Literal["page", "ticket", "review"]
# Signals with an SLO in the scenario config, and the SLO field each is held to.
SLO_OF = {"p95_s": "p95_latency_s", "error_rate": "error_rate",
          "eval_pass_rate": "eval_pass_rate", "index_age_s": "index_max_age"}
SIGNALS = frozenset(RECIPES)


class Rule(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    tier: Tier
    summary: str = Field(min_length=1)
    signal: str
    above: float | Literal["slo"] | None = None
    below: float | Literal["slo"] | None = None
    above_baseline: float | None = Field(default=None, gt=1, description="times the baseline")
    baseline: float | None = Field(default=None, gt=0, description="trailing window, e.g. 7d")
    for_s: float = Field(default=0.0, ge=0, alias="for")
    keep_firing_for_s: float = Field(default=0.0, ge=0, alias="keep_firing_for")
    runbook: str | None = None

    @field_validator("baseline", "for_s", "keep_firing_for_s", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value  # type: ignore[arg-type]

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str) -> str:
        if value not in SIGNALS:
            raise ValueError(f"unknown signal {value!r}; known: {', '.join(sorted(SIGNALS))}")
        return value

    @model_validator(mode="after")
    def _one_condition(self) -> Rule:
        given = [c for c in ("above", "below", "above_baseline") if getattr(self, c) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of above, below, above_baseline")
        if "slo" in (self.above, self.below) and self.signal not in SLO_OF:
            raise ValueError(f"{self.signal} has no SLO; SLOs exist for {', '.join(SLO_OF)}")
        if (self.above_baseline is None) != (self.baseline is None):
            raise ValueError("above_baseline and baseline go together")
        return self


class AlertRules(Strict):
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> AlertRules:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self


def load_rules(path: str | os.PathLike[str]) -> AlertRules:
    """The rules in ``path``, or ``ConfigError`` with a ``file:line: field: message`` each."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(str(source), 0, "-",
                                         f"cannot read: {exc.strerror}")]) from exc
    return parse_yaml(text, str(source), AlertRules)
