"""One runbook file: front matter the console reads (validated, with file and line on error)
and a markdown body shown as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiops_tui.config.loader import ConfigError, ConfigProblem, parse_yaml

RUNBOOK_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"
FENCE = "---"


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RUNBOOK_ID)
    title: str = Field(min_length=1)
    scenarios: list[str] = Field(default_factory=list)
    alerts: list[str] = Field(default_factory=list)
    severity: Literal["page", "ticket", "review"]
    owner: str = Field(min_length=1)
    last_tested: dt.date


class Runbook(BaseModel):
    model_config = ConfigDict(frozen=True)

    meta: FrontMatter
    path: Path
    body: str  # the markdown after the front matter
    body_line: int  # the file's line number of the body's first line

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title


def parse_runbook(text: str, path: Path) -> Runbook:
    """``text`` as a runbook, or ``ConfigError`` naming the file, line and field. The file's
    name must be its id: alerts and scenarios name runbooks by id, and the id finds the file."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise ConfigError([ConfigProblem(str(path), 1, "-", "no front matter: the file must "
                                         "start with a '---' line")])
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == FENCE), None)
    if end is None:
        raise ConfigError([ConfigProblem(str(path), 1, "-",
                                         "front matter is never closed by a '---' line")])
    try:
        meta = parse_yaml("\n".join(lines[1:end]), str(path), FrontMatter)
    except ConfigError as exc:  # lines counted from the front matter: shift past the fence
        raise ConfigError([ConfigProblem(p.file, p.line + 1 if p.line else 1, p.field,
                                         p.message) for p in exc.problems]) from None
    if meta.id != path.stem:
        raise ConfigError([ConfigProblem(str(path), _line_of_key(lines, "id"), "id",
                                         f"{meta.id!r} differs from the file name "
                                         f"{path.stem!r}")])
    return Runbook(meta=meta, path=path, body="\n".join(lines[end + 1:]), body_line=end + 2)


def _line_of_key(lines: list[str], key: str) -> int:
    return next((n + 1 for n, line in enumerate(lines) if line.startswith(f"{key}:")), 1)
