"""The console driven by keys, over a live demo fleet or a recorded snapshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable

from aiops_tui.actions.models import Kind
from aiops_tui.actions.policy import refusal
from aiops_tui.alerts.rules import load_alerting
from aiops_tui.config import load_config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.runtime import Runtime
from aiops_tui.signals.detail import ScenarioDetail
from aiops_tui.signals.status import FleetSnapshot
from aiops_tui.store.db import open_writer
from aiops_tui.ui.app import AiopsApp
from aiops_tui.ui.describe_screen import DescribeScreen
from aiops_tui.ui.help_screen import HelpScreen
from aiops_tui.ui.scenario_view import ScenarioView
from tests.conftest import DEMO_CONFIG, ROOT, relaxed
from tests.test_collect_integration import SteppedClock, cycles


async def wait_for(pilot, condition, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await pilot.pause(0.05)


def cell(app: AiopsApp, row: str, column: str) -> str:
    return app.screen.query_one(DataTable).get_cell(row, column).plain


async def test_fleet_view_keys_over_the_live_fleet(fleet: DemoFleet, tmp_path: Path) -> None:
    from aiops_tui.ui.runbook_pane import RunbookPane

    config = relaxed(fleet.config, interval_s=0.5)
    app = AiopsApp(Runtime(config, tmp_path / "s.duckdb", runbooks=ROOT / "runbooks"),
                   label="test")
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        first = app.snapshot
        await wait_for(pilot, lambda: app.snapshot is not first and
                       cell(app, "support-chat", "tok") != "—" and
                       cell(app, "claims-triage", "p95") != "—/800ms")
        assert "/" in cell(app, "support-chat", "p95")
        assert cell(app, "claims-triage", "p95").lstrip("▲✖ ").startswith("~")  # Triton: mean
        assert cell(app, "support-chat", "endpoints") == "5 up"
        assert cell(app, "support-chat", "up") == "5/5"

        await pilot.press("f", *"doc", "enter")
        assert [r.key.value for r in table.ordered_rows] == ["doc-search"]
        await pilot.press("f", "escape")
        assert table.row_count == 4
        await pilot.press("slash", *"kv cahce", "enter")  # runbook search, typo and all
        pane = app.screen.query_one(RunbookPane)
        assert pane.runbook.id == "gpu-memory-pressure"
        await pilot.press("slash", *"stale index", "enter")  # another, over the open pane
        await pilot.pause()
        (pane,) = app.screen.query(RunbookPane)
        assert pane.runbook.id == "stale-index" and pane.scenario == "doc-search"
        await pilot.press("escape")  # closes the pane, back on the table
        assert not app.screen.query(RunbookPane) and app.focused is table

        await pilot.press("p")
        assert "PAUSED" in app.status_line().plain
        painted = app.snapshot
        await wait_for(pilot, lambda: app.snapshot is not painted)
        await pilot.press("p")
        assert "PAUSED" not in app.status_line().plain

        table.move_cursor(row=table.get_row_index("support-chat"))
        await pilot.press("enter")
        assert isinstance(app.screen, ScenarioView)
        await wait_for(pilot, lambda: "Support&#160;chat&#160;assistant" in app.export_screenshot())
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")


async def test_alerts_pane_keys_ack_silence_open_and_runbook(fleet: DemoFleet,
                                                             tmp_path: Path) -> None:
    from aiops_tui.ui.alerts_screen import AlertsScreen, SilenceScreen
    from aiops_tui.ui.runbook_pane import RunbookPane

    config = relaxed(fleet.config, interval_s=0.5)
    rules = load_alerting(*load_config(DEMO_CONFIG))
    fleet.drill("POST", "doc-search", "stale-index")  # index-stale fires on the first cycle
    store = tmp_path / "s.duckdb"
    runtime = Runtime(config, store, rules=rules, runbooks=ROOT / "runbooks")
    app = AiopsApp(runtime, label="test")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None and any(
            a.rule == "index-stale" and a.state == "firing" for a in app.snapshot.alerts))
        assert "1 ticket" in app.status_line().plain  # the badge, from every screen
        await pilot.press("a")
        pane = app.screen
        assert isinstance(pane, AlertsScreen)
        await wait_for(pilot, lambda: any(a.rule == "index-stale" for a in pane.alerts))
        table = pane.query_one(DataTable)
        table.move_cursor(row=next(i for i, a in enumerate(pane.alerts)
                                   if a.rule == "index-stale"))
        await pilot.press("a")  # the key that opened the pane closes it: it never acks
        assert not isinstance(app.screen, AlertsScreen)
        await pilot.press("a")
        pane = app.screen
        await wait_for(pilot, lambda: pane.selected is not None)
        table = pane.query_one(DataTable)
        table.move_cursor(row=next(i for i, a in enumerate(pane.alerts)
                                   if a.rule == "index-stale"))
        await pilot.pause()
        await pilot.press("A")
        await wait_for(pilot, lambda: pane.selected.acked_by == runtime.user)
        await pilot.press("S")
        assert isinstance(app.screen, SilenceScreen)
        await pilot.press("enter", *"reindex running", "enter")  # 1h, the default
        await wait_for(pilot, lambda: pane.selected.silenced_by == runtime.user)
        assert "1 ticket" not in app.status_line().plain  # silenced: out of the badge
        await pilot.press("b")  # the alert's runbook, in a pane beside the alerts
        pane = app.screen.query_one(RunbookPane)
        assert pane.runbook.id == "stale-index" and pane.scenario == "doc-search"
        assert "Symptom check" in pane.runbook.body and pane.steps
        await pilot.press("escape", "enter")  # the pane closes, then the alert's scenario
        assert isinstance(app.screen, ScenarioView) and app.screen.scenario.id == "doc-search"
        await pilot.press("escape", "escape", "q")
    db = open_writer(store)
    try:
        done = [(e.rule, e.event, e.who) for e in db.alert_events() if e.who]
    finally:
        db.close()
    assert done == [("index-stale", "acked", runtime.user),
                    ("index-stale", "silenced", runtime.user)]


async def test_down_endpoint_is_marked_while_other_rows_update(fleet: DemoFleet,
                                                               tmp_path: Path) -> None:
    config = relaxed(fleet.config, interval_s=0.5)
    app = AiopsApp(Runtime(config, tmp_path / "s.duckdb"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        fleet.inject("doc-search", "tgi-a", "http-500")
        await wait_for(pilot, lambda: "tgi-a down" in cell(app, "doc-search", "endpoints"))
        assert cell(app, "doc-search", "health") == "✖"
        before = app.snapshot
        await wait_for(pilot, lambda: app.snapshot is not before)
        assert cell(app, "support-chat", "endpoints") == "5 up"
        assert cell(app, "support-chat", "up") == "5/5"
        assert app.snapshot.at > before.at


class Replay:
    """A recorded snapshot played back: deterministic screens for snapshot tests."""

    def __init__(self, config, snapshot: FleetSnapshot,
                 details: dict[tuple[str, float], ScenarioDetail]) -> None:
        self.config, self.snapshot, self.details = config, snapshot, details
        self.mode, self.holder, self.interval = "writer", "PID 1", 3600.0
        self.role, self.read_only = "responder", False

    def refusal(self, kind: Kind) -> str | None:
        return refusal(kind, self.role, self.read_only)  # type: ignore[arg-type]

    def audit_entries(self, scenario: str | None = None) -> list:
        return []

    def detail(self, scenario_id: str, window_s: float) -> ScenarioDetail | None:
        return self.details.get((scenario_id, window_s))

    def age(self, snapshot: FleetSnapshot) -> float:
        return 4.0

    def is_stale(self, snapshot: FleetSnapshot) -> bool:
        return False

    async def cycle(self) -> FleetSnapshot:
        return self.snapshot

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def recorded(demo_config, tmp_path: Path):
    """Six cycles of the seeded demo fleet on a stepped clock: the same numbers every run."""
    data = relaxed(demo_config).model_dump(mode="json")
    data["scenarios"][3]["versions"]["model"] = "[bold red]evil[blink]\x1b[2J"  # hostile text
    config = type(demo_config).model_validate(data)
    clock = SteppedClock()
    fleet = DemoFleet(config, seed=3, clock=clock)
    live = fleet.start(ephemeral=True)
    fleet.inject("doc-search", "tgi-a", "http-500")
    rules = load_alerting(*load_config(DEMO_CONFIG))
    runtime = Runtime(live, tmp_path / "s.duckdb", clock=clock, rules=rules)
    try:
        await cycles(runtime, clock, n=5, step=15)
        fleet.inject("doc-search", "tgi-a", None)
        fleet.inject("support-chat", "vllm-a", "garbage")
        snapshot = await cycles(runtime, clock, n=1, step=15)
        details = {(sid, window): runtime.detail(sid, window)
                   for sid in ("support-chat", "code-review") for window in (900.0, 3600.0)}
        await runtime.aclose()
    finally:
        fleet.stop()

    def steady(status):  # scrape latencies vary run to run; the screens must not
        return status.model_copy(update={"endpoints": [
            e.model_copy(update={"latency_ms": 1.0}) for e in status.endpoints]})

    snapshot = snapshot.model_copy(update={"cycle_ms": 0.0, "scenarios": [
        steady(s) for s in snapshot.scenarios]})
    details = {key: d.model_copy(update={"status": steady(d.status)})
               for key, d in details.items()}
    return Replay(live, snapshot, details)


async def test_markup_and_escapes_in_untrusted_text_render_literally(recorded) -> None:
    app = AiopsApp(recorded)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        model = cell(app, "code-review", "model")
        assert model == "[bold red]evil[blink]�[2J"
        app.open_scenario("code-review")
        await wait_for(pilot, lambda: app.screen.detail is not None)
        found = False
        for _ in range(12):  # page down through the view: the versions sit below the charts
            svg = app.export_screenshot()
            assert "\x1b" not in svg
            found = found or "evil[blink]" in svg
            await pilot.press("pagedown")
            await pilot.pause()
        assert found


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_fleet_view_snapshot(snap_compare, recorded, size) -> None:
    async def settle(pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.snapshot is not None)
        await pilot.pause()

    assert snap_compare(AiopsApp(recorded, label="demo fleet"), terminal_size=size,
                        run_before=settle)


async def test_window_keys_and_describe_in_the_scenario_view(recorded) -> None:
    app = AiopsApp(recorded)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        app.open_scenario("support-chat")
        view = app.screen
        assert isinstance(view, ScenarioView)
        await wait_for(pilot, lambda: view.detail is not None)
        assert view.shown[0].window_s < 900  # 15m, clamped to the history recorded
        await pilot.press("2")
        await wait_for(pilot, lambda: view._detail_window == "1h")
        assert view.shown[1] == "minute rollups"
        await pilot.press("3")  # 6h: the source has no detail for it, so the fleet window
        await wait_for(pilot, lambda: view._detail_window == "6h")
        assert view.detail is None and view.shown[1] == "raw samples, fleet window"
        await pilot.press("w", "w", "w")  # 24h, 7d, then round to 15m again
        await wait_for(pilot, lambda: view._detail_window == "15m")
        assert view.window == "15m" and view.shown[1] == "minute rollups"
        await pilot.press("d")
        describe = app.screen
        assert isinstance(describe, DescribeScreen)
        await pilot.pause()
        shown = describe.current
        assert shown.field == "p95_s" and "vllm:e2e_request_latency_seconds_bucket" in \
            shown.sources[0] and shown.promql.startswith("histogram_quantile(0.95")
        assert "PromQL" in app.export_screenshot()
        await pilot.press("j", "j")  # past p99 to TTFT p95
        assert describe.current.field == "ttft_p95_s"
        assert "vllm:time_to_first_token_seconds_bucket" in describe.current.sources[0]
        await pilot.press("end")  # the last entries: today's spend, projected, baseline
        await pilot.pause()
        assert describe.current.field == "baseline_daily"
        assert "no full day of history" in describe.current.why_missing
        await pilot.press("escape")
        assert app.screen is view


def test_scenario_view_snapshot(snap_compare, recorded) -> None:
    async def open_support_chat(pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.snapshot is not None)
        pilot.app.open_scenario("support-chat")
        await pilot.pause()

    assert snap_compare(AiopsApp(recorded, label="demo fleet"), terminal_size=(120, 40),
                        run_before=open_support_chat)


def test_alerts_pane_snapshot(snap_compare, recorded) -> None:
    async def open_alerts(pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.snapshot is not None)
        await pilot.press("a")
        await pilot.pause()

    assert snap_compare(AiopsApp(recorded, label="demo fleet"), terminal_size=(80, 24),
                        run_before=open_alerts)
