"""``aiops-tui drill`` and ``aiops-tui demo --drill``: incidents staged on the demo fleet
through its API (where the config's eval feeds point), for practice and for tests. The demo
form also declares the practice incident the console then debriefs."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from aiops_tui.cli import EXIT_CONFIG, EXIT_FLEET, EXIT_STORE
from aiops_tui.config.models import Config
from aiops_tui.demo.drills import DRILLS, Drill
from aiops_tui.incidents.record import Incident
from aiops_tui.incidents.service import IncidentError, Incidents
from aiops_tui.safe_text import clean
from aiops_tui.store.incident_log import IncidentLogError


class DrillError(Exception):
    """What stops the drill, in words for the terminal, and the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def pick(config: Config, name: str, scenario: str | None) -> tuple[Drill, str]:
    """The drill and where to stage it: the named scenario, else the drill's own."""
    if name not in DRILLS:
        raise DrillError(f"no drill {name!r}; known: {', '.join(DRILLS)}", EXIT_CONFIG)
    drill = DRILLS[name]
    return drill, _known(config, scenario or drill.scenario,
                         "" if scenario else "; name one with --scenario")


def _known(config: Config, scenario: str, hint: str = "") -> str:
    if scenario not in {s.id for s in config.scenarios}:
        raise DrillError(f"no scenario {scenario!r} in the config{hint}", EXIT_CONFIG)
    return scenario


def stage(config: Config, name: str | None, scenario: str, clear: bool = False
          ) -> dict[str, Any]:
    """Start ``name`` on ``scenario`` (or end it, or every drill there): the fleet's answer."""
    import httpx

    api = next((s.evals.url for s in config.scenarios if s.evals), None)
    if api is None:
        raise DrillError("the config points at no demo fleet API", EXIT_FLEET)
    url = f"{api.scheme}://{api.host}:{api.port}/drills/{scenario}" + (f"/{name}" if name else "")
    try:
        reply = httpx.request("DELETE" if clear else "POST", url, timeout=5.0)
    except httpx.HTTPError as exc:
        raise DrillError(f"no demo fleet answers at {url}: {exc}. Start one with "
                         "`aiops-tui demo` or `aiops-tui fleet`.", EXIT_FLEET) from None
    if reply.status_code != 200:
        raise DrillError(f"the fleet answered HTTP {reply.status_code}: {reply.text[:200]}",
                         EXIT_FLEET)
    answer: dict[str, Any] = reply.json()
    return answer


@contextlib.contextmanager
def practice(config: Config, incidents: Incidents, drill: Drill, scenario: str
             ) -> Iterator[Incident]:
    """One console run's drill: staged, and its practice incident declared, on entry. On
    exit the incident is resolved if still open, and the fleet is left as it was found (the
    drill ended if this run started it; another's running drill is not touched). A real
    incident open on the scenario stops it: practice must not write onto its timeline."""
    try:
        current = incidents.open_for(scenario)
        if current is not None and not current.drill:
            raise DrillError(f"{current.id} ({clean(current.title)}) is open on {scenario}: "
                             "a drill there would mix with it; name another --scenario",
                             EXIT_CONFIG)
        staged = stage(config, drill.name, scenario)["started"] is not None
        incident = incidents.start_drill(scenario, drill.name, drill.alert, drill.tier)
    except IncidentError as exc:  # another console declared on the scenario meanwhile
        raise DrillError(str(exc), EXIT_CONFIG) from None
    except IncidentLogError as exc:
        raise DrillError(f"the incident log is unusable: {exc}", EXIT_STORE) from None
    try:
        yield incident
    finally:
        with contextlib.suppress(IncidentError, IncidentLogError):
            incidents.end_drill(incident.id, "drill over: the console running it quit")
        if staged:
            with contextlib.suppress(DrillError):
                stage(config, drill.name, scenario, clear=True)


def drill(config: Config, args: argparse.Namespace) -> int:
    """The ``drill`` command: start a drill on the running fleet, or end one."""
    try:
        if args.clear:
            if args.name is not None:
                scenario = pick(config, args.name, args.scenario)[1]
            elif args.scenario is None:
                raise DrillError("give the drill's NAME or --scenario ID to end", EXIT_CONFIG)
            else:
                scenario = _known(config, args.scenario)
            answer = stage(config, args.name, scenario, clear=True)
            print(f"{scenario}: ended {', '.join(answer['ended']) or 'nothing (none running)'}")
            return 0
        if args.name is None:
            raise DrillError("give NAME [--scenario ID] (or --clear, or --list)", EXIT_CONFIG)
        chosen, scenario = pick(config, args.name, args.scenario)
        answer = stage(config, chosen.name, scenario)
    except DrillError as exc:
        print(f"aiops-tui drill: {exc}", file=sys.stderr)
        return exc.code
    if answer["started"]:
        print(f"{scenario}: {chosen.name} started ({chosen.what}); expect {chosen.alert} "
              f"({chosen.tier}). End it with: aiops-tui drill {chosen.name} --scenario "
              f"{scenario} --clear")
    else:
        print(f"{scenario}: {chosen.name} was already running")
    return 0
