"""A runbook followed in a pane beside live data: its markdown to read, and its steps as a
checklist to tick, annotate, copy from and, for a step bound to an action, run through the
same confirmation and audit as the action's key. Ticks and notes are kept on the scenario's
open incident (outside one, with the scenario), so they survive a restart.

Text from the file is markdown and nothing more: never Rich or Textual markup, and control
characters are dropped before anything renders it."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from aiops_tui.actions.models import Outcome
from aiops_tui.incidents.record import Mark
from aiops_tui.ui.format import clean

if TYPE_CHECKING:
    from aiops_tui.incidents.record import Incident
    from aiops_tui.runbooks.document import Runbook
    from aiops_tui.runbooks.steps import Step


def _safe(markdown: str) -> str:
    return "\n".join(clean(line) for line in markdown.splitlines())


def plain(markdown_line: str) -> str:
    """A step's first line for a one-line list: no backticks or emphasis marks."""
    return clean(markdown_line.replace("`", "").replace("**", ""))


class RunbookPane(Vertical):
    BINDINGS = [
        Binding("space", "tick", "Tick", id="step-tick"),
        Binding("n", "note", "Note", id="step-note"),
        Binding("y", "copy", "Copy", id="step-copy"),
        Binding("r", "read", "Read all", id="runbook-read"),
        Binding("escape", "close", "Close", id="runbook-close"),
        Binding("j", "down", "Down", show=False),
        Binding("k", "up", "Up", show=False),
    ]

    def __init__(self, scenario: str, runbook: Runbook, steps: list[Step]) -> None:
        super().__init__(id="runbook-pane")
        self.scenario = scenario
        self.runbook = runbook
        self.steps = {s.number: s for s in steps}
        self.incident: Incident | None = None
        self.marks: dict[int, Mark] = {}
        self._shown_step: Step | None = None
        self._before: Widget | None = None
        self._writing = asyncio.Lock()  # ticks and notes reach the log in the order keyed

    def compose(self) -> ComposeResult:
        yield Static(id="runbook-head")
        yield OptionList(id="checklist")
        with VerticalScroll(id="step-text"):
            yield Markdown(id="step-markdown")
        with VerticalScroll(id="runbook-text"):  # the whole runbook, shown by ``r``
            yield Markdown(_safe(self.runbook.body))
        yield Static(id="step-detail")

    def on_mount(self) -> None:
        self._paint()
        self._before = self.screen.focused  # where esc returns to
        self.query_one(OptionList).focus()
        self.run_worker(self._load(opened=True), exclusive=True, group="runbook-load")

    async def _load(self, opened: bool = False) -> None:
        incidents = self.app.source.incidents  # type: ignore[attr-defined]
        try:
            if opened:
                await asyncio.to_thread(incidents.opened_runbook, self.scenario,
                                        self.runbook.id)
            self.incident, self.marks = await asyncio.to_thread(
                incidents.checklist, self.scenario, self.runbook.id)
        except Exception as exc:  # the incident log is unreadable: say so, keep reading
            self.notify(f"{type(exc).__name__}: {exc}", title="checklist not loaded",
                        severity="error", markup=False)
            return
        self._paint()

    def _paint(self) -> None:
        if not self.is_attached:  # closed while a tick or a load was on its way
            return
        meta = self.runbook.meta
        done = sum(1 for m in self.marks.values() if m.done)
        head = Text(clean(meta.title), style="bold")
        head.append(f"\n{clean(meta.id)} · {meta.severity} · owner {clean(meta.owner)} · "
                    f"tested {meta.last_tested}", style="dim")
        where = (f"{self.incident.id} {self.incident.severity}" if self.incident else
                 "no incident: ticks kept with the scenario")
        head.append(f"\n{clean(self.scenario)} · {where} · {done}/{len(self.steps)} done")
        self.query_one("#runbook-head", Static).update(head)
        checklist = self.query_one(OptionList)
        keep = checklist.highlighted
        checklist.clear_options()
        section = None
        for step in self.steps.values():
            if step.section != section:
                section = step.section
                checklist.add_option(Option(Text(clean(section), style="bold dim"),
                                            disabled=True))
            checklist.add_option(Option(self._line(step), id=f"step-{step.number}"))
        if keep is not None:
            checklist.highlighted = keep
        elif checklist.option_count:
            checklist.highlighted = 1
        self._paint_detail()

    def _line(self, step: Step) -> Text:
        mark = self.marks.get(step.number)
        # One line per step (the stylesheet cuts it): the step's own text sits below the
        # list, and the bound-action mark goes first so a cut never hides it.
        line = Text("☑ " if mark and mark.done else "☐ ",
                    style="green" if mark and mark.done else "")
        line.append(f"{step.number}. ")
        if step.action:
            line.append("⚡ ", style="bold yellow")
        line.append(plain(step.title))
        return line

    @property
    def step(self) -> Step | None:
        checklist = self.query_one(OptionList)
        if checklist.highlighted is None:
            return None
        option_id = checklist.get_option_at_index(checklist.highlighted).id or ""
        return self.steps.get(int(option_id.removeprefix("step-"))) if option_id else None

    def _paint_detail(self) -> None:
        step = self.step
        if step is not None and step is not self._shown_step:
            self._shown_step = step
            self.query_one("#step-markdown", Markdown).update(_safe(step.markdown))
        text = Text(no_wrap=True, overflow="ellipsis")
        mark = self.marks.get(step.number) if step is not None else None
        if mark is not None:
            at = dt.datetime.fromtimestamp(mark.at, dt.UTC).strftime("%H:%M")
            text.append(f"{'ticked' if mark.done else 'unticked'} {at} {clean(mark.user)}  ",
                        style="green" if mark.done else "dim")
        if step is not None and step.action:
            text.append(f"⚡ :{clean(step.action.replace('$S', self.scenario))}",
                        style="yellow")
            text.append("  enter runs it", style="dim")
        elif step is not None and step.commands:
            first = step.commands[0].splitlines()[0]
            text.append(f"y copies: {clean(first)}", style="dim")
        self.query_one("#step-detail", Static).update(text)

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._paint_detail()

    # -- keys ----------------------------------------------------------------------------
    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_read(self) -> None:
        """The whole runbook (symptom check, escalation, links) in place of the checklist."""
        self.toggle_class("reading")
        if self.has_class("reading"):
            self.query_one("#runbook-text").focus()
        else:
            self.query_one(OptionList).focus()

    def action_close(self) -> None:
        before, screen = self._before, self.screen
        self.remove()
        if before is not None and before.is_attached:
            before.focus()
        else:
            screen.focus_next()

    def action_tick(self) -> None:
        step = self.step
        if step is None:
            return
        mark = self.marks.get(step.number)
        done = not (mark and mark.done)
        # Shown at once, so a second press unticks; the log's own record replaces it.
        incidents = self.app.source.incidents  # type: ignore[attr-defined]
        self.marks[step.number] = Mark(done, time.time(), incidents.user)
        self._paint()
        self.run_worker(self._tick(step, done), group="runbook-tick")

    async def _tick(self, step: Step, done: bool) -> None:
        incidents = self.app.source.incidents  # type: ignore[attr-defined]
        try:
            async with self._writing:
                await asyncio.to_thread(incidents.tick, self.scenario, self.runbook.id,
                                        step.number, done, plain(step.title))
        except Exception as exc:
            self.app.notify(f"{type(exc).__name__}: {exc}; the step is as it was",
                        title="tick not saved", severity="error", markup=False)
        if self.is_attached:  # what the log holds, newest read winning
            self.run_worker(self._load(), exclusive=True, group="runbook-load")

    def action_note(self) -> None:
        from aiops_tui.ui.action_screens import AskScreen

        step = self.step
        if step is None:
            return

        def save(text: str | None) -> None:
            if text:
                self.run_worker(self._note(step, text), group="runbook-note")

        self.app.push_screen(AskScreen(f"Note on step {step.number}", "what you saw or did",
                                       lambda t: None if t.strip() else "write something"),
                             save)

    async def _note(self, step: Step, text: str) -> None:
        incidents = self.app.source.incidents  # type: ignore[attr-defined]
        try:
            async with self._writing:
                await asyncio.to_thread(incidents.note, self.scenario, text, None,
                                        self.runbook.id, step.number)
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="note not saved",
                        severity="error", markup=False)
            return
        self.notify(f"note saved on step {step.number}", markup=False, timeout=3)

    def action_copy(self) -> None:
        step = self.step
        if step is None or not step.commands:
            self.notify("this step has no command to copy", severity="warning", timeout=3)
            return
        text = "\n".join(c.replace("$S", self.scenario) for c in step.commands)
        self.app.copy_to_clipboard(text)  # OSC 52: reaches the laptop's clipboard over SSH
        lines = text.count("\n") + 1
        self.notify(f"copied {lines} line{'s' if lines > 1 else ''} (OSC 52: the terminal "
                    "must allow clipboard writes)", timeout=4, markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a step bound to an action: the action, through its confirmation."""
        event.stop()
        step = self.step
        if step is None:
            return
        if step.action is None:
            self.notify(f"step {step.number} is done by hand: space ticks it", timeout=3,
                        markup=False)
            return
        try:
            request = step.request(self.scenario)
        except ValueError as exc:
            self.notify(str(exc), title="step not runnable", severity="error", markup=False)
            return

        def then(outcome: Outcome) -> None:  # the pane may have been closed meanwhile
            if outcome is Outcome.DONE:
                self.app.run_worker(self._tick(step, True), exit_on_error=False)

        self.app.flow.start(request, then)  # type: ignore[attr-defined]
