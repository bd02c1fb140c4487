"""Render a simulated scenario the way each real server would: exposition pages and JSON.

Shapes follow the captures in the shared fixtures: vLLM V1 names with ``model_name`` and
``engine`` labels (and the process/GC noise every Python server exposes), TGI's Rust exporter
(counters without ``_total``, blank lines between families, float-noise bucket bounds), Triton's
``nv_*`` counters in microseconds, and the DCGM exporter's label set and blank sentinel.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime

from aiops_tui.config.models import Endpoint
from aiops_tui.demo.sim import Histogram, ScenarioSim

DCGM_BLANK = 9223372036854775794  # DCGM_FP64_BLANK as the exporter prints it


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    body = ",".join(f'{k}="{v}"' for k, v in pairs)
    return "{" + body + "}" if body else ""


def _family(name: str, kind: str, help_text: str | None, lines: list[str]) -> list[str]:
    head = [f"# HELP {name} {help_text}"] if help_text else []
    return [*head, f"# TYPE {name} {kind}", *lines]


def _histogram(name: str, h: Histogram, labels: list[tuple[str, str]], help_text: str | None,
               int_counts: bool = False) -> list[str]:
    fmt = (lambda n: str(int(n))) if int_counts else (lambda n: f"{float(n)}")
    lines = [f"{name}_bucket{_labels([('le', le), *labels])} {fmt(n)}" for le, n in h.cumulative()]
    lines.append(f"{name}_sum{_labels(labels)} {h.total}")
    lines.append(f"{name}_count{_labels(labels)} {fmt(h.count)}")
    return _family(name, "histogram", help_text, lines)


def _process_noise(sim: ScenarioSim) -> list[str]:
    uptime = sim.t - sim.start
    return [
        *_family("python_gc_objects_collected_total", "counter",
                 "Objects collected during gc",
                 [f'python_gc_objects_collected_total{{generation="{g}"}} {n}.0'
                  for g, n in ((0, 7431 + int(uptime) * 3), (1, 4936), (2, 1661))]),
        *_family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                 [f"process_resident_memory_bytes {5.1e9 + (uptime % 977) * 1e5:e}"]),
        *_family("process_cpu_seconds_total", "counter",
                 "Total user and system CPU time spent in seconds.",
                 [f"process_cpu_seconds_total {10.95 + uptime * 0.21}"]),
    ]


def vllm_page(sim: ScenarioSim, model: str) -> str:
    lab = [("engine", "0"), ("model_name", model)]
    lines = [
        *_process_noise(sim),
        *_family("vllm:num_requests_running", "gauge",
                 "Number of requests in model execution batches.",
                 [f"vllm:num_requests_running{_labels(lab)} {round(sim.running)}.0"]),
        *_family("vllm:num_requests_waiting", "gauge",
                 "Number of requests waiting to be processed.",
                 [f"vllm:num_requests_waiting{_labels(lab)} {round(sim.waiting)}.0"]),
        *_family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.",
                 [f"vllm:kv_cache_usage_perc{_labels(lab)} {sim.kv}"]),
        *_family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.",
                 [f"vllm:prompt_tokens_total{_labels(lab)} {float(sim.prompt_tokens)}"]),
        *_family("vllm:generation_tokens_total", "counter",
                 "Number of generation tokens processed.",
                 [f"vllm:generation_tokens_total{_labels(lab)} {float(sim.generation_tokens)}"]),
        *_family("vllm:prefix_cache_queries_total", "counter",
                 "Prefix cache queries, in terms of number of queried tokens.",
                 [f"vllm:prefix_cache_queries_total{_labels(lab)} {float(sim.prefix_queries)}"]),
        *_family("vllm:prefix_cache_hits_total", "counter",
                 "Prefix cache hits, in terms of number of cached tokens.",
                 [f"vllm:prefix_cache_hits_total{_labels(lab)} {float(sim.prefix_hits)}"]),
        *_family("vllm:request_success_total", "counter",
                 "Count of successfully processed requests.",
                 [f"vllm:request_success_total"
                  f"{_labels([*lab[:1], ('finished_reason', r), *lab[1:]])} {float(n)}"
                  for r, n in (("stop", sim.ok * 0.8 // 1),
                                              ("length", sim.ok - sim.ok * 0.8 // 1),
                                              ("abort", sim.failed))]),
        *_histogram("vllm:time_to_first_token_seconds", sim.ttft, lab,
                    "Histogram of time to first token in seconds."),
        *_histogram("vllm:e2e_request_latency_seconds", sim.e2e, lab,
                    "Histogram of e2e request latency in seconds."),
    ]
    return "\n".join(lines) + "\n"


def tgi_page(sim: ScenarioSim) -> str:
    blocks = [
        _family("tgi_request_success", "counter", "Number of successful requests",
                [f"tgi_request_success {sim.ok}"]),
        _family("tgi_request_count", "counter", "Total number of requests",
                [f"tgi_request_count {sim.ok + sim.failed}"]),
        _family("tgi_request_failure", "counter", None,
                [f'tgi_request_failure{{err="generation"}} {sim.failed}']),
        _family("tgi_queue_size", "gauge", "Current queue size",
                [f"tgi_queue_size {round(sim.waiting)}"]),
        _family("tgi_batch_current_size", "gauge", "Current batch size",
                [f"tgi_batch_current_size {round(sim.running)}"]),
        _family("tgi_request_input_length", "histogram", "Input token length per request",
                [f"tgi_request_input_length_sum {sim.prompt_tokens}",
                 f"tgi_request_input_length_count {sim.ok + sim.failed}"]),
        _family("tgi_request_generated_tokens", "histogram", "Generated tokens per request",
                [f"tgi_request_generated_tokens_sum {sim.generation_tokens}",
                 f"tgi_request_generated_tokens_count {sim.ok}"]),
        _histogram("tgi_request_duration", sim.tgi_duration, [], "Request duration",
                   int_counts=True),
    ]
    return "\n\n".join("\n".join(b) for b in blocks)


def triton_page(sim: ScenarioSim, model: str, gpu_uuid: str) -> str:
    name, _, version = model.partition(":")
    lab = _labels([("model", name), ("version", version or "1")])
    gpu = _labels([("gpu_uuid", gpu_uuid)])
    total = 16 * 1024**3
    lines = [
        *_family("nv_inference_request_success", "counter",
                 "Number of successful inference requests, all batch sizes",
                 [f"nv_inference_request_success{lab} {sim.ok}"]),
        *_family("nv_inference_request_failure", "counter",
                 "Number of failed inference requests, all batch sizes",
                 [f"nv_inference_request_failure{lab} {sim.failed}"]),
        *_family("nv_inference_request_duration_us", "counter",
                 "Cumulative inference request duration in microseconds (includes cached "
                 "requests)",
                 [f"nv_inference_request_duration_us{lab} {int(sim.e2e.total * 1e6)}"]),
        *_family("nv_inference_pending_request_count", "gauge",
                 "Instantaneous number of pending requests awaiting execution per-model.",
                 [f"nv_inference_pending_request_count{lab} {round(sim.waiting)}"]),
        *_family("nv_gpu_utilization", "gauge", "GPU utilization rate [0.0 - 1.0)",
                 [f"nv_gpu_utilization{gpu} {min(0.99, 0.1 + 0.8 * sim.load):.6f}"]),
        *_family("nv_gpu_memory_total_bytes", "gauge", "GPU total memory, in bytes",
                 [f"nv_gpu_memory_total_bytes{gpu} {total}"]),
        *_family("nv_gpu_memory_used_bytes", "gauge", "GPU used memory, in bytes",
                 [f"nv_gpu_memory_used_bytes{gpu} "
                  f"{int(total * (0.99 if sim.pressure else 0.35 + 0.4 * sim.kv))}"]),
    ]
    return "\n".join(lines)


def dcgm_page(sim: ScenarioSim, host: str) -> str:
    total_mib = 24576
    per_gpu = []
    for i in range(sim.profile.gpus):
        labels = [("gpu", str(i)), ("UUID", f"GPU-{sim.scenario.id[:8]}-{i:04d}"),
                  ("pci_bus_id", f"00000000:{0x17 + i:02X}:00.0"), ("device", f"nvidia{i}"),
                  ("modelName", "NVIDIA A10G"), ("Hostname", host),
                  ("DCGM_FI_DRIVER_VERSION", "550.144.03")]
        jitter = ((sim.t * 7 + i * 13) % 11) / 100
        util = min(100, round(100 * (0.12 + 0.8 * sim.load + jitter)))
        used = int(total_mib * (0.99 if sim.pressure else
                                min(0.93, 0.55 + 0.4 * sim.kv + jitter / 4)))
        per_gpu.append((labels, util, used))
    fields = [
        ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).",
         lambda u, m: 38 + u // 3),
        ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).",
         lambda u, m: f"{60 + u * 1.6:.6f}"),
        ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", lambda u, m: u),
        ("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.",
         lambda u, m: 0),
        ("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).",
         lambda u, m: total_mib - m),
        ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", lambda u, m: m),
        # Profiling fields are unsupported on some SKUs: the exporter prints DCGM's blank value.
        ("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge",
         "Ratio of cycles the tensor (HMMA) pipe is active.", lambda u, m: DCGM_BLANK),
    ]
    lines: list[str] = []
    for name, kind, help_text, value in fields:
        lines += _family(name, kind, help_text,
                         [f"{name}{_labels(lab)} {value(u, m)}" for lab, u, m in per_gpu])
    return "\n".join(lines) + "\n"


def models_doc(model: str, created: float) -> bytes:
    return json.dumps({"object": "list", "data": [
        {"id": model, "object": "model", "created": int(created), "owned_by": "vllm",
         "root": model, "parent": None, "max_model_len": 8192}]}).encode()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


EVAL_SUITES = (("golden-answers", 200), ("safety-refusals", 80), ("citation-grounding", 120))
EVAL_PERIOD = 600.0


EVAL_RERUN_S = 15.0  # a model or prompt going live reruns the suites this soon (a pipeline's)


def evals_doc(sim: ScenarioSim) -> bytes:
    """The last few eval runs of each suite: scheduled every ``EVAL_PERIOD`` of sim time, and
    rerun soon after a model or prompt goes live; a run made while an eval-regression drill's
    model served passes about 70%."""
    latest = math.floor(sim.t / EVAL_PERIOD) * EVAL_PERIOD
    scheduled = {latest - back * EVAL_PERIOD for back in range(3)}
    control = sim.control
    reruns = {t + EVAL_RERUN_S for c in ("model", "prompt") for t in control.changed_at(c)}
    runs = []
    for at in sorted(scheduled | {t for t in reruns if t <= sim.t}, reverse=True)[:3]:
        model = control.serving("model", at)
        regressed = model == control.deployed("eval-regression")
        for number, (suite, total) in enumerate(EVAL_SUITES):
            # Deterministic per (scenario, suite, run): a hash, not the traffic RNG.
            wobble = ((int(at) // 600 * 31 + number * 17 + len(sim.scenario.id)) % 7) / 100
            passed = round(total * ((0.66 if regressed else 0.93) + wobble))
            runs.append({"suite": suite, "passed": min(total, passed), "total": total,
                         "model": model, "prompt": control.serving("prompt", at),
                         "index": control.serving("index", at),
                         "finished_at": _iso(at - (number if at in reruns else 40 * number))})
    return json.dumps({"runs": runs}).encode()


INDEX_PERIOD = 3600.0


def index_doc(sim: ScenarioSim) -> bytes:
    """The serving build: rebuilt every ``INDEX_PERIOD``; a stale-index drill stops the
    rebuilds, leaving a build older than the freshness SLO."""
    built = math.floor(sim.t / INDEX_PERIOD) * INDEX_PERIOD - 240
    stale = [start for name, start, end in sim.drills.runs
             if name == "stale-index" and end is None and start <= sim.t]
    if stale:
        built = min(built, stale[0] - (sim.scenario.slo.index_max_age or INDEX_PERIOD) - 600)
    index = sim.control.serving("index", sim.t) or ""
    return json.dumps({
        "index": index.split("@")[0], "version": index, "built_at": _iso(built),
        "source_watermark": _iso(built - 300),
        "documents": 48_000 + int(built // INDEX_PERIOD) % 500,
    }).encode()


def app_page(sim: ScenarioSim) -> str:
    """The AI feature's own service, instrumented with ``prometheus_client``: answers by
    output category, failures by message, retrieval hits and user feedback."""
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    lines = [
        *_family("aiops_app_output_category_total", "counter", "Answers by output category.",
                 [f'aiops_app_output_category_total{{category="{c}"}} {float(n)}'
                  for c, n in sim.categories.items()]),
        *_family("aiops_app_errors_total", "counter", "Failed requests by error message.",
                 [f'aiops_app_errors_total{{error="{escape(e)}"}} {float(n)}'
                  for e, n in sorted(sim.errors.items())]),
        *_family("aiops_app_feedback_total", "counter", "User ratings given.",
                 [f"aiops_app_feedback_total {float(sim.feedback)}"]),
        *_family("aiops_app_feedback_negative_total", "counter", "Negative user ratings.",
                 [f"aiops_app_feedback_negative_total {float(sim.feedback_negative)}"]),
    ]
    if sim.scenario.index:
        lines += [
            *_family("aiops_app_retrieval_queries_total", "counter", "Retrievals run.",
                     [f"aiops_app_retrieval_queries_total {float(sim.retrievals)}"]),
            *_family("aiops_app_retrieval_hits_total", "counter",
                     "Retrievals that found a document above the relevance threshold.",
                     [f"aiops_app_retrieval_hits_total {float(sim.retrieval_hits)}"]),
        ]
    return "\n".join(lines) + "\n"


def page_for(endpoint: Endpoint, sim: ScenarioSim, model: str) -> str:
    host = f"gpu-node-{sim.scenario.id}"
    match endpoint.kind:
        case "vllm" | "openai":
            return vllm_page(sim, model)
        case "tgi":
            return tgi_page(sim)
        case "triton":
            return triton_page(sim, model, f"GPU-{sim.scenario.id[:8]}-triton")
        case "dcgm":
            return dcgm_page(sim, host)
        case "app":
            return app_page(sim)
    raise ValueError(endpoint.kind)
