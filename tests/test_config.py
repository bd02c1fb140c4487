"""Config validation: strict, and every error names file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiops_tui.config import ConfigError, load_config, parse_config
from tests.conftest import DEMO_CONFIG

VALID = DEMO_CONFIG.read_text()


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "fleet.yaml")
    return [str(p) for p in info.value.problems]


def test_demo_config_is_valid() -> None:
    config, path = load_config(DEMO_CONFIG)
    assert path == DEMO_CONFIG
    assert len(config.scenarios) >= 4
    kinds = {e.kind for s in config.scenarios for e in s.endpoints}
    assert kinds >= {"vllm", "tgi", "triton", "dcgm"}


def test_unknown_key_names_its_line() -> None:
    staging = "    environment: staging\n"
    text = VALID.replace(staging, staging + "    colour: red\n")
    line = text.splitlines().index("    colour: red") + 1
    assert problems(text) == [f"fleet.yaml:{line}: scenarios[3].colour: unknown key"]


def test_wrong_type_names_the_value_line() -> None:
    text = VALID.replace("budget: {daily: 400}", "budget: {daily: lots}")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "daily: lots" in row)
    [problem] = problems(text)
    assert problem.startswith(f"fleet.yaml:{line}: scenarios[0].budget.daily: ")


def test_bad_duration_and_duplicate_ids() -> None:
    text = VALID.replace("index_max_age: 6h", "index_max_age: soon")
    assert "not a duration: 'soon'" in problems(text)[0]
    twice = VALID.replace("id: doc-search", "id: support-chat")
    assert any("scenario ids repeat: support-chat" in p for p in problems(twice))


def test_the_evaluation_interval_is_a_duration() -> None:
    assert parse_config(VALID, "fleet.yaml").alerts.evaluation_interval == 5.0
    text = VALID.replace("evaluation_interval: 5s", "evaluation_interval: often", 1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "interval: often" in row)
    [problem] = problems(text)
    assert problem.startswith(f"fleet.yaml:{line}: alerts.evaluation_interval: ")
    assert "not a duration: 'often'" in problem


def test_yaml_syntax_error_has_a_line() -> None:
    [problem] = problems("console:\n  interval_s: [2\nscenarios: []\n")
    assert problem.startswith("fleet.yaml:3: -: YAML syntax")


def test_check_command_exit_codes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(VALID.replace("kind: tgi", "kind: tgx"))
    cmd = [sys.executable, "-m", "aiops_tui", "check", "--config"]
    bad = subprocess.run([*cmd, str(broken)], capture_output=True, text=True)
    assert bad.returncode == 2
    assert f"{broken}:" in bad.stderr and "scenarios[1].endpoints[0].kind" in bad.stderr
    good = subprocess.run([*cmd, str(DEMO_CONFIG)], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    missing = subprocess.run([*cmd, str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_config_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(VALID)
    monkeypatch.setenv("AIOPS_TUI_CONFIG", str(own))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_config(None)[1] == own
    monkeypatch.delenv("AIOPS_TUI_CONFIG")
    user = tmp_path / "xdg" / "aiops-tui" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text(VALID)
    assert load_config(None)[1] == user
    user.unlink()
    assert load_config(None)[1].name == "demo.yaml"  # the bundled demo
