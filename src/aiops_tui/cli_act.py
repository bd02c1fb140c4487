"""``aiops-tui act`` and ``aiops-tui audit``: the console's actions for scripts and ChatOps,
through the same policy, confirmation, audit and control planes (``actions.service``)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiops_tui.config.models import Config
from aiops_tui.safe_text import clean

EXIT_REFUSED = 5
EXIT_FAILED = 6
EXIT_UNKNOWN = 7
EXIT_TAMPERED = 8


def add_arguments(act: argparse.ArgumentParser, audit: argparse.ArgumentParser,
                  config_help: str, store_help: str) -> None:
    actions = act.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = actions.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("scenario", help="scenario id")
        cmd.add_argument("--config", help=config_help)
        cmd.add_argument("--store", help=store_help + "; the audit log lives beside it")
        cmd.add_argument("--confirm", metavar="SCENARIO_ID",
                         help="confirm without a terminal (the scenario id again)")
        cmd.add_argument("--read-only", action="store_true", help="refuse every action")
        return cmd

    rollback = action("rollback", "Roll a model, prompt or index back (default: to the last "
                      "known good).")
    rollback.add_argument("--component", required=True, choices=("model", "prompt", "index"))
    rollback.add_argument("--to", help="the version (default: the last known good)")
    route = action("route", "Send the scenario's traffic to its fallback target, or back.")
    route.add_argument("--to", required=True, choices=("fallback", "primary"))
    kill = action("kill", "Kill switch: stop serving the scenario (static degraded answer).")
    kill.add_argument("--off", action="store_true", help="serve again")
    limit = action("rate-limit", "Cap the scenario's requests per second.")
    group = limit.add_mutually_exclusive_group(required=True)
    group.add_argument("--rps", type=_rps, help="requests per second allowed")
    group.add_argument("--off", action="store_true", help="lift the limit")
    verify = action("verify", "Read the scenario's state from its control plane (after a "
                    "timeout left it unknown) and record that it was read.")
    verify.set_defaults(confirm=None)
    audit.add_argument("what", nargs="?", choices=("verify",),
                       help="verify: check the hash chain; exit non-zero if broken")
    audit.add_argument("--scenario", help="only this scenario's entries")
    audit.add_argument("--json", action="store_true", help="one JSON object per entry")
    audit.add_argument("--config", help=config_help)
    audit.add_argument("--store", help=store_help + "; the audit log lives beside it")


def _rps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("requests per second must be above 0")
    return value


def _request(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from aiops_tui.actions.models import Kind, Request

    match args.action:
        case "rollback":
            return Request(kind=Kind.ROLLBACK, scenario=args.scenario, component=args.component,
                           to=args.to)
        case "route":
            return Request(kind=Kind.ROUTE, scenario=args.scenario, to=args.to)
        case "kill":
            return Request(kind=Kind.KILL, scenario=args.scenario,
                           to="off" if args.off else "on")
        case _:
            return Request(kind=Kind.RATE_LIMIT, scenario=args.scenario,
                           rps=None if args.off else args.rps, to="off" if args.off else None)


def act(config: Config, store: Path, args: argparse.Namespace) -> int:
    return asyncio.run(_act(config, store, args))


async def _act(config: Config, store: Path, args: argparse.Namespace) -> int:
    from aiops_tui.actions.models import Outcome
    from aiops_tui.actions.planes import planes_for
    from aiops_tui.actions.policy import os_user, role_of
    from aiops_tui.actions.service import Actions, Actor, Refusal
    from aiops_tui.paths import audit_path
    from aiops_tui.store.audit import AuditLog

    user = os_user()
    actor = Actor(user, role_of(user, config.access), config.access.read_only or args.read_only)
    actions = Actions(config, AuditLog(audit_path(store)), actor, planes_for(config))
    try:
        if args.action == "verify":
            state = await actions.verify(args.scenario)
            print(json.dumps(state.model_dump(mode="json"), indent=2) if state else
                  f"{args.scenario}: recorded as checked by hand by {user}")
            return 0
        preview = await actions.preview(_request(args))
        print(clean(f"{preview.request.kind} {preview.request.scenario} "
                    f"({preview.environment}): {preview.before} → {preview.after}"))
        if preview.shares:
            print(f"also affects: {', '.join(preview.shares)}")
        preview = dataclasses.replace(preview, typed=True)  # here staging types it too
        typed = args.confirm
        if typed is None and sys.stdin.isatty():
            try:
                typed = input(f"type {preview.request.scenario} to confirm: ").strip()
            except EOFError:
                typed = ""
        elif typed is None:
            print(f"not a terminal: confirm with --confirm {preview.request.scenario}",
                  file=sys.stderr)
        result = await actions.execute(preview, typed)
    except Refusal as exc:
        print(clean(f"refused: {exc}"), file=sys.stderr)
        return EXIT_REFUSED
    finally:
        await actions.aclose()
    stream = sys.stdout if result.outcome is Outcome.DONE else sys.stderr
    print(clean(result.message), file=stream)
    return {Outcome.DONE: 0, Outcome.FAILED: EXIT_FAILED}.get(result.outcome, EXIT_UNKNOWN)


def audit(store: Path, args: argparse.Namespace) -> int:
    from aiops_tui.paths import audit_path
    from aiops_tui.store.audit import AuditError, AuditLog
    from aiops_tui.store.audit_chain import verify

    log = AuditLog(audit_path(store))
    try:
        if args.what == "verify":
            entries = log.entries()
            problems = verify(entries, log.head())
            for problem in problems:
                print(f"{log.path}: {problem}", file=sys.stderr)
            if not problems:
                print(f"{log.path}: intact ({len(entries)} entries)")
            return EXIT_TAMPERED if problems else 0
        entries = log.entries(args.scenario)
    except AuditError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    for sealed in entries:
        e = sealed.entry
        if args.json:
            print(json.dumps({"seq": sealed.seq, **e.model_dump(mode="json"),
                              "hash": sealed.hash}))
            continue
        at = datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(clean(f"{sealed.seq:>5} {at} {e.user}({e.role}) {e.phase:<7} {e.what:<16} "
                    f"{e.scenario} {e.change} {e.outcome} {e.detail}".rstrip()))
    return 0
