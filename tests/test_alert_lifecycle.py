"""The alert lifecycle and multi-window burn rates, on a fixed clock."""

from __future__ import annotations

import math

import pytest

from aiops_tui.alerts.burn_rate import burn_rate, burning
from aiops_tui.alerts.lifecycle import Alert, State, step


def run(conditions: list[bool | None], for_s: float, keep_s: float = 0.0,
        every: float = 60.0) -> list[Alert]:
    alert, out = Alert(), []
    for i, holds in enumerate(conditions):
        alert = step(alert, holds, float(i), i * every, for_s, keep_s, why="no data")
        out.append(alert)
    return out


def test_a_condition_must_hold_for_its_duration_before_firing() -> None:
    states = [a.state for a in run([True] * 12, for_s=600)]
    assert states[:10] == [State.PENDING] * 10 and states[10:] == [State.FIRING] * 2
    fired = run([True] * 12, for_s=600)[-1]
    assert (fired.active_since, fired.fired_at) == (0.0, 600.0)


def test_a_blip_shorter_than_for_never_fires() -> None:
    states = [a.state for a in run([True] * 5 + [False] + [True] * 5, for_s=600)]
    assert State.FIRING not in states and states[5] is State.INACTIVE


def test_keep_firing_for_rides_out_a_flapping_signal() -> None:
    flapping = [True] * 3 + [False, True] * 5 + [False] * 6
    alerts = run(flapping, for_s=120, keep_s=300)
    states = [a.state for a in alerts]
    first = states.index(State.FIRING)
    resolved = states.index(State.RESOLVED)
    assert State.PENDING not in states[first:resolved]  # it fired once and stayed firing
    assert alerts[resolved].resolved_at - alerts[resolved - 1].last_true >= 300
    assert {a.fired_at for a in alerts[first:resolved]} == {alerts[first].fired_at}


def test_an_unevaluable_condition_keeps_the_state_and_says_why() -> None:
    alerts = run([True, True, True, None, None, True], for_s=120)
    assert alerts[2].state is State.FIRING
    assert alerts[3].state is State.FIRING and alerts[3].unevaluable == "no data"
    assert alerts[5].state is State.FIRING and alerts[5].unevaluable == ""


def test_a_gap_in_the_data_restarts_a_pending_clock() -> None:
    # Pending at 0, no data for ten minutes, then one reading that holds: not yet firing.
    alerts = run([True] + [None] * 10 + [True, True, True], for_s=120)
    assert alerts[1].state is State.INACTIVE and alerts[1].unevaluable == "no data"
    assert [a.state for a in alerts[11:]] == [State.PENDING, State.PENDING, State.FIRING]
    assert alerts[13].active_since == 660.0


def test_a_resolved_alert_fires_again_only_after_a_new_pending_period() -> None:
    alerts = run([True] * 3 + [False] + [True] * 3, for_s=120)
    assert [a.state for a in alerts] == [State.PENDING, State.PENDING, State.FIRING,
                                         State.RESOLVED, State.PENDING, State.PENDING,
                                         State.FIRING]
    assert alerts[4].active_since == 240.0 and alerts[4].resolved_at is None


def test_burn_rate_follows_the_sre_workbook() -> None:
    # 99.9% target: a 1.44% error ratio burns the budget at 14.4x.
    assert burn_rate(0.0144, 0.001) == pytest.approx(14.4)
    assert math.isnan(burn_rate(math.nan, 0.001)) and math.isnan(burn_rate(0.1, 0.0))
    assert math.isnan(burn_rate(None, 0.001))


def test_both_windows_must_burn() -> None:
    assert burning(14.4, 0.02, 0.03, 0.001) == (True, pytest.approx(20.0))
    assert burning(14.4, 0.02, 0.001, 0.001)[0] is False  # it has stopped
    assert burning(14.4, 0.001, 0.03, 0.001)[0] is False  # a short blip
    assert burning(14.4, None, 0.03, 0.001)[0] is None  # no hour of history to judge
