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

from aiops_tui import __version__

EXIT_CONFIG = 2
EXIT_STORE = 3
EXIT_FLEET = 4


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
    fleet = add("fleet", "Serve only the demo fleet at the config's addresses until interrupted.")
    fleet.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    fleet.add_argument("--config", help="fleet config (default: the bundled demo)")
    run = add("run", "Run the console against a fleet.")
    run.add_argument("--config", help=config_help)
    run.add_argument("--store", help=store_help)
    run.add_argument("--headless", action="store_true",
                     help="collect without a UI, like a daemon, until interrupted")
    status = add("status", "Print each scenario's current signals.")
    status.add_argument("--config", help=config_help)
    status.add_argument("--store", help=store_help)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    check = add("check", "Validate a config; exit non-zero with file:line: field: message.")
    check.add_argument("--config", help=config_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if hasattr(signal, "SIGPIPE") and args.command in ("status", "check"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` ends quietly
    from aiops_tui.config import ConfigError, load_config
    from aiops_tui.paths import bundled_config

    explicit = args.config or (bundled_config() if args.command in ("demo", "fleet") else None)
    try:
        config, path = load_config(explicit)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check":
        print(f"{path}: ok ({len(config.scenarios)} scenarios, "
              f"{sum(len(s.endpoints) for s in config.scenarios)} endpoints)")
        return 0
    if args.command == "fleet":
        return _fleet(config, args.seed)
    store = Path(args.store) if getattr(args, "store", None) else _default_store(path)
    if args.command == "status":
        return _status(config, store, args.json)
    if args.command == "demo":
        return _demo(config, store, args.seed)
    return _run(config, store, args.headless, label=str(path.name))


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


def _runtime(config, store: Path):  # type: ignore[no-untyped-def]
    from aiops_tui.runtime import Runtime
    from aiops_tui.store.db import StoreError

    runtime = Runtime(config, store)
    try:
        runtime.open()
    except StoreError as exc:
        print(f"aiops-tui: store unusable: {exc}", file=sys.stderr)
        return None
    return runtime


def _run(config, store: Path, headless: bool, label: str) -> int:  # type: ignore[no-untyped-def]
    if not headless:
        # The console opens the store in its first cycle, after the first frame is painted;
        # a store it cannot use is reported in its top bar.
        from aiops_tui.runtime import Runtime
        from aiops_tui.ui.app import AiopsApp

        AiopsApp(Runtime(config, store), label=label).run()
        return 0
    runtime = _runtime(config, store)
    if runtime is None:
        return EXIT_STORE
    from aiops_tui.runtime import run_headless

    print(f"aiops-tui: collecting into {store} as {runtime.mode} every "
          f"{runtime.interval:g}s (Ctrl-C stops)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_headless(runtime, run_headless))
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


def _demo(config, store: Path, seed: int) -> int:  # type: ignore[no-untyped-def]
    try:
        fleet = _start_fleet(config, seed)
    except OSError as exc:
        print(f"aiops-tui demo: cannot start the demo fleet: {exc}. Something else uses the "
              "addresses in the demo config; stop it or pass --config with other ports.",
              file=sys.stderr)
        return EXIT_FLEET
    _backfill_demo(config, store)
    try:
        return _run(config, store, headless=False, label="demo fleet")
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


def _status(config, store: Path, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    runtime = _runtime(config, store)
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
