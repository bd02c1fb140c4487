"""Each scenario's control plane, as its config chooses."""

from __future__ import annotations

from aiops_tui.actions.adapters import ControlPlane
from aiops_tui.actions.adapters.command import CommandPlane
from aiops_tui.actions.adapters.http import HttpPlane
from aiops_tui.actions.adapters.litellm import LitellmPlane
from aiops_tui.config.models import CommandControl, Config, HttpControl, LitellmControl


def planes_for(config: Config) -> dict[str, ControlPlane]:
    """By scenario id; a scenario without ``control`` is watched, not acted on."""
    out: dict[str, ControlPlane] = {}
    for s in config.scenarios:
        if isinstance(s.control, HttpControl):
            out[s.id] = HttpPlane(s.control)
        elif isinstance(s.control, CommandControl):
            out[s.id] = CommandPlane(s.control)
        elif isinstance(s.control, LitellmControl):
            out[s.id] = LitellmPlane(s.control)
    return out
