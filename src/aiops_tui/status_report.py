"""``aiops-tui status`` output: a stable JSON document for scripts and a plain-text table."""

from __future__ import annotations

from typing import Any

from aiops_tui.signals.status import FleetSnapshot


def as_json_document(snapshot: FleetSnapshot, mode: str, age_s: float) -> dict[str, Any]:
    return {
        "at": snapshot.at,
        "age_s": round(age_s, 3),
        "mode": mode,
        "scenarios": [
            {
                "id": s.id,
                "health": str(s.health),
                "problems": s.problems,
                "latency_kind": s.latency_kind,
                "p95_s": s.p95_s,
                "ttft_p95_s": s.ttft_p95_s,
                "error_rate": s.error_rate,
                "tokens_per_min": s.tokens_per_min,
                "tokens_in_per_min": s.tokens_in_per_min,
                "tokens_out_per_min": s.tokens_out_per_min,
                "cost_per_hour": s.cost_per_hour,
                "budget_fraction": s.budget_fraction,
                "gpu_utilization": s.gpu_util,
                "gpu_memory": s.gpu_memory,
                "kv_use": s.kv_use,
                "eval_pass_rate": s.eval_pass_rate,
                "index_age_s": s.index_age_s,
                "route": s.route,
                "versions": s.versions.model_dump(),
                "endpoints": {e.name: {"state": e.state, "reason": e.reason}
                              for e in s.endpoints},
                "missing": s.missing,
            }
            for s in snapshot.scenarios
        ],
        "alerts": [
            {
                "scenario": a.scenario,
                "rule": a.rule,
                "tier": a.tier,
                "state": a.state,
                "since": a.since,
                "summary": a.summary,
                "reading": a.reading,
                "value": a.value,
                "threshold": a.threshold,
                "unevaluable": a.unevaluable or None,
                "acked_by": a.acked_by,
                "silenced_until": a.silenced_until,
                "inhibited_by": a.inhibited_by,
                "runbook": a.runbook,
            }
            for a in snapshot.alerts
        ],
    }


def _f(value: float | None, spec: str, scale: float = 1.0) -> str:
    if value is None:
        return "-".rjust(int(spec.split(".")[0]))
    return format(value * scale, spec)


def as_text(snapshot: FleetSnapshot, mode: str, holder: str, age_s: float) -> str:
    lines = [f"mode {mode} ({holder}), picture {age_s:.0f}s old",
             f"{'scenario':<16}{'health':<8}{'p95 s':>8}{'err %':>7}{'tok/min':>9}"
             f"{'cost/h':>8}{'gpu %':>7}{'kv %':>6}{'eval %':>8}{'index age s':>12}  endpoints"]
    for s in snapshot.scenarios:
        bad = [f"{e.name} {e.state}" for e in s.endpoints if e.state != "up"]
        lines.append(
            f"{s.id:<16}{s.health!s:<8}{_f(s.p95_s, '8.3f')}{_f(s.error_rate, '7.2f', 100)}"
            f"{_f(s.tokens_per_min, '9.0f')}{_f(s.cost_per_hour, '8.2f')}"
            f"{_f(s.gpu_util, '7.0f', 100)}{_f(s.kv_use, '6.0f', 100)}"
            f"{_f(s.eval_pass_rate, '8.1f', 100)}{_f(s.index_age_s, '12.0f')}"
            f"  {', '.join(bad) or 'all up'}")
    open_alerts = [a for a in snapshot.alerts if a.state in ("pending", "firing")]
    if open_alerts:
        lines.append("")
        lines.append(f"{'alert':<34}{'tier':<8}{'state':<9}scenario")
        for a in open_alerts:
            lines.append(f"{a.rule:<34}{a.tier:<8}{a.state:<9}{a.scenario}  {a.reading}")
    return "\n".join(lines)
