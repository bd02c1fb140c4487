"""Minute rollups: reset-aware increases, bucket layouts, and how minutes add up."""

from __future__ import annotations

import math

from aiops_tui.store.minutes import Histogram, MinuteRollup, combine, merge_histograms

INF = math.inf


def buckets(counts: dict[float, float], **labels: str) -> list[tuple[str, tuple, float]]:
    return [("e2e_latency_seconds_bucket",
             tuple(sorted({**labels, "le": "+Inf" if math.isinf(b) else str(b)}.items())), c)
            for b, c in counts.items()]


def tokens(value: float) -> list[tuple[str, tuple, float]]:
    return [("prompt_tokens_total", (), value)]


def test_first_scrape_adds_nothing_and_resets_count_from_zero() -> None:
    rollup = MinuteRollup()
    rollup.add("s", "a", 0.0, tokens(1_000_000))  # a total since the engine started
    rollup.add("s", "a", 10.0, tokens(1_000_500))
    rollup.add("s", "a", 20.0, tokens(200))  # restarted: 200 since the restart
    rollup.add("s", "a", 70.0, tokens(300))
    [row] = rollup.close(before=70.0)
    assert row.start == 0.0 and row.counters["prompt_tokens_total"] == 700
    assert rollup.pending("s", 70.0).counters["prompt_tokens_total"] == 100


def test_buckets_add_per_bound_across_replicas() -> None:
    rollup = MinuteRollup()
    for at, scale in ((0.0, 1), (10.0, 2)):
        rollup.add("s", "a", at, buckets({0.5: 10 * scale, 1.0: 20 * scale, INF: 30 * scale}))
        rollup.add("s", "b", at, buckets({0.5: 1 * scale, 1.0: 2 * scale, INF: 3 * scale}))
    h = rollup.pending("s", 10.0).histograms["e2e_latency_seconds_bucket"]
    assert h.bounds == (0.5, 1.0, INF) and h.counts == [11, 22, 33] and h.left_out == 0


def test_a_replica_in_another_layout_is_left_out_and_counted() -> None:
    rollup = MinuteRollup()
    for at, scale in ((0.0, 1), (10.0, 2)):
        rollup.add("s", "a", at, buckets({0.5: 10 * scale, 1.0: 20 * scale, INF: 30 * scale}))
        rollup.add("s", "b", at, buckets({0.25: 1 * scale, 2.0: 2 * scale, INF: 3 * scale}))
    h = rollup.pending("s", 10.0).histograms["e2e_latency_seconds_bucket"]
    assert h.bounds == (0.5, 1.0, INF) and h.counts == [10, 20, 30] and h.left_out == 3


def test_layout_change_between_scrapes_adds_nothing_that_time() -> None:
    rollup = MinuteRollup()
    rollup.add("s", "a", 0.0, buckets({0.5: 10, INF: 30}))
    rollup.add("s", "a", 10.0, buckets({0.5: 1, 1.0: 2, INF: 3}))  # upgraded, new bounds
    rollup.add("s", "a", 20.0, buckets({0.5: 2, 1.0: 4, INF: 6}))
    h = rollup.pending("s", 20.0).histograms["e2e_latency_seconds_bucket"]
    assert h.bounds == (0.5, 1.0, INF) and h.counts == [1, 2, 3]


def test_a_histogram_without_inf_is_not_rolled_up() -> None:
    rollup = MinuteRollup()
    rollup.add("s", "a", 0.0, buckets({0.5: 1, 1.0: 2}))
    rollup.add("s", "a", 10.0, buckets({0.5: 2, 1.0: 4}))
    assert "e2e_latency_seconds_bucket" not in rollup.pending("s", 10.0).histograms


def test_the_minute_keeps_the_newest_status_noted() -> None:
    rollup = MinuteRollup()
    rollup.note("s", 5.0, {"kv_use": 0.2}, "ok", {"model": "m1"})
    rollup.note("s", 50.0, {"kv_use": 0.4}, "crit", {"model": "m2"})
    [row] = rollup.close(before=60.0)
    assert row.gauges == {"kv_use": 0.4} and row.health == "crit" and row.versions["model"] == "m2"
    assert rollup.close(before=120.0) == []


def test_merge_keeps_the_layout_with_most_requests() -> None:
    a = Histogram((1.0, INF), [5, 10])
    b = Histogram((1.0, INF), [1, 2], left_out=4)
    c = Histogram((2.0, INF), [7, 7])
    merged = merge_histograms([a, b, c])
    assert merged.bounds == (1.0, INF) and merged.counts == [6, 12] and merged.left_out == 11
    assert a.counts == [5, 10]  # inputs untouched


def test_combine_sums_counters_and_keeps_the_worst_health() -> None:
    rollup = MinuteRollup()
    rollup.add("s", "a", 0.0, tokens(0))
    rollup.add("s", "a", 30.0, tokens(10))
    rollup.note("s", 30.0, {}, "warn", {})
    rollup.add("s", "a", 90.0, tokens(25))
    rollup.note("s", 90.0, {}, "ok", {"model": "m"})
    [first] = rollup.close(before=90.0)
    both = combine([first, rollup.pending("s", 90.0)])
    assert both.counters["prompt_tokens_total"] == 25 and both.minutes == 2
    assert both.health == "warn" and both.versions == {"model": "m"} and both.start == 0.0


def test_a_stamp_inside_a_written_minute_goes_to_the_first_open_one() -> None:
    rollup = MinuteRollup()
    rollup.add("s", "a", 0.0, tokens(0))
    rollup.add("s", "a", 30.0, tokens(10))
    [written] = rollup.close(before=60.0)
    rollup.add("s", "a", 20.0, tokens(15))  # the clock stepped back into the written minute
    late = rollup.pending("s", 20.0)
    assert written.start == 0.0 and late.start == 60.0
    assert late.counters["prompt_tokens_total"] == 5
    [flushed] = rollup.flush()
    assert flushed.start == 60.0 and rollup.closed_until == 120.0



def test_the_minute_being_filled_counts_from_the_cycle_before_it() -> None:
    """A console restarted at :55 of a minute its predecessor flushed at :50: the new cycles
    go to the next minute, and their rate is over the 5 s since the last stored scrape."""
    from aiops_tui.config import load_config
    from aiops_tui.signals.detail import chart
    from aiops_tui.store.points import SeriesPoints
    from tests.conftest import DEMO_CONFIG

    rollup = MinuteRollup(closed_until=120.0)
    rollup.seed([SeriesPoints("s", "a", "prompt_tokens_total", {}, [110.0], [100.0])])
    rollup.add("s", "a", 115.0, tokens(150))
    row = rollup.pending("s", 115.0)
    assert (row.start, row.covers_from, row.counters["prompt_tokens_total"]) == (120.0, 110.0,
                                                                                 50.0)
    pricing = load_config(DEMO_CONFIG)[0].scenario("support-chat").pricing
    assert chart([row], 60.0, pricing, now=115.0).values["tokens_in_per_min"] == [600.0]
