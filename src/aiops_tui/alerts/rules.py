"""Alert rules as YAML: which signal, which condition, for how long, at which tier.

A rule names a scenario signal (any number describe knows, or one of ``DERIVED``) and exactly
one condition:

- ``above`` / ``below`` a value, or the scenario's own SLO for that signal (``slo``);
- ``above_baseline`` / ``below_baseline``: a multiple of the signal's trailing ``baseline``
  (the window before the current one, so a spike never lifts its own baseline);
- ``burn_rate``: the SRE workbook's error-budget burn over a ``long`` and a ``short`` window.

``window`` measures a counter signal over a trailing window of its own (a day's cost) instead
of the console's window. Rules are validated like the config, with file:line errors, so a typo
is caught by ``aiops-tui check`` rather than by a page that never comes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from aiops_tui.config.loader import ConfigError, ConfigProblem, parse_yaml
from aiops_tui.config.models import Config, Strict, parse_duration
from aiops_tui.paths import bundled_config
from aiops_tui.signals.provenance import RECIPES

Tier = Literal["page", "ticket", "review"]
# Signals with an SLO in the scenario config, and the SLO field each is held to.
SLO_OF = {"p95_s": "p95_latency_s", "error_rate": "error_rate",
          "eval_pass_rate": "eval_pass_rate", "index_age_s": "index_max_age"}
# Numbers the alerts judge that are not on the status itself: derived from it, or read from
# the store over the rule's window (see ``alerts.evaluate`` and ``alerts.readings``).
DERIVED = {
    "endpoints_down": "endpoints down or answering garbage",
    "served_model_changed": "1 when the served model is not the configured one",
}
READ = {
    "output_kl": "KL divergence of the window's answer categories from the week before's",
    "novel_errors": "error messages the application reported for the first time in the window",
}
SIGNALS = frozenset(RECIPES) | frozenset(DERIVED) | frozenset(READ)
# Signals made of counters, so any window's value is a sum of rollups.
COUNTED = frozenset({"error_rate", "cost_per_hour", "tokens_in_per_min", "tokens_out_per_min",
                     "retrieval_hit_rate", "negative_feedback_rate"})
# Signals with a trailing baseline: the counted ones, and quantiles from the hourly histograms.
BASELINED = COUNTED | {"p50_s", "p95_s", "p99_s", "ttft_p95_s", "ttft_p99_s"}
CONDITIONS = ("above", "below", "above_baseline", "below_baseline", "burn_rate")


class Rule(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    tier: Tier
    summary: str = Field(min_length=1)
    signal: str
    above: float | Literal["slo"] | None = None
    below: float | Literal["slo"] | None = None
    above_baseline: float | None = Field(default=None, gt=1, description="times the baseline")
    below_baseline: float | None = Field(default=None, gt=0, lt=1,
                                         description="times the baseline")
    baseline: float | None = Field(default=None, gt=0, description="trailing window, e.g. 7d")
    burn_rate: float | None = Field(default=None, gt=0, description="times the error budget")
    long: float | None = Field(default=None, gt=0, description="burn rate's long window")
    short: float | None = Field(default=None, gt=0, description="burn rate's short window")
    window: float | None = Field(default=None, gt=0, description="the signal's own window")
    for_s: float = Field(default=0.0, ge=0, alias="for")
    keep_firing_for_s: float = Field(default=0.0, ge=0, alias="keep_firing_for")
    runbook: str | None = None

    @field_validator("baseline", "long", "short", "window", "for_s", "keep_firing_for_s",
                     mode="before")
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
        given = [c for c in CONDITIONS if getattr(self, c) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(CONDITIONS)}")
        if "slo" in (self.above, self.below) and self.signal not in SLO_OF:
            raise ValueError(f"{self.signal} has no SLO; SLOs exist for {', '.join(SLO_OF)}")
        if (self.baseline is not None) != (self.condition in ("above_baseline",
                                                              "below_baseline")):
            raise ValueError("above_baseline or below_baseline and baseline go together")
        if self.baseline is not None and self.signal not in BASELINED:
            raise ValueError(f"{self.signal} has no trailing baseline; baselines exist for "
                             f"{', '.join(sorted(BASELINED))}")
        if self.window is not None and self.signal not in COUNTED | READ.keys():
            raise ValueError(f"{self.signal} cannot take a window of its own; these can: "
                             f"{', '.join(sorted(COUNTED | READ.keys()))}")
        burn = self.burn_rate is not None
        if burn == (self.long is None) or burn == (self.short is None):
            raise ValueError("burn_rate, long and short go together")
        if burn:
            if self.signal != "error_rate":
                raise ValueError("burn_rate judges the error budget: signal must be error_rate")
            if self.short >= self.long:  # type: ignore[operator]
                raise ValueError("a burn rate's short window must be shorter than its long one")
        return self

    @property
    def condition(self) -> str:
        return next(c for c in CONDITIONS if getattr(self, c) is not None)


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


def rules_path(config: Config, config_path: Path) -> Path:
    """``alerts.rules`` (relative to the config file), else ``alerts.yaml`` beside the config,
    else the shipped defaults."""
    here = config_path.parent
    if config.alerts.rules:
        return here / config.alerts.rules
    beside = here / "alerts.yaml"
    return beside if beside.is_file() else bundled_config().parent / "alerts.yaml"


def load_alerting(config: Config, config_path: Path) -> AlertRules:
    """The config's rules with its overrides applied; ``ConfigError`` names the file and line
    of anything wrong in either."""
    path = rules_path(config, config_path)
    rules = load_rules(path)
    overrides = config.alerts.overrides
    by_id = {r.id: r for r in rules.rules}
    problems = []
    text = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
    for rule_id, fields in overrides.items():
        line = _line_of_key(text, rule_id)
        if rule_id not in by_id:
            problems.append(ConfigProblem(str(config_path), line, f"alerts.overrides.{rule_id}",
                                          f"no rule {rule_id!r} in {path}"))
            continue
        try:
            by_id[rule_id] = Rule.model_validate(
                {**by_id[rule_id].model_dump(by_alias=True, exclude_none=True), **fields})
        except ValueError as exc:
            problems.append(ConfigProblem(str(config_path), line, f"alerts.overrides.{rule_id}",
                                          str(exc).splitlines()[-1]))
    if problems:
        raise ConfigError(problems)
    return AlertRules(rules=[by_id[r.id] for r in rules.rules])


def _line_of_key(text: str, key: str) -> int:
    """The line where ``key:`` first appears under ``overrides:`` (0 if it cannot be found)."""
    seen = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        seen = seen or stripped.startswith("overrides:")
        if seen and stripped.startswith(f"{key}:"):
            return number
    return 0


def runbooks_dir(config: Config, config_path: Path) -> Path:
    """``console.runbooks`` (relative to the config file), else ``runbooks/`` beside the config
    or one level up (a repository's ``config/`` next to its ``runbooks/``)."""
    here = config_path.parent
    if config.console.runbooks:
        return here / config.console.runbooks
    beside = here / "runbooks"
    return beside if beside.is_dir() else here.parent / "runbooks"


def missing_runbooks(rules: AlertRules, config: Config, config_path: Path
                     ) -> list[ConfigProblem]:
    """Every runbook a rule or a scenario names that is not in the runbooks directory."""
    where = runbooks_dir(config, config_path)
    source = rules_path(config, config_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    problems = []
    for rule in rules.rules:
        if rule.runbook and not (where / f"{rule.runbook}.md").is_file():
            # The rule's ``runbook:`` line: the first one after its id.
            start = next((n for n, line in enumerate(lines) if f"id: {rule.id}" in line), 0)
            line = next((n + 1 for n in range(start, len(lines))
                         if lines[n].strip().startswith("runbook:")), 0)
            problems.append(ConfigProblem(str(source), line, f"{rule.id}.runbook",
                                          f"no runbook {rule.runbook!r} in {where}"))
    for scenario in config.scenarios:
        for runbook in scenario.runbooks:
            if not (where / f"{runbook}.md").is_file():
                problems.append(ConfigProblem(str(config_path), 0,
                                              f"{scenario.id}.runbooks",
                                              f"no runbook {runbook!r} in {where}"))
    return problems
