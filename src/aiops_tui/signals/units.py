"""Numbers with units, short enough for a table cell and plain enough for a sentence."""

from __future__ import annotations

DASH = "—"  # a value that cannot be computed; the status says why


def duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def percent(value: float | None, digits: int = 0) -> str:
    return DASH if value is None else f"{value * 100:.{digits}f}%"


def count(value: float | None) -> str:
    if value is None:
        return DASH
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def money(value: float | None) -> str:
    return DASH if value is None else (f"{value:.2f}" if value < 100 else f"{value:.0f}")


def span(seconds: float) -> str:
    """A window's length: ``5m``, ``24h``, ``7d``, or ``97s`` where it is not whole (a window
    clamped to the history there is). Valid as a PromQL range too."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:.0f}s"
