"""Load YAML config into the pydantic models, reporting errors as ``file:line: field: message``.

YAML is composed once into a node tree (which keeps line marks) and then constructed, so every
validation error can be traced back to the line that caused it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from aiops_tui.config.models import Config
from aiops_tui.paths import bundled_config, user_config_dir

ENV_VAR = "AIOPS_TUI_CONFIG"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ConfigError(Exception):
    """One or more problems in a config file; ``str()`` lists them one per line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path:
    """``--config``, then ``$AIOPS_TUI_CONFIG``, then the user's config dir, then the demo."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    user = user_config_dir() / "config.yaml"
    return user if user.is_file() else bundled_config()


def load_config(path: str | os.PathLike[str] | None = None) -> tuple[Config, Path]:
    """Return the validated config and the file it came from, or raise ``ConfigError``."""
    source = resolve_path(path)
    name = str(source)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, 0, "-", f"cannot read: {exc.strerror}")]) from exc
    return parse_config(text, name), source


def parse_config(text: str, name: str = "<config>") -> Config:
    return parse_yaml(text, name, Config)


def parse_yaml(text: str, name: str, model: type[M]) -> M:
    """``text`` validated as ``model``, or ``ConfigError`` naming file, line and field."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(name, line, "-", f"YAML syntax: {problem}")]) from exc
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(name, 1, "-", "expected a mapping at the top level")])
    if dupes := list(_duplicate_keys(root, name)):
        raise ConfigError(dupes)  # YAML keeps the last silently: a pasted rule must not win
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            ConfigProblem(name, _line_of(root, err["loc"]), _field(err["loc"]), _message(err))
            for err in exc.errors()
        ]
        raise ConfigError(problems) from exc


def _duplicate_keys(node: yaml.Node | None, name: str, path: str = ""
                    ) -> Iterator[ConfigProblem]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            where = f"{path}.{key.value}" if path else str(key.value)
            if key.value in seen:
                yield ConfigProblem(name, key.start_mark.line + 1, where,
                                    "key given twice (the first would be ignored)")
            seen.add(key.value)
            yield from _duplicate_keys(value, name, where)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, name, f"{path}[{i}]")


def _field(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "-"


def _message(err: dict) -> str:  # type: ignore[type-arg]
    if err["type"] == "extra_forbidden":
        return "unknown key"
    return str(err["msg"]).removeprefix("Value error, ")


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """Deepest line reachable along ``loc``: the key for unknown keys, else the value."""
    line = node.start_mark.line + 1 if node is not None else 0
    for item in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == item), None)
            if match is None:
                break
            key, node = match
            line = key.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
                line = node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
            if item >= len(node.value):
                break
            node = node.value[item]
            line = node.start_mark.line + 1
        else:
            break
    return line
