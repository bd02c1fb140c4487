"""The core runs without Textual: importing any core module must not import it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CORE = ["aiops_tui.cli", "aiops_tui.runtime", "aiops_tui.config", "aiops_tui.sources.collector",
        "aiops_tui.store.db", "aiops_tui.store.live", "aiops_tui.signals.assess",
        "aiops_tui.demo.fleet", "aiops_tui.status_report"]


def test_core_imports_no_textual() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(bad)\nsys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


TEXTUAL = re.compile(r"^\s*(from|import) (textual|aiops_tui\.ui)\b(?!_)", re.MULTILINE)


def test_ui_is_only_imported_by_the_ui() -> None:
    import aiops_tui

    root = Path(aiops_tui.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "ui" not in p.relative_to(root).parts[:1] and p.name != "cli.py"
                 and TEXTUAL.search(p.read_text())]
    assert offenders == []


def test_the_layering_check_sees_imports_and_only_imports() -> None:
    assert TEXTUAL.search("x = 1\n    from textual.app import App\n")
    assert TEXTUAL.search("import aiops_tui.ui.app\n")
    assert not TEXTUAL.search("from textual_serve.server import Server\n")
    assert not TEXTUAL.search('"""renders with textual, from textual-serve"""\n')
