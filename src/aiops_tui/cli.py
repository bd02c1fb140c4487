"""``aiops-tui`` entry point. Imports stay lazy so ``check`` and ``status`` start fast."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_tui import __version__, cli_act, cli_incident, cli_serve

if TYPE_CHECKING:
    from aiops_tui.demo.drills import Drill

EXIT_CONFIG = 2
EXIT_STORE = 3
EXIT_FLEET = 4


READ_ONLY_HELP = "watch only: every action is refused (shown as a READ-ONLY badge)"
LOW_BANDWIDTH_HELP = ("for a weak SSH link: numbers repaint at most every 5 s (a health change "
                      "or an alert changing state still shows at once), no animations")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiops-tui", description="Keyboard-driven console for production AI systems.")
    parser.add_argument("--version", action="version", version=f"aiops-tui {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--version", action="version", version=f"aiops-tui {__version__}")
        return cmd

    config_help = "config file (default: $AIOPS_TUI_CONFIG, user config, bundled demo)"
    store_help = "DuckDB store (default: <state dir>/<config name>.duckdb)"
    demo = add("demo", "Start the built-in demo fleet and the console on it.")
    demo.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    demo.add_argument("--store", help=store_help)
    demo.add_argument("--config", help="fleet config (default: the bundled demo)")
    demo.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)
    demo.add_argument("--low-bandwidth", action="store_true", help=LOW_BANDWIDTH_HELP)
    demo.add_argument("--drill", metavar="NAME", help="practice: stage this drill (`aiops-tui "
                      "drill --list`) as an incident; the console times acknowledging, "
                      "opening the runbook, mitigating and recovery, then shows a debrief")
    demo.add_argument("--scenario", help="the drill's scenario (default: the drill's own)")
    fleet = add("fleet", "Serve only the demo fleet at the config's addresses until interrupted.")
    fleet.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    fleet.add_argument("--config", help="fleet config (default: the bundled demo)")
    run = add("run", "Run the console against a fleet.")
    run.add_argument("--config", help=config_help)
    run.add_argument("--store", help=store_help)
    run.add_argument("--headless", action="store_true",
                     help="collect without a UI, like a daemon, until interrupted")
    run.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)
    run.add_argument("--low-bandwidth", action="store_true", help=LOW_BANDWIDTH_HELP)
    status = add("status", "Print each scenario's current signals.")
    status.add_argument("--config", help=config_help)
    status.add_argument("--store", help=store_help)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    check = add("check", "Validate a config, its alert rules and its runbooks (front matter, "
                "alerts, actions and links they name); exit non-zero with file:line: field: "
                "message. Warns of scenarios without an incident owner.")
    check.add_argument("--config", help=config_help)
    drill = add("drill", "Stage an incident on a running demo fleet's scenario (or end it with "
                "--clear).")
    drill.add_argument("name", nargs="?", help="the drill; --list shows them")
    drill.add_argument("--scenario", help="scenario id (default: the drill's own)")
    drill.add_argument("--clear", action="store_true",
                       help="end the drill (every drill on the scenario without a name)")
    drill.add_argument("--list", action="store_true", help="list the drills and exit")
    drill.add_argument("--config", help="fleet config (default: the bundled demo)")
    act = add("act", "Act on a scenario through its control plane, under the same roles, "
              "confirmation and audit as the console. Exit 5 refused, 6 failed, 7 unknown.")
    audit = add("audit", "List the audit log, or check its hash chain (exit 8 if broken).")
    cli_act.add_arguments(act, audit, config_help, store_help)
    runbook = add("runbook", "Print a runbook in the terminal, list them, or search them.")
    incident = add("incident", "List incidents, or export one as a markdown postmortem.")
    cli_incident.add_arguments(runbook, incident, config_help, store_help)
    serve = add("serve", "Serve the console to web browsers (one console per tab), read-only "
                "unless --write, on 127.0.0.1 unless --host.")
    cli_serve.add_arguments(serve, config_help, store_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if hasattr(signal, "SIGPIPE") and args.command in ("status", "check", "audit"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` ends quietly
    from aiops_tui.config import ConfigError, load_config
    from aiops_tui.paths import bundled_config

    if args.command == "drill" and args.list:
        from aiops_tui.demo.drills import DRILLS

        for d in DRILLS.values():
            print(f"{d.name:<22}{d.tier:<8}{d.scenario:<15}fires {d.alert}: {d.what}")
        return 0
    demo_default = args.command in ("demo", "fleet", "drill") or getattr(args, "demo", False)
    explicit = args.config or (bundled_config() if demo_default else None)
    try:
        config, path = load_config(explicit)
        if args.command == "drill":
            from aiops_tui import cli_drill

            return cli_drill.drill(config, args)
        if args.command == "fleet":
            return _fleet(config, args.seed)
        from aiops_tui.alerts.rules import load_alerting, runbooks_dir

        rules = load_alerting(config, path)
        if args.command == "check":
            return _check(config, path, rules)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "runbook":
        return cli_incident.runbook(runbooks_dir(config, path), args)
    store = Path(args.store) if getattr(args, "store", None) else _default_store(path)
    alerting = (rules, runbooks_dir(config, path))
    if args.command == "status":
        return _status(config, store, alerting, args.json)
    if args.command == "act":
        return cli_act.act(config, store, args)
    if args.command == "audit":
        return cli_act.audit(store, args)
    if args.command == "incident":
        return cli_incident.incident(config, store, runbooks_dir(config, path), args)
    if args.command == "serve":
        return _serve(config, path, store, args)
    if args.command == "demo":
        return _demo(config, store, alerting, args.seed, args.read_only,
                     (args.drill, args.scenario), args.low_bandwidth)
    return _run(config, store, alerting, args.headless, label=str(path.name),
                read_only=args.read_only, low_bandwidth=args.low_bandwidth)


def _check(config, path: Path, rules) -> int:  # type: ignore[no-untyped-def]
    """Every problem in the config, its rules and its runbooks, then warnings (exit 0)."""
    from aiops_tui.alerts.rules import missing_runbooks, rules_path, runbooks_dir
    from aiops_tui.config import ConfigError
    from aiops_tui.runbooks.library import Library, lint

    library = Library.load(runbooks_dir(config, path))
    problems = [*missing_runbooks(rules, config, path), *library.problems,
                *lint(library, config, (r.id for r in rules.rules))]
    for scenario in config.scenarios:
        if not scenario.owners.incident:
            print(f"{path}: warning: {scenario.id}.owners.incident: no incident owner: "
                  "nobody is named to answer this scenario's pages", file=sys.stderr)
    if problems:
        raise ConfigError(problems)
    if config.source.kind == "prometheus":
        print(f"{path}: endpoints with metrics are read from the query API at "
              f"{config.source.base}, not scraped")
    print(f"{path}: ok ({len(config.scenarios)} scenarios, "
          f"{sum(len(s.endpoints) for s in config.scenarios)} endpoints)\n"
          f"{rules_path(config, path)}: ok ({len(rules.rules)} alert rules, their "
          f"runbooks present)\n{library.directory}: ok ({len(library.runbooks)} runbooks)")
    return 0


def _default_store(config_path: Path) -> Path:
    from aiops_tui.paths import state_dir

    return state_dir() / f"{config_path.stem}.duckdb"


def _start_fleet(config, seed: int):  # type: ignore[no-untyped-def]
    """Serve the demo fleet; None if our fleet already answers at its addresses."""
    from aiops_tui.demo.fleet import DemoFleet

    fleet = DemoFleet(config, seed=seed)
    if fleet.already_serving():
        return None
    fleet.start()
    return fleet


def _fleet(config, seed: int) -> int:  # type: ignore[no-untyped-def]
    try:
        fleet = _start_fleet(config, seed)
    except OSError as exc:
        print(f"aiops-tui fleet: cannot listen: {exc}", file=sys.stderr)
        return EXIT_FLEET
    if fleet is None:
        print("aiops-tui fleet: a demo fleet is already serving these addresses", file=sys.stderr)
        return EXIT_FLEET
    for (host, port), route in fleet.routes().items():
        what = f"{route.scenario.id}/{route.endpoint.name} ({route.endpoint.kind})" \
            if route.scenario and route.endpoint else "fleet API (evals, index manifests)"
        print(f"http://{host}:{port}  {what}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    fleet.stop()
    return 0


def _runtime(config, store: Path, alerting):  # type: ignore[no-untyped-def]
    """``alerting``: the alert rules and the runbooks directory."""
    from aiops_tui.runtime import Runtime
    from aiops_tui.store.db import StoreError

    runtime = Runtime(config, store, rules=alerting[0], runbooks=alerting[1])
    try:
        runtime.open()
    except StoreError as exc:
        print(f"aiops-tui: store unusable: {exc}", file=sys.stderr)
        return None
    return runtime


def _run(config, store: Path, alerting, headless: bool,  # type: ignore[no-untyped-def]
         label: str, read_only: bool = False, low_bandwidth: bool = False) -> int:
    if not headless:
        return _console(config, store, alerting, label, read_only,
                        low_bandwidth=low_bandwidth)
    runtime = _runtime(config, store, alerting)
    if runtime is None:
        return EXIT_STORE
    from aiops_tui.runtime import run_headless

    print(f"aiops-tui: collecting into {store} as {runtime.mode} every "
          f"{runtime.interval:g}s (Ctrl-C stops)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_headless(runtime, run_headless))
    return 0


def _console(config, store: Path, alerting, label: str,  # type: ignore[no-untyped-def]
             read_only: bool, drill: tuple[Drill, str] | None = None,
             low_bandwidth: bool = False) -> int:
    """The console until quit. The store is opened in its first cycle, after the first frame
    is painted; a store it cannot use is reported in its top bar. ``drill``: stage it on the
    scenario first, and debrief its incident."""
    from aiops_tui.runtime import Runtime
    from aiops_tui.session_guard import guard, served_by
    from aiops_tui.ui.app import AiopsApp

    runtime = Runtime(config, store, rules=alerting[0], runbooks=alerting[1],
                      read_only=read_only)
    if drill is None:
        app = AiopsApp(runtime, label=label, low_bandwidth=low_bandwidth)
        server = served_by()
        if server is not None:  # in a browser tab: end with the tab, whatever happens
            guard(app, server)
        app.run()
        return 0
    from aiops_tui.cli_drill import DrillError, practice

    try:
        with practice(config, runtime.incidents, *drill) as incident:
            AiopsApp(runtime, label=label, drill=incident, low_bandwidth=low_bandwidth).run()
    except DrillError as exc:
        print(f"aiops-tui demo: drill not started: {exc}", file=sys.stderr)
        return exc.code
    return 0


async def _headless(runtime, run_headless) -> None:  # type: ignore[no-untyped-def]
    """Until Ctrl-C or SIGTERM (systemctl stop): a stop lets the cycle in flight finish."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None and hasattr(signal, "SIGTERM"):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        await run_headless(runtime)
    except asyncio.CancelledError:
        pass
    finally:
        await runtime.aclose()


def _demo(config, store: Path, alerting, seed: int,  # type: ignore[no-untyped-def]
          read_only: bool, drill: tuple[str | None, str | None],
          low_bandwidth: bool = False) -> int:
    name, scenario = drill
    if name is None and scenario is not None:
        print("aiops-tui demo: --scenario goes with --drill NAME", file=sys.stderr)
        return EXIT_CONFIG
    picked = None
    if name is not None:
        from aiops_tui.cli_drill import DrillError, pick

        try:  # a misspelt drill is said before the fleet starts
            picked = pick(config, name, scenario)
        except DrillError as exc:
            print(f"aiops-tui demo: {exc}", file=sys.stderr)
            return exc.code
    try:
        fleet = _start_fleet(config, seed)
    except OSError as exc:
        print(f"aiops-tui demo: cannot start the demo fleet: {exc}. Something else uses the "
              "addresses in the demo config; stop it or pass --config with other ports.",
              file=sys.stderr)
        return EXIT_FLEET
    _backfill_demo(config, store)
    try:
        return _console(config, store, alerting, "demo fleet", read_only, picked,
                        low_bandwidth)
    finally:
        if fleet is not None:
            fleet.stop()


def _serve(config, path: Path, store: Path,  # type: ignore[no-untyped-def]
           args: argparse.Namespace) -> int:
    fleet = None
    if args.demo:
        try:
            fleet = _start_fleet(config, args.seed)
        except OSError as exc:
            print(f"aiops-tui serve: cannot start the demo fleet: {exc}", file=sys.stderr)
            return EXIT_FLEET
        _backfill_demo(config, store)
    try:
        return cli_serve.serve(path, store, args)
    finally:
        if fleet is not None:
            fleet.stop()


def _backfill_demo(config, store: Path,  # type: ignore[no-untyped-def]
                   now: float | None = None) -> None:
    """A fresh demo store starts with a week of simulated past (see ``demo.history``)."""
    from aiops_tui.demo.history import past
    from aiops_tui.store.db import StoreError, StoreLocked, open_writer

    try:
        db = open_writer(store)
    except (StoreLocked, StoreError):
        return  # another console has it (and its history), or _run will say what is wrong
    try:
        if not db.has_history():
            hours, minutes = past(config, now or time.time())
            db.write_minutes(hours, "hours", count_versions=True)
            db.write_minutes(minutes)
    finally:
        db.close()


def _status(config, store: Path, alerting, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    # Status may collect for a moment itself: it notifies nobody, so whatever it sees fire
    # is left for the console or collector that runs next to send.
    quiet = config.model_copy(update={"alerts": config.alerts.model_copy(
        update={"notifiers": []})})
    runtime = _runtime(quiet, store, alerting)
    if runtime is None:
        return EXIT_STORE
    snapshot = asyncio.run(_status_snapshot(runtime))
    if snapshot is None:
        print(f"aiops-tui status: {store} is held by {runtime.holder}, which has not published "
              "a live picture yet; try again in a few seconds", file=sys.stderr)
        return 1
    age = runtime.age(snapshot)
    if as_json:
        from aiops_tui.status_report import as_json_document

        print(json.dumps(as_json_document(snapshot, str(runtime.mode), age), indent=2))
    else:
        from aiops_tui.status_report import as_text

        print(as_text(snapshot, str(runtime.mode), runtime.holder, age))
    return 0


async def _status_snapshot(runtime):  # type: ignore[no-untyped-def]
    """A follower reads the live picture; a writer collects twice so rates have two points."""
    from aiops_tui.runtime import Mode

    try:
        snapshot = await runtime.cycle()
        if runtime.mode is Mode.WRITER:
            await asyncio.sleep(min(runtime.interval, 2.0))
            snapshot = await runtime.cycle()
        return snapshot
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    raise SystemExit(main())
