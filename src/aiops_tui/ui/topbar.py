"""The one-line status bar: title, mode badges and how fresh the picture is."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TopBar(Static):
    """Re-rendered by the app; identical text writes no bytes to the terminal."""

    def show(self, text: Text) -> None:
        self.update(text)
