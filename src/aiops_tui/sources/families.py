"""Which exposition families each engine's page contributes, and the canonical names they map to.

The rest of the console speaks only canonical names (``e2e_latency_seconds_bucket``,
``prompt_tokens_total``, ``gpu_utilization``...), so signals and the store never care whether a
number came from vLLM, TGI, Triton, SGLang or the DCGM exporter. Names here are the sample names
``prometheus_client`` yields: it appends ``_total`` to counters that lack it (TGI, Triton).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from aiops_tui.config.models import EndpointKind

# Canonical label names: ``le`` for buckets, ``model``, ``reason`` (why a request finished or
# failed), ``gpu`` (host and index, so two exporters never collide).
KEEP_LABELS = {
    "le": "le",
    "model_name": "model",
    "model": "model",
    "finished_reason": "reason",
    "err": "reason",
    "gpu": "gpu",
    "gpu_uuid": "gpu",
    "engine": "engine",  # vLLM data-parallel engines are separate series
    "version": "version",  # Triton model versions likewise
    "category": "category",  # the app's answers by output category
    "error": "error",  # the app's failures by (normalised) error message
}


@dataclass(frozen=True)
class Mapping:
    metric: str
    scale: float = 1.0

    @cached_property
    def value_scale(self) -> float:
        """Counts are never scaled, only amounts (µs → s, MiB → bytes, % → fraction)."""
        return 1.0 if self.metric.endswith(("_bucket", "_count")) else self.scale


def _histogram(source: str, metric: str, scale: float = 1.0) -> dict[str, Mapping]:
    return {
        f"{source}_bucket": Mapping(f"{metric}_bucket", scale),
        f"{source}_count": Mapping(f"{metric}_count"),
        f"{source}_sum": Mapping(f"{metric}_sum", scale),
    }


def _vllm_like(prefix: str) -> dict[str, Mapping]:
    return {
        **_histogram(f"{prefix}e2e_request_latency_seconds", "e2e_latency_seconds"),
        **_histogram(f"{prefix}time_to_first_token_seconds", "ttft_seconds"),
        f"{prefix}prompt_tokens_total": Mapping("prompt_tokens_total"),
        f"{prefix}generation_tokens_total": Mapping("generation_tokens_total"),
        f"{prefix}request_success_total": Mapping("requests_finished_total"),
        f"{prefix}prefix_cache_queries_total": Mapping("prefix_cache_queries_total"),
        f"{prefix}prefix_cache_hits_total": Mapping("prefix_cache_hits_total"),
        # Before vLLM 0.9.2 the same counters carried a gpu_ prefix.
        f"{prefix}gpu_prefix_cache_queries_total": Mapping("prefix_cache_queries_total"),
        f"{prefix}gpu_prefix_cache_hits_total": Mapping("prefix_cache_hits_total"),
    }


VLLM = {
    **_vllm_like("vllm:"),
    "vllm:num_requests_running": Mapping("requests_running"),
    "vllm:num_requests_waiting": Mapping("requests_waiting"),
    "vllm:kv_cache_usage_perc": Mapping("kv_cache_usage"),
    "vllm:gpu_cache_usage_perc": Mapping("kv_cache_usage"),  # V0 name, same 0..1 meaning
}

SGLANG = {
    **_histogram("sglang:e2e_request_latency_seconds", "e2e_latency_seconds"),
    **_histogram("sglang:time_to_first_token_seconds", "ttft_seconds"),
    "sglang:prompt_tokens_total": Mapping("prompt_tokens_total"),
    "sglang:generation_tokens_total": Mapping("generation_tokens_total"),
    "sglang:num_running_reqs": Mapping("requests_running"),
    "sglang:num_queue_reqs": Mapping("requests_waiting"),
    "sglang:token_usage": Mapping("kv_cache_usage"),
}

TGI = {
    **_histogram("tgi_request_duration", "e2e_latency_seconds"),
    # TGI has no token counters; the sums of its per-request length histograms are the same thing.
    "tgi_request_input_length_sum": Mapping("prompt_tokens_total"),
    "tgi_request_generated_tokens_sum": Mapping("generation_tokens_total"),
    "tgi_request_success_total": Mapping("requests_ok_total"),
    "tgi_request_failure_total": Mapping("requests_failed_total"),
    "tgi_queue_size": Mapping("requests_waiting"),
    "tgi_batch_current_size": Mapping("requests_running"),
}

TRITON = {
    # Triton has no latency histogram by default: mean latency = d(duration) / d(success).
    "nv_inference_request_duration_us_total": Mapping("request_duration_seconds_total", 1e-6),
    "nv_inference_request_success_total": Mapping("requests_ok_total"),
    "nv_inference_request_failure_total": Mapping("requests_failed_total"),
    "nv_inference_pending_request_count": Mapping("requests_waiting"),
    "nv_gpu_utilization": Mapping("gpu_utilization"),
    "nv_gpu_memory_used_bytes": Mapping("gpu_memory_used_bytes"),
    "nv_gpu_memory_total_bytes": Mapping("gpu_memory_total_bytes"),
}

MIB = 1024.0 * 1024.0
DCGM = {
    "DCGM_FI_DEV_GPU_UTIL": Mapping("gpu_utilization", 0.01),
    "DCGM_FI_DEV_FB_USED": Mapping("gpu_memory_used_bytes", MIB),
    "DCGM_FI_DEV_FB_FREE": Mapping("gpu_memory_free_bytes", MIB),
    "DCGM_FI_DEV_POWER_USAGE": Mapping("gpu_power_watts"),
    "DCGM_FI_DEV_GPU_TEMP": Mapping("gpu_temperature_celsius"),
    "DCGM_FI_DEV_XID_ERRORS": Mapping("gpu_last_xid"),  # the last XID seen, not a count
}

# The AI feature's own service: what only the application knows (what kind of answer it gave,
# why a request failed, whether retrieval found anything, what users thought of it).
APP = {
    "aiops_app_output_category_total": Mapping("output_category_total"),
    "aiops_app_errors_total": Mapping("app_errors_total"),
    "aiops_app_retrieval_queries_total": Mapping("retrieval_queries_total"),
    "aiops_app_retrieval_hits_total": Mapping("retrieval_hits_total"),
    "aiops_app_feedback_total": Mapping("feedback_total"),
    "aiops_app_feedback_negative_total": Mapping("feedback_negative_total"),
}

BY_KIND: dict[EndpointKind, dict[str, Mapping]] = {
    "vllm": VLLM,
    "sglang": SGLANG,
    "tgi": TGI,
    "triton": TRITON,
    "dcgm": DCGM,
    "app": APP,
    "openai": {},
}

_SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def family_of(sample_name: str) -> str:
    for suffix in _SUFFIXES:
        if sample_name.endswith(suffix):
            return sample_name[: -len(suffix)]
    return sample_name


def wanted_families(kind: EndpointKind) -> frozenset[str]:
    """Names to keep when filtering: each sample name and its family (suffix stripped).

    Both, because a gauge may itself end in a suffix (Triton's ``..._request_count``).
    """
    names = BY_KIND[kind]
    return frozenset(names) | frozenset(family_of(name) for name in names)
