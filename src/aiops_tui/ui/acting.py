"""Acting from the console: the keys every scenario-bearing screen shares, and the one flow
they, command mode and the palette all take (ask what is missing → preview → confirm →
execute → say how it went). What may be done is decided in ``actions``; this only shows it.

Every action key is a capital letter: a lowercase key pressed by habit (``k`` to move up)
never opens one, and even then the confirmation starts on Cancel.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.events import Key
from textual.message import Message

from aiops_tui.actions.models import Kind, Outcome, Request

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiops_tui.actions.service import Preview, Result

# Which key does what; ``act`` names the Kind, ``verify`` reads the state after a doubt.
ACTION_BINDINGS = [
    Binding("R", "act('rollback')", "Rollback", id="act-rollback"),
    Binding("F", "act('route')", "Fallback", id="act-route"),
    Binding("X", "act('kill')", "Kill switch", id="act-kill", show=False),
    Binding("L", "act('rate-limit')", "Rate limit", id="act-rate-limit", show=False),
    Binding("V", "verify", "Verify state", id="act-verify", show=False),
]
# key → (action, its parameters): "act('rollback')" → ("act", ("rollback",))
_KEYS = {b.key: (name, (arg[:-2],) if arg else ())
         for b in ACTION_BINDINGS for name, _, arg in [b.action.partition("('")]}
NAME = {Kind.ROLLBACK: "Roll back", Kind.ROUTE: "Route", Kind.KILL: "Kill switch",
        Kind.RATE_LIMIT: "Rate limit"}


class Acted(Message):
    """An action or state read finished: audit-backed views read the log again."""


class ActsOnScenario:
    """Mixed into a screen that has a scenario under the cursor (``acting_on``). Actions this
    operator may not take are dimmed in the footer; their key still answers, with the reason
    (and the attempt is recorded, like any refusal)."""

    app: App[None]

    @property
    def acting_on(self) -> str | None:
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None dims the key (False would hide it: the operator should see what exists)."""
        refusal = self.app.source.refusal  # type: ignore[attr-defined]
        if action == "act" and refusal(Kind(parameters[0])):
            return None
        if action == "verify" and all(refusal(kind) for kind in Kind):
            return None  # a state read settles doubts, which only someone who acts may do
        return True

    def on_key(self, event: Key) -> None:
        """A dimmed action's key: Textual does not run it, so say why here (the service
        refuses it and records the attempt)."""
        name, params = _KEYS.get(event.key, ("", ()))
        if not name or not self.acting_on or self.check_action(name, params):
            return
        event.stop()
        if name == "verify":
            self.action_verify()
        else:
            self.action_act(str(params[0]))

    def action_act(self, kind: str) -> None:
        if self.acting_on:
            self.app.flow.start(Request(kind=Kind(kind), scenario=self.acting_on))  # type: ignore[attr-defined]

    def action_verify(self) -> None:
        if self.acting_on:
            self.app.flow.verify(self.acting_on)  # type: ignore[attr-defined]


class ActionFlow:
    """One action at a time per scenario in this console; the audit guard stops the rest
    (another console, ``aiops-tui act``) at execute."""

    def __init__(self, app: App[None]) -> None:
        self.app = app
        self.say = app.say  # type: ignore[attr-defined]
        self.in_flight: dict[str, tuple[Kind, float]] = {}  # scenario → (kind, since)

    @property
    def actions(self):  # type: ignore[no-untyped-def]
        return self.app.source.actions  # type: ignore[attr-defined]

    def start(self, request: Request, then: Callable[[Outcome], None] | None = None) -> None:
        """One action per scenario from this console at a time, from the key to the answer
        (the audit guard stops other consoles and scripts at execute). ``then`` hears how it
        went, if it was sent (a runbook step ticks itself when its action is done)."""
        busy = self.in_flight.get(request.scenario)
        if busy is not None:
            kind, since = busy
            reason = (f"a {kind} on {request.scenario} is under way here "
                      f"({time.monotonic() - since:.0f}s): it comes first; nothing else was "
                      "sent")
            self.say(reason, title="not sent", severity="warning")
            self.app.run_worker(self.actions.refuse(request, reason), exit_on_error=False)
            return
        self.in_flight[request.scenario] = (request.kind, time.monotonic())
        self.app.run_worker(self._run(request, then), group=f"act-{request.scenario}",
                            exit_on_error=False)

    async def _run(self, request: Request, then: Callable[[Outcome], None] | None) -> None:
        outcome = None
        try:
            outcome = await self._ask_and_send(request)
        except Exception as exc:  # whatever broke, the operator hears of it
            self.say(f"{type(exc).__name__}: {exc}; if anything was sent, the audit trail "
                      f"(t) says so: read the state (V) before acting again",
                      title=f"{request.kind} failed in the console", severity="error",
                      timeout=30.0)
        finally:
            self.in_flight.pop(request.scenario, None)
            self.app.post_message(Acted())
        if outcome is not None and then is not None:
            then(outcome)

    async def _ask_and_send(self, request: Request) -> Outcome | None:
        """The action asked, confirmed and sent; its outcome, None if nothing was sent."""
        from aiops_tui.actions.service import Refusal
        from aiops_tui.ui.action_screens import AskScreen, ComponentScreen, ConfirmScreen

        app = self.app
        if app.source.refusal(request.kind) is None:  # type: ignore[attr-defined]
            # What the key leaves open is asked first; a refused operator is not asked.
            if request.kind is Kind.ROLLBACK and request.component is None:
                component = await app.push_screen_wait(ComponentScreen(request.scenario))
                if component is None:
                    return None
                request = request.model_copy(update={"component": component})
            if request.kind is Kind.RATE_LIMIT and request.rps is None and request.to is None:
                answer = await app.push_screen_wait(AskScreen(
                    f"Rate limit {request.scenario}", "requests per second, or off",
                    rps_problem))
                if answer is None:
                    return None
                request = request.model_copy(update=(
                    {"to": "off"} if answer == "off" else {"rps": float(answer)}))
        try:
            preview = await self.actions.preview(request)
        except Refusal as exc:
            self.say(str(exc), title=f"{request.kind} refused", severity="error")
            return None
        answer = await app.push_screen_wait(ConfirmScreen(preview, self._send))
        if answer is None:
            self.say(f"{request.kind} on {request.scenario} cancelled: nothing was sent",
                      timeout=4.0)
        elif isinstance(answer, str):
            self.say(answer, title=f"{request.kind} refused", severity="error")
        else:
            severity = {Outcome.DONE: "information", Outcome.FAILED: "error"}.get(
                answer.outcome, "warning")
            hint = f"\npress V (or :verify {request.scenario}) to read the state" \
                if answer.outcome is Outcome.UNKNOWN else ""
            self.say(answer.message + hint, title=f"{request.kind} {answer.outcome}",
                      severity=severity,
                      timeout=8.0 if answer.outcome is Outcome.DONE else 30.0)
            return answer.outcome
        return None

    async def _send(self, preview: Preview, typed: str) -> Result | str:
        """Called by the confirmation, which stays up (live data still held) until the
        control plane has answered: nothing repaints between the key and the request.
        Returns the result, or why it was refused."""
        from aiops_tui.actions.service import Refusal, Result

        try:
            return await self.actions.execute(preview, typed)
        except Refusal as exc:
            return str(exc)
        except Exception as exc:  # after the intent, anything may have happened
            return Result(Outcome.UNKNOWN, f"unknown — verify: {type(exc).__name__} while "
                          "sending; read the state before anything else")

    def verify(self, scenario: str) -> None:
        self.app.run_worker(self._verify(scenario), group=f"act-{scenario}",
                            exit_on_error=False)

    async def _verify(self, scenario: str) -> None:
        from aiops_tui.actions.service import Refusal

        try:
            state = await self.actions.verify(scenario)
        except Refusal as exc:
            self.say(str(exc), title="verify refused", severity="error")
            return
        finally:
            self.app.post_message(Acted())
        self.say(f"{scenario}: {state.words()}" if state else
                  f"{scenario}: recorded as checked by hand", title="state read", timeout=15.0)


def rps_problem(text: str) -> str | None:
    """Why ``text`` is not a rate (requests per second above 0, or off)."""
    if text == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        return "a number of requests per second, or off"
    return None if 0 < value < float("inf") else "above 0, or off to lift the limit"
