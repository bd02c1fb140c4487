"""Command-mode words for incident work (``:incident support-chat sev1 answers wrong``,
``:update INC-3 degraded / rolled back the prompt / nothing``). Pure; which incident an
unnamed command means is the console's to decide (the one on screen, or the selected
scenario's)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiops_tui.actions.command_line import CommandError
from aiops_tui.incidents.record import DUTIES, SEVERITIES

USAGE = {
    "incident": "incident SCENARIO [sev1|sev2|sev3] [TITLE]",
    "incidents": "incidents",
    "note": "note [INC-N] TEXT",
    "update": "update [INC-N] CONDITION / ACTIONS / NEEDS",
    "role": "role [INC-N] commander|operations|communications|scribe USER",
    "severity": "severity [INC-N] sev1|sev2|sev3",
    "resolve": "resolve [INC-N] [SUMMARY]",
}
_ID = re.compile(r"^INC-\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class IncidentCommand:
    verb: str
    incident: str | None = None  # None: the one the console has in view
    scenario: str | None = None
    severity: str | None = None
    text: str = ""
    duty: str | None = None
    assignee: str | None = None
    parts: tuple[str, str, str] = ("", "", "")  # condition, actions, needs


def parse(line: str) -> IncidentCommand | None:
    """The command, None if the line is not an incident command, ``CommandError`` if it is
    one with the wrong words."""
    words = line.strip().lstrip(":").split()
    if not words or words[0].lower() not in USAGE:
        return None
    verb, args = words[0].lower(), words[1:]
    usage = f"usage: {USAGE[verb]}"
    if verb == "incidents":
        return IncidentCommand(verb)
    if verb == "incident":
        if not args:
            raise CommandError(usage)
        severity = args[1].lower() if len(args) > 1 and args[1].lower() in SEVERITIES else None
        title = " ".join(args[2:] if severity else args[1:])
        return IncidentCommand(verb, scenario=args[0], severity=severity or "sev2", text=title)
    incident = args[0].upper() if args and _ID.match(args[0]) else None
    rest = args[1:] if incident else args
    match verb:
        case "note" if rest:
            return IncidentCommand(verb, incident, text=" ".join(rest))
        case "update" if rest:
            # " / " parts the three: "rolled back v2/v1" stays one
            parts = [p.strip() for p in re.split(r"\s+/\s+", " ".join(rest), maxsplit=2)]
            if not parts[0]:
                raise CommandError(usage)
            parts += [""] * (3 - len(parts))
            return IncidentCommand(verb, incident, parts=(parts[0], parts[1], parts[2]))
        case "role" if len(rest) == 2 and rest[0].lower() in DUTIES:
            return IncidentCommand(verb, incident, duty=rest[0].lower(), assignee=rest[1])
        case "severity" if len(rest) == 1 and rest[0].lower() in SEVERITIES:
            return IncidentCommand(verb, incident, severity=rest[0].lower())
        case "resolve":
            return IncidentCommand(verb, incident, text=" ".join(rest))
    raise CommandError(usage)
