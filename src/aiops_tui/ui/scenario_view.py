"""One scenario: every signal over a chosen window, charts, spend, versions, evals, builds."""

from __future__ import annotations

import asyncio

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from aiops_tui.config.models import Scenario
from aiops_tui.signals.detail import ScenarioDetail
from aiops_tui.signals.status import FleetSnapshot, ScenarioStatus
from aiops_tui.store.audit_chain import Sealed
from aiops_tui.ui import charts, scenario_panels
from aiops_tui.ui.acting import ACTION_BINDINGS, ActsOnScenario
from aiops_tui.ui.format import clean
from aiops_tui.ui.runbook_lookup import RUNBOOK_BINDINGS, FollowsRunbooks
from aiops_tui.ui.topbar import TopBar

WINDOWS = {"15m": 900.0, "1h": 3600.0, "6h": 6 * 3600.0, "24h": 86400.0, "7d": 7 * 86400.0}
WIDE = 110  # from this width the charts sit two by two


class ScenarioView(FollowsRunbooks, ActsOnScenario, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("d", "describe", "Describe", id="describe"),
        Binding("w", "next_window", "Window", id="next-window"),
        *(Binding(str(i), f"window('{label}')", label, id=f"window-{label}", show=False)
          for i, label in enumerate(WINDOWS, start=1)),
        Binding("j", "scroll_down", "Down", id="scroll-down", show=False),
        Binding("k", "scroll_up", "Up", id="scroll-up", show=False),
        *RUNBOOK_BINDINGS,
        *ACTION_BINDINGS,
    ]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.window = "15m"
        self.status: ScenarioStatus | None = None  # from the newest snapshot (fleet window)
        self.detail: ScenarioDetail | None = None  # over self.window, when the store answers
        self._detail_window = ""
        self._chart_key: tuple[object, ...] = ()
        self.acted: list[Sealed] = []  # this scenario's audit entries, oldest first

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(id="scenario-body"):
            yield Static(Text(f"Waiting for data on {clean(self.scenario.id)}…"), id="head")
            yield Static(id="signals")
            with Grid(id="charts"):
                for panel in charts.PANELS:
                    yield PlotextPlot(id=f"chart-{panel}")
            yield Static(id="history")
            yield Static(id="context")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#charts").display = False
        self.app.paint()  # type: ignore[attr-defined]
        self.app.paint_topbar()  # type: ignore[attr-defined]

    @property
    def acting_on(self) -> str:
        return self.scenario.id

    def on_screen_resume(self) -> None:
        self.app.paint()  # type: ignore[attr-defined]
        self.app.paint_topbar()  # type: ignore[attr-defined]

    def audit_changed(self) -> None:
        self.fetch()

    def on_resize(self) -> None:
        self.query_one("#charts", Grid).styles.grid_size_columns = 2 if self.size.width >= WIDE \
            else 1

    # -- data --------------------------------------------------------------------------------
    def show(self, snapshot: FleetSnapshot) -> None:
        self.status = next((s for s in snapshot.scenarios if s.id == self.scenario.id), None)
        self._paint()
        self.fetch()

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def fetch(self) -> None:
        """The window's picture from the store, in a thread (it runs SQL)."""
        from aiops_tui.store.audit import AuditError

        window = self.window
        source = self.app.source  # type: ignore[attr-defined]
        detail = await asyncio.to_thread(source.detail, self.scenario.id, WINDOWS[window])
        try:
            self.acted = await asyncio.to_thread(source.audit_entries, self.scenario.id)
        except AuditError:
            self.acted = []  # the audit view says why; the numbers matter more here
        if window == self.window:
            self.detail, self._detail_window = detail, window
        self._paint()

    # -- painting ----------------------------------------------------------------------------
    @property
    def shown(self) -> tuple[ScenarioStatus | None, str]:
        """The status to show (judged over the chosen window when the store has answered)."""
        if self.detail is not None and self._detail_window == self.window:
            return self.detail.status, self.detail.source
        return self.status, "raw samples, fleet window"

    def _paint(self) -> None:
        status, source = self.shown
        if status is None:
            return
        detail = self.detail if self._detail_window == self.window else None
        self.query_one("#head", Static).update(
            scenario_panels.head(status, self.window, list(WINDOWS)))
        self.query_one("#signals", Static).update(scenario_panels.signals(status, source))
        parts: list[object] = [Text("")]
        if detail is None:
            parts.append(Text(self._no_history_note(), style="dim"))
        else:
            parts += [scenario_panels.spend(detail), Text("")]
        parts += [scenario_panels.versions(status, self.scenario, detail), Text("")]
        if self.acted:
            parts += [scenario_panels.acted(self.acted), Text("")]
        if detail is not None:
            parts += [scenario_panels.ledger(detail), Text("")]
        parts.append(scenario_panels.evals(status, detail))
        if detail is not None and detail.builds:
            parts += [Text(""), scenario_panels.builds(detail)]
        self.query_one("#history", Static).update(Group(*parts))  # type: ignore[arg-type]
        self.query_one("#context", Static).update(
            Group(Text(""), scenario_panels.context(status, self.scenario)))
        self._draw_charts(detail)

    def _no_history_note(self) -> str:
        source = self.app.source  # type: ignore[attr-defined]
        if str(source.mode) == "follower":
            return (f"Charts, windows and history read the store, which {source.holder} "
                    "holds: open them in that console. Numbers here are its fleet window.")
        return "Reading history from the store…"

    def _draw_charts(self, detail: ScenarioDetail | None) -> None:
        grid = self.query_one("#charts", Grid)
        grid.display = detail is not None
        if detail is None:
            return
        key = (self.window, detail.status.at, tuple(detail.chart.at))
        if key == self._chart_key:
            return
        self._chart_key = key
        for panel in charts.PANELS:
            charts.draw(self.query_one(f"#chart-{panel}", PlotextPlot), panel, detail.chart,
                        detail.status.at)

    # -- keys --------------------------------------------------------------------------------
    def action_window(self, label: str) -> None:
        if label != self.window:
            self.window = label
            self._paint()
            self.fetch()

    def action_next_window(self) -> None:
        labels = list(WINDOWS)
        self.action_window(labels[(labels.index(self.window) + 1) % len(labels)])

    def action_describe(self) -> None:
        from aiops_tui.ui.describe_screen import DescribeScreen

        status, source = self.shown
        detail = self.detail if self._detail_window == self.window else None
        if status is not None:
            self.app.push_screen(DescribeScreen(self.scenario, status, source,
                                                detail.spend if detail else None))

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
