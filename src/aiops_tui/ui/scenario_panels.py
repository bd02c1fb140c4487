"""The scenario view's text panels, as Rich renderables: every untrusted cell literal."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text

from aiops_tui.config.models import Scenario
from aiops_tui.signals.detail import ScenarioDetail
from aiops_tui.signals.status import ScenarioStatus
from aiops_tui.store.audit_chain import Sealed
from aiops_tui.ui import format as fmt

ACTIONS_SHOWN = 6


def _table(title: str, *columns: str) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left", box=None,
                  padding=(0, 2, 0, 0), show_header=bool(columns), header_style="dim",
                  pad_edge=False, expand=False)
    for column in columns or ("", ""):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    return table


def _row(table: Table, *cells: str | Text) -> None:
    """Every cell literal: Rich would read a plain ``str`` cell as markup."""
    table.add_row(*(c if isinstance(c, Text) else fmt.literal(c) for c in cells))


def when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%m-%d %H:%M")


def head(status: ScenarioStatus, window_label: str, windows: list[str]) -> Group:
    line = Text.assemble(
        (fmt.SYMBOL[status.health] + " ", fmt.STYLE[status.health]),
        (fmt.clean(status.name), "bold"), "  ", (f" {fmt.clean(status.environment)} ", "reverse"),
        "  window ")
    for label in windows:
        line.append(f" {label} ", style="reverse bold" if label == window_label else "dim")
    problems = Text("\n".join(f"  • {fmt.clean(p)}" for p in status.problems) or "  no problems",
                    style="yellow" if status.problems else "green")
    return Group(line, problems)


def signals(status: ScenarioStatus, source: str) -> Table:
    table = _table(f"Signals from {source} (d describes any number)", "signal", "now", "limit",
                   "note")
    table.columns[-1].no_wrap = False  # when the screen is narrow, the note gives way first
    rows = [
        ("latency " + status.latency_kind, fmt.duration(status.p95_s),
         fmt.duration(status.p95_slo_s), "p95_s"),
        ("latency p50 / p99", f"{fmt.duration(status.p50_s)} / {fmt.duration(status.p99_s)}",
         "", "p99_s"),
        ("TTFT p95 / p99",
         f"{fmt.duration(status.ttft_p95_s)} / {fmt.duration(status.ttft_p99_s)}", "",
         "ttft_p95_s"),
        ("error rate", fmt.percent(status.error_rate, 2), fmt.percent(status.error_slo, 1),
         "error_rate"),
        ("tokens in / out per min", f"{fmt.count(status.tokens_in_per_min)} / "
         f"{fmt.count(status.tokens_out_per_min)}", "", "tokens_in_per_min"),
        (f"cost/hour ({status.currency})", fmt.money(status.cost_per_hour),
         f"{fmt.money(status.daily_budget / 24)}", "cost_per_hour"),
        ("GPU util / memory", f"{fmt.percent(status.gpu_util)} / "
         f"{fmt.percent(status.gpu_memory)}", "", "gpu_util"),
        ("GPU power / hottest", f"{fmt.count(status.gpu_power_w)} W / "
         f"{fmt.count(status.gpu_temp_c)} °C", "", "gpu_power_w"),
        ("GPU last XID", fmt.count(status.gpu_last_xid), "", "gpu_last_xid"),
        ("KV-cache use", fmt.percent(status.kv_use), "", "kv_use"),
        ("headroom", fmt.DASH if status.headroom is None else f"+{status.headroom:.0%} load", "",
         "headroom"),
        ("running / waiting", f"{fmt.count(status.running)} / {fmt.count(status.waiting)}", "",
         "running"),
        ("prefix-cache hits", fmt.percent(status.prefix_cache_hit_rate), "",
         "prefix_cache_hit_rate"),
        ("eval pass rate", fmt.percent(status.eval_pass_rate, 1),
         f"≥ {fmt.percent(status.eval_threshold)}", "eval_pass_rate"),
        ("index age", fmt.duration(status.index_age_s), fmt.duration(status.index_slo_s),
         "index_age_s"),
        ("index: source lag / docs", f"{fmt.duration(status.index_lag_s)} / "
         f"{fmt.count(status.index_documents)}", "", "index_lag_s"),
    ]
    for label, now, limit, key in rows:
        level = status.levels.get(key)
        shown = fmt.graded(now, level) if level else fmt.literal(now)
        _row(table, label, shown, limit, fmt.literal(status.missing.get(key, ""), "dim"))
    for key in ("history", "e2e_left_out", "ttft_left_out", "low_traffic"):
        if key in status.missing:
            _row(table, "", "", "", fmt.literal(status.missing[key], "dim"))
    return table


def spend(detail: ScenarioDetail) -> Table:
    s = detail.spend
    table = _table(f"Spend today, UTC ({fmt.clean(s.currency)})")
    _row(table, "so far", fmt.money(s.today_so_far))
    projected = fmt.money(s.projected_today)
    if s.projected_today is not None and s.projected_today > s.daily_budget:
        projected = Text(f"▲ {projected} over budget", style="yellow")
    _row(table, "projected", projected)
    _row(table, "daily budget", fmt.money(s.daily_budget))
    baseline = fmt.money(s.baseline_daily)
    if s.baseline_daily is not None:
        baseline += f" (mean of {s.baseline_days} full day{'s' * (s.baseline_days != 1)})"
    _row(table, "trailing 7-day", baseline)
    for reason in dict.fromkeys(s.reasons.values()):  # each distinct reason once
        _row(table, "", fmt.literal(reason, "dim"))
    return table


def versions(status: ScenarioStatus, scenario: Scenario, detail: ScenarioDetail | None) -> Table:
    v = status.versions
    table = _table("Versions and route")
    _row(table, "model (config)", v.model)
    served = fmt.literal(v.served_model or fmt.DASH)
    if v.served_model and v.served_model != v.model:
        served = Text(f"▲ {fmt.clean(v.served_model)} (differs from config)", style="yellow")
    _row(table, "model (served)", served)
    _row(table, "prompt", v.prompt)
    _row(table, "index (config)", v.index or fmt.DASH)
    _row(table, "index (serving)", v.served_index or fmt.DASH)
    _row(table, "route", status.route)
    if scenario.route.fallback:
        fb = scenario.route.fallback
        _row(table, "fallback", f"{fb.provider}/{fb.model}")
    if detail is not None:
        for kind, good in detail.last_known_good.items():
            _row(table, f"last good {kind}", good or fmt.literal("none yet", "dim"))
    return table


def ledger(detail: ScenarioDetail) -> Table:
    table = _table("Version history (from the store)", "kind", "version", "first seen",
                   "last seen", "live", "verdict")
    for e in sorted(detail.versions, key=lambda e: (e.kind, -e.last_seen)):
        verdict = ("known good" if e.known_good else
                   f"{e.critical_minutes}/{e.minutes} min critical" if e.critical_minutes else
                   f"{e.minutes} min, not yet known good")
        _row(table, e.kind, e.version, when(e.first_seen), when(e.last_seen),
             "● live" if e.live else "", verdict)
    return table


def acted(entries: list[Sealed]) -> Table:
    """What was done to the scenario, newest first: results, state reads, and intents still
    waiting for their result."""
    answered = {s.entry.key for s in entries if s.entry.phase == "result"}
    shown = [s for s in entries if s.entry.phase != "intent" or s.entry.key not in answered]
    table = _table("Actions (audit log; t shows all)", "when", "who", "action", "change",
                   "outcome")
    for s in reversed(shown[-ACTIONS_SHOWN:]):
        e = s.entry
        outcome = e.outcome or ("in flight" if e.phase == "intent" else e.phase)
        _row(table, when(e.at), f"{e.user} ({e.role})", e.what, e.change, outcome)
    return table


def evals(status: ScenarioStatus, detail: ScenarioDetail | None) -> Table:
    table = _table("Evals", "suite", "latest", "trend", "model", "prompt", "index", "finished")
    history = {}
    for point in detail.evals if detail else []:
        history.setdefault(point.suite, []).append(point.pass_rate)
    for e in status.eval_suites:
        rates = history.get(e.suite, [])[-8:]
        trend = " ".join(f"{r:.0%}" for r in rates[:-1][-3:]) + (" →" if len(rates) > 1 else "")
        _row(table, e.suite, f"{e.passed}/{e.total} {fmt.percent(e.passed / e.total)}", trend,
             e.model.rsplit("/", 1)[-1], e.prompt, e.index or fmt.DASH, when(e.finished_at))
    return table


def builds(detail: ScenarioDetail) -> Table:
    table = _table("Index builds", "version", "built", "source lag", "documents", "change")
    for b in detail.builds[:5]:
        change = fmt.DASH if b.documents_change is None else f"{b.documents_change:+,d}"
        _row(table, b.version, when(b.built_at), fmt.duration(b.built_at - b.source_watermark),
             f"{b.documents:,d}", change)
    return table


def context(status: ScenarioStatus, scenario: Scenario) -> Group:
    endpoints = _table("Endpoints", "name", "kind", "state", "latency", "last ok", "reason")
    for e in status.endpoints:
        style = {"up": "green", "slow": "yellow", "stale": "yellow"}.get(e.state, "bold red")
        last_ok = fmt.DASH if e.last_ok is None else f"{fmt.duration(status.at - e.last_ok)} ago"
        _row(endpoints, e.name, e.kind, Text(e.state, style=style), f"{e.latency_ms:.0f}ms",
             last_ok if e.state != "up" else "", e.reason)
    owners = _table("Owners and escalation")
    for role, who in scenario.owners.named().items():
        _row(owners, role, who)
    if scenario.owners.escalation:
        _row(owners, "escalation", " → ".join(scenario.owners.escalation))
    if scenario.runbooks:
        _row(owners, "runbooks", ", ".join(scenario.runbooks))
    return Group(endpoints, Text(""), owners)
