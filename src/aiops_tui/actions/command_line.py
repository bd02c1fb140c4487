"""The console's command mode (``:rollback support-chat prompt``): a line of words into the
same ``Request`` the keys and ``aiops-tui act`` make. Pure; the words are never a shell's."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import ValidationError

from aiops_tui.actions.models import Kind, Request

USAGE = {
    "rollback": "rollback SCENARIO [model|prompt|index [VERSION]]",
    "route": "route SCENARIO [fallback|primary]",
    "kill": "kill SCENARIO [on|off]",
    "rate-limit": "rate-limit SCENARIO RPS|off",
    "verify": "verify SCENARIO",
    "audit": "audit [SCENARIO]",
    "open": "open SCENARIO",
}
ALIASES = {"rl": "rate-limit", "ratelimit": "rate-limit", "fallback": "route"}


class CommandError(ValueError):
    """The line is not a command; the message says what would be."""


@dataclass(frozen=True)
class Command:
    verb: str  # a key of USAGE
    scenario: str | None = None
    request: Request | None = None  # for the four actions


def parse(line: str) -> Command:
    words = line.strip().lstrip(":").split()
    if not words:
        raise CommandError("commands: " + "; ".join(USAGE.values()))
    verb = ALIASES.get(words[0].lower(), words[0].lower())
    if verb not in USAGE:
        raise CommandError(f"no command {words[0]!r}; commands: {', '.join(USAGE)}")
    args = words[1:]
    usage = f"usage: {USAGE[verb]}"
    if verb == "audit":
        if len(args) > 1:
            raise CommandError(usage)
        return Command(verb, args[0] if args else None)
    if not args:
        raise CommandError(usage)
    scenario, rest = args[0], args[1:]
    if verb in ("verify", "open"):
        if rest:
            raise CommandError(usage)
        return Command(verb, scenario)
    try:
        request = _request(verb, scenario, rest)
    except ValidationError:
        request = None
    if request is None:
        raise CommandError(usage)
    return Command(verb, scenario, request)


def _request(verb: str, scenario: str, rest: list[str]) -> Request | None:
    match verb, rest:
        case "rollback", []:  # which component is asked, as the key asks it
            return Request(kind=Kind.ROLLBACK, scenario=scenario)
        case "rollback", [("model" | "prompt" | "index") as component, *version] \
                if len(version) <= 1:
            return Request(kind=Kind.ROLLBACK, scenario=scenario, component=component,
                           to=version[0] if version else None)
        case "route", ([] | ["fallback" | "primary"]):
            return Request(kind=Kind.ROUTE, scenario=scenario, to=rest[0] if rest else None)
        case "kill", ([] | ["on" | "off"]):
            return Request(kind=Kind.KILL, scenario=scenario, to=rest[0] if rest else None)
        case "rate-limit", ["off"]:
            return Request(kind=Kind.RATE_LIMIT, scenario=scenario, to="off")
        case "rate-limit", [rps]:
            try:
                value = float(rps)
            except ValueError:
                return None
            return Request(kind=Kind.RATE_LIMIT, scenario=scenario, rps=value) \
                if math.isfinite(value) else None
    return None
