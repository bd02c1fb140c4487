"""Actions from the console, end to end over loopback: keys, command mode and the palette
reach the demo fleet's control plane exactly once, its metrics recover, and the audit log holds
intent and result and verifies. Who may not act is refused on every path."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, DataTable, Input

from aiops_tui.actions.models import Kind, Request
from aiops_tui.config import Config
from aiops_tui.demo.fleet import DemoFleet
from aiops_tui.paths import audit_path
from aiops_tui.runtime import Runtime
from aiops_tui.signals.status import Health
from aiops_tui.store.audit import AuditLog
from aiops_tui.store.audit_chain import verify
from aiops_tui.ui.action_screens import ComponentScreen, ConfirmScreen
from aiops_tui.ui.app import AiopsApp
from aiops_tui.ui.audit_screen import AuditScreen
from aiops_tui.ui.fleet_view import FleetView
from tests.conftest import relaxed
from tests.test_actions import posts, served
from tests.test_ui import cell, wait_for


def console(config: Config, tmp_path: Path, read_only: bool = False) -> AiopsApp:
    # A short window, so a fault's rate leaves it within seconds of being mitigated.
    fast = relaxed(config, interval_s=0.5, window_s=10)
    return AiopsApp(Runtime(fast, tmp_path / "s.duckdb", read_only=read_only), label="test")


def audit(tmp_path: Path) -> list[tuple[str, str, str]]:
    log = AuditLog(audit_path(tmp_path / "s.duckdb"))
    entries = log.entries()
    assert verify(entries, log.head()) == []
    return [(s.entry.phase, s.entry.action, s.entry.outcome) for s in entries]


def select(app: AiopsApp, scenario: str) -> None:
    table = app.screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(scenario))


def notices(app: AiopsApp) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def test_rollback_by_keys_reaches_the_control_plane_once_and_the_model_recovers(
        fleet: DemoFleet, tmp_path: Path) -> None:
    good = served(fleet, "support-chat")
    fleet.drill("POST", "support-chat", "eval-regression")  # a silent provider update
    app = console(fleet.config, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None and
                       "≠cfg" in cell(app, "support-chat", "model"))
        select(app, "support-chat")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ComponentScreen))
        await pilot.press("enter")  # model, the first choice
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        assert (confirm.preview.before, confirm.preview.after) == (
            f"model {good}-rev2", f"model {good}")
        assert app.focused is confirm.query_one("#cancel", Button)  # focus starts on Cancel
        assert confirm.query_one("#go", Button).disabled  # production: the id comes first
        under = app.screen_stack[-2]
        assert isinstance(under, FleetView)
        held, newest = under._snapshot, app.snapshot
        await wait_for(pilot, lambda: app.snapshot is not newest)
        assert under._snapshot is held  # live data holds still under the confirmation
        await pilot.press("enter")  # Cancel: nothing is sent
        await wait_for(pilot, lambda: isinstance(app.screen, FleetView))

        await pilot.press("R", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        confirm = app.screen
        await pilot.press("ctrl+p", "R")  # no palette (nor a second action) over it: the R
        assert app.screen is confirm  # goes to the id field, wherever focus was
        assert confirm.query_one("#typed", Input).value == "R"
        await pilot.press("enter")  # not the id: nothing happens
        assert app.screen is confirm and confirm.query_one("#go", Button).disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetView))
        assert posts(fleet) == []

        await pilot.press("R", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press(*"support-chat", "enter")  # typed without tabbing to the field
        await wait_for(pilot, lambda: "rollback done" in notices(app))
        assert len(posts(fleet)) == 1 and posts(fleet)[0][1].endswith("/rollback")
        assert served(fleet, "support-chat") == good
        await wait_for(pilot, lambda: "≠cfg" not in cell(app, "support-chat", "model"))
        await pilot.press("t")
        assert isinstance(app.screen, AuditScreen)
        await wait_for(pilot, lambda: len(app.screen.entries) == 2)
        await pilot.press("escape", "q")
    assert audit(tmp_path) == [("intent", "rollback", ""), ("result", "rollback", "done")]


async def test_fallback_route_by_command_mode_and_the_error_rate_recovers(
        fleet: DemoFleet, tmp_path: Path) -> None:
    fallback = fleet.config.scenario("support-chat").route.fallback
    fleet.drill("POST", "support-chat", "error-burst")
    app = console(fleet.config, tmp_path)

    def errors() -> float:
        status = next(s for s in app.snapshot.scenarios if s.id == "support-chat")
        return status.error_rate or 0.0

    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None and errors() > 0.05)
        await pilot.press("colon", *"route support-chat", "enter")  # flips: to fallback
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.preview.after == "fallback"
        await pilot.press(*"support-chat", "enter")
        await wait_for(pilot, lambda: "route done" in notices(app))
        assert [p[1].rsplit("/", 1)[-1] for p in posts(fleet)] == ["route"]
        assert served(fleet, "support-chat") == fallback.model
        await wait_for(pilot, lambda: errors() < 0.01, timeout=30)  # the window forgets
        await pilot.press("q")
    assert audit(tmp_path) == [("intent", "route", ""), ("result", "route", "done")]


async def test_a_viewer_is_refused_by_key_command_mode_and_palette_and_each_is_recorded(
        fleet: DemoFleet, tmp_path: Path) -> None:
    viewer = fleet.config.model_copy(update={"access": fleet.config.access.model_copy(
        update={"default_role": "viewer"})})
    app = console(viewer, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        assert "VIEWER" in app.status_line().plain
        footer = {k: b.enabled for k, b in app.screen.active_bindings.items()}
        assert footer["R"] is False and footer["F"] is False  # dimmed
        select(app, "support-chat")
        await pilot.press("R")  # dimmed, yet it answers: with the reason
        await wait_for(pilot, lambda: "a viewer cannot rollback" in notices(app))
        assert isinstance(app.screen, FleetView)  # nothing asked, nothing to confirm
        await pilot.press("V")  # a state read settles doubts: for those who act
        await wait_for(pilot, lambda: "verify refused" in notices(app))
        await pilot.press("colon", *"kill support-chat", "enter")
        await wait_for(pilot, lambda: "a viewer cannot kill" in notices(app))
        await pilot.press("ctrl+p")
        await pilot.press(*"rate limit support")
        await wait_for(pilot, lambda: "not&#160;allowed" in app.export_screenshot())
        await pilot.press("enter")
        await wait_for(pilot, lambda: "a viewer cannot rate-limit" in notices(app))
        await pilot.press("q")
    assert posts(fleet) == []
    assert audit(tmp_path) == [("result", "rollback", "refused"), ("verify", "verify", "refused"),
                               ("result", "kill", "refused"), ("result", "rate-limit", "refused")]


async def test_read_only_badge_cursor_kept_across_resorts_and_no_second_send_in_flight(
        fleet: DemoFleet, tmp_path: Path) -> None:
    app = console(fleet.config, tmp_path, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        assert "READ-ONLY" in app.status_line().plain
        select(app, "doc-search")
        await pilot.press("F")
        await wait_for(pilot, lambda: "read-only" in notices(app))
        await pilot.press("q")
    app = console(fleet.config, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None)
        await pilot.press("p")  # hold the picture: this test paints its own
        select(app, "doc-search")
        view = app.screen
        for worst in ("claims-triage", "support-chat"):  # re-sorts move rows under the cursor
            view.show(app.snapshot.model_copy(update={"scenarios": [
                s.model_copy(update={"health": Health.CRIT if s.id == worst else Health.OK})
                for s in app.snapshot.scenarios]}))
            assert next(iter(view.query_one(DataTable).ordered_rows)).key.value == worst
            assert view.selected == "doc-search"  # an action still aims where it did
        app.flow.in_flight["doc-search"] = (Kind.ROUTE, 0.0)  # as while one is being sent
        app.flow.start(Request(kind=Kind.ROUTE, scenario="doc-search"))
        await wait_for(pilot, lambda: "is under way here" in notices(app))
        assert isinstance(app.screen, FleetView)
        await pilot.pause(0.5)
        await pilot.press("q")
    assert posts(fleet) == []
    assert audit(tmp_path) == [("result", "route", "refused")] * 2  # read-only, then in flight
