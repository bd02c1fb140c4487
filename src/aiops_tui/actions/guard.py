"""Whether a scenario may take another action now, read from its audit entries: pure.

The audit log is the one record every console and ``aiops-tui act`` share, so it is what says
an action is still in flight (an intent with no result yet) or ended in doubt (a result of
"unknown", or an intent whose result never came): then the state must be read before anything
else is sent. The check runs inside the audit write (``AuditLog.append``), so two processes
cannot both pass it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiops_tui.store.audit_chain import Entry

GRACE_S = 5.0  # beyond the adapter's timeout before a silent intent counts as in doubt


def clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S UTC")


def blocked(entries: Sequence[Entry], now: float, timeout_s: float) -> str | None:
    """Why no action may start now on the scenario of ``entries`` (oldest first), or None.

    Read newest first. Refusals sent nothing and settle nothing. An intent counts as
    answered only by a result with its key written after it. A state read (verify) settles
    a doubt, but not an intent still inside its time: that one may yet land."""
    answered: set[str] = set()
    verified = False
    for e in reversed(entries):
        if e.outcome == "refused":
            continue
        if e.phase == "verify":
            verified = True
        elif e.phase == "result":
            if e.outcome == "unknown" and not verified:
                return (f"the {e.action} by {e.user} at {clock(e.at)} ended unknown: read the "
                        f"state first (verify), never send it blind")
            if e.outcome != "unknown":
                return None  # settled; an action passed this guard after any older doubt
            answered.add(e.key)
        elif e.phase == "intent" and e.key not in answered:
            if now - e.at < timeout_s + GRACE_S:
                return f"a {e.action} by {e.user} is in flight since {clock(e.at)}"
            if not verified:
                return (f"the {e.action} by {e.user} at {clock(e.at)} never recorded a "
                        f"result: its outcome is unknown; read the state first (verify)")
            return None
        elif e.phase == "intent" and verified:
            return None  # its doubt was read
    return None
