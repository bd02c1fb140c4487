"""``?``: every key the current screen and the app answer to, read from the bindings themselves."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def _key_label(key: str) -> str:
    return {"slash": "/", "question_mark": "?", "escape": "esc"}.get(key, key)


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
        # What the screen underneath answers to right now: its own keys, the focused widget's
        # and the app's, straight from the bindings (so this list cannot drift from the code).
        active = self.under.active_bindings.items()
        ours_first = sorted(active, key=lambda item: item[1].binding.id is None)
        for key, entry in ours_first:
            binding = entry.binding
            if binding.description:
                table.add_row(Text(_key_label(key)), Text(binding.description),
                              Text(binding.id or ""))
        with VerticalScroll(id="help-body"):
            yield Static(Text("Keys (remap by binding id)", style="bold"))
            yield Static(table)
            yield Static(Text("esc closes", style="dim"))
