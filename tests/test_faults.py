"""Misbehaving endpoints are marked with a reason while everything else keeps updating."""

from __future__ import annotations

import asyncio
import resource
from pathlib import Path

import pytest

from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Runtime


def endpoint(snapshot, scenario: str, name: str):
    status = next(s for s in snapshot.scenarios if s.id == scenario)
    return next(e for e in status.endpoints if e.name == name)


@pytest.mark.parametrize(("fault", "state", "reason"), [
    ("timeout", "down", "timed out after"),
    ("http-500", "down", "HTTP 500"),
    ("garbage", "bad payload", "no vllm metrics on the page"),
    ("huge", "bad payload", "exceeds the"),
    ("refuse-health", "down", "/health answered HTTP 503"),
])
def test_fault_is_marked_and_others_keep_updating(fleet: DemoFleet, tmp_path: Path, fault: str,
                                                  state: str, reason: str) -> None:
    config = fleet.config.model_copy(deep=True)
    runtime = Runtime(config, tmp_path / "s.duckdb")

    async def go():
        await runtime.cycle()
        fleet.inject("support-chat", "vllm-a", fault)
        await asyncio.sleep(1.1)
        snapshot = await runtime.cycle()
        await runtime.aclose()
        return snapshot

    snapshot = asyncio.run(go())
    bad = endpoint(snapshot, "support-chat", "vllm-a")
    assert bad.state == state and reason in bad.reason
    chat = next(s for s in snapshot.scenarios if s.id == "support-chat")
    assert chat.health == "crit" and any("vllm-a" in p for p in chat.problems)
    assert endpoint(snapshot, "support-chat", "gpu-a").state == "up"
    others = [s for s in snapshot.scenarios if s.id != "support-chat"]
    assert all(e.state == "up" for s in others for e in s.endpoints)
    assert all(s.tokens_in_per_min or s.latency_kind == "mean" for s in others)


def test_huge_page_does_not_balloon_memory(fleet: DemoFleet, tmp_path: Path) -> None:
    """A 50 MB answer is cut off at the page limit, so memory stays bounded."""
    fleet.inject("doc-search", "tgi-a", "huge")
    runtime = Runtime(fleet.config, tmp_path / "s.duckdb")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    async def go():
        for _ in range(3):
            snapshot = await runtime.cycle()
        await runtime.aclose()
        return snapshot

    snapshot = asyncio.run(go())
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert endpoint(snapshot, "doc-search", "tgi-a").state == "bad payload"
    assert grown_mib < 40, f"peak RSS grew {grown_mib:.0f} MiB for three 50 MB pages"
