"""Who may do what: pure, so every path (keys, command mode, palette, runbook steps, the CLI)
asks the same question and gets the same answer."""

from __future__ import annotations

import os
import pwd

from aiops_tui.actions.models import Kind
from aiops_tui.config.models import Access, Role

# Viewers and trainees watch, tick runbook steps and take notes; responders mitigate; the kill
# switch, which takes a feature away from every user, is the incident commander's.
ALLOWED: dict[Role, frozenset[Kind]] = {
    "viewer": frozenset(),
    "trainee": frozenset(),
    "responder": frozenset({Kind.ROLLBACK, Kind.ROUTE, Kind.RATE_LIMIT}),
    "commander": frozenset(Kind),
}


def os_user() -> str:
    """The account the console runs as (over SSH, the one logged in), from the password
    database rather than ``$USER``, which anyone can set."""
    return pwd.getpwuid(os.getuid()).pw_name


def role_of(user: str, access: Access) -> Role:
    return access.roles.get(user, access.default_role)


def refusal(kind: Kind, role: Role, read_only: bool) -> str | None:
    """Why ``role`` may not do ``kind`` now, or None if it may."""
    if read_only:
        return "the console is read-only: no action can be taken from it"
    if kind not in ALLOWED[role]:
        needs = min((r for r, kinds in ALLOWED.items() if kind in kinds),
                    key=list(ALLOWED).index)
        return f"a {role} cannot {kind}: it needs the {needs} role"
    return None
