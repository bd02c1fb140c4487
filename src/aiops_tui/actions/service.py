"""Actions end to end, the one path every way in takes (keys, command mode, palette, runbook
steps, ``aiops-tui act``): policy → preview → confirmation → audit intent → control plane →
audit result. The UI only shows what this decides."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiops_tui.actions import guard
from aiops_tui.actions.adapters import ControlPlane, Failed, Unknown
from aiops_tui.actions.models import Kind, Outcome, Request, State
from aiops_tui.actions.policy import refusal
from aiops_tui.config.models import Config, Role, Scenario
from aiops_tui.store.audit import AuditError, AuditLog, Refused
from aiops_tui.store.audit_chain import Entry

RESULT_WRITE_TRIES = 5  # an action that happened must be recorded; the log may be busy


class Refusal(Exception):
    """The action is not sent, and why (policy, confirmation, in flight, in doubt)."""


@dataclass(frozen=True)
class Actor:
    user: str
    role: Role
    read_only: bool = False


@dataclass(frozen=True)
class Preview:
    """What the confirmation shows, and the idempotency key the action will carry: confirming
    the same preview twice sends the same key, which the control plane drops."""

    request: Request
    environment: str
    before: str
    after: str
    shares: tuple[str, ...]  # other scenarios on the same model servers or fallback target
    typed: bool  # production: the scenario id must be typed to confirm
    key: str


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message: str
    state: State | None = None


def describe(request: Request, state: State | None) -> tuple[str, str]:
    """(before, after) in words, from the control plane's state."""
    match request.kind:
        case Kind.ROLLBACK:
            v = state.versions.get(request.component or "") if state else None
            before = v.current if v and v.current else "unknown"
            return f"{request.component} {before}", \
                f"{request.component} {request.to or (v.last_known_good if v else None)}"
        case Kind.ROUTE:
            return state.route if state else "unknown", str(request.to)
        case Kind.KILL:
            before = ("killed" if state.killed else "serving") if state else "unknown"
            return before, "serving" if request.to == "off" else "killed"
        case Kind.RATE_LIMIT:
            limit = state.rate_limit_rps if state else None
            return (f"{limit:g} rps" if limit else "no limit"), \
                (f"{request.rps:g} rps" if request.rps else "no limit")


def sharing(config: Config, scenario: Scenario, request: Request) -> tuple[str, ...]:
    """Scenarios a change to ``scenario`` also touches: the same model servers, or (routing)
    the same fallback target, whose capacity it will now share."""
    mine = {e.base for e in scenario.endpoints if e.kind not in ("dcgm", "app")}
    out = set()
    for other in config.scenarios:
        if other.id == scenario.id:
            continue
        if mine & {e.base for e in other.endpoints}:
            out.add(other.id)
        fallback = scenario.route.fallback
        if request.kind is Kind.ROUTE and fallback is not None and other.route.fallback == \
                fallback:
            out.add(other.id)
    return tuple(sorted(out))


def _resolved(request: Request, state: State | None) -> tuple[Request, str | None]:
    """The request with what it left open filled from the state (a rollback's last known
    good; a route or kill switch left open flips it), or why it cannot be."""
    scenario = request.scenario
    to = request.to
    match request.kind:
        case Kind.ROLLBACK if state is not None:
            v = state.versions.get(request.component or "")
            if v is None:
                return request, (f"{scenario}'s control plane does not manage its "
                                 f"{request.component}")
            to = to or v.last_known_good
            if to is None:
                return request, (f"{scenario}'s control plane knows no last good "
                                 f"{request.component}: name the version")
            if to == v.current:
                return request, f"{scenario} already serves {request.component} {to}"
        case Kind.ROUTE if to is None:
            if state is None:
                return request, (f"{scenario}'s control plane cannot say where it routes: "
                                 "name primary or fallback")
            to = "primary" if state.route == "fallback" else "fallback"
        case Kind.KILL if to is None:  # unreadable: the switch goes on, as asked
            to = "off" if state is not None and state.killed else "on"
    return request.model_copy(update={"to": to}), None


class Actions:
    def __init__(self, config: Config, audit: AuditLog, actor: Actor,
                 planes: dict[str, ControlPlane],
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.audit = audit
        self.actor = actor
        self.planes = planes  # by scenario id: the scenarios that can be acted on
        self.clock = clock  # the runtime's, which stamps the incident events beside these

    def allowed(self, kind: Kind) -> str | None:
        """Why this operator cannot do ``kind`` at all (screens dim it), or None."""
        return refusal(kind, self.actor.role, self.actor.read_only)

    def _entry(self, request: Request, phase: str, **fields: object) -> Entry:
        plane = self.planes.get(request.scenario)
        return Entry(at=self.clock(), user=self.actor.user, role=self.actor.role, phase=phase,
                     action=str(request.kind), scenario=request.scenario,
                     component=request.component, adapter=plane.name if plane else "",
                     **fields)  # type: ignore[arg-type]

    async def _append(self, entry: Entry, **kwargs: object) -> None:
        """Off the event loop: a write may wait for another process's turn."""
        await asyncio.to_thread(self.audit.append, entry, **kwargs)  # type: ignore[arg-type]

    async def refuse(self, request: Request, reason: str) -> Refusal:
        """Record a refusal decided above this layer (the console's "one already in flight
        here"): an operator's attempt is part of the record too."""
        return await self._refuse(request, reason)

    async def _refuse(self, request: Request, reason: str, preview: Preview | None = None,
                      phase: str = "result") -> Refusal:
        """Record the refusal (an operator's attempt is part of the record too)."""
        entry = self._entry(request, phase, outcome=str(Outcome.REFUSED), detail=reason,
                            before=preview.before if preview else None,
                            to=preview.after if preview else None,
                            key=preview.key if preview else "")
        if phase == "verify":
            entry = entry.model_copy(update={"action": "verify", "component": None})
        try:
            await self._append(entry)
        except AuditError as exc:
            reason += f" (and the refusal could not be recorded: {exc})"
        return Refusal(reason)

    async def preview(self, request: Request) -> Preview:
        """Check the request and read the state it would change; raises ``Refusal``."""
        try:
            scenario = self.config.scenario(request.scenario)
        except KeyError:
            raise await self._refuse(
                request, f"no scenario {request.scenario!r} in the config") from None
        reason = self.allowed(request.kind) or self._invalid(request, scenario)
        if reason:
            raise await self._refuse(request, reason)
        plane = self.planes[scenario.id]
        state = None
        if plane.reads_state:
            try:
                state = await plane.state(scenario.id)
            except Failed as exc:
                raise await self._refuse(request, f"cannot read {scenario.id}'s state, so "
                                         f"cannot say what would change: {exc}") from None
        request, reason = _resolved(request, state)
        reason = reason or plane.unsupported(request)
        if reason:
            raise await self._refuse(request, reason)
        before, after = describe(request, state)
        return Preview(request, scenario.environment, before, after,
                       sharing(self.config, scenario, request),
                       scenario.environment == "production", uuid.uuid4().hex)

    def _invalid(self, request: Request, scenario: Scenario) -> str | None:
        if scenario.id not in self.planes:
            return f"{scenario.id} has no control plane in the config: nothing to act through"
        if request.kind is Kind.ROLLBACK and request.component is None:
            return "a rollback names its component: model, prompt or index"
        if request.kind is Kind.ROLLBACK and request.component == "index" and \
                not scenario.versions.index:
            return f"{scenario.id} has no index"
        if request.kind is Kind.KILL and request.to not in (None, "on", "off"):
            return "the kill switch goes on or off"
        if request.kind is Kind.RATE_LIMIT and request.rps is None and request.to != "off":
            return "a rate limit needs requests per second (or off to lift it)"
        if request.kind is Kind.ROUTE and request.to not in (None, "primary", "fallback"):
            return "route to primary or fallback"
        if request.kind is Kind.ROUTE and request.to != "primary" and \
                scenario.route.fallback is None:
            return f"{scenario.id} has no fallback target in the config"
        return None

    async def execute(self, preview: Preview, typed: str | None) -> Result:
        """Send the previewed action once. ``typed`` is what the operator typed to confirm
        (the scenario id, where the preview asks for it)."""
        request = preview.request
        reason = self.allowed(request.kind)
        if reason is None and request.scenario not in self.planes:
            reason = f"{request.scenario} has no control plane in the config"
        if reason is None and preview.typed and typed != request.scenario:
            reason = f"not confirmed: type {request.scenario} to act on production"
        if reason:
            raise await self._refuse(request, reason, preview)
        plane = self.planes[request.scenario]
        now = self.clock()
        try:
            await self._append(self._entry(request, "intent", before=preview.before,
                                           to=preview.after, key=preview.key),
                               guard=lambda seen: guard.blocked(seen, now, plane.timeout_s))
        except Refused as exc:
            raise await self._refuse(request, str(exc), preview) from None
        except AuditError as exc:
            raise Refusal(f"not sent: the intent could not be recorded ({exc})") from None
        started = time.perf_counter()
        state = None
        try:
            async with asyncio.timeout(plane.timeout_s + 1.0):
                reply = await plane.act(request, preview.key)
            state = reply.state
            outcome = Outcome.DONE
            message = f"done: {request.scenario} {preview.after}" + \
                (f" ({reply.said})" if reply.said else "")
        except Failed as exc:
            outcome, message = Outcome.FAILED, f"failed: {exc}"
        except (Unknown, TimeoutError) as exc:
            outcome = Outcome.UNKNOWN
            message = (f"unknown — verify: {str(exc) or 'no answer in time'}; read the state "
                       "before anything else")
        except Exception as exc:  # whatever broke, the result must be written
            outcome = Outcome.UNKNOWN  # its text may carry what was sent: the type only
            message = f"unknown — verify: {type(exc).__name__} in the adapter"
        duration_ms = (time.perf_counter() - started) * 1e3
        result = self._entry(request, "result", before=preview.before, to=preview.after,
                             key=preview.key, outcome=str(outcome), detail=message,
                             duration_ms=round(duration_ms, 1))
        for attempt in range(RESULT_WRITE_TRIES):
            try:
                await self._append(result)
                break
            except AuditError as exc:
                if attempt == RESULT_WRITE_TRIES - 1:
                    message += f" (the result could not be recorded: {exc})"
                await asyncio.sleep(0.2 * (attempt + 1))
        return Result(outcome, message, state)

    async def verify(self, scenario_id: str) -> State | None:
        """Read the state after a doubt and record that it was read, which lets actions on
        the scenario go again; raises ``Refusal`` (recorded). A control plane that cannot be
        read (commands) is checked by hand: recording that is then the operator's word, so
        only someone who may act can give it. Returns the state read, if any."""
        probe = Request(kind=Kind.ROLLBACK, scenario=scenario_id)  # what a refusal names
        plane = self.planes.get(scenario_id)
        if plane is None:
            raise await self._refuse(probe, f"{scenario_id} has no control plane in the "
                                     "config", phase="verify")
        if all(self.allowed(kind) for kind in Kind):
            raise await self._refuse(probe, self.allowed(Kind.ROLLBACK) or "", phase="verify")
        state = None
        if plane.reads_state:
            try:
                state = await plane.state(scenario_id)
            except Failed as exc:
                raise await self._refuse(probe, f"cannot read {scenario_id}'s state: {exc}",
                                         phase="verify") from None
            detail = state.words()
        else:
            detail = "checked by hand: this control plane cannot be read"
        try:
            await self._append(Entry(
                at=self.clock(), user=self.actor.user, role=self.actor.role, phase="verify",
                action="verify", scenario=scenario_id, adapter=plane.name, detail=detail))
        except AuditError as exc:
            raise Refusal(f"the state was read but could not be recorded: {exc}") from None
        return state

    async def aclose(self) -> None:
        for plane in self.planes.values():
            await plane.aclose()
