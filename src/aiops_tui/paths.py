"""Where files live: XDG state and config dirs, and the bundled demo config."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "aiops-tui"


def user_config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def bundled_config() -> Path:
    return Path(__file__).parent / "bundled" / "demo.yaml"


def audit_path(store: Path) -> Path:
    """The audit log beside its metrics store: ``demo.duckdb`` → ``demo.audit.duckdb``."""
    return store.with_name(f"{store.stem}.audit.duckdb")


def incidents_path(store: Path) -> Path:
    """Incident records beside their metrics store: ``demo.incidents.duckdb``."""
    return store.with_name(f"{store.stem}.incidents.duckdb")
