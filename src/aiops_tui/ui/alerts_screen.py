"""``a``: the alerts pane. Pages first, then tickets, then the weekly review; oldest first.

Acting on an alert takes a capital letter (``A`` ack, ``S`` silence, ``U`` unsilence), so a
key pressed twice to open the pane never acknowledges a page by accident; so do the actions on
its scenario (``R`` rollback, ``F`` fallback route, …), as in the fleet view. The runtime stores
who did what before the pane shows it done.
"""

from __future__ import annotations

import asyncio
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from aiops_tui.config.models import parse_duration
from aiops_tui.signals.status import AlertView, FleetSnapshot
from aiops_tui.ui import format as fmt
from aiops_tui.ui.acting import ACTION_BINDINGS, ActsOnScenario
from aiops_tui.ui.runbook_lookup import RUNBOOK_BINDINGS, FollowsRunbooks
from aiops_tui.ui.topbar import TopBar

TIER_STYLE = {"page": "bold red", "ticket": "yellow", "review": "cyan"}
STATE_MARK = {"firing": "✖ firing", "pending": "… pending", "resolved": "● resolved",
              "inactive": "? no data"}


def _age(since: float | None, now: float) -> str:
    if since is None:
        return fmt.DASH
    return "now" if now - since < 1 else fmt.duration(now - since)


def handling(a: AlertView, now: float) -> Text:
    """How the alert is being handled, or why it cannot be judged."""
    if a.unevaluable:
        return Text(fmt.clean(f"cannot evaluate: {a.unevaluable}"), style="yellow")
    parts = []
    if a.inhibited_by:
        parts.append(f"held back by {a.inhibited_by}")
    if a.acked_by:
        parts.append(f"acked by {a.acked_by} {_age(a.acked_at, now)} ago")
    if a.silenced_until:
        parts.append(f"silenced {fmt.duration(a.silenced_until - now)} more by {a.silenced_by}")
    return Text(fmt.clean(" · ".join(parts)), style="dim")


def tag(a: AlertView) -> Text:
    """The handling in a word, for the table; the detail line says it in full."""
    for flag, word, style in ((a.unevaluable, "no data", "yellow"),
                              (a.silenced_until, "silenced", "dim"),
                              (a.acked_by, "acked", "green"),
                              (a.inhibited_by, "held back", "dim")):
        if flag:
            return Text(word, style=style)
    return Text("")


def cells(a: AlertView, now: float) -> tuple[Text, ...]:
    return (Text(a.tier, style=TIER_STYLE.get(a.tier, "")),
            Text(STATE_MARK.get(a.state, a.state),
                 style="bold red" if a.state == "firing" else ""),
            fmt.literal(a.scenario), fmt.literal(a.rule), Text(_age(a.since, now)), tag(a))


def detail(a: AlertView, now: float) -> Text:
    """The selected alert in full: what, the reading, its handling, who owns it, the runbook."""
    out = Text(no_wrap=False)
    out.append(fmt.clean(a.summary), style="bold")
    if a.reading:
        out.append(f"\n{fmt.clean(a.reading)}")
    handled = handling(a, now)
    if handled:
        out.append("\n")
        out.append_text(handled)
    out.append(f"\nowner {fmt.clean(a.owner or fmt.DASH)}", style="dim")
    if a.escalation:
        out.append(f" · escalation {fmt.clean(' → '.join(a.escalation))}", style="dim")
    out.append(f" · runbook {fmt.clean(a.runbook or fmt.DASH)}", style="dim")
    if a.silence_reason:
        out.append(f"\nsilenced because: {fmt.clean(a.silence_reason)}", style="dim")
    return out


class SilenceScreen(ModalScreen[tuple[float, str] | None]):
    """How long and why; both required. Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-silence")]

    def __init__(self, alert: AlertView) -> None:
        super().__init__()
        self.alert = alert

    def compose(self) -> ComposeResult:
        with Vertical(id="silence-body"):
            yield Label(Text(f"Silence {fmt.clean(self.alert.rule)} on "
                             f"{fmt.clean(self.alert.scenario)}", style="bold"))
            yield Input(value="1h", placeholder="for how long (30m, 2h, 1d)", id="for")
            yield Input(placeholder="why (shown to whoever takes over)", id="why")
            yield Static(id="silence-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "for":
            self.query_one("#why", Input).focus()
            return
        error = self.query_one("#silence-error", Static)
        try:
            seconds = parse_duration(self.query_one("#for", Input).value)
        except ValueError as exc:
            error.update(Text(str(exc), style="red"))
            return
        reason = self.query_one("#why", Input).value.strip()
        if not reason:
            error.update(Text("say why: the next on-call will read it", style="red"))
            return
        self.dismiss((seconds, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AlertsScreen(FollowsRunbooks, ActsOnScenario, Screen[None]):
    BINDINGS = [
        Binding("escape,a", "app.pop_screen", "Back", id="alerts-back"),
        Binding("enter", "open", "Scenario", id="alert-open"),
        Binding("A", "handle('ack')", "Ack", id="alert-ack"),
        Binding("S", "silence", "Silence", id="alert-silence"),
        Binding("I", "declare", "Declare incident", id="alert-declare"),
        Binding("U", "handle('unsilence')", "Unsilence", id="alert-unsilence", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        *RUNBOOK_BINDINGS,
        *ACTION_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[AlertView] = []
        self.now = time.time()
        self._shown: list[tuple[Text, ...]] = []

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical():
            table: DataTable[Text] = DataTable(id="alerts", cursor_type="row")
            yield table
            yield Static(id="alert-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (("Tier", 6), ("State", 10), ("Scenario", 13), ("Rule", 23),
                             ("Age", 5), ("", 9)):
            table.add_column(label, width=width)
        table.focus()
        self.app.paint()  # type: ignore[attr-defined]
        self.app.paint_topbar()  # type: ignore[attr-defined]

    def show(self, snapshot: FleetSnapshot) -> None:
        self.paint_alerts(snapshot.alerts, snapshot.at)

    def paint_alerts(self, alerts: list[AlertView], now: float) -> None:
        table = self.query_one(DataTable)
        keep = self.selected
        self.now = now
        rows = [cells(a, now) for a in alerts]
        if rows != self._shown:
            self.alerts, self._shown = list(alerts), rows
            table.clear()
            for a, row in zip(alerts, rows, strict=True):
                table.add_row(*row, key=f"{a.scenario}/{a.rule}")
            if keep is not None:  # the same alert, else one of the same scenario
                index = next((i for i, a in enumerate(alerts)
                              if (a.scenario, a.rule) == (keep.scenario, keep.rule)), None)
                if index is None:
                    index = next((i for i, a in enumerate(alerts)
                                  if a.scenario == keep.scenario), 0)
                table.move_cursor(row=index)
        self._paint_detail()

    def _paint_detail(self) -> None:
        current = self.selected
        self.query_one("#alert-detail", Static).update(
            detail(current, self.now) if current else
            Text("no alerts: every rule holds", style="dim"))

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._paint_detail()

    @property
    def selected(self) -> AlertView | None:
        table = self.query_one(DataTable)
        if not self.alerts or not table.row_count:
            return None
        return self.alerts[min(table.cursor_row, len(self.alerts) - 1)]

    @property
    def acting_on(self) -> str | None:
        return self.selected.scenario if self.selected else None

    # -- actions -----------------------------------------------------------------------------
    def action_open(self) -> None:
        if self.selected:
            self.app.open_scenario(self.selected.scenario)  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def runbook_target(self) -> tuple[str, str] | None:
        """The selected alert's own runbook, else its scenario's."""
        alert = self.selected
        if alert is None:
            return None
        runbook = alert.runbook or self.runbook_for(alert.scenario)
        return (alert.scenario, runbook) if runbook else None

    def action_declare(self) -> None:
        """An incident on the alert's scenario, from the alert (``severity_for`` its tier).
        An incident already open there is shown."""
        alert = self.selected
        if alert is None:
            return
        self.run_worker(self._declare(alert), exit_on_error=False)

    async def _declare(self, alert: AlertView) -> None:
        from aiops_tui.incidents.record import severity_for
        from aiops_tui.incidents.service import IncidentError

        incidents = self.app.source.incidents  # type: ignore[attr-defined]
        try:
            incident = await asyncio.to_thread(
                incidents.declare, alert.scenario, severity_for(alert.tier),
                alert.summary, alert.rule)
        except IncidentError as exc:
            current = await asyncio.to_thread(incidents.open_for, alert.scenario)
            self.notify(str(exc), title="not declared", severity="warning", markup=False)
            if current is not None:
                self.app.action_incident(current.id)  # type: ignore[attr-defined]
            return
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="not declared; nothing "
                        "recorded", severity="error", markup=False)
            return
        self.notify(f"{incident.id} declared on {incident.scenario}, {incident.severity}; "
                    "you are its commander", markup=False)
        self.app.action_incident(incident.id)  # type: ignore[attr-defined]

    def action_silence(self) -> None:
        alert = self.selected
        if alert is None:
            return

        def done(answer: tuple[float, str] | None) -> None:
            if answer is not None:
                self.run_worker(self._handle(alert, "silence", *answer))

        self.app.push_screen(SilenceScreen(alert), done)

    def action_handle(self, action: str) -> None:
        if self.selected:
            self.run_worker(self._handle(self.selected, action))

    async def _handle(self, alert: AlertView, action: str, seconds: float = 0.0,
                      reason: str = "") -> None:
        from aiops_tui.alerts.book import AlertError

        source = self.app.source  # type: ignore[attr-defined]
        try:
            at, views = await asyncio.to_thread(source.handle_alert, action, alert.scenario,
                                            alert.rule, seconds, reason)
        except AlertError as exc:
            self.notify(str(exc), title=f"{action} not done", severity="error", markup=False)
            return
        except Exception as exc:  # the store failed: say so, the alert is unchanged
            self.notify(f"{type(exc).__name__}: {exc}", title=f"{action} failed; nothing "
                        "changed", severity="error", markup=False)
            return
        self.notify(f"{alert.rule} on {alert.scenario}: {action} done", markup=False)
        self.app.take_alerts(at, views)  # type: ignore[attr-defined]
        self.paint_alerts(views, at)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
