"""Drills: incidents the demo fleet can stage on one scenario, for practice and for tests.

Each drill changes what the simulated engines do (not what the console computes), so the
console sees it the way it would see the real thing: through scrapes, eval runs and index
manifests. ``alert`` is the shipped rule each drill is meant to fire; ``scenario`` the bundled
demo scenario it is staged on unless another is named.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drill:
    name: str
    alert: str
    tier: str
    scenario: str
    what: str


DRILLS = {d.name: d for d in (
    Drill("latency-spike", "p95-over-baseline", "page", "support-chat",
          "end-to-end latency and time to first token four times slower"),
    Drill("error-burst", "error-rate-high", "page", "code-review", "half of all requests fail"),
    Drill("eval-regression", "eval-pass-rate-low", "page", "claims-triage",
          "a silent provider update: the endpoint serves a new model revision and the next "
          "eval runs pass about 70%"),
    Drill("stale-index", "index-stale", "ticket", "doc-search",
          "the index stops rebuilding: the serving build is older than its freshness SLO"),
    Drill("token-runaway", "daily-cost-over-baseline", "page", "doc-search",
          "answers run eight times longer and prompts grow threefold: token burn and cost soar"),
    Drill("gpu-memory-pressure", "gpu-memory-pressure", "ticket", "code-review",
          "KV cache and GPU framebuffer fill to 99%"),
    Drill("endpoint-down", "endpoint-down", "page", "code-review",
          "the scenario's model endpoints answer HTTP 500"),
    Drill("output-shift", "output-shift", "ticket", "support-chat",
          "answers drift to other output categories than last week's"),
)}


class DrillLog:
    """Which drills ran when on one scenario: ``(name, start, end or None)``, in order."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, float, float | None]] = []

    def start(self, name: str, at: float) -> bool:
        """Start ``name``; False if it is already running (a second start changes nothing)."""
        if name not in DRILLS:
            raise ValueError(f"unknown drill {name!r}; known: {', '.join(DRILLS)}")
        if self.active(name, at):
            return False
        self.runs.append((name, at, None))
        return True

    def clear(self, name: str | None, at: float) -> list[str]:
        """End ``name`` (or every running drill); returns what was ended."""
        ended = []
        for i, (n, start, end) in enumerate(self.runs):
            if end is None and name in (None, n):
                self.runs[i] = (n, start, at)
                ended.append(n)
        return ended

    def active(self, name: str, at: float) -> bool:
        return any(n == name and start <= at and (end is None or at < end)
                   for n, start, end in self.runs)

    def running(self, at: float) -> list[str]:
        return [n for n, start, end in self.runs if end is None and start <= at]

    def marks(self, name: str) -> list[float]:
        """When ``name`` started and ended: moments a scheduled job (an eval run) reruns."""
        return sorted(t for n, start, end in self.runs if n == name
                      for t in (start, end) if t is not None)
