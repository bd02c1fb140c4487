"""Untrusted text (endpoint answers, control planes' messages, runbooks, notes) made safe for a
terminal: control characters (ESC, BEL, CR...) become a visible mark, so no text can drive the
terminal it is printed on. The console's cells and the command line's output share it."""

from __future__ import annotations


def clean(text: str) -> str:
    if text.isprintable():  # nearly always: checked in C, not character by character
        return text
    return "".join(ch if ch.isprintable() else "�" for ch in text)
