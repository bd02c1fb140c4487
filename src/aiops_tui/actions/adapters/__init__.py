"""Control-plane adapters: each turns an action into its control plane's call and answers with
the state the scenario is left in. Their errors say what the operator needs to know next:
``Failed`` (the change was not made) or ``Unknown`` (it may have been: read the state)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiops_tui.actions.models import Request, State


@dataclass(frozen=True)
class Reply:
    state: State | None  # None: the control plane does not say how things stand
    said: str = ""  # its own words worth keeping (a command's exit code and output)


class Failed(Exception):
    """The control plane refused the change, or it never reached the control plane."""


class Unknown(Exception):
    """The request went out and no clear answer came back: the change may or may not have
    been made. The only safe next step is to read the state, never to send it again."""


class ControlPlane(Protocol):
    name: str
    timeout_s: float
    reads_state: bool  # False: it can change things but not say how they stand (commands)

    def unsupported(self, request: Request) -> str | None:
        """Why this control plane cannot make ``request`` at all (refused before anything is
        written or sent), or None."""
        ...

    async def state(self, scenario: str) -> State:
        """The scenario as the control plane has it now; raises ``Failed``."""
        ...

    async def act(self, request: Request, key: str) -> Reply:
        """Make the change; ``key`` lets the control plane drop a repeat. Raises ``Failed`` or
        ``Unknown``."""
        ...

    async def aclose(self) -> None:
        ...
