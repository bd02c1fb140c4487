"""A runbook's checklist: every ``- [ ]`` item in its body is a step, numbered in order.

A step's commands (its fenced code blocks, else inline ``aiops-tui …``/``curl …`` spans) are
what an operator copies. A step bound to a console action says so with an inline span in
command-mode words, ``:rollback $S model``: ``$S`` is the scenario the runbook is followed
for, and the action runs through the action layer like any other (roles, confirmation,
audit). Pure: the console and ``aiops-tui check`` read steps the same way."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from aiops_tui.actions.command_line import CommandError, parse
from aiops_tui.actions.models import Request

_ITEM = re.compile(r"^- \[[ xX]\] (?P<text>.*)$")
_NUMBER = re.compile(r"^\d+\.\s+")
_SPAN = re.compile(r"`([^`\n]+)`")
_BOUND = re.compile(r"^:[a-z]")  # `:rollback $S model`, not a port such as `:18111`
_COMMANDS = ("aiops-tui ", "curl ", "kubectl ", "jq ")
SCENARIO = "$S"


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, in the runbook's order
    section: str  # the heading it sits under ("Mitigation (guarded)")
    title: str  # its first line, without the checkbox and number
    markdown: str  # the whole item, dedented
    commands: tuple[str, ...]
    action: str | None  # command-mode words with $S, e.g. "rollback $S model"
    line: int  # line in the body, 1-based

    def request(self, scenario: str) -> Request:
        """The bound action for ``scenario``; ``CommandError`` if the words do not parse."""
        if self.action is None:
            raise CommandError(f"step {self.number} runs no action")
        command = parse(self.action.replace(SCENARIO, scenario))
        if command.request is None:
            raise CommandError(f"step {self.number}: {command.verb} is not an action")
        return command.request


def steps(body: str) -> list[Step]:
    lines = body.splitlines()
    found: list[Step] = []
    section = ""
    fenced = False  # inside a code block outside any step: its lines are not markdown
    n = 0
    while n < len(lines):
        line = lines[n]
        if line.startswith("```"):
            fenced = not fenced
        if fenced or line.startswith("```"):
            n += 1
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        match = _ITEM.match(line)
        if match is None:
            n += 1
            continue
        end = n + 1  # the item runs on over indented lines (blank lines between them too)
        while end < len(lines) and (lines[end].startswith((" ", "\t")) or (
                not lines[end].strip() and end + 1 < len(lines)
                and lines[end + 1].startswith((" ", "\t")))):
            end += 1
        rest = textwrap.dedent("\n".join(lines[n + 1:end]))
        found.append(_step(len(found) + 1, section, match["text"], rest, n + 1))
        n = end
    return found


def _step(number: int, section: str, first: str, rest: str, line: int) -> Step:
    title = _NUMBER.sub("", first).strip()
    whole = f"{title}\n{rest}".strip()
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", rest, flags=re.MULTILINE | re.DOTALL)
    spans = _SPAN.findall(whole)
    actions = [s[1:].strip() for s in spans if _BOUND.match(s)]
    commands = [b.strip() for b in blocks if b.strip()] or \
        [s for s in spans if s.startswith(_COMMANDS)]
    return Step(number=number, section=section, title=title,
                markdown=whole, commands=tuple(commands),
                action=actions[0] if actions else None, line=line)
