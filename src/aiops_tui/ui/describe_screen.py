"""``d``: every number of a scenario with where it comes from (endpoints, metrics, window,
formula, PromQL) and, for a dash, why there is no number."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from aiops_tui.config.models import Scenario
from aiops_tui.signals.detail import Spend
from aiops_tui.signals.provenance import RECIPES, SPEND, Provenance, describe, describe_spend
from aiops_tui.signals.status import ScenarioStatus
from aiops_tui.signals.window import Window
from aiops_tui.ui import format as fmt


def _pct(value: float | None) -> str:
    return fmt.percent(value, 1)


FORMAT: dict[str, Callable[[float | None], str]] = {
    "error_rate": lambda v: fmt.percent(v, 2), "budget_fraction": _pct,
    "prefix_cache_hit_rate": _pct, "gpu_util": _pct, "gpu_memory": _pct, "kv_use": _pct,
    "eval_pass_rate": _pct, "cost_per_hour": fmt.money,
    "headroom": lambda v: fmt.DASH if v is None else f"+{v:.0%}",
    "gpu_power_w": lambda v: fmt.DASH if v is None else f"{v:.0f} W",
    "gpu_temp_c": lambda v: fmt.DASH if v is None else f"{v:.0f} °C",
}


def value_text(status: ScenarioStatus, field: str) -> str:
    value = getattr(status, field)
    if field in FORMAT:
        return FORMAT[field](value)
    return fmt.duration(value) if field.endswith("_s") else fmt.count(value)


def provenance_panel(p: Provenance, value: str) -> Group:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("value", fmt.literal(value))
    for i, source in enumerate(p.sources):
        table.add_row("from" if i == 0 else "", Text(fmt.clean(source), overflow="fold"))
    table.add_row("window", Text(p.window))
    table.add_row("formula", Text(p.formula))
    if p.promql:
        table.add_row("PromQL", Text(fmt.clean(p.promql), style="cyan", overflow="fold"))
    if p.why_missing:
        table.add_row("no value", Text(fmt.clean(p.why_missing), style="yellow"))
    return Group(Text(p.title, style="bold"), table)


class DescribeScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,d", "dismiss", "Close", id="close-describe"),
        Binding("j", "move(1)", "Next", id="describe-next", show=False),
        Binding("k", "move(-1)", "Previous", id="describe-previous", show=False),
    ]

    def __init__(self, scenario: Scenario, status: ScenarioStatus, source: str,
                 spend: Spend | None = None, field: str = "p95_s") -> None:
        super().__init__()
        self.scenario, self.status, self.source, self.spend = scenario, status, source, spend
        self.fields = list(RECIPES) + (list(SPEND) if spend else [])
        self.first = self.fields.index(field) if field in self.fields else 0
        self.current: Provenance | None = None  # what the right-hand pane shows

    def _describe(self, field: str) -> tuple[Provenance, str]:
        if field in SPEND and self.spend is not None:
            return (describe_spend(self.scenario, self.spend, field),
                    fmt.money(getattr(self.spend, field)))
        return (describe(self.scenario, self.status, field, self.source),
                value_text(self.status, field))

    def compose(self) -> ComposeResult:
        options = []
        for f in self.fields:
            p, value = self._describe(f)
            options.append(Option(Text.assemble(p.title, "  ", (value, "bold")), id=f))
        with Horizontal(id="describe-body"):
            yield OptionList(*options, id="describe-fields")
            with VerticalScroll(id="describe-detail"):
                yield Static(id="describe-text")

    def on_mount(self) -> None:
        fields = self.query_one(OptionList)
        fields.highlighted = self.first
        fields.focus()
        self._show(self.fields[self.first])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._show(event.option.id)

    def _show(self, field: str) -> None:
        p, value = self._describe(field)
        self.current = p
        window = Window(0.0, round(self.status.window_s)).label
        header = Text(f"{fmt.clean(self.scenario.id)} · window {window} · {self.source}",
                      style="dim")
        self.query_one("#describe-text", Static).update(
            Group(header, provenance_panel(p, value)))

    def action_move(self, by: int) -> None:
        fields = self.query_one(OptionList)
        fields.highlighted = ((fields.highlighted or 0) + by) % len(self.fields)
