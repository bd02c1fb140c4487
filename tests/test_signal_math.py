"""Signal math against hand-checked cases (each expected value worked out in the comment)."""

from __future__ import annotations

import math

import pytest

from aiops_tui.signals.burn import burn
from aiops_tui.signals.capacity import headroom, memory_fraction
from aiops_tui.signals.quality import age, pass_rate
from aiops_tui.signals.quantile import histogram_quantile
from aiops_tui.signals.rates import increase, raw_increase
from aiops_tui.store.recent import RecentWindow

INF = math.inf


def test_raw_increase_adds_back_resets() -> None:
    # 10 → 15 (+5), reset to 2 (+2 counted from zero), 2 → 6 (+4): 11.
    assert raw_increase([10, 15, 2, 6]) == 11


def test_increase_without_extrapolation_when_samples_touch_the_edges() -> None:
    # Samples every 10s exactly spanning (0, 30]: first at 10 → 10s to start is < 1.1 x 10s,
    # so the interval extends to the start: 20s sampled + 10s = 30s; 20 x 30/20 = 30.
    assert increase([10, 20, 30], [100, 110, 120], 0, 30) == pytest.approx(30)


def test_increase_extrapolates_half_a_step_when_far_from_edges() -> None:
    # Samples at 40, 50, 60 in (0, 100]: gaps of 40s to each edge exceed 1.1 x 10s, so each side
    # gets half a step (5s): 20s + 10s = 30s; 20 x 30/20 = 30.
    assert increase([40, 50, 60], [100, 110, 120], 0, 100) == pytest.approx(30)


def test_increase_stops_extrapolating_at_zero() -> None:
    # Counter starts at 5 at t=10, reaches 25 at t=30 (window (0, 30]). Zero would be reached
    # 5/20 x 20s = 5s before the first sample, sooner than 10s: interval 20 + 5 = 25 → 25.
    assert increase([10, 20, 30], [5, 15, 25], 0, 30) == pytest.approx(25)


def test_increase_needs_two_samples_and_excludes_the_left_edge() -> None:
    assert math.isnan(increase([10], [1], 0, 30))
    assert math.isnan(increase([0, 30], [1, 2], 0, 30))  # t=0 is outside (0, 30]


def test_half_step_comes_before_the_zero_cut() -> None:
    # Prometheus >= 2.52 (PR #13725). Samples 40, 50, 60 s holding 10, 20, 30 in (0, 100]:
    # the 40 s gap becomes half a step (5 s) first; zero lies 10 s back, which does not cut
    # it. 20 x (20 + 5 + 5) / 20 = 30. The old order cut to zero first (10 s) and gave 35.
    assert increase([40, 50, 60], [10, 20, 30], 0, 100) == pytest.approx(30)


def test_quantile_interpolates_inside_the_bucket() -> None:
    # 100 observations: 50 ≤ 1, 90 ≤ 2, 100 ≤ 4. p95 rank 95 lies in (2, 4]: 5 of 10 → 3.0.
    assert histogram_quantile(0.95, [(1, 50), (2, 90), (4, 100), (INF, 100)]) == 3.0


def test_quantile_lowest_bucket_starts_at_zero() -> None:
    # rank 5 of 10 in the first bucket (0, 2]: 2 x 5/10 = 1.0.
    assert histogram_quantile(0.5, [(2, 10), (4, 10), (INF, 10)]) == 1.0


def test_quantile_in_inf_bucket_returns_highest_finite_bound() -> None:
    assert histogram_quantile(0.99, [(1, 10), (2, 20), (INF, 100)]) == 2


def test_quantile_nan_cases() -> None:
    assert math.isnan(histogram_quantile(0.95, [(1, 0), (INF, 0)]))  # no observations
    assert math.isnan(histogram_quantile(0.95, [(INF, 5)]))  # fewer than two buckets
    assert math.isnan(histogram_quantile(0.95, [(1, 3), (2, 5)]))  # no +Inf bucket
    assert histogram_quantile(-0.1, [(1, 3), (INF, 5)]) == -INF
    assert histogram_quantile(1.1, [(1, 3), (INF, 5)]) == INF


def test_quantile_repairs_non_monotonic_and_unsorted_buckets() -> None:
    # (2, 40) dips below (1, 50): treated as 50. Unsorted input is sorted by bound.
    # rank 0.5 x 100 = 50 is reached in the first bucket: 1 x 50/50 = 1.0.
    assert histogram_quantile(0.5, [(INF, 100), (2, 40), (1, 50)]) == 1.0


def test_quantile_merges_duplicate_bounds() -> None:
    # Two replicas' deltas summed by le: (1: 5+5), (+Inf: 10+10) → rank 10 in (0,1]: 1 x 10/10.
    assert histogram_quantile(0.5, [(1, 5), (INF, 10), (1, 5), (INF, 10)]) == 1.0


def test_burn_and_budget() -> None:
    # 1000 in + 200 out tokens/s at $0.20/$0.60 per Mtok: (200 + 120) / 1e6 x 3600 = $1.152/h;
    # a $24/day budget is $1/h, so 115.2% of budget.
    b = burn(1000, 200, 0.20, 0.60, 24)
    assert b.cost_per_hour == pytest.approx(1.152)
    assert b.budget_fraction == pytest.approx(1.152)
    assert b.tokens_in_per_min == 60_000


def test_memory_fraction_prefers_total_when_given() -> None:
    assert memory_fraction([3, 1], [1, 3], []) == 0.5  # DCGM: used / (used + free)
    assert memory_fraction([4], [], [16]) == 0.25  # Triton: used / total
    assert math.isnan(memory_fraction([], [], []))


def test_pass_rate_weighs_by_suite_size_and_age() -> None:
    assert pass_rate([(90, 100), (10, 100)]) == 0.5
    assert math.isnan(pass_rate([]))
    assert age(100, 40) == 60 and math.isnan(age(100, None))


def test_headroom_follows_kv_use_and_falls_back_to_gpu() -> None:
    # KV 25% busy: it fills at 1/0.25 = 4x today's load, +300%, whatever GPU utilisation says.
    assert headroom(0.25, 0.9) == pytest.approx(3.0)
    assert headroom(math.nan, 0.5) == pytest.approx(1.0)  # Triton: GPU utilisation only
    assert headroom(1.2, 0.3) == 0.0  # past saturation: none left
    assert math.isinf(headroom(0.0, 0.0)) and math.isnan(headroom(math.nan, math.nan))


def test_the_windows_running_reset_total_gives_the_walked_increase() -> None:
    """The in-memory window keeps what resets added back, so an increase is two lookups; it
    must equal walking the points, also once the oldest points (and a reset) are pruned."""
    recent = RecentWindow(span=60.0, metrics={"prompt_tokens_total"})
    values = [5.0, 9.0, 2.0, 7.0, 7.0, 1.0, 4.0, 30.0, 3.0, 8.0]
    for i, v in enumerate(values):
        recent.add("s", "e", 10.0 * i, [("prompt_tokens_total", (), v)])
    for now in (90.0, 110.0):  # the second prune drops the first two resets
        recent.prune(now)
        (points,) = list(recent)
        for start in (now - 60.0, now - 45.0):
            walked = increase(points.ts, points.values, start, now)
            assert not math.isnan(walked)
            assert increase(points.ts, points.values, start, now, points.carry) == walked


def test_a_non_finite_value_leaves_the_window_walking_not_wrong() -> None:
    recent = RecentWindow(span=100.0, metrics={"prompt_tokens_total"})
    for i, v in enumerate([1.0, 2.0, math.inf, 3.0, 4.0, 5.0, 6.0]):
        recent.add("s", "e", 10.0 * i, [("prompt_tokens_total", (), v)])
    recent.prune(130.0)  # the infinite point has gone; the window still walks
    (points,) = list(recent)
    assert increase(points.ts, points.values, 35.0, 60.0, points.carry) == pytest.approx(
        increase(points.ts, points.values, 35.0, 60.0)) == pytest.approx(2.0 * 25 / 20)
