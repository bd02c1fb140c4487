"""What every screen about one incident shares: which incident it shows (the one asked for,
else the newest open one, else the newest), reading it back every few seconds off the event
loop, and ``[`` / ``]`` to walk to older and newer incidents."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.binding import Binding
from textual.screen import Screen

from aiops_tui.incidents.record import Incident

if TYPE_CHECKING:
    from aiops_tui.store.incident_log import Event

REFRESH_S = 2.0
Read = TypeVar("Read")


class FollowsIncident(Screen[None], Generic[Read]):
    BINDINGS = [
        Binding("left_square_bracket", "walk(1)", "Older", id="incident-older", show=False),
        Binding("right_square_bracket", "walk(-1)", "Newer", id="incident-newer",
                show=False),
    ]

    def __init__(self, incident_id: str | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.incident: Incident | None = None
        self._ids: list[str] = []

    def follow(self) -> None:
        """Start reading: the subclass calls this once it is mounted."""
        self.set_interval(REFRESH_S, self.reload)
        self.reload()

    def reload(self) -> None:
        self.run_worker(self._reload(), exclusive=True, group="incident-read")

    async def _reload(self) -> None:
        try:
            everything, log = await asyncio.to_thread(
                self.app.source.incidents.read)  # type: ignore[attr-defined]
            self._ids = [i.id for i in everything]
            chosen = next((i for i in everything if i.id == self.incident_id), None) or \
                next((i for i in everything if i.open), None) or \
                (everything[0] if everything else None)
            if chosen is not None:
                self.incident_id, self.incident = chosen.id, chosen
                read = await self.read_more(chosen, [e for e in log if e.incident == chosen.id])
        except Exception as exc:  # an unreadable log: say so, keep the last picture
            self.unreadable(f"{type(exc).__name__}: {exc}")
            return
        if chosen is None:
            self.paint_none()
        else:
            self.paint_incident(chosen, read)

    async def read_more(self, incident: Incident, events: list[Event]) -> Read:
        """Anything else the screen reads for the incident (off the loop), given its events."""
        raise NotImplementedError

    def paint_incident(self, incident: Incident, read: Read) -> None:
        raise NotImplementedError

    def paint_none(self) -> None:
        raise NotImplementedError

    def unreadable(self, why: str) -> None:
        raise NotImplementedError

    def now(self) -> float:
        """The runtime's clock, which stamped the incident's events."""
        return getattr(self.app.source, "clock", time.time)()  # type: ignore[attr-defined]

    def show_incident(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self.reload()

    def action_walk(self, step: int) -> None:
        if self.incident_id in self._ids:
            i = self._ids.index(self.incident_id) + step
            if 0 <= i < len(self._ids):
                self.show_incident(self._ids[i])
