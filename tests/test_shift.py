"""Output distribution shift and the app's ratio signals: pure math, checked by hand."""

from __future__ import annotations

import math

import pytest

from aiops_tui.config.models import Pricing
from aiops_tui.demo.sim import CATEGORIES, SHIFTED
from aiops_tui.signals.counted import counted
from aiops_tui.signals.shift import kl_divergence, top_moves

WEEK = {c: 100_000 * share for c, share in CATEGORIES.items()}


def test_the_same_mix_is_no_shift_and_the_drills_mix_is_a_large_one() -> None:
    same, _ = kl_divergence({c: 1000 * share for c, share in CATEGORIES.items()}, WEEK)
    assert same == pytest.approx(0.0, abs=1e-4)
    shifted, _ = kl_divergence({c: 1000 * share for c, share in SHIFTED.items()}, WEEK)
    by_hand = sum(p * math.log(p / CATEGORIES[c]) for c, p in SHIFTED.items())
    assert shifted == pytest.approx(by_hand, rel=1e-3) and shifted > 0.3
    assert top_moves({c: 1000 * s for c, s in SHIFTED.items()}, WEEK)[0][:2] == (
        "answered", pytest.approx(0.78))


def test_a_new_kind_of_answer_weighs_heavily_but_finitely() -> None:
    value, _ = kl_divergence({"answered": 500, "tool-call-leaked": 500}, WEEK)
    assert math.isfinite(value) and value > 3


def test_too_few_answers_say_so() -> None:
    assert kl_divergence({"answered": 50}, WEEK) == (
        None, "50 answers in the window: too few to compare (under 200)")
    assert kl_divergence({"answered": 500}, {"answered": 10})[0] is None


def test_ratio_signals_from_the_apps_counters() -> None:
    free = Pricing(input_per_mtok=0, output_per_mtok=0)
    counters = {"retrieval_queries_total": 400.0, "retrieval_hits_total": 300.0,
                "feedback_total": 40.0, "feedback_negative_total": 10.0}
    assert counted("retrieval_hit_rate", counters, 300, free) == (0.75, "")
    value, why = counted("negative_feedback_rate", counters, 300, free)
    assert value is None and why == "40 ratings in 5m of rollups: too few to judge"
