"""A console served to a browser ends when nobody can see it any more.

``textual-serve`` starts one console process per browser tab. When the tab goes it sends the
console a quit and waits for it; it never kills. A console whose quit never arrives (its server
was killed, or the tab went while it was still starting) or that cannot finish quitting (a
thread stuck in I/O keeps the interpreter from exiting) would go on collecting, and burning a
core, for nobody. The guard is a daemon thread in the served console that ends it when:

- its server is gone: the parent PID changed (the server died and the console was re-parented)
  or its stdin, the server's end of the pipe, hung up;
- the app has stopped running but the process has not exited ``grace_s`` later.

In the first case it asks the app to exit (a SIGTERM to itself, which Textual's drivers turn
into an orderly quit), then ends the process ``grace_s`` later if the app has not. The
server's PID comes in ``SERVED_BY`` (set by ``aiops-tui serve``).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

SERVED_BY = "AIOPS_TUI_SERVED_BY"
EXIT_ORPHANED = 9  # the process was ended by the guard, not by the app


class Guarded(Protocol):
    @property
    def is_running(self) -> bool: ...


def served_by() -> int | None:
    """The serving process's PID when this console runs under ``aiops-tui serve``."""
    value = os.environ.get(SERVED_BY, "")
    return int(value) if value.isdigit() else None


def server_gone(parent: int) -> str | None:
    """Why this process has lost its server, or None while it has one."""
    if os.getppid() != parent:
        return f"server PID {parent} is gone"
    try:
        poller = select.poll()
        poller.register(sys.stdin.fileno(), 0)  # HUP and ERR are reported whatever is asked
        if poller.poll(0):
            return "the server closed the console's input"
    except (OSError, ValueError):
        return "the console's input is unusable"
    return None


def guard(app: Guarded, parent: int, grace_s: float = 5.0, every_s: float = 1.0,
          end: Callable[[int], None] = os._exit) -> threading.Thread:
    """Start the guard for ``app``, served by ``parent``; returns its (daemon) thread."""

    def watch() -> None:
        was_running = False
        try:
            while True:
                time.sleep(every_s)
                running = app.is_running
                was_running = was_running or running
                why = server_gone(parent)
                if why is not None:
                    say(f"aiops-tui: {why}: quitting")
                    if running:  # as a SIGTERM would: the app exits the way it always does
                        os.kill(os.getpid(), signal.SIGTERM)
                    break
                if was_running and not running:
                    break
            time.sleep(grace_s)
            say(f"aiops-tui: still running {grace_s:g}s after quitting: ending the process")
        finally:
            end(EXIT_ORPHANED)

    thread = threading.Thread(target=watch, name="aiops-session-guard", daemon=True)
    thread.start()
    return thread


def say(line: str) -> None:
    """To stderr, which may be a pipe to a server that is gone: never raises."""
    with contextlib.suppress(OSError):
        os.write(2, f"{line}\n".encode())
