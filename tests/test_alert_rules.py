"""Alert rules in YAML: the shipped defaults load; mistakes name file, line and field."""

from __future__ import annotations

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
