"""The command palette's actions: every action on every scenario, by name, through the same
flow as the keys. Ones this operator may not take say why, and refuse (recorded) if picked."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from aiops_tui.actions.models import Kind, Request

# (title, what the request leaves open filled in)
CHOICES: list[tuple[str, dict[str, object]]] = [
    ("Roll back model of", {"kind": Kind.ROLLBACK, "component": "model"}),
    ("Roll back prompt of", {"kind": Kind.ROLLBACK, "component": "prompt"}),
    ("Roll back index of", {"kind": Kind.ROLLBACK, "component": "index"}),
    ("Switch route (fallback/primary) of", {"kind": Kind.ROUTE}),
    ("Kill switch on/off for", {"kind": Kind.KILL}),
    ("Rate limit", {"kind": Kind.RATE_LIMIT}),
]


class ActionCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        source = app.source  # type: ignore[attr-defined]
        current = getattr(self.screen, "acting_on", None)
        scenarios = sorted(source.config.scenarios, key=lambda s: s.id != current)
        out = []
        for scenario in scenarios:
            for title, fields in CHOICES:
                if fields.get("component") == "index" and not scenario.versions.index:
                    continue
                request = Request(scenario=scenario.id, **fields)  # type: ignore[arg-type]
                why = source.refusal(request.kind)
                out.append((f"{title} {scenario.id}", partial(app.flow.start, request),  # type: ignore[attr-defined]
                            f"not allowed: {why}" if why else f"{scenario.environment}; "
                            "confirmation follows"))
            out.append((f"Verify state of {scenario.id}",
                        partial(app.flow.verify, scenario.id),  # type: ignore[attr-defined]
                        "read the control plane's state and record it"))
        out.append(("Audit trail", app.action_audit, "every action, refusal and state read"))  # type: ignore[attr-defined]
        return out

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(Text(text), command, text=text, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text,
                          help=escape(help_text))
