"""Parsing the shared real captures into canonical samples."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from aiops_tui.sources.exposition import PayloadError, filter_lines, parse_page
from aiops_tui.sources.families import wanted_families
from tests.conftest import fixture_text

CAPTURES = [("vllm_metrics_sample.txt", "vllm"), ("tgi_metrics_sample.txt", "tgi"),
            ("triton_metrics_sample.txt", "triton"), ("dcgm_metrics_sample.txt", "dcgm")]


def by_metric(samples, metric):
    return {s.labels: s.value for s in samples if s.metric == metric}


@pytest.mark.parametrize(("name", "kind"), CAPTURES)
def test_filtering_keeps_every_wanted_sample(name: str, kind: str) -> None:
    """Differential: filtering lines first yields exactly the wanted families' samples."""
    text = fixture_text(name)
    wanted = wanted_families(kind)
    full = [(s.name, tuple(sorted(s.labels.items())), s.value)
            for f in text_string_to_metric_families(text) if f.name in wanted
            for s in f.samples]
    filtered = [(s.name, tuple(sorted(s.labels.items())), s.value)
                for f in text_string_to_metric_families(filter_lines(text, wanted))
                for s in f.samples]
    assert full and filtered == full


def test_vllm_capture() -> None:
    samples = parse_page(fixture_text("vllm_metrics_sample.txt"), "vllm")
    model = (("model", "facebook/opt-125m"),)
    assert by_metric(samples, "prompt_tokens_total") == {model: 5.0}
    assert by_metric(samples, "generation_tokens_total") == {model: 7.0}
    e2e = by_metric(samples, "e2e_latency_seconds_bucket")
    assert {dict(k)["le"] for k in e2e} >= {"1.0", "60.0", "+Inf"}
    assert by_metric(samples, "e2e_latency_seconds_count") == {model: 1.0}
    # finished_reason="length" is a success; its label is kept as the reason.
    assert by_metric(samples, "requests_ok_total") == {(("model", "facebook/opt-125m"),
                                                        ("reason", "length")): 1.0}
    assert "requests_failed_total" not in {s.metric for s in samples}
    assert by_metric(samples, "prefix_cache_queries_total") == {model: 117.0}
    assert by_metric(samples, "prefix_cache_hits_total") == {model: 64.0}
    # V0 and V1 KV gauges both arrive under one canonical name.
    assert len(by_metric(samples, "kv_cache_usage")) >= 1


def test_tgi_capture_counters_without_total() -> None:
    samples = parse_page(fixture_text("tgi_metrics_sample.txt"), "tgi")
    assert by_metric(samples, "requests_ok_total") == {(): 109}
    assert by_metric(samples, "requests_failed_total") == {(("reason", "validation"),): 2}
    assert by_metric(samples, "requests_waiting") == {(): 0}
    assert by_metric(samples, "prompt_tokens_total")  # the sum of the input-length histogram


def test_triton_capture_scales_microseconds() -> None:
    samples = parse_page(fixture_text("triton_metrics_sample.txt"), "triton")
    key = (("model", "densenet_onnx"), ("version", "1"))
    assert by_metric(samples, "requests_ok_total")[key] == 3
    assert by_metric(samples, "request_duration_seconds_total")[key] == pytest.approx(1.327965)
    util = by_metric(samples, "gpu_utilization")
    assert util and all(0 <= v <= 1 for v in util.values())


def test_dcgm_capture_units_hosts_and_blanks() -> None:
    samples = parse_page(fixture_text("dcgm_metrics_sample.txt"), "dcgm")
    free = by_metric(samples, "gpu_memory_free_bytes")
    key = (("gpu", "424773df46e0/0"),)  # Hostname joins the GPU index
    assert free[key] == 15109 * 1024 * 1024
    assert by_metric(samples, "gpu_utilization")[key] == 0
    assert all(s.value < 9.2e18 for s in samples)


def test_dcgm_blank_sentinel_is_dropped() -> None:
    page = ('# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n'
            'DCGM_FI_DEV_GPU_UTIL{gpu="0",Hostname="h"} 9223372036854775794\n'
            'DCGM_FI_DEV_GPU_UTIL{gpu="1",hostname="h"} 40\n')
    assert by_metric(parse_page(page, "dcgm"), "gpu_utilization") == {(("gpu", "h/1"),): 0.4}


@pytest.mark.parametrize("page", [
    "vllm:num_requests_running{model_name=\"m\"} not-a-number\n",
    "vllm:num_requests_running{model_name=\"m 1\n",
])
def test_malformed_page_is_rejected_whole(page: str) -> None:
    with pytest.raises(PayloadError):
        parse_page("# TYPE vllm:num_requests_running gauge\n" + page, "vllm")


def test_irrelevant_garbage_is_never_parsed() -> None:
    """Lines of families we do not read cannot break a page (and cost nothing)."""
    page = "<html>\x1b[31m oops\nrandom words here\nvllm:num_requests_waiting 3\n"
    assert by_metric(parse_page(page, "vllm"), "requests_waiting") == {(): 3.0}


def test_one_series_gets_one_value_per_page() -> None:
    """vLLM pages in transition carry the V0 and the V1 KV gauge: the first one wins."""
    page = ('vllm:gpu_cache_usage_perc{model_name="m"} 0.25\n'
            'vllm:kv_cache_usage_perc{model_name="m"} 0.5\n')
    samples = parse_page(page, "vllm")
    assert [(s.metric, s.value) for s in samples] == [("kv_cache_usage", 0.25)]


def test_data_parallel_engines_stay_separate_series() -> None:
    page = ('vllm:num_requests_running{engine="0",model_name="m"} 3\n'
            'vllm:num_requests_running{engine="1",model_name="m"} 5\n')
    assert by_metric(parse_page(page, "vllm"), "requests_running") == {
        (("engine", "0"), ("model", "m")): 3, (("engine", "1"), ("model", "m")): 5}
