"""Finding the runbook: ``b`` opens the one the selected scenario's alerts (or config) name
in a pane beside live data, ``/`` searches every runbook's title and body. Mixed into the
screens that have a scenario under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from aiops_tui.ui.format import clean
from aiops_tui.ui.runbook_pane import RunbookPane

if TYPE_CHECKING:
    from aiops_tui.runbooks.library import Library

RUNBOOK_BINDINGS = [
    Binding("b", "runbook", "Runbook", id="runbook"),
    Binding("slash", "search_runbooks", "Search runbooks", id="search-runbooks", show=False),
]
_TIER_ORDER = {"page": 0, "ticket": 1}


class FollowsRunbooks:
    app: App[None]

    @property
    def acting_on(self) -> str | None:
        raise NotImplementedError

    def runbook_for(self, scenario: str) -> str | None:
        """The selected scenario's most pressing runbook: its firing alerts' (pages first),
        then those its config names, then those that list it."""
        shown = self.app.shown  # type: ignore[attr-defined]
        firing = sorted((a for a in (shown.alerts if shown else [])
                         if a.scenario == scenario and a.state == "firing" and a.runbook),
                        key=lambda a: _TIER_ORDER.get(a.tier, 2))
        try:
            named = self.app.source.config.scenario(scenario).runbooks  # type: ignore[attr-defined]
        except KeyError:
            named = []
        found = self._library.for_scenario(scenario, named, [a.runbook for a in firing])
        return found[0].id if found else None

    @property
    def _library(self) -> Library:
        return self.app.source.library  # type: ignore[attr-defined]

    def runbook_target(self) -> tuple[str, str] | None:
        scenario = self.acting_on
        runbook = self.runbook_for(scenario) if scenario else None
        return (scenario, runbook) if scenario and runbook else None

    async def action_runbook(self) -> None:
        panes = self.query(RunbookPane)  # type: ignore[attr-defined]
        if panes:
            panes.first().action_close()
            return
        target = self.runbook_target()
        if target is None:
            self.app.notify("no runbook for this row: / searches them all", timeout=4,
                            severity="warning")
            return
        await self.show_runbook(*target)

    async def show_runbook(self, scenario: str, runbook_id: str) -> None:
        runbook = self._library.get(runbook_id)
        if runbook is None:
            self.app.notify(f"runbook {clean(runbook_id)} not found (aiops-tui check says "
                            "why)", severity="warning", markup=False)
            return
        await self.query(RunbookPane).remove()  # type: ignore[attr-defined]
        await self.mount(RunbookPane(scenario, runbook, self._library.steps(runbook_id)))  # type: ignore[attr-defined]

    def action_search_runbooks(self) -> None:
        async def chosen(runbook_id: str | None) -> None:
            runbook = self._library.get(runbook_id) if runbook_id else None
            if runbook is None:
                return
            # The row under the cursor if the runbook is for it, else the runbook's first.
            listed = runbook.meta.scenarios
            scenario = self.acting_on if self.acting_on and (
                not listed or self.acting_on in listed) else (listed[0] if listed else None)
            if scenario is None:
                self.app.notify("this runbook names no scenario: open it from a scenario's "
                                "row", severity="warning", timeout=5)
                return
            await self.show_runbook(scenario, runbook.id)

        self.app.push_screen(SearchScreen(self._library), chosen)


class SearchScreen(ModalScreen[str | None]):
    """Type words (typos forgiven); each result shows the runbook and its best-matching
    line. Enter opens the highlighted one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-search"),
                Binding("down", "results", "Results", show=False)]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library

    def compose(self) -> ComposeResult:
        with Vertical(id="search-body", classes="action-modal"):
            yield Label(Text("Search runbooks", style="bold"))
            yield Input(placeholder="words from a title or body, e.g. kv cache", id="query")
            yield OptionList(id="results")

    def on_mount(self) -> None:
        self._fill("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        for hit in self.library.search(query):
            line = Text(clean(hit.runbook.title), style="bold")
            line.append(f"  {clean(hit.runbook.id)}", style="dim")
            if hit.context:
                line.append(f"\n  {clean(hit.context)}", style="dim")
            results.add_option(Option(line, id=hit.runbook.id))
        if results.option_count:
            results.highlighted = 0

    def on_input_submitted(self, _: Input.Submitted) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None:
            self.dismiss(results.get_option_at_index(results.highlighted).id)

    def action_results(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
