"""The live picture a writing console shares with followers, as an atomically replaced file.

DuckDB lets one process hold a store for writing and locks everyone else out, readers included.
So the writer publishes each cycle's ``FleetSnapshot`` next to the store; a second console or
``aiops-tui status`` on the same store reads it and shows exactly the same picture without
touching the database or slowing the writer down.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from aiops_tui.signals.status import FleetSnapshot


def snapshot_path(store: Path) -> Path:
    return store.with_name(store.name + ".live.json")


def publish(store: Path, snapshot: FleetSnapshot) -> None:
    target = snapshot_path(store)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(snapshot.model_dump_json())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(store: Path) -> FleetSnapshot | None:
    """The newest published snapshot, or None if there is none (yet) or it is unreadable."""
    try:
        return FleetSnapshot.model_validate_json(snapshot_path(store).read_bytes())
    except (OSError, ValidationError):
        return None
