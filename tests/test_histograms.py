"""Window quantiles over bucket series, including the cases that must not give a number."""

from __future__ import annotations

import math

from aiops_tui.signals.histograms import window_quantiles
from aiops_tui.store.points import SeriesPoints
from aiops_tui.store.recent import RecentWindow

TS = [10.0, 20.0, 30.0]


def bucket(le: str, values: list[float], ts: list[float] = TS,
           endpoint: str = "vllm-a") -> SeriesPoints:
    return SeriesPoints("s", endpoint, "e2e_latency_seconds_bucket", {"le": le, "model": "m"},
                        list(ts), values)


def test_quantile_of_bucket_increases() -> None:
    # Increases over (0, 30]: le=1: 50, le=2: 90, le=4: 100, +Inf: 100 (each series is
    # extrapolated alike, so the ratios hold). p95 rank 95 falls in (2, 4]: halfway, 3.0.
    series = [bucket("1.0", [0, 25, 50]), bucket("2.0", [0, 45, 90]),
              bucket("4.0", [0, 50, 100]), bucket("+Inf", [0, 50, 100])]
    (p95,), why = window_quantiles(series, [0.95], 0, 30)
    assert why == "" and math.isclose(p95, 3.0)


def test_replicas_add_up_by_bound() -> None:
    a = [bucket("1.0", [0, 5, 10], endpoint="a"), bucket("+Inf", [0, 10, 20], endpoint="a")]
    b = [bucket("1.0", [0, 5, 10], endpoint="b"), bucket("+Inf", [0, 10, 20], endpoint="b")]
    (p50,), _ = window_quantiles(a + b, [0.5], 0, 30)
    # le=1: 20 of 40; rank 20 sits exactly at the top of (0, 1]: 1.0.
    assert math.isclose(p50, 1.0)


def test_bucket_layout_change_inside_the_window_is_not_a_number() -> None:
    # The engine restarts at t=25 with other bounds: +Inf continues (with a reset), le=1.0
    # stops, le=0.5 starts. Old and new buckets are not one distribution.
    inf = bucket("+Inf", [10, 20, 2, 6], [10, 20, 25, 30])
    old = bucket("1.0", [5, 10], [10, 20])
    new = bucket("0.5", [1, 3], [25, 30])
    values, why = window_quantiles([inf, old, new], [0.95], 0, 30)
    assert math.isnan(values[0]) and "bucket bounds changed" in why


def test_a_restarted_replica_is_left_out_not_the_scenario() -> None:
    steady = [bucket("1.0", [0, 5, 10], endpoint="a"), bucket("+Inf", [0, 10, 20], endpoint="a")]
    restarted = [bucket("+Inf", [10, 20, 2], endpoint="b"),
                 bucket("1.0", [5, 10], [10, 20], endpoint="b")]
    (p50,), why = window_quantiles(steady + restarted, [0.5], 0, 30)
    assert why == "" and math.isclose(p50, 1.0)  # replica a alone: 10 of 20 at or under 1.0


def test_replicas_with_different_bounds_are_refused() -> None:
    a = [bucket("1.0", [0, 5, 10], endpoint="a"), bucket("2.0", [0, 8, 16], endpoint="a"),
         bucket("+Inf", [0, 10, 20], endpoint="a")]
    b = [bucket("1.5", [0, 5, 10], endpoint="b"), bucket("+Inf", [0, 10, 20], endpoint="b")]
    values, why = window_quantiles(a + b, [0.5], 0, 30)
    assert math.isnan(values[0]) and "different bucket bounds" in why


def test_series_without_a_usable_bound_are_ignored() -> None:
    good = [bucket("1.0", [0, 5, 10]), bucket("+Inf", [0, 10, 20])]
    odd = SeriesPoints("s", "vllm-a", "e2e_latency_seconds_bucket", {"model": "m"}, TS, [0, 1, 2])
    bad = SeriesPoints("s", "vllm-a", "e2e_latency_seconds_bucket", {"le": "x", "model": "m"},
                       TS, [0, 1, 2])
    (p50,), why = window_quantiles([*good, odd, bad], [0.5], 0, 30)
    assert why == "" and math.isclose(p50, 1.0)


def test_histogram_without_inf_bucket() -> None:
    values, why = window_quantiles([bucket("1.0", [0, 1, 2]), bucket("2.0", [0, 2, 4])],
                                   [0.95], 0, 30)
    assert math.isnan(values[0]) and "+Inf" in why


def test_no_requests_and_single_scrape() -> None:
    idle = [bucket("1.0", [5, 5, 5]), bucket("+Inf", [7, 7, 7])]
    values, why = window_quantiles(idle, [0.95], 0, 30)
    assert math.isnan(values[0]) and why == "no requests in the window"
    one = [bucket("1.0", [5], [30]), bucket("+Inf", [7], [30])]
    values, why = window_quantiles(one, [0.95], 0, 30)
    assert math.isnan(values[0]) and why == "fewer than two scrapes in the window"


def test_counter_reset_inside_the_window_counts_both_sides() -> None:
    # A restart that keeps the layout: counts fall to near zero and climb again. The reset
    # rule adds the value before the drop, so the increases are 10+5=15 (le=1), 20+10 (+Inf).
    series = [bucket("1.0", [0, 10, 5]), bucket("+Inf", [0, 20, 10])]
    (p50,), why = window_quantiles(series, [0.5], 0, 30)
    assert why == "" and math.isclose(p50, 1.0)



def test_the_window_keeps_a_scrapes_buckets_on_one_timeline_and_a_new_layout_apart() -> None:
    recent = RecentWindow(span=100.0, metrics={"e2e_latency_seconds_bucket"})

    def scrape(at: float, counts: dict[str, float]) -> None:
        recent.add("s", "vllm-a", at, [("e2e_latency_seconds_bucket",
                                        (("le", le), ("model", "m")), v)
                                       for le, v in counts.items()])

    for i in range(4):
        scrape(10.0 * i, {"1.0": 3.0 * i, "2.0": 4.0 * i, "+Inf": 5.0 * i})
    series = recent.of("s")["e2e_latency_seconds_bucket"]
    assert len(series) == 3 and series[0].ts is series[1].ts is series[2].ts
    # The shared timeline gives what buckets with their own times give.
    apart = [bucket(s.labels["le"], list(s.values), s.ts) for s in series]
    assert window_quantiles(series, [0.5, 0.9], 5, 30) == window_quantiles(apart, [0.5, 0.9],
                                                                          5, 30)
    # The engine restarts with other bounds: the new layout has a timeline of its own, so a
    # window holding both is refused, and one after the change reads the new one alone.
    scrape(40.0, {"0.5": 0.0, "+Inf": 1.0})
    scrape(50.0, {"0.5": 1.0, "+Inf": 3.0})
    series = recent.of("s")["e2e_latency_seconds_bucket"]
    assert len(series) == 5
    (p50,), why = window_quantiles(series, [0.5], 25, 50)
    assert math.isnan(p50) and why.startswith("bucket bounds changed inside the window")
    (p50,), why = window_quantiles(series, [0.5], 35, 50)
    assert why == "" and 0 < p50 <= 0.5
    recent.prune(140.0)  # the old layout has left the span: gone; the new one cut alike
    series = recent.of("s")["e2e_latency_seconds_bucket"]
    assert [(s.labels["le"], s.ts, s.values) for s in series] == [
        ("0.5", [50.0], [1.0]), ("+Inf", [50.0], [3.0])]
    assert series[0].ts is series[1].ts


def test_a_scrape_missing_a_bucket_is_left_out_not_taken_for_a_new_layout() -> None:
    recent = RecentWindow(span=100.0, metrics={"e2e_latency_seconds_bucket"})
    full = {"1.0": 0.0, "2.0": 0.0, "+Inf": 0.0}
    for i in range(5):  # at 20 one bucket is missing (a NaN left out, a shard late)
        counts = {le: (j + 1) * 10.0 * i for j, le in enumerate(full)}
        if i == 2:
            del counts["2.0"]
        recent.add("s", "vllm-a", 10.0 * i, [("e2e_latency_seconds_bucket",
                                               (("le", le), ("model", "m")), v)
                                              for le, v in counts.items()])
    series = recent.of("s")["e2e_latency_seconds_bucket"]
    assert len(series) == 3 and series[0].ts == [0.0, 10.0, 30.0, 40.0]
    (p50,), why = window_quantiles(series, [0.5], 5, 40)
    assert why == "" and not math.isnan(p50)


def test_kept_quantiles_are_given_again_only_while_the_window_holds_the_same_scrapes() -> None:
    recent = RecentWindow(span=1000.0, metrics={"e2e_latency_seconds_bucket"})

    def scrape(i: int) -> None:  # a counter long running: 1000 requests before the first
        recent.add("s", "vllm-a", 15.0 * i, [
            ("e2e_latency_seconds_bucket", (("le", le), ("model", "m")), v)
            for le, v in (("1.0", 600 + 12 * i), ("2.0", 950 + 19 * i), ("+Inf", 1000 + 20 * i))])

    for i in range(9):  # scrapes at 0, 15 ... 120
        scrape(i)
    series = recent.of("s")["e2e_latency_seconds_bucket"]
    memo: dict = {}
    kept = window_quantiles(series, [0.5, 0.9], 30.0, 124.0, memo)
    assert kept[1] == "" and 0.8 < kept[0][0] < 0.9 and 1.8 < kept[0][1] < 1.9
    # Five seconds later the window holds the same scrapes: the same answer, not worked out
    # again, and what working it out gives (the edges scale every bucket alike).
    again = window_quantiles(series, [0.5, 0.9], 35.0, 129.0, memo)
    assert again is kept
    fresh = window_quantiles(series, [0.5, 0.9], 35.0, 129.0)
    assert [round(v, 9) for v in fresh[0]] == [round(v, 9) for v in kept[0]]
    scrape(9)  # a new scrape in the window: worked out again
    newer = window_quantiles(series, [0.5, 0.9], 40.0, 135.0, memo)
    assert newer is not kept and newer == window_quantiles(series, [0.5, 0.9], 40.0, 135.0)


def test_a_young_counters_quantiles_are_not_kept_since_its_start_may_be_cut() -> None:
    # Buckets that started near zero inside the window: how much of the start is cut
    # depends on where the window's edge falls, bucket by bucket, and so do the quantiles.
    ts = [100.0, 110.0, 120.0]
    series = [bucket("1.0", [1, 30, 60], ts), bucket("+Inf", [10, 40, 70], ts)]
    series = [SeriesPoints("s", "a", s.metric, s.labels, ts, s.values) for s in series]
    memo: dict = {}
    first = window_quantiles(series, [0.5], 99.0, 125.0, memo)
    assert memo == {}
    later = window_quantiles(series, [0.5], 91.0, 129.0, memo)
    assert later[0] != first[0]
