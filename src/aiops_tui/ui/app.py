"""The Textual app: polls the runtime, paints snapshots, routes keys. No HTTP or SQL here."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen

from aiops_tui import __version__
from aiops_tui.config.models import Config
from aiops_tui.signals.status import AlertView, FleetSnapshot
from aiops_tui.ui.acting import Acted, ActionFlow
from aiops_tui.ui.fleet_view import FleetView
from aiops_tui.ui.format import clean
from aiops_tui.ui.throttle import PaintThrottle
from aiops_tui.ui.topbar import TopBar

if TYPE_CHECKING:
    from aiops_tui.actions.models import Kind
    from aiops_tui.actions.service import Actions
    from aiops_tui.incidents.commands import IncidentCommand
    from aiops_tui.incidents.record import Incident
    from aiops_tui.incidents.service import Incidents
    from aiops_tui.runbooks.library import Library
    from aiops_tui.signals.detail import ScenarioDetail
    from aiops_tui.store.audit_chain import Sealed


class Source(Protocol):
    """What the app needs from the core: ``runtime.Runtime`` or a replay of snapshots."""

    config: Config
    mode: object
    holder: str
    role: str
    read_only: bool

    @property
    def interval(self) -> float: ...

    def age(self, snapshot: FleetSnapshot) -> float: ...

    def is_stale(self, snapshot: FleetSnapshot) -> bool: ...

    async def cycle(self) -> FleetSnapshot | None: ...

    def detail(self, scenario_id: str, window_s: float) -> ScenarioDetail | None:
        """Blocking (it may run SQL): the app calls it in a thread."""
        ...

    def handle_alert(self, action: str, scenario: str, rule: str, seconds: float = 0.0,
                     reason: str = "") -> tuple[float, list[AlertView]]:
        """Ack, silence or unsilence; blocking (it writes the store): called in a thread.
        Returns when it was done and the alerts as they now stand."""
        ...

    @property
    def library(self) -> Library:
        """The runbooks (read from files on first use)."""
        ...

    @property
    def incidents(self) -> Incidents:
        """Blocking methods (the incident log is a file): called in threads."""
        ...

    def refusal(self, kind: Kind) -> str | None:
        """Why this operator may not take ``kind`` (cheap: the keys ask it to dim)."""
        ...

    @property
    def actions(self) -> Actions: ...

    def audit_entries(self, scenario: str | None = None) -> list[Sealed]:
        """Blocking (it may read the audit log): called in a thread."""
        ...

    async def aclose(self) -> None: ...


def alert_badge(snapshot: FleetSnapshot) -> Text:
    """Firing alerts by tier, silenced ones left out, and the critical scenarios: the counts
    the top bar carries."""
    firing = [a for a in snapshot.alerts if a.state == "firing" and not a.silenced_until]
    badge = Text()
    for tier, style in (("page", "bold white on red"), ("ticket", "black on yellow")):
        n = sum(1 for a in firing if a.tier == tier)
        if n:
            badge.append("  ")
            badge.append(f" {n} {tier}{'s' if n > 1 else ''} ", style=style)
    crit = sum(1 for s in snapshot.scenarios if s.health == "crit")
    if crit:
        badge.append(f"  ✖ {crit} critical", style="bold red")
    return badge


def _action_commands() -> type:
    """The palette's actions, imported when the palette first opens."""
    from aiops_tui.ui.palette import ActionCommands

    return ActionCommands


LOW_BANDWIDTH_PAINT_S = 5.0  # ``--low-bandwidth``: numbers repaint at most this often


class SnapshotReady(Message):
    def __init__(self, snapshot: FleetSnapshot | None, error: str = "") -> None:
        super().__init__()
        self.snapshot = snapshot
        self.error = error


class AiopsApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "aiops-tui"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {_action_commands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        # The footer shows what an incident needs first; ``?`` lists every key.
        Binding("p", "pause", "Pause", id="pause", show=False),
        Binding("a", "alerts", "Alerts", id="alerts"),
        Binding("t", "audit", "Audit", id="audit", show=False),
        Binding("i", "incident", "Incident", id="incident"),
        Binding("P", "present", "Present", id="present", show=False),
        Binding("colon", "command", "Command", id="command", show=False),
    ]

    def __init__(self, source: Source, label: str = "", drill: Incident | None = None,
                 low_bandwidth: bool = False) -> None:
        super().__init__()
        self.source = source
        self.throttle = PaintThrottle(LOW_BANDWIDTH_PAINT_S if low_bandwidth else 0.0)
        if low_bandwidth:
            self.animation_level = "none"
        self.label = label
        self.drill = drill  # the practice incident ``demo --drill`` staged, to debrief
        self.paused = False
        self.snapshot: FleetSnapshot | None = None  # the newest picture
        self.frozen: FleetSnapshot | None = None  # what stays on screen while paused
        self.error = ""
        self._taken: tuple[float, list[AlertView]] | None = None  # see ``take_alerts``
        # The top bar repaints every second; its counts change only with the snapshot, and
        # at 200 scenarios counting the 1,403 alert lines took a millisecond of CPU each time.
        self._badge: tuple[FleetSnapshot, Text] | None = None
        self.started = time.perf_counter()
        self.first_frame_s: float | None = None
        self.flow = ActionFlow(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No palette over a modal: it could open a second confirmation, or a screen the
        confirmation would then close in its place."""
        if action == "command_palette" and isinstance(self.screen, ModalScreen):
            return False
        return super().check_action(action, parameters)

    def get_default_screen(self) -> FleetView:
        return FleetView()  # the base screen itself: no blank screen painted first

    def on_mount(self) -> None:
        self.paint_topbar()
        # Start collecting once the first frame is out: opening the store imports DuckDB and
        # httpx in a thread, which would otherwise compete with the first paint for the GIL.
        self.call_after_refresh(self.poll)
        self.set_interval(1.0, self.paint_topbar)
        if self.drill is not None:
            from aiops_tui.ui.debrief_screen import DrillWatch

            DrillWatch(self, self.drill)

    async def on_unmount(self) -> None:
        await self.source.aclose()

    # -- the loop: one cycle, paint, re-arm (a slow cycle never overlaps the next) ------------
    @work(exclusive=True, group="collect", exit_on_error=False)
    async def poll(self) -> None:
        try:
            snapshot = await self.source.cycle()
        except Exception as exc:  # the loop must outlive any one bad cycle
            self.post_message(SnapshotReady(None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(SnapshotReady(snapshot))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self.error = message.error
        if message.snapshot is not None:
            self.snapshot = message.snapshot
            if self._taken is not None and message.snapshot.alerts_at < self._taken[0]:
                self.snapshot = message.snapshot.model_copy(update={"alerts": self._taken[1]})
            if not self.paused and self.throttle.due(message.snapshot, time.monotonic()):
                self.paint()
        self.paint_topbar()
        self.set_timer(self.source.interval, self.poll)

    @property
    def shown(self) -> FleetSnapshot | None:
        """The picture on screen: the newest, or the one from the moment of pausing."""
        return self.frozen if self.paused else self.snapshot

    def paint(self) -> None:
        if self.shown is None:
            return
        show = getattr(self.screen, "show", None)  # the fleet and scenario views paint data
        if show is not None:
            show(self.shown)
        if self.first_frame_s is None:
            self.first_frame_s = time.perf_counter() - self.started

    def paint_topbar(self) -> None:
        bar = self.screen.query(TopBar)
        if bar:
            bar.first().show(self.status_line())

    def status_line(self) -> Text:
        line = Text.assemble(("aiops-tui ", "bold"), (__version__, "dim"))
        if self.label:
            line.append(f" · {clean(self.label)}")
        mode = str(self.source.mode or "starting")
        line.append("  ")
        line.append(f" {mode.upper()} ", style="reverse")
        if mode == "follower":
            line.append(f" of {self.source.holder}", style="dim")
        if self.source.read_only or self.source.role in ("viewer", "trainee"):
            line.append("  ")
            line.append(" READ-ONLY " if self.source.read_only else
                        f" {self.source.role.upper()} ", style="bold black on yellow")
        if self.drill is not None:  # a shared screen says it is practice
            line.append("  ")
            line.append(" DRILL ", style="bold black on yellow")
        if self.paused:
            line.append("  ")
            line.append(" ⏸ PAUSED ", style="reverse yellow")
        shown = self.shown
        if shown is not None:  # what needs a human first: at 80 columns the tail is cut
            if self._badge is None or self._badge[0] is not shown:
                self._badge = (shown, alert_badge(shown))
            line.append_text(self._badge[1])
            # Within two intervals the picture is as fresh as collecting allows: "live",
            # which does not tick (a ticking age costs an SSH link a repaint a second).
            age = self.source.age(shown)
            stale = self.source.is_stale(shown)
            late = age >= 2 * shown.interval_s  # the writer's interval, as is_stale uses
            line.append(f"  updated {age:.0f}s ago" if late else "  live",
                        style="bold red" if stale else "yellow" if late else "dim")
            if stale:
                line.append(" ✖ STALE", style="bold red")
            if shown.cycle_ms > 500 * shown.interval_s:  # over half the interval: say so
                line.append(f"  slow cycle {shown.cycle_ms / 1000:.1f}s", style="yellow")
            if shown.source:  # last: the tail is what 80 columns cut
                line.append(f"  via {clean(shown.source)}", style="dim")
        else:
            line.append("  waiting for first collection…", style="dim")
        if self.error:
            line.append(f"  cycle failed: {clean(self.error)}", style="bold red")
        return line

    # -- actions -----------------------------------------------------------------------------
    def action_pause(self) -> None:
        self.paused = not self.paused
        self.frozen = self.snapshot if self.paused else None
        if not self.paused:
            self.paint()
        self.paint_topbar()

    # Screens other than the fleet view are imported when first opened: not on the start path.
    def action_help(self) -> None:
        from aiops_tui.ui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_alerts(self) -> None:
        from aiops_tui.ui.alerts_screen import AlertsScreen

        if not isinstance(self.screen, AlertsScreen):
            self.push_screen(AlertsScreen())

    def action_audit(self) -> None:
        from aiops_tui.ui.audit_screen import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_incident(self, incident_id: str | None = None) -> None:
        """The incident in view: the given one, else the newest open one."""
        from aiops_tui.ui.incident_screen import IncidentScreen

        if isinstance(self.screen, IncidentScreen):
            if incident_id is not None:
                self.screen.show_incident(incident_id)
        else:
            self.push_screen(IncidentScreen(incident_id))

    def action_present(self) -> None:
        """The incident in view (or the newest open one), large, for a shared screen."""
        from aiops_tui.ui.present_screen import PresentScreen

        if not isinstance(self.screen, PresentScreen):
            self.push_screen(PresentScreen(getattr(self.screen, "incident_id", None)))

    def action_command(self) -> None:
        from aiops_tui.ui.action_screens import CommandScreen

        self.push_screen(CommandScreen(), lambda line: self.run_command(line or ""))

    def run_command(self, line: str) -> None:
        """A command-mode line: an action through the same flow as its key, or a view."""
        from aiops_tui.actions.command_line import CommandError, parse
        from aiops_tui.incidents.commands import USAGE as INCIDENT_USAGE
        from aiops_tui.incidents.commands import parse as parse_incident
        from aiops_tui.ui.audit_screen import AuditScreen

        if not line.strip():
            return
        try:
            incident = parse_incident(line)
            if incident is not None:
                self.run_worker(self._incident_command(incident), exit_on_error=False)
                return
            command = parse(line)
        except CommandError as exc:
            words = str(exc)
            if words.startswith("no command"):
                words += ", " + ", ".join(INCIDENT_USAGE)
            self.notify(words, title="not a command", severity="warning", markup=False)
            return
        if command.request is not None:
            self.flow.start(command.request)
        elif command.verb == "verify":
            self.flow.verify(command.scenario or "")
        elif command.verb == "open":
            self.open_scenario(command.scenario or "")
        else:
            self.push_screen(AuditScreen(command.scenario))

    async def _incident_command(self, command: IncidentCommand) -> None:
        """Incident work from command mode: on the named incident, else the one on screen,
        else the selected scenario's open one, else the only open one."""
        from aiops_tui.incidents.service import IncidentError

        incidents = self.source.incidents
        verb = command.verb
        try:
            if verb == "incidents":
                self.action_incident()
                return
            if verb == "incident":
                declared = await asyncio.to_thread(
                    incidents.declare, command.scenario or "", command.severity or "sev2",
                    command.text)
                self.say(f"{declared.id} declared on {declared.scenario}, "
                          f"{declared.severity}; you are its commander")
                self.action_incident(declared.id)
                return
            in_view = command.incident or getattr(self.screen, "incident_id", None)
            target = await asyncio.to_thread(self._incident_meant, in_view,
                                             getattr(self.screen, "acting_on", None))
            if verb == "note":
                await asyncio.to_thread(incidents.note, target.scenario, command.text,
                                        target.id)
            elif verb == "update":
                await asyncio.to_thread(incidents.update, target.id, *command.parts)
            elif verb == "role":
                await asyncio.to_thread(incidents.assign, target.id, command.duty or "",
                                        command.assignee or "")
            elif verb == "severity":
                await asyncio.to_thread(incidents.severity, target.id, command.severity or "")
            elif verb == "resolve":
                await asyncio.to_thread(incidents.resolve, target.id, command.text)
        except IncidentError as exc:
            self.say(str(exc), title=f"{verb}: not recorded", severity="warning")
            return
        except Exception as exc:  # the incident log failed: nothing was recorded
            self.say(f"{type(exc).__name__}: {exc}", title=f"{verb}: not recorded",
                      severity="error")
            return
        self.say(f"{verb} recorded on {target.id}")
        reload = getattr(self.screen, "reload", None)
        if reload is not None:
            reload()

    def _incident_meant(self, in_view: str | None, scenario: str | None) -> Incident:
        """The incident named or on screen, else the scenario's open one, else the only open
        one. Blocking (reads the incident log): called in a thread."""
        from aiops_tui.incidents.service import IncidentError

        incidents = self.source.incidents
        if in_view:
            return incidents.get(in_view)
        found = incidents.open_for(scenario) if scenario else None
        if found is not None:
            return found
        open_ = [i for i in incidents.all() if i.open]
        if len(open_) == 1:
            return open_[0]
        raise IncidentError("which incident? name it (INC-N): " + (
            ", ".join(i.id for i in open_) + " are open" if open_ else "none is open"))

    def say(self, text: str, title: str = "", severity: str = "information",
            timeout: float = 8.0) -> None:
        """Messages carry what control planes, commands and operators said: never markup or
        escapes."""
        self.notify(clean(text), title=clean(title), severity=severity,  # type: ignore[arg-type]
                    markup=False, timeout=timeout)

    def on_acted(self, _: Acted) -> None:
        reread = getattr(self.screen, "audit_changed", None)
        if reread is not None:
            reread()

    def take_alerts(self, at: float, views: list[AlertView]) -> None:
        """Alerts as an ack or silence at ``at`` left them, shown now rather than next cycle;
        a snapshot from before ``at`` still on its way is shown with them too."""
        self._taken = (at, views)
        if self.snapshot is not None:
            self.snapshot = self.snapshot.model_copy(update={"alerts": views})
        self.paint_topbar()

    def open_scenario(self, scenario_id: str) -> None:
        from aiops_tui.ui.scenario_view import ScenarioView

        try:
            scenario = self.source.config.scenario(scenario_id)
        except KeyError:
            # A follower shows its writer's scenarios, which its own config may not have.
            self.notify(f"{clean(scenario_id)} is not in this console's config",
                        severity="warning", markup=False)
            return
        self.push_screen(ScenarioView(scenario))

    def describe_scenario(self, scenario_id: str) -> None:
        """Provenance of every number of a scenario as the fleet view shows it."""
        from aiops_tui.ui.describe_screen import DescribeScreen

        status = next((s for s in self.shown.scenarios if s.id == scenario_id), None) \
            if self.shown else None
        try:
            scenario = self.source.config.scenario(scenario_id)
        except KeyError:
            scenario = None
        if status is not None and scenario is not None:
            self.push_screen(DescribeScreen(scenario, status, "raw samples"))
