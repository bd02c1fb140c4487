"""The runbooks directory, read once: every runbook that parses, and a problem (file, line,
field) for every one that does not, so one broken file never hides the others. ``lint`` adds
what only the config and the alert rules can tell: alerts, actions and links that lead
nowhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aiops_tui.actions.command_line import CommandError
from aiops_tui.config.loader import ConfigError, ConfigProblem
from aiops_tui.config.models import Config
from aiops_tui.runbooks.document import Runbook, parse_runbook
from aiops_tui.runbooks.search import Hit, search
from aiops_tui.runbooks.steps import Step, steps

_LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")
_SKIP = {"README.md"}  # the directory's own index is not a runbook


@dataclass
class Library:
    directory: Path | None
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)
    _steps: dict[str, list[Step]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None) -> Library:
        library = cls(directory)
        if directory is None or not directory.is_dir():
            return library
        for path in sorted(directory.glob("*.md")):
            if path.name in _SKIP:
                continue
            try:
                runbook = parse_runbook(path.read_text(encoding="utf-8"), path)
            except ConfigError as exc:
                library.problems.extend(exc.problems)
            except (OSError, UnicodeDecodeError) as exc:
                library.problems.append(ConfigProblem(str(path), 0, "-", f"cannot read: {exc}"))
            else:
                library.runbooks[runbook.id] = runbook
        return library

    def get(self, runbook_id: str) -> Runbook | None:
        return self.runbooks.get(runbook_id)

    def steps(self, runbook_id: str) -> list[Step]:
        """The runbook's checklist (parsed once)."""
        if runbook_id not in self._steps:
            runbook = self.runbooks.get(runbook_id)
            self._steps[runbook_id] = steps(runbook.body) if runbook else []
        return self._steps[runbook_id]

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        return search(self.runbooks.values(), query, limit)

    def for_scenario(self, scenario: str, named: Iterable[str] = (),
                     alerts: Iterable[str] = ()) -> list[Runbook]:
        """Runbooks for a scenario, most pressing first: those its firing alerts name, then
        those its config names, then those whose front matter lists it."""
        order: list[str] = [*alerts, *named, *(r.id for r in self.runbooks.values()
                                               if scenario in r.meta.scenarios)]
        return [self.runbooks[i] for i in dict.fromkeys(order) if i in self.runbooks]


def lint(library: Library, config: Config, rule_ids: Iterable[str]) -> list[ConfigProblem]:
    """Front matter naming an alert no rule has, a step bound to an action that does not parse
    or to a scenario without a control plane, and links to runbooks that do not exist."""
    rules = set(rule_ids)
    scenarios = {s.id: s for s in config.scenarios}
    problems: list[ConfigProblem] = []
    for runbook in library.runbooks.values():
        name = str(runbook.path)
        lines = runbook.path.read_text(encoding="utf-8").splitlines()
        for alert in runbook.meta.alerts:
            if alert not in rules:
                problems.append(ConfigProblem(name, _line(lines, "alerts:"), "alerts",
                                              f"no alert rule {alert!r}"))
        for step in library.steps(runbook.id):
            if step.action is None:
                continue
            where = runbook.body_line + step.line - 1
            try:
                step.request("scenario")
            except CommandError as exc:
                problems.append(ConfigProblem(name, where, f"step {step.number}",
                                              f"action {step.action!r}: {exc}"))
                continue
            for sid in runbook.meta.scenarios:
                if sid in scenarios and scenarios[sid].control is None:
                    problems.append(ConfigProblem(
                        name, where, f"step {step.number}",
                        f"runs {step.action.split()[0]} but scenario {sid!r} has no "
                        "control plane"))
        for n, line in enumerate(lines, 1):
            for target in _LINK.findall(line):
                if "/" not in target and not (runbook.path.parent / target).is_file():
                    problems.append(ConfigProblem(name, n, "link", f"no runbook {target}"))
    return problems


def _line(lines: list[str], prefix: str) -> int:
    return next((n + 1 for n, line in enumerate(lines) if line.startswith(prefix)), 1)
