"""Alert rules in YAML: the shipped defaults load; mistakes name file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiops_tui.alerts.rules import load_rules
from aiops_tui.config.loader import ConfigError
from tests.conftest import ROOT


def test_the_shipped_rules_load() -> None:
    rules = {r.id: r for r in load_rules(ROOT / "config" / "alerts.yaml").rules}
    p95 = rules["p95-over-baseline"]
    assert (p95.tier, p95.above_baseline, p95.baseline, p95.for_s, p95.keep_firing_for_s) == (
        "page", 2.0, 7 * 86400, 900, 300)
    assert rules["error-rate-high"].above == 0.05 and rules["error-rate-high"].for_s == 600
    assert rules["eval-pass-rate-low"].below == "slo"


@pytest.mark.parametrize(("rule", "line", "field", "message"), [
    ("signal: p95_latency\n    above: 1", 5, "rules[0].signal", "unknown signal 'p95_latency'"),
    ("signal: p95_s\n    above: 1\n    for: 15 minutes", 7, "rules[0].for",
     "not a duration: '15 minutes'"),
    ("signal: p95_s\n    above: 1\n    below: 0.5", 2, "rules[0]", "exactly one of"),
    ("signal: gpu_util\n    above: slo", 2, "rules[0]", "gpu_util has no SLO"),
    ("signal: p95_s\n    above_baseline: 2", 2, "rules[0]", "go together"),
    ("signal: p95_s\n    above: 1\n    severity: high", 7, "rules[0].severity", "unknown key"),
])
def test_a_broken_rule_names_file_line_and_field(tmp_path: Path, rule: str, line: int,
                                                 field: str, message: str) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(f"rules:\n  - id: r1\n    tier: page\n    summary: s\n    {rule}\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert message in problem.message


def test_rule_ids_are_unique(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    one = "  - {id: r1, tier: page, summary: s, signal: p95_s, above: 1}\n"
    path.write_text("rules:\n" + one + one)
    with pytest.raises(ConfigError, match="used twice"):
        load_rules(path)


def _fleet_dir(tmp_path: Path, rules: str, overrides: str = "") -> Path:
    """A config directory: the demo config (with ``overrides``), ``rules`` as alerts.yaml
    beside it, and the shipped runbooks."""
    text = (ROOT / "config" / "demo.yaml").read_text()
    if overrides:
        text = text.replace("alerts:\n  overrides:\n", f"alerts:\n  overrides:\n{overrides}")
    (tmp_path / "demo.yaml").write_text(text)
    (tmp_path / "alerts.yaml").write_text(rules)
    (tmp_path / "runbooks").symlink_to(ROOT / "runbooks")
    return tmp_path / "demo.yaml"


def check(config: Path) -> subprocess.CompletedProcess[str]:
    """``aiops-tui check`` as its own process (it resets SIGPIPE, which pytest must keep)."""
    return subprocess.run([sys.executable, "-m", "aiops_tui", "check", "--config", str(config)],
                          capture_output=True, text=True)


def test_check_names_a_missing_runbook(tmp_path: Path) -> None:
    rules = ("rules:\n  - id: r1\n    tier: page\n    summary: s\n    signal: p95_s\n"
             "    above: 1\n    runbook: no-such-runbook\n")
    config = _fleet_dir(tmp_path, rules)
    # The demo's overrides name rules this file lacks: each is named with its line.
    result = check(config)
    assert result.returncode == 2
    assert (f"{config}:14: alerts.overrides.p95-over-baseline: no rule 'p95-over-baseline'"
            in result.stderr)
    text = config.read_text()
    config.write_text(text[:text.index("alerts:\n")] + text[text.index("scenarios:"):])
    result = check(config)
    assert result.returncode == 2
    assert (f"{tmp_path / 'alerts.yaml'}:7: r1.runbook: no runbook 'no-such-runbook'"
            in result.stderr)


def test_check_refuses_a_bad_override(tmp_path: Path) -> None:
    shipped = (ROOT / "config" / "alerts.yaml").read_text()
    config = _fleet_dir(tmp_path, shipped, "    index-stale: {for: soon}\n")
    result = check(config)
    assert result.returncode == 2
    assert "index-stale.for: not a duration: 'soon'" in result.stderr
    config.write_text(config.read_text().replace("{for: soon}", "{for: 1m}"))
    result = check(config)
    assert result.returncode == 0, result.stderr
    assert "18 alert rules, their runbooks present" in result.stdout


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - id: r1\n    tier: page\n    summary: s\n    signal: p95_s\n"
                    "    above: 1\n    above: 2\n")
    with pytest.raises(ConfigError) as caught:
        load_rules(path)
    assert str(caught.value) == f"{path}:7: rules[0].above: key given twice (the first would " \
        "be ignored)"
