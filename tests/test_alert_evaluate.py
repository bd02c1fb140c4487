"""Rule evaluation with a fixed clock over recorded series: each kind, each tier, flapping,
inhibition, ack and silence, and a restart that loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_tui.alerts.book import AlertError, Book, Notice, _rank
from aiops_tui.alerts.evaluate import evaluate, judge, plan_for, reading
from aiops_tui.alerts.rules import AlertRules, Rule, load_alerting
from aiops_tui.config import load_config
from aiops_tui.config.models import Config, Scenario
from aiops_tui.signals.status import AlertView
from aiops_tui.store.db import open_writer
from tests.conftest import DEMO_CONFIG
from tests.test_detail import status_of


class Recorded:
    """Window and baseline values as the rollups would give them (pure rule logic only)."""

    def __init__(self, over: dict[tuple[str, float], float | None] | None = None,
                 baseline: dict[tuple[str, float], float | None] | None = None) -> None:
        self.o, self.b = over or {}, baseline or {}
        self.asked: list[tuple[str, str, float, float]] = []

    def over(self, scenario: Scenario, signal: str, seconds: float):
        value = self.o.get((signal, seconds))
        return value, "" if value is not None else "only 20m of history for a 1h window"

    def baseline(self, scenario: Scenario, signal: str, seconds: float, before: float):
        self.asked.append((scenario.id, signal, seconds, before))
        value = self.b.get((signal, seconds))
        return value, "" if value is not None else "only 3h of history"


@pytest.fixture(scope="module")
def demo() -> tuple[Config, AlertRules]:
    config, path = load_config(DEMO_CONFIG)
    return config, load_alerting(config, path)


def rule(**fields: object) -> Rule:
    return Rule.model_validate({"id": "r", "tier": "page", "summary": "s", **fields})


def test_each_condition_kind(demo) -> None:
    config, _ = demo
    sc = config.scenario("support-chat")  # error SLO 2%, p95 SLO 4s
    status = status_of("support-chat", p95_s=5.0, error_rate=0.03, eval_pass_rate=0.85,
                       index_age_s=7 * 3600.0, cost_per_hour=12.0)
    readings = Recorded(over={("error_rate", 3600.0): 0.4, ("cost_per_hour", 86400.0): 30.0},
                        baseline={("p95_s", 7 * 86400.0): 2.0,
                                  ("cost_per_hour", 7 * 86400.0): 10.0})
    cases = [
        (rule(signal="p95_s", above="slo"), True, 4.0),
        (rule(signal="error_rate", above=0.05), False, 0.05),
        (rule(signal="eval_pass_rate", below="slo"), True, 0.9),
        (rule(signal="index_age_s", above="slo"), True, 6 * 3600.0),
        (rule(signal="p95_s", above_baseline=2, baseline="7d"), True, 4.0),
        (rule(signal="cost_per_hour", window="1d", above_baseline=2, baseline="7d"), True, 20.0),
        # 40% errors over 1h and 3% over the console's 5m, against a 2% budget: 20x and 1.5x.
        (rule(signal="error_rate", burn_rate=14.4, long="1h", short="5m"), False, 14.4),
        (rule(signal="error_rate", burn_rate=1, long="1h", short="5m"), True, 1.0),
    ]
    for r, holds, threshold in cases:
        verdict = judge(r, sc, status, readings)
        assert (verdict.holds, verdict.threshold) == (holds, pytest.approx(threshold)), r
    # The baseline is the window before the current one: the console's 5m, or the rule's day.
    assert readings.asked == [("support-chat", "p95_s", 604800.0, 300.0),
                              ("support-chat", "cost_per_hour", 604800.0, 86400.0)]
    burn = judge(cases[-1][0], sc, status, readings)
    assert burn.value == pytest.approx(1.5) and "1.5x over 1h and 5m" in reading(cases[-1][0], burn)


def test_what_cannot_be_read_is_said_not_passed_as_quiet(demo) -> None:
    config, _ = demo
    sc = config.scenario("support-chat")
    thin = status_of("support-chat", error_rate=0.5, missing={
        "low_traffic": "40 requests in the last 5m: ...", "eval_pass_rate": "no eval runs"})
    readings = Recorded()
    for r, why in [(rule(signal="error_rate", above=0.05), "40 requests"),
                   (rule(signal="eval_pass_rate", below="slo"), "no eval runs"),
                   (rule(signal="error_rate", burn_rate=6, long="1h", short="5m"), "20m of"),
                   (rule(signal="p95_s", above_baseline=2, baseline="7d"), "40 requests")]:
        verdict = judge(r, sc, thin, readings)
        assert verdict.holds is None and why in verdict.why, r
    thin = status_of("support-chat", p95_s=1.0)
    verdict = judge(rule(signal="p95_s", above_baseline=2, baseline="7d"), sc, thin, readings)
    assert verdict.holds is None and verdict.why == "no baseline: only 3h of history"


def test_rules_that_cannot_apply_are_not_evaluated(demo) -> None:
    config, rules = demo
    statuses = {s.id: status_of(s.id) for s in config.scenarios}
    out = evaluate(plan_for(rules.rules, config.scenarios), statuses, Recorded(), {}, now=0.0)
    claims = {r for s, r in out if s == "claims-triage"}  # Triton: no tokens; no index
    assert "index-stale" not in claims and "daily-cost-over-baseline" not in claims
    assert "index-stale" in {r for s, r in out if s == "doc-search"}


def run(book: Book, config: Config, statuses: list[dict], rules: list[Rule], start: float = 0.0,
        step: float = 60.0) -> list[tuple[str, ...]]:
    """Evaluate ``statuses`` one per step; returns the (state of each alert) per step."""
    seen = []
    for i, values in enumerate(statuses):
        now = start + i * step
        current = {s.id: status_of(s.id, **values.get(s.id, {})) for s in config.scenarios}
        evaluated = evaluate(book.plan, current, Recorded(), book.alerts, now)
        book.update(evaluated, now)
        seen.append(tuple(str(book.alerts[("support-chat", r.id)].state) for r in rules))
    return seen


def test_flapping_does_not_page_again_and_again(demo) -> None:
    config, _ = demo
    r = rule(signal="error_rate", above=0.05, **{"for": "2m", "keep_firing_for": "5m"})
    book = Book(AlertRules(rules=[r]), config)
    high, low = {"support-chat": {"error_rate": 0.2}}, {"support-chat": {"error_rate": 0.01}}
    flapping = [high, high, high, low, high, low, high, low, low, low, low, low, low]
    states = [s[0] for s in run(book, config, flapping, [r])]
    assert states == ["pending", "pending", "firing", "firing", "firing", "firing", "firing",
                      "firing", "firing", "firing", "firing", "resolved", "resolved"]
    triggers = [n for n in book.notifications(13 * 60.0) if n.notice is Notice.TRIGGER]
    assert triggers == []  # resolved by now: nothing left to trigger


def test_a_page_holds_back_its_ticket_and_acks_and_silences(demo, tmp_path: Path) -> None:
    config, _ = demo
    page = rule(id="p", signal="error_rate", above=0.05)
    ticket = rule(id="t", tier="ticket", signal="error_rate", above="slo")
    other = rule(id="o", tier="ticket", signal="p95_s", above="slo")
    rules = AlertRules(rules=[page, ticket, other])
    book = Book(rules, config)
    bad = {"support-chat": {"error_rate": 0.2, "p95_s": 9.0}}
    run(book, config, [bad], rules.rules)
    views = {v.rule: v for v in book.views(0.0) if v.scenario == "support-chat"}
    assert [v.rule for v in book.views(0.0) if v.scenario == "support-chat"] == ["p", "o", "t"]
    assert views["t"].inhibited_by == "p" and views["o"].inhibited_by is None
    sent = {(n.view.rule, n.notice) for n in book.notifications(0.0)}
    assert sent == {("p", Notice.TRIGGER), ("o", Notice.TRIGGER)}  # not the held-back ticket
    book.delivered(("support-chat", "p"), Notice.TRIGGER)  # PagerDuty took the page only

    event, notice = book.ack(("support-chat", "p"), "ana", 10.0)
    assert (event.event, event.who) == ("acked", "ana") and notice.notice is Notice.ACKNOWLEDGE
    with pytest.raises(AlertError, match="say why"):
        book.silence(("support-chat", "o"), "ana", 100.0, " ", 10.0)
    book.silence(("support-chat", "o"), "ana", 3600.0, "known: batch job", 10.0)
    with pytest.raises(AlertError, match="only a pending or firing"):
        book.ack(("doc-search", "p"), "ana", 10.0)

    # Restart: the rows stored are the book the next console starts from.
    store = open_writer(tmp_path / "a.duckdb")
    store.save_alerts(book.dirty(), [event])
    store.close()
    store = open_writer(tmp_path / "a.duckdb")
    again = Book(rules, config, store.alerts(), now=20.0)
    assert [e.event for e in store.alert_events()] == ["acked"]
    store.close()
    views = {v.rule: v for v in again.views(20.0) if v.scenario == "support-chat"}
    assert views["p"].acked_by == "ana" and views["o"].silenced_by == "ana"
    assert views["o"].silence_reason == "known: batch job"
    # Accepted before the restart: not triggered twice. The ticket's trigger never got
    # through, but it is silenced now: it waits for the silence to end.
    assert again.notifications(20.0) == []
    retried = {(n.view.rule, n.notice) for n in again.notifications(3700.0)}
    assert retried == {("o", Notice.TRIGGER)}

    # Recovery: the ack ends with the alert; the silence outlives it until its end.
    good = {"support-chat": {"error_rate": 0.001, "p95_s": 1.0}}
    run(again, config, [good], rules.rules, start=30.0)
    assert again.handling[("support-chat", "p")].acked_by is None
    assert again.handling[("support-chat", "o")].silenced(40.0)
    resolved = {(n.view.rule, n.notice) for n in again.notifications(40.0)}
    assert resolved == {("p", Notice.RESOLVE), ("o", Notice.RESOLVE)}


def test_a_pending_timer_survives_a_restart(demo, tmp_path: Path) -> None:
    config, _ = demo
    r = rule(signal="error_rate", above=0.05, **{"for": "3m"})
    rules = AlertRules(rules=[r])
    book = Book(rules, config)
    high = {"support-chat": {"error_rate": 0.2}}
    assert run(book, config, [high, high], [r]) == [("pending",), ("pending",)]
    store = open_writer(tmp_path / "a.duckdb")
    store.save_alerts(book.dirty())
    store.close()
    store = open_writer(tmp_path / "a.duckdb")
    again = Book(rules, config, store.alerts())
    store.close()
    # 3 minutes after it began to hold, counted from before the restart, it fires.
    assert run(again, config, [high, high], [r], start=120.0) == [("pending",), ("firing",)]


def test_only_a_change_in_an_alerts_lifecycle_is_stored(demo) -> None:
    config, _ = demo
    r = rule(signal="error_rate", above=0.05, **{"for": "3m"})
    book = Book(AlertRules(rules=[r]), config)
    run(book, config, [{"support-chat": {"error_rate": 0.01}}], [r])
    book.saved(book.dirty())
    # A quiet rule's value moves every cycle: nothing to write.
    run(book, config, [{"support-chat": {"error_rate": 0.02}}], [r], start=60.0)
    assert book.alerts[("support-chat", r.id)].value == pytest.approx(0.02)
    assert book.dirty() == []
    # It begins to hold: stored, with the value it held at.
    run(book, config, [{"support-chat": {"error_rate": 0.2}}], [r], start=120.0)
    [row] = [row for row in book.dirty() if row.scenario == "support-chat"]
    assert (row.state, row.active_since, row.value) == ("pending", 120.0, pytest.approx(0.2))


def test_an_alert_whose_rule_stops_applying_resolves(demo) -> None:
    config, _ = demo
    firing = rule(id="f", signal="error_rate", above=0.05)
    waiting = rule(id="w", signal="p95_s", above="slo", **{"for": "10m"})
    rules = AlertRules(rules=[firing, waiting])
    book = Book(rules, config)
    run(book, config, [{"support-chat": {"error_rate": 0.2, "p95_s": 9.0}}], rules.rules)
    assert book.alerts[("support-chat", "w")].state.value == "pending"
    events = book.update({}, 60.0)  # e.g. the scenario lost what the rules read
    assert [(e.rule, e.event) for e in events] == [("f", "resolved")]
    assert book.alerts[("support-chat", "w")].state.value == "inactive"


def test_each_scenario_is_judged_once_per_evaluation_interval_at_its_own_point(demo) -> None:
    config, rules = demo
    fleet = config.model_copy(update={
        "scenarios": [config.scenarios[0].model_copy(update={"id": f"s{i}"})
                      for i in range(200)],
        "console": config.console.model_copy(update={"interval_s": 5.0}),
        "alerts": config.alerts.model_copy(update={"evaluation_interval": 15.0})})
    book = Book(rules, fleet)  # the default: every 15 s, with the console's 5 s cycles

    def cycle(now: float) -> set[str]:
        due = book.due(now)
        book.update({}, now, due)
        return due

    assert cycle(1000.0) == {f"s{i}" for i in range(200)}  # the first cycle: all
    cycles = [cycle(1000.0 + 5 * n) for n in range(1, 13)]  # a minute of cycles
    judged = [s for due in cycles for s in due]
    assert sorted(judged) == sorted(f"s{i}" for i in range(200) for _ in range(4))
    # Spread over the cycles: about a third each, never the whole fleet at once.
    assert all(40 <= len(due) <= 100 for due in cycles), [len(d) for d in cycles]
    # A cycle that failed before its judgement was taken: judged on the next one.
    missed = book.due(1065.0)
    assert missed and book.due(1070.0) >= missed
    every_cycle = fleet.model_copy(update={"alerts": fleet.alerts.model_copy(
        update={"evaluation_interval": 5.0})})
    book = Book(rules, every_cycle)
    assert all(len(cycle(1000.0 + 5 * n)) == 200 for n in range(3))


def test_scenarios_not_judged_this_cycle_keep_their_alerts(demo) -> None:
    config, _ = demo
    r = rule(signal="error_rate", above=0.05)
    book = Book(AlertRules(rules=[r]), config)
    run(book, config, [{"support-chat": {"error_rate": 0.2}}], [r])
    assert book.alerts[("support-chat", r.id)].state.value == "firing"
    statuses = {s.id: status_of(s.id, error_rate=0.01) for s in config.scenarios}
    evaluated = evaluate(book.plan, statuses, Recorded(), book.alerts, 60.0, {"doc-search"})
    assert {scenario for scenario, _ in evaluated} == {"doc-search"}
    assert book.update(evaluated, 60.0, {"doc-search"}) == []  # not resolved: not judged
    assert book.alerts[("support-chat", r.id)].state.value == "firing"
    evaluated = evaluate(book.plan, statuses, Recorded(), book.alerts, 65.0, {"support-chat"})
    assert [e.event for e in book.update(evaluated, 65.0, {"support-chat"})] == ["resolved"]


def test_a_paged_alert_whose_rule_is_removed_is_resolved_at_the_notifier(demo) -> None:
    config, _ = demo
    gone, kept = rule(id="gone", signal="error_rate", above=0.05), rule(id="kept", signal="p95_s",
                                                                      above="slo")
    book = Book(AlertRules(rules=[gone, kept]), config)
    run(book, config, [{"support-chat": {"error_rate": 0.2}}], [gone])
    [trigger] = book.notifications(0.0)
    book.delivered(("support-chat", "gone"), trigger.notice)  # PagerDuty has it open
    # The next start's config has no "gone" rule: the open incident must not be left open.
    again = Book(AlertRules(rules=[kept]), config, book.dirty())
    events = again.update(evaluate(again.plan, {"support-chat": status_of("support-chat")},
                                   Recorded(), again.alerts, 60.0), 60.0)
    assert [(e.rule, e.event, e.detail) for e in events] == [
        ("gone", "resolved", "no longer in the configuration")]
    [resolve] = again.notifications(60.0)
    assert (resolve.notice, resolve.view.scenario, resolve.view.rule) == (
        Notice.RESOLVE, "support-chat", "gone")
    assert again.notifications(120.0) == []  # once
    again.delivered(("support-chat", "gone"), Notice.RESOLVE)
    # The rule back a day later, its data missing: the old incident does not page again.
    back = Book(AlertRules(rules=[gone, kept]), config, again.dirty())
    back.update(evaluate(back.plan, {"support-chat": status_of(
        "support-chat", missing={"low_traffic": "too few requests"})}, Recorded(),
        back.alerts, 86400.0), 86400.0)
    assert back.notifications(86400.0) == []


def test_views_go_by_tier_state_and_age_with_the_unjudged_last() -> None:
    def view(name: str, tier: str, state: str, since: float | None, why: str = "") -> AlertView:
        return AlertView(scenario="s", rule=name, tier=tier, state=state, summary="",
                         value=None, threshold=None, reading="", since=since, unevaluable=why)

    views = [view("unjudged", "page", "inactive", None, "no baseline"),
             view("review", "review", "resolved", 5.0),
             view("ticket", "ticket", "firing", 1.0),
             view("pending", "page", "pending", 10.0),
             view("newer", "page", "firing", 100.0),
             view("blind", "page", "firing", 70.0, "no data now"),  # still firing: with them
             view("older", "page", "firing", 50.0)]
    assert [v.rule for v in sorted(views, key=_rank)] == [
        "older", "blind", "newer", "pending", "ticket", "review", "unjudged"]
