"""The per-scenario verdict: which conditions warn, and which do not."""

from __future__ import annotations

from aiops_tui.signals.assess import assess
from aiops_tui.signals.window import Window, from_metrics
from aiops_tui.store.points import SeriesPoints

TS = [10.0, 20.0, 30.0]


def test_only_a_new_xid_warns(demo_config) -> None:
    """DCGM keeps the last XID until the exporter restarts: an old one must not warn for ever."""
    def gpu(values: list[float]) -> list[SeriesPoints]:
        return [SeriesPoints("s", "gpu-a", "gpu_last_xid", {"gpu": "h/0"}, TS, values),
                SeriesPoints("s", "gpu-a", "gpu_memory_free_bytes", {"gpu": "h/0"}, TS, [1] * 3)]

    scenario = demo_config.scenarios[0]
    old = assess(scenario, from_metrics({}, Window(0, 30)), gpu([43, 43, 43]), [], None, [],
                 Window(0, 30))
    assert old.gpu_last_xid == 43 and old.gpu_new_xid is None
    assert not any("XID" in p for p in old.problems)
    new = assess(scenario, from_metrics({}, Window(0, 30)), gpu([0, 0, 79]), [], None, [],
                 Window(0, 30))
    assert new.gpu_new_xid == 79 and any("XID 79" in p for p in new.problems)
    assert new.health == "warn"
