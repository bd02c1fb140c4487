"""Runbooks as files: the shipped ones parse and lint clean, a broken one is named with file
and line while the rest still load, search finds words in bodies (typos forgiven), steps and
their bound actions are read the same way by the console and ``aiops-tui check``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import yaml

from aiops_tui.actions.models import Kind
from aiops_tui.alerts.rules import load_alerting
from aiops_tui.config import load_config
from aiops_tui.runbooks.library import Library, lint
from aiops_tui.runbooks.steps import steps

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"


def shipped() -> Library:
    return Library.load(ROOT / "runbooks")


def test_every_shipped_runbook_parses_lints_clean_and_covers_the_drills() -> None:
    from aiops_tui.demo.drills import DRILLS

    library = shipped()
    assert library.problems == []
    config, path = load_config(DEMO)
    rules = load_alerting(config, path)
    assert lint(library, config, [r.id for r in rules.rules]) == []
    named = {a for r in library.runbooks.values() for a in r.meta.alerts}
    missing = [d.name for d in DRILLS.values() if d.alert not in named]
    assert missing == []  # every drill's alert leads to a runbook
    for runbook in library.runbooks.values():
        body = runbook.body
        assert body.index("## Symptom check") < body.index("## Diagnosis") < \
            body.index("## Mitigation") < body.index("## Escalation"), runbook.id
        assert library.steps(runbook.id), runbook.id


def test_steps_carry_commands_and_bound_actions() -> None:
    model = shipped().steps("model-rollback")
    first = model[0]
    assert first.section.startswith("Diagnosis") and first.action is None
    assert first.commands[0].startswith("curl -s $E/v1/models")
    bound = [s for s in model if s.action]
    assert [s.action for s in bound] == ["route $S fallback", "rollback $S model",
                                         "route $S primary"]
    request = bound[1].request("support-chat")
    assert (request.kind, request.scenario, request.component, request.to) == (
        Kind.ROLLBACK, "support-chat", "model", None)


def test_search_finds_runbooks_by_words_in_their_bodies_typos_forgiven() -> None:
    library = shipped()
    # "preemption" is in no title: only gpu-memory-pressure's and latency's bodies have it.
    hits = [h.runbook.id for h in library.search("preemption")]
    assert hits and set(hits) <= {"gpu-memory-pressure", "latency-p95-spike", "error-burst"}
    assert all("preemption" in library.get(h).body.lower() for h in hits)
    assert library.search("preemption")[0].context  # the body line it was found on
    assert library.search("latncy")[0].runbook.id == "latency-p95-spike"
    assert library.search("rolback promt")[0].runbook.id == "prompt-rollback"
    assert library.search("manifest watermark")[0].runbook.id == "stale-index"
    assert library.search("zebra quartz") == []


def test_a_broken_runbook_is_named_with_file_and_line_and_the_rest_still_load(
        tmp_path: Path) -> None:
    books = tmp_path / "runbooks"
    shutil.copytree(ROOT / "runbooks", books)
    (books / "broken.md").write_text(
        "---\nid: broken\ntitle: Broken\nseverity: pager\nowner: x\nlast_tested: 2026-01-01\n"
        "---\n# Broken\n")
    (books / "unclosed.md").write_text("---\nid: unclosed\ntitle: never closed\n")
    (books / "wrong-alert.md").write_text(
        "---\nid: wrong-alert\ntitle: W\nseverity: page\nowner: x\nlast_tested: 2026-01-01\n"
        "alerts: [no-such-alert]\n---\n## Mitigation\n- [ ] Do: `:explode $S`\n"
        "- [ ] See [gone](gone.md)\n")
    library = Library.load(books)
    assert len(library.runbooks) == 13  # the twelve shipped and wrong-alert
    assert sorted(str(p) for p in library.problems) == [
        f"{books}/broken.md:4: severity: Input should be 'page', 'ticket' or 'review'",
        f"{books}/unclosed.md:1: -: front matter is never closed by a '---' line"]
    config, path = load_config(DEMO)
    found = [str(p) for p in lint(library, config, [r.id for r in load_alerting(
        config, path).rules])]
    assert found == [
        f"{books}/wrong-alert.md:7: alerts: no alert rule 'no-such-alert'",
        f"{books}/wrong-alert.md:10: step 1: action 'explode $S': no command 'explode'; "
        "commands: rollback, route, kill, rate-limit, verify, audit, open",
        f"{books}/wrong-alert.md:11: link: no runbook gone.md"]


def test_check_reports_runbook_problems_and_warns_of_a_missing_incident_owner(
        tmp_path: Path) -> None:
    shutil.copytree(ROOT / "runbooks", tmp_path / "runbooks")
    (tmp_path / "runbooks" / "broken.md").write_text("---\nid: [\n---\n")
    data = yaml.safe_load(DEMO.read_text())
    del data["scenarios"][0]["owners"]["incident"]
    (tmp_path / "config").mkdir()
    config = tmp_path / "config" / "demo.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copy(ROOT / "config" / "alerts.yaml", tmp_path / "config" / "alerts.yaml")
    run = subprocess.run([sys.executable, "-m", "aiops_tui", "check", "--config", str(config)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert f"{tmp_path}/runbooks/broken.md:2: -: YAML syntax" in run.stderr
    assert "warning: support-chat.owners.incident: no incident owner" in run.stderr


def test_code_blocks_outside_steps_are_neither_headings_nor_steps() -> None:
    body = "## A\n```\n# a shell comment\n- [ ] quoted\n```\n- [ ] real\n  ```\n  # in it\n  ```\n"
    assert [(s.number, s.section, s.title) for s in steps(body)] == [(1, "A", "real")]


def test_runbook_text_is_markdown_only_markup_and_escapes_stay_literal() -> None:
    body = "## Mitigation\n- [ ] Run [bold red]this[/] now \x1b[31m`:kill $S on`\n"
    (step,) = steps(body)
    assert step.title.startswith("Run [bold red]this[/] now")
    assert step.action == "kill $S on"


async def test_the_pane_shows_markup_and_escapes_in_a_runbook_literally(tmp_path: Path) -> None:
    from textual.app import App

    from aiops_tui.incidents.service import Incidents
    from aiops_tui.runbooks.document import parse_runbook
    from aiops_tui.store.incident_log import IncidentLog
    from aiops_tui.ui.runbook_pane import RunbookPane

    path = tmp_path / "sly.md"
    path.write_text("---\nid: sly\ntitle: '[bold red]Sly[/]'\nseverity: page\nowner: x\n"
                    "last_tested: 2026-01-01\n---\n## Mitigation\n- [ ] Press [red]now[/red] "
                    "\x1b[2J`:kill $S on`\n")
    runbook = parse_runbook(path.read_text(), path)

    class Host(App[None]):
        source = SimpleNamespace(incidents=Incidents(IncidentLog(tmp_path / "i.duckdb"),
                                                     "tia", "trainee", time.time))

        def compose(self):  # type: ignore[no-untyped-def]
            yield RunbookPane("support-chat", runbook, steps(runbook.body))

    app = Host()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause(0.3)
        screen = app.export_screenshot()
    assert "[bold&#160;red]Sly[/]" in screen and "[red]now[/red]" in screen
    assert "�[2J" in screen  # the escape is shown as a mark, never sent to the terminal
