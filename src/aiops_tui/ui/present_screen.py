"""``P``: the incident as a commander shares it on a call. Few facts, large and high-contrast,
so a room watching a compressed 1080p stream can read them: severity, the scenario's health,
p95 and errors against their SLOs in big digits, how fast the error budget burns, who holds each
role, how long since the last status update, and what has diverged from normal.

Colours are fixed (white on black, saturated bands) rather than taken from the theme, and each
state also carries a word or symbol, so the picture survives NO_COLOR and video compression."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Digits, Footer, Static

from aiops_tui.incidents.brief import Brief, Divergence, brief, burn_words
from aiops_tui.incidents.record import Incident
from aiops_tui.incidents.timeline import span
from aiops_tui.signals.status import FleetSnapshot, Health
from aiops_tui.ui.format import clean, percent
from aiops_tui.ui.incident_follow import FollowsIncident

if TYPE_CHECKING:
    from aiops_tui.store.incident_log import Event

HEALTH_WORD = {Health.OK: "● HEALTHY", Health.WARN: "▲ DEGRADED", Health.CRIT: "✖ CRITICAL",
               Health.UNKNOWN: "? UNKNOWN"}
_MARK = {"page": "✖ PAGE  ", "ticket": "▲ TICKET", "review": "· REVIEW", "crit": "✖ SLO   ",
         "warn": "▲ WARN  "}
_MARK_STYLE = {"page": "bold white on red", "ticket": "bold black on yellow",
               "review": "bold", "crit": "bold white on red", "warn": "bold black on yellow"}


def clock(seconds: float) -> str:
    """A span in digits a room reads at a glance: ``m:ss`` under an hour, ``h:mm`` beyond."""
    seconds = max(0, int(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


class PresentScreen(FollowsIncident[None]):
    BINDINGS = [Binding("escape,P", "app.pop_screen", "Back", id="present-back")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="present-band"):
            yield Static(id="present-title")
            yield Static(id="present-health")
        with Grid(id="present-vitals"):
            for key, title in (("p95", "P95 LATENCY"), ("errors", "ERRORS"),
                               ("burn", "BUDGET BURN"), ("update", "LAST UPDATE")):
                with Vertical(id=f"vital-{key}", classes="vital") as box:
                    box.border_title = title
                    yield Digits("--", id=f"digits-{key}")
                    yield Static(id=f"caption-{key}", classes="caption")
        yield Static(id="present-roles")
        yield Static(id="present-diverged")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)  # the update clock ticks between reads
        self.follow()

    # -- reading: the incident from its log, the scenario from the app's snapshot -----------
    async def read_more(self, incident: Incident, events: list[Event]) -> None:
        return None

    def paint_incident(self, incident: Incident, read: None) -> None:
        self.repaint()

    def show(self, snapshot: FleetSnapshot) -> None:
        """The app hands every new snapshot to the screen on top."""
        self.repaint()

    def paint_none(self) -> None:
        self.query_one("#present-title", Static).update(Text(" NO OPEN INCIDENT ", style="bold"))
        self.query_one("#present-health", Static).display = False
        self.query_one("#present-diverged", Static).update(Text(
            "Declare one with I on an alert, or :incident SCENARIO [sev1|sev2|sev3] [title].",
            style="bold"))

    def unreadable(self, why: str) -> None:
        self.query_one("#present-diverged", Static).update(
            Text(f"incident log unreadable: {clean(why)}", style="bold white on red"))

    def _brief(self) -> tuple[Brief, float] | None:
        if self.incident is None:
            return None
        shown = self.app.shown  # type: ignore[attr-defined]
        status = next((s for s in shown.scenarios if s.id == self.incident.scenario),
                      None) if shown else None
        now = self.now()
        return brief(self.incident, status, shown.alerts if shown else [], now), now

    def repaint(self) -> None:
        made = self._brief()
        if made is not None:
            self.paint_brief(*made)

    def tick(self) -> None:
        """Between reads only the update clock moves: the rest is not touched."""
        made = self._brief()
        if made is not None:
            self._update_clock(made[0])

    def paint_brief(self, b: Brief, now: float) -> None:
        incident = b.incident
        title = Text.assemble((f" {clean(incident.severity).upper()} ",
                               _SEVERITY.get(incident.severity, "bold reverse")),
                              (f"  {clean(incident.id)}  ", "bold"),
                              (clean(incident.title), "bold"))
        if incident.drill:
            title.append(f"  DRILL {clean(incident.drill)}", style="bold black on yellow")
        title.append(f"\n{clean(incident.scenario)}", style="bold")
        if b.status is not None:
            title.append(f" · {clean(b.status.name)} · {clean(b.status.environment)}")
        if not incident.open:
            resolved = dt.datetime.fromtimestamp(incident.resolved_at or 0, dt.UTC)
            title.append(f"   RESOLVED {resolved:%H:%M} UTC", style="bold green")
        self._title(title, b.health)
        self._vitals(b)
        roles = Text()
        for i, (duty, who) in enumerate(b.roles):
            roles.append(f"{duty.upper():>15} ", style="bold")
            roles.append(f"{clean(who) if who else '— unassigned':<22}",
                         style="bold" if who else "bold yellow")
            if i % 2:
                roles.append("\n")
        update = incident.last_update
        if update is not None:
            roles.append(f"\n{'LAST UPDATE':>15} ", style="bold")
            roles.append(clean(" / ".join(p for p in (update.condition, update.actions,
                                                      update.needs) if p)))
        self.query_one("#present-roles", Static).update(roles)
        self.query_one("#present-diverged", Static).update(self._diverged(b.diverged, now))

    def _title(self, title: Text, health: Health | None) -> None:
        self.query_one("#present-title", Static).update(title)
        box = self.query_one("#present-health", Static)
        box.display = True
        box.update(Text(HEALTH_WORD[health] if health else "? NO DATA YET", style="bold"))
        box.set_classes(f"health-{health or 'unknown'}")

    def _put(self, key: str, digits: str, caption: str, alarm: bool = False) -> None:
        self.query_one(f"#digits-{key}", Digits).update(digits)
        self.query_one(f"#caption-{key}", Static).update(Text(caption, style="bold"))
        self.query_one(f"#vital-{key}").set_class(alarm, "alarm")

    def _update_clock(self, b: Brief) -> None:
        self._put("update", clock(b.since_update),
                  ("UPDATE DUE" if b.update_due else
                   "h:mm ago" if b.since_update >= 3600 else "m:ss ago")
                  if b.incident.open else "resolved", b.update_due)

    def _vitals(self, b: Brief) -> None:
        s = b.status
        put = self._put

        if s is None or s.p95_s is None:
            put("p95", "--", "seconds: no data" if s is None else clean(
                s.missing.get("p95_s", "too little traffic")))
        else:
            put("p95", f"{s.p95_s:.2f}" if s.p95_s < 10 else f"{s.p95_s:.1f}",
                f"seconds · SLO {s.p95_slo_s:g}s", s.levels.get("p95_s") is Health.CRIT)
        if s is None or s.error_rate is None:
            put("errors", "--", "% failing: no data")
        else:
            pct = s.error_rate * 100
            put("errors", f"{pct:.1f}" if pct >= 1 or pct == 0 else f"{pct:.2f}",
                f"% failing · SLO {percent(s.error_slo, 1)}",
                s.levels.get("error_rate") is Health.CRIT)
        rate = b.burn.rate
        put("burn", "--" if rate is None else f"{rate:.1f}x" if rate < 100 else f"{rate:.0f}x",
            burn_words(b.burn), b.burn.tier == "page")
        self._update_clock(b)

    @staticmethod
    def _diverged(items: list[Divergence], now: float) -> Text:
        out = Text()
        out.append("WHAT HAS DIVERGED FROM NORMAL\n", style="bold underline")
        if not items:
            out.append("nothing: every signal is within its SLO and no alert is active",
                       style="bold green")
            return out
        for d in items:
            out.append(f" {_MARK[d.tier]} ", style=_MARK_STYLE[d.tier])
            out.append(f" {clean(d.what)}", style="bold")
            if d.since is not None:
                out.append(f"  since {dt.datetime.fromtimestamp(d.since, dt.UTC):%H:%M} UTC "
                           f"({span(now - d.since)})")
            out.append("\n")
        return out


_SEVERITY = {"sev1": "bold white on red", "sev2": "bold black on dark_orange",
             "sev3": "bold black on yellow"}
