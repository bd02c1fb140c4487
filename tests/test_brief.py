"""The commander's brief: what the presentation screen shows, worked out from an incident, its
scenario's status and the alerts. Pure."""

from __future__ import annotations

from aiops_tui.incidents.brief import UPDATE_DUE_S, brief, burn, burn_words
from aiops_tui.incidents.record import Incident
from aiops_tui.signals.status import AlertView, EndpointStatus
from aiops_tui.ui.present_screen import clock
from tests.test_detail import status_of

T0 = 1_790_000_000.0


def alert(rule: str, tier: str, state: str = "firing", reading: str = "", condition: str = "above",
          scenario: str = "support-chat", **more: object) -> AlertView:
    return AlertView(scenario=scenario, rule=rule, tier=tier, condition=condition, state=state,
                     summary=f"{rule} summary", value=1.0, threshold=1.0, reading=reading,
                     since=T0 - 600, **more)


def incident(**more: object) -> Incident:
    fields = dict(id="INC-3", scenario="support-chat", title="errors", severity="sev2",
                  declared_at=T0 - 900, declared_by="ana", roles={"commander": "ana"})
    return Incident(**(fields | more))  # type: ignore[arg-type]


def test_what_diverged_is_said_once_most_urgent_first() -> None:
    status = status_of(
        "support-chat", health="crit", error_rate=0.2, error_slo=0.05,
        levels={"error_rate": "crit", "kv_use": "warn"},
        problems=["error rate 20.0% over 5.0%", "llm down: connect refused", "kv use 97%"],
        endpoints=[EndpointStatus(name="llm", kind="vllm", state="down", reason="refused")])
    alerts = [
        alert("error-rate-over-slo", "ticket", reading="error rate 20.0% over 5.0%",
              inhibited_by="error-rate-high"),
        alert("error-rate-high", "page", reading="error rate 20.0% over 5.0%"),
        alert("p95-over-baseline", "page", state="pending", reading="p95 3.1s over 1.2s"),
        alert("index-stale", "ticket", reading="index 7h old", scenario="doc-search"),
        alert("cost-trend", "review", state="resolved", reading="cost up"),
    ]
    b = brief(incident(), status, alerts, T0)
    assert [(d.what, d.tier) for d in b.diverged] == [
        ("error rate 20.0% over 5.0%", "page"),        # the page; its held-back ticket unsaid
        ("p95 3.1s over 1.2s (pending)", "page"),
        ("llm down: connect refused", "crit"),         # the assessment's, not said by an alert
        ("kv use 97%", "warn"),
    ]
    assert b.health == "crit" and b.roles[0] == ("commander", "ana")
    assert [d for d, who in b.roles if who is None] == ["operations", "communications",
                                                       "scribe"]


def test_a_healthy_scenario_has_nothing_diverged_and_no_status_is_no_health() -> None:
    assert brief(incident(), status_of("support-chat"), [], T0).diverged == []
    alone = brief(incident(), None, [alert("endpoint-down", "page", reading="1 down")], T0)
    assert alone.health is None and alone.burn.rate is None
    assert [d.what for d in alone.diverged] == ["1 down"]


def test_burn_is_the_rate_now_and_the_tier_the_burn_rules_give() -> None:
    status = status_of("support-chat", error_rate=0.3, error_slo=0.05)
    fast = alert("error-budget-burn-fast", "page", condition="burn_rate")
    slow = alert("error-budget-burn-slow-ticket", "ticket", condition="burn_rate")
    assert burn([slow, fast], status).tier == "page"
    assert burn([slow, fast], status).rate == 0.3 / 0.05
    assert burn([alert("error-rate-high", "page")], status).tier == "within"  # not a burn rule
    pending = burn([alert("error-budget-burn-slow", "page", "pending", condition="burn_rate")],
                   status)
    assert (pending.tier, burn_words(pending)) == (
        "pending", "now · error-budget-burn-slow pending")
    unjudged = burn([alert("error-budget-burn-slow-ticket", "ticket", "inactive",
                           condition="burn_rate", unevaluable="3d of history needed")], status)
    assert unjudged.tier == "unknown" and "3d of history needed" in burn_words(unjudged)
    assert burn([], status_of("support-chat")).rate is None  # no traffic: no rate, not zero


def test_the_update_falls_due_after_half_an_hour_while_open() -> None:
    assert not brief(incident(), None, [], T0 - 900 + UPDATE_DUE_S).update_due
    assert brief(incident(), None, [], T0 - 899 + UPDATE_DUE_S).update_due
    resolved = incident(resolved_at=T0)
    assert not brief(resolved, None, [], T0 + UPDATE_DUE_S).update_due
    assert [clock(s) for s in (0, 65, 3599, 3600, 7322)] == ["0:00", "1:05", "59:59", "1:00",
                                                             "2:02"]
