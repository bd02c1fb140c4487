"""A basic scenario view: every signal with its SLO, versions, evals, index, endpoints, owners."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from aiops_tui.config.models import Scenario
from aiops_tui.signals.status import FleetSnapshot, ScenarioStatus
from aiops_tui.ui import format as fmt
from aiops_tui.ui.topbar import TopBar


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


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(status: ScenarioStatus, scenario: Scenario) -> Group:
    head = Text.assemble(
        (fmt.SYMBOL[status.health] + " ", fmt.STYLE[status.health]),
        (fmt.clean(status.name), "bold"), "  ", (f" {fmt.clean(status.environment)} ", "reverse"),
        f"  window {fmt.duration(status.window_s)}")
    problems = Text("\n".join(f"  • {fmt.clean(p)}" for p in status.problems) or "  no problems",
                    style="yellow" if status.problems else "green")

    signals = _table("Signals", "signal", "now", "limit", "note")
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
        ("tokens in/min", fmt.count(status.tokens_in_per_min), "", "tokens_in_per_min"),
        ("tokens out/min", fmt.count(status.tokens_out_per_min), "", "tokens_out_per_min"),
        (f"cost/hour ({status.currency})", fmt.money(status.cost_per_hour),
         f"{fmt.money(status.daily_budget / 24)} (daily {fmt.money(status.daily_budget)})",
         "cost_per_hour"),
        ("GPU utilisation", fmt.percent(status.gpu_util), "", "gpu_util"),
        ("GPU memory", fmt.percent(status.gpu_memory), "", "gpu_memory"),
        ("GPU power / hottest", f"{fmt.count(status.gpu_power_w)} W / "
         f"{fmt.count(status.gpu_temp_c)} °C", "", "gpu_power_w"),
        ("GPU last XID", fmt.count(status.gpu_last_xid), "", "gpu_last_xid"),
        ("KV-cache use", fmt.percent(status.kv_use), "", "kv_use"),
        ("prefix-cache hits", fmt.percent(status.prefix_cache_hit_rate), "",
         "prefix_cache_hit_rate"),
        ("headroom", fmt.DASH if status.headroom is None else f"+{status.headroom:.0%} load", "",
         "headroom"),
        ("running / waiting", f"{fmt.count(status.running)} / {fmt.count(status.waiting)}", "",
         "running"),
        ("eval pass rate", fmt.percent(status.eval_pass_rate, 1),
         f"≥ {fmt.percent(status.eval_threshold)}", "eval_pass_rate"),
        ("index age", fmt.duration(status.index_age_s), fmt.duration(status.index_slo_s),
         "index_age_s"),
        ("index: source lag / docs", f"{fmt.duration(status.index_lag_s)} / "
         f"{fmt.count(status.index_documents)}", "", "index_lag_s"),
    ]
    for label, now, limit, key in rows:
        _row(signals, label, now, limit, fmt.literal(status.missing.get(key, ""), "dim"))

    v = status.versions
    versions = _table("Versions and route")
    _row(versions, "model (config)", v.model)
    served = fmt.literal(v.served_model or fmt.DASH)
    if v.served_model and v.served_model != v.model:
        served = Text(f"▲ {fmt.clean(v.served_model)} (differs from config)", style="yellow")
    _row(versions, "model (served)", served)
    _row(versions, "prompt", v.prompt)
    _row(versions, "index", v.index or fmt.DASH)
    _row(versions, "route", status.route)
    if scenario.route.fallback:
        fb = scenario.route.fallback
        _row(versions, "fallback", f"{fb.provider}/{fb.model}")

    evals = _table("Evals (latest run per suite)", "suite", "pass", "model", "prompt", "finished")
    for e in status.eval_suites:
        _row(evals, e.suite, f"{e.passed}/{e.total} {fmt.percent(e.passed / e.total)}",
             e.model.rsplit("/", 1)[-1], e.prompt, _when(e.finished_at))

    endpoints = _table("Endpoints", "name", "kind", "state", "latency", "last ok", "reason")
    for e in status.endpoints:
        style = {"up": "green", "slow": "yellow", "stale": "yellow"}.get(e.state, "bold red")
        last_ok = fmt.DASH if e.last_ok is None else f"{fmt.duration(status.at - e.last_ok)} ago"
        _row(endpoints, e.name, e.kind, Text(e.state, style=style), f"{e.latency_ms:.0f}ms",
             last_ok if e.state != "up" else "", e.reason)

    owners = _table("Owners and escalation")
    for role, who in scenario.owners.model_dump(exclude={"escalation"}).items():
        if who:
            _row(owners, role, who)
    if scenario.owners.escalation:
        _row(owners, "escalation", " → ".join(scenario.owners.escalation))
    if scenario.runbooks:
        _row(owners, "runbooks", ", ".join(scenario.runbooks))
    parts = [head, problems, Text(""), signals, Text(""), versions, Text(""), evals, Text(""),
             endpoints, Text(""), owners]
    return Group(*parts)


class ScenarioView(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("j", "scroll_down", "Down", id="scroll-down", show=False),
        Binding("k", "scroll_up", "Up", id="scroll-up", show=False),
    ]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(id="scenario-body"):
            yield Static(Text(f"Waiting for data on {self.scenario.id}…"), id="scenario")
        yield Footer()

    def on_mount(self) -> None:
        self.app.paint()  # type: ignore[attr-defined]
        self.app.paint_topbar()  # type: ignore[attr-defined]

    def show(self, snapshot: FleetSnapshot) -> None:
        status = next((s for s in snapshot.scenarios if s.id == self.scenario.id), None)
        if status is not None:
            self.query_one("#scenario", Static).update(render(status, self.scenario))

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
