"""Commands as control planes: argv templates from the config (``kubectl rollout undo
deployment/{deployment}``, ``helm rollback {release} {to}``), run without a shell.

Each placeholder is filled whole into its own argument from the config's ``values`` or the
action (``scenario``, ``component``, ``to``, ``rps``, ``key``), and every value must match
``SAFE_VALUE``: no spaces, quotes, ``;``, ``$``, backticks or a leading ``-``. Without a shell
nothing is interpreted anyway; the check also keeps a version string from turning into an
option of the program.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import string

from aiops_tui.actions.adapters import Failed, Reply, Unknown
from aiops_tui.actions.models import Kind, Request, State
from aiops_tui.config.models import SAFE_VALUE, CommandControl

OUTPUT_SHOWN = 400  # characters of a command's output kept in the result
_SAFE = re.compile(SAFE_VALUE)


def template_for(control: CommandControl, request: Request) -> list[str] | None:
    match request.kind:
        case Kind.ROLLBACK:
            return control.rollback
        case Kind.ROUTE:
            return control.route
        case Kind.KILL:
            return control.unkill if request.to == "off" else control.kill
        case Kind.RATE_LIMIT:
            return control.rate_limit


def fill(template: list[str], values: dict[str, str]) -> list[str]:
    """The argv: each ``{name}`` replaced by its value; raises ``Failed`` on a missing or
    unsafe value, or on anything in the template but plain ``{name}`` fields."""
    argv = []
    for arg in template:
        for _, name, spec, conversion in string.Formatter().parse(arg):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise Failed(f"template argument {arg!r}: only plain {{name}} placeholders")
            if name not in values:
                raise Failed(f"template argument {arg!r}: no value for {{{name}}}")
            if not _SAFE.fullmatch(values[name]):
                raise Failed(f"{{{name}}} = {values[name]!r} is not a safe argument value")
        argv.append(arg.format_map(values))
    return argv


class CommandPlane:
    name = "command"
    reads_state = False

    def __init__(self, control: CommandControl) -> None:
        self.control = control
        self.timeout_s = control.timeout_s

    def unsupported(self, request: Request) -> str | None:
        if template_for(self.control, request) is None:
            return f"no {request.kind} command in the config"
        return None

    async def state(self, scenario: str) -> State:
        raise Failed("a command control plane cannot read the state")

    async def act(self, request: Request, key: str) -> Reply:
        template = template_for(self.control, request)
        if template is None:
            raise Failed(f"no {request.kind} command in the config")
        values = {**self.control.values, "scenario": request.scenario, "key": key}
        for name, value in (("component", request.component), ("to", request.to),
                            ("rps", None if request.rps is None else f"{request.rps:g}")):
            if value is not None:
                values[name] = value
        argv = fill(template, values)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT)
        except OSError as exc:
            raise Failed(f"{argv[0]}: {exc.strerror or exc}") from None
        try:
            output, _ = await asyncio.wait_for(process.communicate(), self.timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise Unknown(f"{argv[0]} still running after {self.timeout_s:g}s: killed") from None
        text = " ".join(output.decode("utf-8", "replace").split())[-OUTPUT_SHOWN:]
        if process.returncode != 0:
            raise Failed(f"{argv[0]} exited {process.returncode}: {text or '(no output)'} "
                         "(a command may have changed something before failing: check)")
        return Reply(None, f"{argv[0]} exited 0: {text or '(no output)'}")

    async def aclose(self) -> None:
        return None
