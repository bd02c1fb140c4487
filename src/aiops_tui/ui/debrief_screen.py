"""A drill's debrief: how long the responder took to acknowledge, open the runbook, mitigate
and recover. The console watches the practice incident ``demo --drill`` declared and shows the
debrief once the drill's alert resolves after a mitigation, or the incident is resolved (the
ticket drills have no action that ends them); the numbers are the ones the postmortem
prints."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from aiops_tui.actions.models import Kind
from aiops_tui.incidents.record import Incident, fold
from aiops_tui.incidents.timeline import Debrief, debrief, span
from aiops_tui.ui.format import clean

if TYPE_CHECKING:
    from aiops_tui.ui.app import AiopsApp

REFRESH_S = 2.0


class DrillWatch:
    """Reads the drill's incident every few seconds until it is over, then debriefs once."""

    def __init__(self, app: AiopsApp, incident: Incident) -> None:
        self.app = app
        self.incident = incident
        self.checking = False
        self.timer = app.set_interval(REFRESH_S, self.check)
        barred = app.source.refusal(Kind.ROLLBACK)
        app.say(f"{incident.id} on {incident.scenario}: expect alert {incident.rule}. Work it "
                "as you would the real page: acknowledge it, open its runbook, mitigate. The "
                "debrief shows once it recovers, or when you resolve the incident."
                + (f" You cannot act here ({barred}): follow along." if barred else ""),
                title=f"Drill {incident.drill}", timeout=20)

    def check(self) -> None:
        """One read at a time: a slow one (another process holding the log) is not cut
        short by the next tick."""
        if not self.checking:
            self.checking = True
            self.app.run_worker(self._check(), group="drill", exit_on_error=False)

    async def _check(self) -> None:
        """An unreadable incident log is tried again next time: the drill goes on."""
        try:
            source = self.app.source
            events = await asyncio.to_thread(source.incidents.events, self.incident.id)
            incident = fold(events).get(self.incident.id)
            if incident is None:
                return
            try:
                audit = [s.entry for s in await asyncio.to_thread(source.audit_entries,
                                                                  incident.scenario)]
            except Exception:  # no mitigation known: a resolve still ends the drill
                audit = []
            result = debrief(incident, events, audit)
            # Never over a modal: a confirmation being sent dismisses whatever is on top.
            if (result.recovered is None and incident.open) or \
                    isinstance(self.app.screen, ModalScreen):
                return
            self.timer.stop()
            self.app.push_screen(DebriefScreen(incident, result))
        finally:
            self.checking = False


class DebriefScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="debrief-close")]

    def __init__(self, incident: Incident, result: Debrief) -> None:
        super().__init__()
        self.incident = incident
        self.result = result

    def compose(self) -> ComposeResult:
        with Vertical(id="debrief-body", classes="action-modal"):
            yield Static(self.body())

    def body(self) -> Group:
        i = self.incident
        head = Text.assemble((f"Drill debrief · {i.id}", "bold"),
                             f" · {clean(i.drill or '')} on {clean(i.scenario)}")
        table = Table.grid(padding=(0, 2))
        table.add_column()
        table.add_column(justify="right")
        for label, value in self.result.rows():
            table.add_row(label, Text(span(value), style="bold") if value is not None
                          else Text("not reached", style="yellow"))
        tail = Text(f"Times from the drill's start. Write it up: aiops-tui incident export "
                    f"{i.id}" + (f"; end it with :resolve {i.id}" if i.open else "")
                    + ". enter closes.", style="dim")
        return Group(head, Text(""), table, Text(""), tail)
