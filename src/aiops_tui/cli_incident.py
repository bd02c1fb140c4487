"""``aiops-tui runbook`` and ``aiops-tui incident``: runbooks read in the terminal, incidents
listed and written up as postmortems, from the same files the console uses (the incident log
is attached per read, so this works while a console runs)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from aiops_tui.config.models import Config
from aiops_tui.safe_text import clean

EXIT_NOT_FOUND = 9


def add_arguments(runbook: argparse.ArgumentParser, incident: argparse.ArgumentParser,
                  config_help: str, store_help: str) -> None:
    runbook.add_argument("id", nargs="?", help="the runbook to print (none: list them)")
    runbook.add_argument("--search", metavar="WORDS", help="find runbooks by words in their "
                         "titles and bodies (typos forgiven)")
    runbook.add_argument("--config", help=config_help)
    what = incident.add_subparsers(dest="what", required=True, metavar="WHAT")
    listing = what.add_parser("list", help="every incident, newest first")
    export = what.add_parser("export", help="write an incident's postmortem as markdown")
    export.add_argument("id", help="incident id, e.g. INC-3")
    export.add_argument("--out", help="file to write (default: standard output)")
    for cmd in (listing, export):
        cmd.add_argument("--config", help=config_help)
        cmd.add_argument("--store", help=store_help + "; incidents live beside it")


def runbook(runbooks: Path, args: argparse.Namespace) -> int:
    from aiops_tui.runbooks.library import Library

    library = Library.load(runbooks)
    for problem in library.problems:  # the rest still load
        print(f"warning: {problem} (left out)", file=sys.stderr)
    if args.id is None:
        hits = library.search(args.search or "")
        for hit in hits:
            print(f"{hit.runbook.id:<28}{clean(hit.runbook.title)}")
            if hit.context:
                print(f"{'':<28}{clean(hit.context)[:90]}")
        return 0 if hits else EXIT_NOT_FOUND
    found = library.get(args.id)
    if found is None:
        print(f"aiops-tui: no runbook {args.id!r} in {runbooks}", file=sys.stderr)
        return EXIT_NOT_FOUND
    from rich.console import Console
    from rich.markdown import Markdown

    meta = found.meta
    console = Console(highlight=False)
    console.print(f"{meta.id} · {meta.severity} · owner {clean(meta.owner)} · last tested "
                  f"{meta.last_tested} · {clean(str(found.path))}", markup=False, style="dim")
    console.print(Markdown("\n".join(clean(line) for line in found.body.splitlines())))
    return 0


def incident(config: Config, store: Path, runbooks: Path, args: argparse.Namespace) -> int:
    from aiops_tui.incidents.postmortem import write_up
    from aiops_tui.incidents.service import IncidentError, Incidents
    from aiops_tui.paths import audit_path, incidents_path
    from aiops_tui.runbooks.library import Library
    from aiops_tui.store.audit import AuditError, AuditLog
    from aiops_tui.store.incident_log import IncidentLog, IncidentLogError

    incidents = Incidents(IncidentLog(incidents_path(store)), "", "viewer", time.time)
    try:
        if args.what == "list":
            for i in incidents.all():
                state = "open" if i.open else f"resolved {_when(i.resolved_at)}"
                print(f"{i.id:<8}{i.severity:<6}{i.scenario:<18}{_when(i.declared_at)}  "
                      f"{state:<31}{clean(i.title)}")
            return 0
        found = incidents.get(args.id.upper())
        events = incidents.events(found.id)
        audit = [s.entry for s in AuditLog(audit_path(store)).entries(found.scenario)]
    except IncidentError as exc:
        print(f"aiops-tui: {exc} in {incidents_path(store)}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (IncidentLogError, AuditError) as exc:
        print(f"aiops-tui: {exc}", file=sys.stderr)
        return 3
    try:
        owners = config.scenario(found.scenario).owners
    except KeyError:
        from aiops_tui.config.models import Owners

        owners = Owners()
    text = write_up(found, events, audit, owners, Library.load(runbooks), time.time())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{args.out}: postmortem of {found.id} written", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at or 0, UTC).strftime("%Y-%m-%d %H:%M UTC")
