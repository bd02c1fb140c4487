"""``aiops-tui serve``: the console in a browser, through ``textual-serve``.

Each browser tab gets its own console process (``aiops-tui run``) on the same store: the first
collects, the others follow it, as consoles in several terminals do. Sessions are read-only
unless ``--write``; the server binds to loopback unless ``--host`` says otherwise, and has no
login of its own, so anything wider belongs behind an authenticating proxy or an SSH tunnel.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from pathlib import Path

from aiops_tui.session_guard import SERVED_BY

DEFAULT_PORT = 8000
EXIT_USAGE = 2


def add_arguments(serve: argparse.ArgumentParser, config_help: str, store_help: str) -> None:
    serve.add_argument("--config", help=config_help)
    serve.add_argument("--store", help=store_help)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--public-url", help="the address browsers use, when it is not "
                       "http://HOST:PORT (a proxy in front, or --host 0.0.0.0)")
    serve.add_argument("--write", action="store_true",
                       help="let the browser act (rollback, route, kill, rate limit) as the "
                       "user running the server; without it every session is read-only")
    serve.add_argument("--demo", action="store_true",
                       help="start the built-in demo fleet too and serve the console on it")
    serve.add_argument("--seed", type=int, default=7, help="demo simulation seed (default 7)")


def session_command(config: Path, store: Path, write: bool) -> str:
    """The shell command ``textual-serve`` runs per tab. ``exec``: the console is the server's
    own child, so its guard sees the server go."""
    argv = [sys.executable, "-m", "aiops_tui", "run", "--config", str(config),
            "--store", str(store)]
    if not write:
        argv.append("--read-only")
    return "exec " + shlex.join(argv)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(config_path: Path, store: Path, args: argparse.Namespace) -> int:
    """Until interrupted."""
    from textual_serve.server import Server

    from aiops_tui.actions.policy import os_user

    public_url = (args.public_url or "").rstrip("/") or None
    if public_url is None and args.host in ("0.0.0.0", "::", ""):
        print(f"aiops-tui serve: --host {args.host} listens everywhere, so the page cannot know "
              "which address browsers reach it by: give it with --public-url "
              "(e.g. http://console.example:8000)", file=sys.stderr)
        return EXIT_USAGE
    if public_url is None and ":" in args.host:  # IPv6 literals go in brackets in a URL
        public_url = f"http://[{args.host}]:{args.port}"
    if not _loopback(args.host):
        print(f"aiops-tui serve: listening on {args.host}: anyone who can reach it sees the "
              "console (there is no login); put an authenticating proxy or an SSH tunnel in "
              "front", file=sys.stderr)
    if args.write:
        print("aiops-tui serve: --write: every browser session acts as this server's user "
              f"({os_user()}) in the audit log", file=sys.stderr)
    os.environ[SERVED_BY] = str(os.getpid())  # each session's environment is copied from ours
    mode = "read-write" if args.write else "read-only"
    server = Server(session_command(config_path, store, args.write), host=args.host,
                    port=args.port, title=f"aiops-tui ({mode})", public_url=public_url)
    server.serve()
    return 0
