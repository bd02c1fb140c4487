"""The fleet view: one row per scenario, updated in place cell by cell."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from aiops_tui.signals.status import FleetSnapshot, Health, ScenarioStatus
from aiops_tui.ui import format as fmt
from aiops_tui.ui.acting import ACTION_BINDINGS, ActsOnScenario
from aiops_tui.ui.cell_table import CellTable
from aiops_tui.ui.runbook_lookup import RUNBOOK_BINDINGS, FollowsRunbooks
from aiops_tui.ui.topbar import TopBar


def _graded(s: ScenarioStatus, field: str, text: str) -> Text:
    return fmt.graded(text, s.levels.get(field, Health.OK))


def _p95(s: ScenarioStatus) -> Text:
    mark = "~" if s.latency_kind == "mean" else ""
    return _graded(s, "p95_s", f"{mark}{fmt.duration(s.p95_s)}/{fmt.duration(s.p95_slo_s)}")


def _errors(s: ScenarioStatus) -> Text:
    return _graded(s, "error_rate", fmt.percent(s.error_rate, 1))


def _tokens(s: ScenarioStatus) -> Text:
    return Text(fmt.count(s.tokens_per_min), no_wrap=True)


def _burn(s: ScenarioStatus) -> Text:
    if s.cost_per_hour is None:
        return Text(fmt.DASH, style="dim")
    return _graded(s, "budget_fraction",
                   f"{fmt.money(s.cost_per_hour)}/h {fmt.percent(s.budget_fraction)}")


def _eval(s: ScenarioStatus) -> Text:
    return _graded(s, "eval_pass_rate", fmt.percent(s.eval_pass_rate, 1))


def _index(s: ScenarioStatus) -> Text:
    if s.index_slo_s is None and s.index_age_s is None:
        return Text(fmt.DASH, style="dim")
    return _graded(s, "index_age_s",
                   f"{fmt.duration(s.index_age_s)}/{fmt.duration(s.index_slo_s)}")


def _gpu(s: ScenarioStatus) -> Text:
    return _graded(s, "gpu_memory", f"{fmt.percent(s.gpu_util)} {fmt.percent(s.gpu_memory)}")


def _kv(s: ScenarioStatus) -> Text:
    return _graded(s, "kv_use", fmt.percent(s.kv_use))


def _model(s: ScenarioStatus) -> Text:
    v = s.versions
    if v.served_model and v.served_model != v.model:
        return Text(f"▲ {fmt.clean(v.served_model)}≠cfg", style="yellow", no_wrap=True)
    return fmt.literal(v.model.rsplit("/", 1)[-1])


# (key, label, width, cell) — the order is the order on screen.
COLUMNS: list[tuple[str, str, int | None, Callable[[ScenarioStatus], Text]]] = [
    ("health", " ", 1, fmt.health_cell),
    ("scenario", "Scenario", 15, lambda s: fmt.literal(s.id)),
    ("up", "Up", 5, fmt.endpoints_up),
    ("p95", "p95/SLO", 13, _p95),
    ("err", "Err", 8, _errors),
    ("tok", "Tok/min", 7, _tokens),
    ("burn", "Cost/h·budget", 14, _burn),
    ("eval", "Eval", 8, _eval),
    ("index", "Index age", 11, _index),
    ("gpu", "GPU mem", 11, _gpu),
    ("kv", "KV", 6, _kv),
    ("endpoints", "Endpoints", 22, fmt.endpoints_cell),
    ("env", "Env", 10, lambda s: fmt.literal(s.environment)),
    ("route", "Route", 22, lambda s: fmt.literal(s.route)),
    ("model", "Model", 24, _model),
    ("prompt", "Prompt", 14, lambda s: fmt.literal(s.versions.prompt)),
    ("index_version", "Index version", 22, lambda s: fmt.literal(s.versions.index or fmt.DASH)),
]
ORDER = {Health.CRIT: 0, Health.WARN: 1, Health.UNKNOWN: 2, Health.OK: 3}


MAX_PROBLEM_LINES = 6


def problem_lines(order: list[ScenarioStatus]) -> Text:
    """What needs attention, worst scenario first: one line per problem, a few at most."""
    lines = [(s, p) for s in order if s.health in (Health.CRIT, Health.WARN) for p in s.problems]
    if not lines:
        return Text(f"{fmt.SYMBOL[Health.OK]} nothing needs attention", style="dim")
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (status, problem) in enumerate(lines[:MAX_PROBLEM_LINES]):
        if i:
            out.append("\n")
        out.append(f"{fmt.SYMBOL[status.health]} ", style=fmt.STYLE[status.health])
        out.append(f"{status.id:<15} ", style="bold")
        out.append(fmt.clean(problem))
    if len(lines) > MAX_PROBLEM_LINES:
        out.append(f"\n… {len(lines) - MAX_PROBLEM_LINES} more: enter on a scenario shows all",
                   style="dim")
    return out


class FleetView(FollowsRunbooks, ActsOnScenario, Screen[None]):
    """Scenarios as rows, worst first. Cells are diffed: an unchanged value writes nothing."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="open", show=True),
        Binding("d", "describe", "Describe", id="describe"),
        Binding("f", "filter", "Filter", id="filter", show=False),
        Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False),
        Binding("j", "cursor_down", "Down", id="down", show=False),
        Binding("k", "cursor_up", "Up", id="up", show=False),
        *RUNBOOK_BINDINGS,
        *ACTION_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._problems = Text()
        self._snapshot: FleetSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical():
            yield Input(placeholder="filter scenarios (esc clears)", id="filter")
            table = CellTable(id="fleet", cursor_type="row", zebra_stripes=False)
            table.fixed_columns = 2
            yield table
            yield Static(id="problems")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width, _ in COLUMNS:
            table.add_column(label, key=key, width=width)
        self.query_one("#filter", Input).display = False
        table.focus()

    def on_screen_resume(self) -> None:
        self.app.paint()  # type: ignore[attr-defined]
        self.app.paint_topbar()  # type: ignore[attr-defined]

    # -- data --------------------------------------------------------------------------------
    def show(self, snapshot: FleetSnapshot) -> None:
        self._snapshot = snapshot
        table = self.query_one(DataTable)
        # The cursor stays on its scenario, not its row number: removed rows and re-sorts
        # must never leave an action aimed at another scenario.
        keep = self.selected
        wanted = {s.id: s for s in snapshot.scenarios if self._matches(s)}
        with self.app.batch_update():
            for gone in [k for k in self._shown if k not in wanted]:
                table.remove_row(gone)
                del self._shown[gone]
            changes = {}
            in_view = table.in_view()
            for sid, status in wanted.items():
                if sid not in self._shown:
                    cells = tuple(cell(status) for _, _, _, cell in COLUMNS)
                    table.add_row(*cells, key=sid)
                    self._shown[sid] = cells
                elif sid in in_view:
                    table.undefer(sid)
                    changed = self._changed(sid, status)
                    if changed:
                        changes[sid] = changed
                else:  # out of view: made if it comes into view, from the newest status
                    table.defer(sid, lambda sid=sid, status=status: self._changed(sid, status))
            table.update_rows(changes)
            order = sorted(wanted.values(), key=lambda s: (ORDER[s.health], s.id))
            rank = {s.id: i for i, s in enumerate(order)}
            if [r.key.value for r in table.ordered_rows] != [s.id for s in order]:
                table.sort("scenario", key=lambda cell: rank.get(cell.plain, 0))
            if keep in wanted and self.selected != keep:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
            problems = problem_lines(order)
            if problems != self._problems:  # unchanged text writes nothing
                # A layout pass (which repaints the whole table) only when the panel's
                # height changes with it.
                lines = len(problems.plain.splitlines())
                grew = lines != len(self._problems.plain.splitlines())
                self._problems = problems
                self.query_one("#problems", Static).update(problems, layout=grew)

    def _changed(self, sid: str, status: ScenarioStatus) -> dict[str, Text]:
        """The row's cells for ``status`` that differ from those it shows, which it keeps."""
        cells = tuple(cell(status) for _, _, _, cell in COLUMNS)
        before = self._shown[sid]
        self._shown[sid] = cells
        return {key: new for (key, *_), old, new in zip(COLUMNS, before, cells, strict=True)
                if old != new}

    def _matches(self, status: ScenarioStatus) -> bool:
        needle = self.filter_text.lower()
        if not needle:
            return True
        invert = needle.startswith("!")
        needle = needle.lstrip("!")
        haystack = " ".join((status.id, status.name, status.environment, status.health,
                             status.versions.model, status.route)).lower()
        return (needle in haystack) != invert

    @property
    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @property
    def acting_on(self) -> str | None:
        return self.selected

    # -- actions -----------------------------------------------------------------------------
    def action_open(self) -> None:
        if self.selected:
            self.app.open_scenario(self.selected)  # type: ignore[attr-defined]

    def action_describe(self) -> None:
        if self.selected:
            self.app.describe_scenario(self.selected)  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_scenario(event.row_key.value)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        if self._snapshot:
            self.show(self._snapshot)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()
        if not event.value:
            event.input.display = False

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
