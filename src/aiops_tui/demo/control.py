"""The demo fleet's control plane: what each scenario serves and how traffic reaches it.

Model, prompt and index versions each keep when they went live, so eval runs and manifests can
say what served at any moment. Drills that stage a bad deploy (``DEPLOYS``) put a version live
the way a silent provider update or a hasty prompt change would; a rollback takes it away.
Faults of the primary provider (``ROUTED_AROUND``) stop mattering once traffic takes the
fallback route. Actions reach this through the http contract served by ``fleet``.
"""

from __future__ import annotations

import bisect
from typing import Any

from aiops_tui.config.models import Scenario

DEPLOYS = {"eval-regression": ("model", "-rev2"), "token-runaway": ("prompt", "-verbose")}
ROUTED_AROUND = frozenset({"latency-spike", "error-burst", "endpoint-down", "eval-regression"})


class ControlError(ValueError):
    """A change the control plane will not make, and why (HTTP 409)."""


class Control:
    def __init__(self, scenario: Scenario, start: float) -> None:
        v = scenario.versions
        self.scenario = scenario
        # Per component: (went live at, version), in order.
        self.live: dict[str, list[tuple[float, str]]] = {
            c: [(start, version)] for c, version in
            (("model", v.model), ("prompt", v.prompt), ("index", v.index)) if version}
        self.good = {c: live[-1][1] for c, live in self.live.items()}  # last known good
        self.route = "primary"
        self.killed = False
        self.rate_limit_rps: float | None = None

    def serving(self, component: str, at: float) -> str | None:
        live = self.live.get(component)
        if not live:
            return None
        i = bisect.bisect_right([t for t, _ in live], at)
        return live[max(0, i - 1)][1]

    def changed_at(self, component: str) -> list[float]:
        """When a version of ``component`` went live after the first: a deploy pipeline
        reruns the evals then."""
        return [t for t, _ in self.live.get(component, [])[1:]]

    def deployed(self, drill: str) -> str | None:
        """The version a deploy drill puts live."""
        if drill not in DEPLOYS:
            return None
        component, suffix = DEPLOYS[drill]
        return f"{self.live[component][0][1]}{suffix}"

    def in_effect(self, drill: str, at: float) -> bool:
        """Whether a running drill still hurts: not rolled back, not routed around."""
        if drill in ROUTED_AROUND and self.route == "fallback":
            return False
        bad = self.deployed(drill)
        return bad is None or self.serving(DEPLOYS[drill][0], at) == bad

    # -- changes -----------------------------------------------------------------------------
    def _go_live(self, component: str, version: str, at: float) -> None:
        live = self.live[component]
        live.append((max(at, live[-1][0]), version))  # in order, whatever the caller's clock

    def deploy(self, drill: str, at: float) -> None:
        bad = self.deployed(drill)
        if bad is not None and self.serving(DEPLOYS[drill][0], at) != bad:
            self._go_live(DEPLOYS[drill][0], bad, at)

    def undeploy(self, drill: str, at: float) -> None:
        """A drill ends: its version, if still live, gives way to the last known good."""
        bad = self.deployed(drill)
        component = DEPLOYS[drill][0] if drill in DEPLOYS else None
        if component and self.serving(component, at) == bad:
            self._go_live(component, self.good[component], at)

    def rollback(self, component: str, to: str | None, at: float) -> None:
        if component not in self.live:
            raise ControlError(f"{self.scenario.id} has no {component}")
        target = to or self.good[component]
        seen = {v for _, v in self.live[component]}
        if target not in seen:
            raise ControlError(f"{component} {target!r} never served {self.scenario.id}; "
                               f"known: {', '.join(sorted(seen))}")
        if self.serving(component, at) == target:
            raise ControlError(f"{self.scenario.id} already serves {component} {target}")
        self._go_live(component, target, at)

    def set_route(self, to: str) -> None:
        if to not in ("primary", "fallback"):
            raise ControlError(f"route to {to!r}: primary or fallback")
        if to == "fallback" and self.scenario.route.fallback is None:
            raise ControlError(f"{self.scenario.id} has no fallback target")
        self.route = to

    def state(self, at: float) -> dict[str, Any]:
        """The http contract's state document."""
        versions = {}
        for component, live in self.live.items():
            history: list[str] = []
            for _, v in live:
                if v in history:
                    history.remove(v)
                history.append(v)
            versions[component] = {"current": self.serving(component, at),
                                    "last_known_good": self.good[component],
                                    "history": history}
        return {"scenario": self.scenario.id, "versions": versions, "route": self.route,
                "killed": self.killed, "rate_limit_rps": self.rate_limit_rps}
