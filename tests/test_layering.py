"""The core runs without Textual: importing any core module must not import it."""

from __future__ import annotations

import subprocess
import sys

CORE = ["aiops_tui.cli", "aiops_tui.runtime", "aiops_tui.config", "aiops_tui.sources.collector",
        "aiops_tui.store.db", "aiops_tui.store.live", "aiops_tui.signals.assess",
        "aiops_tui.demo.fleet", "aiops_tui.status_report"]


def test_core_imports_no_textual() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(bad)\nsys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ui_is_only_imported_by_the_ui() -> None:
    from pathlib import Path

    import aiops_tui

    root = Path(aiops_tui.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "ui" not in p.relative_to(root).parts[:1] and p.name != "cli.py"
                 and ("aiops_tui.ui" in p.read_text() or "import textual" in p.read_text()
                      or "from textual" in p.read_text())]
    assert offenders == []
