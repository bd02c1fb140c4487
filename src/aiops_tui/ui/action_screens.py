"""The modals an action passes through: which component, how many requests per second, and
the confirmation. Each cancels with Esc; none sends anything itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from aiops_tui.actions.service import Preview, Result
from aiops_tui.ui import format as fmt
from aiops_tui.ui.acting import NAME


class ComponentScreen(ModalScreen[str | None]):
    """What to roll back: the model, the prompt or the index (if the scenario has one)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-component")]

    def __init__(self, scenario: str) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        scenario = self.app.source.config.scenario(self.scenario)  # type: ignore[attr-defined]
        v = scenario.versions
        options = [Option(Text.assemble((f"{c:<7}", "bold"), f"configured {fmt.clean(now)}"),
                          id=c)
                   for c, now in (("model", v.model), ("prompt", v.prompt), ("index", v.index))
                   if now]
        with Vertical(id="component-body", classes="action-modal"):
            yield Label(Text(f"Roll back what on {fmt.clean(self.scenario)}?", style="bold"))
            yield OptionList(*options)
            yield Static(Text("enter picks · esc cancels · the last known good is proposed",
                              style="dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class AskScreen(ModalScreen[str | None]):
    """One value, checked by ``problem`` (which says what is wrong, or None) before it
    is returned."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-ask")]

    def __init__(self, title: str, placeholder: str,
                 problem: Callable[[str], str | None]) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-body", classes="action-modal"):
            yield Label(Text(fmt.clean(self.title_text), style="bold"))
            yield Input(placeholder=self.placeholder, id="ask")
            yield Static(id="ask-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self.problem(value)
        if problem:
            self.query_one("#ask-error", Static).update(Text(problem, style="red"))
            return
        self.dismiss(value)


def summary(preview: Preview) -> Table:
    """Scenario, environment, from → to, what else it touches, and how it will be sent."""
    r = preview.request
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    env_style = "bold red" if preview.environment == "production" else ""
    table.add_row("scenario", fmt.literal(r.scenario))
    table.add_row("environment", Text(fmt.clean(preview.environment), style=env_style))
    table.add_row("from", fmt.literal(preview.before))
    table.add_row("to", Text(fmt.clean(preview.after), style="bold"))
    table.add_row("also affects", Text(fmt.clean(", ".join(preview.shares)), style="yellow")
                  if preview.shares else Text("no other scenario", style="dim"))
    table.add_row("sent once", Text(f"idempotency key {preview.key[:12]}…", style="dim"))
    return table


class ConfirmScreen(ModalScreen["Result | str | None"]):
    """Focus starts on Cancel, so a stray enter cancels; on production the act button stays
    off until the scenario id is typed (typing goes to its field from anywhere on the
    modal). Confirming calls ``send`` (the action) and stays up until it answers, so the
    screen is still while the request goes out; dismissed with the result (a ``Result``, or
    why it was refused), or None when cancelled. Live data does not repaint under a modal,
    so what the operator decides on holds still."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-action")]

    def __init__(self, preview: Preview,
                 send: Callable[[Preview, str], Awaitable[Result | str]]) -> None:
        super().__init__()
        self.preview = preview
        self.send = send
        self.sending = False

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(id="confirm-body", classes="action-modal"):
            what = f" the {p.request.component} of" if p.request.component else ""
            yield Label(Text(f"{NAME[p.request.kind]}{what} {fmt.clean(p.request.scenario)}?",
                             style="bold"))
            yield Static(summary(p), id="confirm-summary")
            if p.typed:
                yield Label(Text(f"production: type {fmt.clean(p.request.scenario)} to confirm"))
                yield Input(placeholder=p.request.scenario, id="typed", select_on_focus=False)
            yield Static(Text("live data is held while this is open", style="dim"),
                         id="confirm-note")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button(NAME[p.request.kind], id="go", variant="error",
                             disabled=p.typed)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_key(self, event: events.Key) -> None:
        """Keys the focused button left: the operator types the id without tabbing to it."""
        if event.is_printable and event.character and self._to_field(event.character):
            event.stop()

    def on_paste(self, event: events.Paste) -> None:
        if self._to_field(event.text):
            event.stop()

    def _to_field(self, text: str) -> bool:
        if not self.preview.typed or self.sending:
            return False
        field = self.query_one("#typed", Input)
        field.focus()
        field.insert_text_at_cursor(text)
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#go", Button).disabled = self.sending or \
            event.value.strip() != self.preview.request.scenario

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.preview.request.scenario:
            self._confirm(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "go":
            self._confirm(self.query_one("#typed", Input).value.strip()
                          if self.preview.typed else "")
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.sending:  # once sent, the answer is what closes this
            self.dismiss(None)

    def _confirm(self, typed: str) -> None:
        if not self.sending:
            self.sending = True
            self.run_worker(self._go(typed), exit_on_error=False)

    async def _go(self, typed: str) -> None:
        task = asyncio.ensure_future(self.send(self.preview, typed))
        await asyncio.sleep(0)  # the request starts before anything repaints
        try:
            for button in self.query(Button):
                button.disabled = True
            self.query_one("#confirm-note", Static).update(
                Text("sending… the control plane's answer closes this", style="bold"))
        finally:
            self.dismiss(await task)  # ``send`` returns whatever happens; never stay up


class CommandScreen(ModalScreen[str | None]):
    """``:`` opens a command line at the bottom; enter runs it, esc drops it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel-command")]

    def compose(self) -> ComposeResult:
        from aiops_tui.actions.command_line import USAGE

        with Vertical(id="command-body"):
            yield Static(Text(" · ".join(USAGE.values()), style="dim"), id="command-usage")
            yield Input(placeholder=":rollback SCENARIO model|prompt|index", id="command")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)
