"""The one-line status bar: title, mode badges and how fresh the picture is."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TopBar(Static):
    """Re-rendered by the app every second. An unchanged line is not touched at all, and a
    changed one repaints the bar alone: its height never changes, so no layout pass (which
    would repaint the scrollbars below it too) is asked for."""

    _line: Text | None = None

    def show(self, text: Text) -> None:
        if text != self._line:
            self._line = text
            self.update(text, layout=False)
