"""The scenario detail's pure parts: ledger and last known good, spend, builds, provenance."""

from __future__ import annotations

import pytest

from aiops_tui.config import load_config
from aiops_tui.signals import detail as d
from aiops_tui.signals.provenance import RECIPES, describe
from aiops_tui.signals.status import ScenarioStatus
from aiops_tui.signals.units import span
from aiops_tui.store.minutes import MinuteRow
from aiops_tui.store.points import ManifestRow, VersionSpan
from tests.conftest import DEMO_CONFIG

CONFIG = load_config(DEMO_CONFIG)[0]


def test_last_known_good_is_the_newest_trusted_version_not_live() -> None:
    spans = [
        VersionSpan("model", "m1", 0, 3600, 60, 0),  # trusted
        VersionSpan("model", "m2", 3600, 7200, 60, 20),  # critical a third of the time
        VersionSpan("model", "m3", 7200, 7500, 5, 0),  # live, too new to trust
        VersionSpan("prompt", "p1", 0, 7500, 125, 2),
    ]
    entries, good = d.ledger(spans, {"model": "m3", "prompt": "p1", "index": None})
    assert good == {"model": "m1", "prompt": None, "index": None}
    assert [(e.version, e.live, e.known_good) for e in entries] == [
        ("m1", False, True), ("m2", False, False), ("m3", True, False), ("p1", True, True)]


def row(minutes: int, tokens_in: float | None, tokens_out: float = 0.0) -> MinuteRow:
    counters = {} if tokens_in is None else {"prompt_tokens_total": tokens_in,
                                             "generation_tokens_total": tokens_out}
    return MinuteRow(start=0.0, scenario="s", counters=counters, minutes=minutes)


def test_spend_projects_the_day_and_averages_only_full_days() -> None:
    chat = CONFIG.scenario("support-chat")  # 0.20 in / 0.60 out per million tokens
    now = 86400 * 100 + 6 * 3600  # 06:00 UTC: 18 hours left
    days = [row(1440, 1e9, 1e8), row(1300, 2e9, 2e8), row(300, 9e9, 9e9)]
    s = d.spend(chat, now, row(360, 1e8, 1e7), days, cost_per_hour=2.0)
    assert s.today_so_far == pytest.approx(20 + 6)
    assert s.projected_today == pytest.approx(26 + 2.0 * 18)
    assert s.baseline_days == 2 and s.baseline_daily == pytest.approx((260 + 520) / 2)
    young = d.spend(chat, now, row(10, 1e6), [row(300, 1e6)], cost_per_hour=None)
    assert young.baseline_daily is None and "5.0h stored" in young.reasons["baseline_daily"]
    assert young.projected_today is None
    assert "no current burn rate" in young.reasons["projected_today"]
    fresh = d.spend(chat, now, None, [], cost_per_hour=2.0)
    assert fresh.today_so_far is None and fresh.projected_today is None
    assert "nothing collected yet today" in fresh.reasons["today_so_far"]


def test_no_token_counters_means_unknown_spend_not_zero() -> None:
    triage = CONFIG.scenario("claims-triage")
    s = d.spend(triage, 86400.0, row(60, None), [row(1440, None)], cost_per_hour=None)
    assert s.today_so_far is None and s.baseline_daily is None
    assert "no token counters" in s.reasons["today_so_far"]
    assert "no token counters" in s.reasons["baseline_daily"]


def test_builds_carry_the_document_change() -> None:
    builds = d.builds([ManifestRow("s", "kb", "v3", 300, 200, 1200),
                       ManifestRow("s", "kb", "v2", 200, 100, 1250),
                       ManifestRow("s", "kb", "v1", 100, 0, 1000)])
    assert [b.documents_change for b in builds] == [-50, 250, None]


def test_chart_steps_cover_any_window_in_at_most_sixty_points() -> None:
    assert [d.chart_step(w) for w in (900, 3600, 21600, 86400, 604800)] == [
        60, 60, 360, 3600, 10800]
    assert [span(s) for s in (900, 3600, 86400, 604800, 97)] == ["15m", "1h", "1d", "7d", "97s"]


def status_of(scenario_id: str, **values: object) -> ScenarioStatus:
    fields = {name: None for name, f in ScenarioStatus.model_fields.items()
              if not f.is_required() or "None" in str(f.annotation)}
    base = dict(fields, id=scenario_id, name="n", environment="e", at=0.0, window_s=300.0,
                health="ok", problems=[], latency_kind="p95", p95_slo_s=1.0, error_slo=0.01,
                daily_budget=1.0, currency="USD", eval_threshold=0.9, eval_suites=[],
                route="r", versions={"model": "m", "prompt": "p", "index": None}, endpoints=[],
                missing={}, levels={})
    return ScenarioStatus.model_validate(base | values)


def test_every_described_field_is_a_status_number() -> None:
    numbers = {n for n, f in ScenarioStatus.model_fields.items() if "float" in str(f.annotation)
               or "int" in str(f.annotation)}
    assert set(RECIPES) <= numbers
    shown = {"p50_s", "p95_s", "p99_s", "ttft_p95_s", "ttft_p99_s", "error_rate",
             "tokens_in_per_min", "tokens_out_per_min", "cost_per_hour", "gpu_util",
             "gpu_memory", "gpu_power_w", "gpu_temp_c", "gpu_last_xid", "kv_use", "headroom",
             "running", "waiting", "prefix_cache_hit_rate", "eval_pass_rate", "index_age_s",
             "index_lag_s", "index_documents"}
    assert shown <= set(RECIPES)  # every number the scenario view shows can be described


def test_provenance_names_metrics_as_each_engine_exposes_them() -> None:
    chat = describe(CONFIG.scenario("support-chat"), status_of("support-chat"), "error_rate",
                    "raw samples")
    assert 'vllm:request_success_total{finished_reason=~"abort|error"}' in chat.promql
    assert "[5m]" in chat.promql and "Prometheus rules" in chat.window
    triage = CONFIG.scenario("claims-triage")
    mean = describe(triage, status_of("claims-triage", latency_kind="mean",
                                      missing={"p95_s": "x"}), "p95_s", "minute rollups")
    assert mean.title == "mean latency" and "nv_inference_request_duration_us" in mean.promql
    assert "_us_total" not in mean.promql  # a Prometheus keeps Triton's exposed name
    assert mean.why_missing == "x" and "whole steps" in mean.window
    docs = describe(CONFIG.scenario("doc-search"), status_of("doc-search"), "index_age_s", "")
    assert docs.sources == ["index feed: http://127.0.0.1:18100/index/doc-search"]
    assert "built_at" in docs.formula and docs.promql == ""


def test_eval_points_keep_the_newest_runs_of_each_suite() -> None:
    from aiops_tui.store.points import EvalRow

    runs = [EvalRow("s", suite, i, 10, "m", "p", None, float(t))
            for t, (suite, i) in enumerate([("a", 1), ("b", 2)] * 12)]
    points = d.eval_points(runs)
    a = [p for p in points if p.suite == "a"]
    assert len(a) == d.EVAL_POINTS and a[-1].finished_at == 22.0
    assert [p.finished_at for p in points] == sorted(p.finished_at for p in points)


def test_spend_is_described_with_its_counters_and_prices() -> None:
    from aiops_tui.signals.provenance import describe_spend

    chat = CONFIG.scenario("support-chat")
    spend = d.spend(chat, 86400 * 100 + 3600, row(60, 1e6), [], cost_per_hour=1.0)
    p = describe_spend(chat, spend, "projected_today")
    assert "vllm:prompt_tokens_total" in p.sources[0] and "0.2 in / 0.6 out USD" in p.sources[1]
    assert p.why_missing == ""
    baseline = describe_spend(chat, spend, "baseline_daily")
    assert "no full day" in baseline.why_missing
