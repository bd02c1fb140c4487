"""Numbers and states as short, literal ``rich.text.Text`` cells.

Every cell is built as ``Text`` (never a markup string), so a model name or label containing
``[red]`` or an escape sequence shows literally. State is carried by a symbol as well as a
colour, so it survives ``NO_COLOR``, monochrome terminals and screen-sharing compression.
"""

from __future__ import annotations

from rich.text import Text

from aiops_tui.safe_text import clean
from aiops_tui.signals.status import HARD_STATES, Health, ScenarioStatus
from aiops_tui.signals.units import DASH, count, duration, money, percent

__all__ = ["DASH", "clean", "count", "duration", "money", "percent"]  # for the screens

SYMBOL = {Health.OK: "●", Health.WARN: "▲", Health.CRIT: "✖", Health.UNKNOWN: "?"}
STYLE = {Health.OK: "green", Health.WARN: "yellow", Health.CRIT: "bold red",
         Health.UNKNOWN: "dim"}


def literal(text: str, style: str = "") -> Text:
    return Text(clean(text), style=style, no_wrap=True, overflow="ellipsis")


def graded(text: str, level: Health) -> Text:
    """A value with its state: a symbol in front when it needs attention, and a colour."""
    if level in (Health.WARN, Health.CRIT):
        return Text(f"{SYMBOL[level]} {text}", style=STYLE[level], no_wrap=True)
    return Text(text, no_wrap=True)


def health_cell(status: ScenarioStatus) -> Text:
    return Text(SYMBOL[status.health], style=STYLE[status.health])


def endpoints_up(status: ScenarioStatus) -> Text:
    """``2/2`` when every endpoint answers, else the count up with the worst state's symbol."""
    total = len(status.endpoints)
    up = sum(1 for e in status.endpoints if e.state == "up")
    if up == total:
        return Text(f"{up}/{total}", no_wrap=True)
    hard = any(e.state in HARD_STATES for e in status.endpoints)
    worst = Health.CRIT if hard else Health.WARN
    return Text(f"{SYMBOL[worst]}{up}/{total}", style=STYLE[worst], no_wrap=True)


def endpoints_cell(status: ScenarioStatus) -> Text:
    bad = [e for e in status.endpoints if e.state != "up"]
    if not bad:
        return Text(f"{len(status.endpoints)} up", style="green", no_wrap=True)
    worst = Health.CRIT if any(e.state in HARD_STATES for e in bad) else Health.WARN
    names = ", ".join(f"{e.name} {e.state}" for e in bad)
    return Text(f"{SYMBOL[worst]} {clean(names)}", style=STYLE[worst], no_wrap=True,
                overflow="ellipsis")
