"""``?``: every key the current screen and the app answer to, read from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def _key_label(binding: Binding) -> str:
    return {"slash": "/", "question_mark": "?", "escape": "esc", "enter": "enter"}.get(
        binding.key, binding.key)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close-help")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Binding id", style="dim")
        seen: set[str] = set()
        for source in (self.under, self.app):
            for binding in source.BINDINGS:  # type: ignore[attr-defined]
                if not isinstance(binding, Binding) or binding.action in seen:
                    continue
                seen.add(binding.action)
                table.add_row(Text(_key_label(binding)), Text(binding.description or
                              binding.action), Text(binding.id or ""))
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys (remap by binding id)", style="bold"))
            yield Static(table)
            yield Static(Text("esc closes", style="dim"))
