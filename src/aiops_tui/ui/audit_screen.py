"""``t``: the audit trail, newest first: every action's intent and result, refusals and state
reads, from whichever console or script did them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from aiops_tui.store.audit_chain import Sealed
from aiops_tui.ui import format as fmt
from aiops_tui.ui.topbar import TopBar

OUTCOME_STYLE = {"done": "green", "failed": "bold red", "unknown": "bold yellow",
                 "refused": "dim"}


def when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%m-%d %H:%M:%S")


def cells(s: Sealed) -> tuple[Text, ...]:
    """What an incident needs first comes first: at 80 columns the tail is cut."""
    e = s.entry
    outcome = e.outcome or e.phase  # an intent, or a state read
    return (Text(when(e.at)), fmt.literal(e.what), fmt.literal(e.scenario),
            Text(outcome, style=OUTCOME_STYLE.get(outcome, "dim")), fmt.literal(e.change),
            fmt.literal(f"{e.user}({e.role})"), Text(str(s.seq), style="dim"))


def detail(s: Sealed) -> Text:
    e = s.entry
    out = Text(no_wrap=False)
    out.append(fmt.clean(f"{e.phase} {e.action} {e.scenario}"), style="bold")
    if e.detail:
        out.append(f"\n{fmt.clean(e.detail)}")
    extra = [f"adapter {e.adapter}" if e.adapter else "", f"key {e.key[:12]}" if e.key else "",
             f"{e.duration_ms:.0f} ms" if e.duration_ms is not None else "",
             f"hash {s.hash[:12]}"]
    out.append("\n" + fmt.clean(" · ".join(x for x in extra if x)), style="dim")
    return out


class AuditScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,t", "app.pop_screen", "Back", id="audit-back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, scenario: str | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.entries: list[Sealed] = []

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical():
            yield Static(id="audit-title")
            yield DataTable(id="audit", cursor_type="row")
            yield Static(id="audit-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (("When (UTC)", 14), ("Action", 15), ("Scenario", 14),
                             ("Outcome", 7), ("Change", 30), ("Who", 16), ("#", 5)):
            table.add_column(label, width=width)
        table.focus()
        self.app.paint_topbar()  # type: ignore[attr-defined]
        self.reload()

    def show(self, _snapshot: object) -> None:
        self.reload()  # another console or `aiops-tui act` may have written

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def reload(self) -> None:
        from aiops_tui.store.audit import AuditError

        title = self.query_one("#audit-title", Static)
        try:
            entries = await asyncio.to_thread(self.app.source.audit_entries,  # type: ignore[attr-defined]
                                              self.scenario)
        except AuditError as exc:
            title.update(Text(f"the audit log cannot be read: {fmt.clean(str(exc))}",
                              style="bold red"))
            return
        newest = list(reversed(entries))
        of = f" of {fmt.clean(self.scenario)}" if self.scenario else ""
        title.update(Text(f"Audit trail{of} · {len(newest)} entries, newest first "
                          "(aiops-tui audit verify checks them)", style="bold"))
        if [s.seq for s in newest] == [s.seq for s in self.entries]:
            return
        self.entries = newest
        table = self.query_one(DataTable)
        table.clear()
        for s in newest:
            table.add_row(*cells(s), key=str(s.seq))
        self._paint_detail()

    def _paint_detail(self) -> None:
        table = self.query_one(DataTable)
        text = detail(self.entries[min(table.cursor_row, len(self.entries) - 1)]) \
            if self.entries else Text("nothing done yet", style="dim")
        self.query_one("#audit-detail", Static).update(text)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._paint_detail()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
