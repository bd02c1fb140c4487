"""An incident as the commander runs it: severity, who holds which role, time since the last
status update, the scenario's owners and escalation path, and the timeline (alerts, actions,
runbook steps, notes, updates) read back every few seconds. ``[`` and ``]`` walk to older
and newer incidents; notes, updates, roles and resolving go through keys or command mode."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from aiops_tui.incidents.brief import UPDATE_DUE_S
from aiops_tui.incidents.record import DUTIES, Incident
from aiops_tui.incidents.timeline import Line, lines, span
from aiops_tui.ui.format import clean
from aiops_tui.ui.incident_follow import FollowsIncident
from aiops_tui.ui.runbook_lookup import RUNBOOK_BINDINGS, FollowsRunbooks
from aiops_tui.ui.topbar import TopBar

if TYPE_CHECKING:
    from aiops_tui.store.incident_log import Event



class IncidentScreen(FollowsRunbooks, FollowsIncident[list[Line]]):
    BINDINGS = [
        Binding("escape,i", "app.pop_screen", "Back", id="incident-back"),
        Binding("n", "note", "Note", id="incident-note"),
        Binding("u", "update", "Update", id="incident-update"),
        Binding("P", "app.present", "Present", id="incident-present"),
        *RUNBOOK_BINDINGS,
    ]

    def __init__(self, incident_id: str | None = None) -> None:
        super().__init__(incident_id)
        self._shown: list[Line] = []

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(id="incident-main"):
            yield Static(id="incident-head")
            table: DataTable[Text] = DataTable(id="timeline", cursor_type="row")
            yield table
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (("Time", 8), ("+", 8), ("Who", 10), ("What", 200)):
            table.add_column(label, width=width)
        table.focus()
        self.app.paint_topbar()  # type: ignore[attr-defined]
        self.follow()

    @property
    def acting_on(self) -> str | None:
        return self.incident.scenario if self.incident else None

    async def read_more(self, incident: Incident, events: list[Event]) -> list[Line]:
        audit = await asyncio.to_thread(
            self.app.source.audit_entries, incident.scenario)  # type: ignore[attr-defined]
        return lines(incident, events, [s.entry for s in audit], self.now())

    def unreadable(self, why: str) -> None:
        self.query_one("#incident-head", Static).update(
            Text(f"incident log unreadable: {clean(why)}", style="bold red"))

    def paint_none(self) -> None:
        self.query_one("#incident-head", Static).update(Text(
            "No incident yet. Declare one with I on an alert, or :incident SCENARIO "
            "[sev1|sev2|sev3] [title].", style="dim"))

    def paint_incident(self, incident: Incident, timeline: list[Line]) -> None:
        self.query_one("#incident-head", Static).update(self.head(incident))
        if timeline == self._shown:
            return
        self._shown = timeline
        table = self.query_one(DataTable)
        table.clear()
        for line in timeline:
            table.add_row(
                Text(dt.datetime.fromtimestamp(line.at, dt.UTC).strftime("%H:%M:%S")),
                Text(f"+{span(line.at - incident.declared_at)}", style="dim"),
                Text(clean(line.user), no_wrap=True, overflow="ellipsis"),
                Text(clean(line.what), style=_STYLE.get(line.kind, "")))
        table.move_cursor(row=table.row_count - 1)  # the newest, where the room is

    def head(self, incident: Incident) -> Text:
        now = self.now()
        head = Text()
        head.append(f" {incident.id} ", style="bold reverse")
        head.append(f" {incident.severity.upper()} ",
                    style="bold white on red" if incident.severity == "sev1" else "bold")
        head.append(f" {clean(incident.title)}", style="bold")
        if incident.drill:
            head.append(f"  DRILL {clean(incident.drill)}", style="bold black on yellow")
        head.append(f"\n{clean(incident.scenario)} · declared "
                    f"{dt.datetime.fromtimestamp(incident.declared_at, dt.UTC):%H:%M} by "
                    f"{clean(incident.declared_by)} · ")
        if incident.open:
            age = incident.since_update(now)
            head.append(f"last update {span(age)} ago",
                        style="bold red" if age > UPDATE_DUE_S else "")
        else:
            resolved = dt.datetime.fromtimestamp(incident.resolved_at or now, dt.UTC)
            head.append(f"resolved {resolved:%H:%M}", style="green")
        roles = " · ".join(f"{duty} {clean(incident.roles.get(duty, '—'))}" for duty in DUTIES)
        head.append(f"\n{roles}", style="dim")
        try:
            owners = self.app.source.config.scenario(incident.scenario).owners  # type: ignore[attr-defined]
        except KeyError:
            return head
        named = ", ".join(f"{k} {v}" for k, v in owners.named().items())
        head.append(f"\nowners {clean(named or '—')}", style="dim")
        if owners.escalation:
            head.append(f" · escalation {clean(' → '.join(owners.escalation))}", style="dim")
        return head

    # -- keys ----------------------------------------------------------------------------
    def show_incident(self, incident_id: str) -> None:
        self._shown = []
        super().show_incident(incident_id)

    def action_note(self) -> None:
        self._ask("Note", "what happened, what you saw", "note")

    def action_update(self) -> None:
        self._ask("Status update", "condition / actions / needs", "update")

    def _ask(self, title: str, placeholder: str, verb: str) -> None:
        from aiops_tui.ui.action_screens import AskScreen

        if self.incident is None:
            return
        incident = self.incident.id

        def send(text: str | None) -> None:
            if text:
                self.app.run_command(f"{verb} {incident} {text}")  # type: ignore[attr-defined]

        self.app.push_screen(AskScreen(f"{title} on {incident}", placeholder,
                                       lambda t: None if t.strip() else "write something"),
                             send)


_STYLE = {"alert": "yellow", "action": "bold", "declared": "bold", "resolved": "green",
          "update": "cyan"}
