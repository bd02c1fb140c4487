"""A runbook, read beside the alert that named it. Markdown only: text from the file is never
taken as Rich or Textual markup, and control characters are dropped before rendering."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from aiops_tui.ui.format import clean


class RunbookScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,b", "dismiss", "Close", id="close-runbook")]

    def __init__(self, text: str) -> None:
        super().__init__()
        if text.startswith("---\n") and "\n---\n" in text[4:]:
            text = text[4:].split("\n---\n", 1)[1]  # front matter is for the console
        self.text = "\n".join(clean(line) for line in text.splitlines())

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="runbook-body"):
            yield Markdown(self.text)
