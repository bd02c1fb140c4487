"""Reading the fleet from a real Prometheus instead of scraping it (``source: prometheus``).

Prometheus scrapes the demo fleet on a frozen clock (``under_prometheus``); one console scrapes
the same fleet, another reads Prometheus' query API. Both see the same sequence of page values,
so the fleet view must show the same cells. Figures made from counters over the window differ
by where each side's first and last reading fall in it (see ``test_prometheus_oracle``): rates,
and also the error rate and p95, since Prometheus extrapolates each series on its own (a
failure reason's series that starts mid-window, a bucket's cut where it would have been zero).
Those four columns are compared as numbers within that skew; every other cell must be the same
text, and health the same unless a limit falls between two such figures. The scraping side's
first reading sits further into the window than Prometheus', so it extrapolates further and
reads a little higher: only a check that no scrape was lost tells that apart from an undercount.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from pydantic import ValidationError

from aiops_tui.config import Config
from aiops_tui.config.models import Source
from aiops_tui.runtime import Runtime
from aiops_tui.signals.assess import MIN_REQUESTS
from aiops_tui.signals.status import FleetSnapshot
from aiops_tui.sources import promql
from aiops_tui.sources.collector import by_interval
from aiops_tui.sources.scrape import METRICS_KINDS, EndpointResult, FetchError, State
from aiops_tui.sources.staleness import LOOKBACK_S
from aiops_tui.ui.fleet_view import COLUMNS

READ_S = 0.25  # each console's pace, as Prometheus scrapes
WINDOWED = {"tok": "tokens_per_min", "burn": "cost_per_hour", "p95": "p95_s",
            "err": "error_rate"}
GRADED = ("p95_s", "error_rate", "budget_fraction")  # windowed figures a limit grades


def reading_prometheus(config: Config, base: str, **source: object) -> Config:
    return config.model_copy(update={"source": Source(kind="prometheus", url=base, **source)})


async def test_fleet_view_shows_the_same_values_read_from_prometheus(under_prometheus,
                                                                     tmp_path: Path) -> None:
    config, base, clock = under_prometheus
    # Traffic only Prometheus saw: the querying console's first read reaches back over it.
    for _ in range(3):
        clock.now += 10
        await asyncio.sleep(4 * READ_S)
    scraping = Runtime(config, tmp_path / "scraping.duckdb")
    querying = Runtime(reading_prometheus(config, base), tmp_path / "querying.duckdb")
    firsts = [await scraping.cycle(), await querying.cycle()]
    assert all(firsts)
    scraped_first, queried_first = firsts
    by_id = {s.id: s for s in queried_first.scenarios}
    for s in scraped_first.scenarios:  # one scrape has no window; the first read has one
        if s.id in ("support-chat", "code-review"):
            assert s.p95_s is None
            assert by_id[s.id].p95_s > 0 and by_id[s.id].tokens_per_min > 0
    assert queried_first.source.startswith("Prometheus 127.0.0.1:")
    assert scraped_first.source == ""

    cycles = 1

    async def read_for(seconds: float) -> None:
        nonlocal cycles
        end = time.time() + seconds
        while time.time() < end:
            await scraping.cycle()
            await querying.cycle()
            cycles += 1
            await asyncio.sleep(READ_S)

    await read_for(1.5)
    for _ in range(5):
        clock.now += 10
        await read_for(1.5)  # Prometheus scrapes the new values, the querying side reads them
    at = time.time()
    window = at - scraped_first.at + 0.5  # each side's first reading within a step of its start
    pictures: list[FleetSnapshot] = []
    for runtime in (scraping, querying):
        assert runtime.last is not None
        endpoints = {s.id: s.endpoints for s in runtime.last.scenarios}
        pictures.append(runtime.compute(at, endpoints, window_s=window))
    sampled = scraping.last.at - scraped_first.at
    step = max(READ_S, sampled / (cycles - 1))
    await scraping.aclose()
    await querying.aclose()
    # The querying side lost no scrape: each endpoint's store holds every scrape Prometheus
    # made of it from its first stored one to its newest.
    stored = scrape_times(tmp_path / "querying.duckdb")
    made = await prometheus_scrapes(base, at)
    assert stored.keys() == made.keys()
    for job, times in stored.items():
        assert [t for t in made[job] if times[0] <= t <= times[-1]] == times, job

    compared = 0
    skew = 2 * step / sampled
    for ours, theirs in zip(*(p.scenarios for p in pictures), strict=True):
        # A threshold may fall between two figures within the skew of each other: a limit
        # between them (or the judging floor between the windows' request counts) grades
        # them apart. Health is compared where neither happened.
        floor = [int(s.missing["low_traffic"].split()[0]) for s in (ours, theirs)
                 if "low_traffic" in s.missing]
        if len(floor) == 1:
            assert floor[0] >= MIN_REQUESTS * (1 - skew), (ours.id, floor)
        straddled = [f for f in GRADED if ours.levels.get(f) != theirs.levels.get(f)]
        for f in straddled:
            assert getattr(theirs, f) == pytest.approx(getattr(ours, f), rel=skew), (ours.id, f)
        graded_alike = len(floor) != 1 and not straddled
        if graded_alike:
            assert ours.health == theirs.health, (ours.id, ours.problems, theirs.problems)
        assert ours.latency_kind == theirs.latency_kind, ours.id  # p95, or Triton's mean
        assert [(e.name, e.state) for e in theirs.endpoints] == [
            (e.name, e.state) for e in ours.endpoints]  # in config order, as scraped
        for key, label, _, cell in COLUMNS:
            if key in WINDOWED:
                a, b = getattr(ours, WINDOWED[key]), getattr(theirs, WINDOWED[key])
                if a is None:
                    assert b is None, (ours.id, label)
                else:
                    assert b == pytest.approx(a, rel=skew), (ours.id, label)
            elif key != "health" or graded_alike:
                assert cell(theirs).plain == cell(ours).plain, (ours.id, label)
            compared += 1
    assert compared == len(COLUMNS) * len(config.scenarios)
    # The comparison has something to compare: traffic moved the latency of every scenario.
    assert all(s.p95_s for s in pictures[1].scenarios)


def scrape_times(store: Path) -> dict[str, list[float]]:
    """Each endpoint's stored scrape times, by its Prometheus job (``scenario/endpoint``)."""
    with duckdb.connect(str(store), read_only=True) as db:
        rows = db.execute("SELECT s.scenario || '/' || s.endpoint, list(DISTINCT p.ts "
                          "ORDER BY p.ts) FROM samples p JOIN series s ON s.id = p.series "
                          "GROUP BY 1").fetchall()
    return {job: [round(t, 3) for t in times] for job, times in rows}


async def prometheus_scrapes(base: str, at: float) -> dict[str, list[float]]:
    """The times of each job's scrapes that brought samples, as Prometheus holds them."""
    async with httpx.AsyncClient() as client:
        answer = (await client.get(f"{base}/api/v1/query", params={
            "query": "scrape_samples_scraped[10m]", "time": f"{at:.3f}"})).json()
    return {s["metric"]["job"]: [round(t, 3) for t, v in s["values"] if float(v) > 0]
            for s in answer["data"]["result"]}


async def test_the_query_apis_complaints_become_messages(under_prometheus) -> None:
    _, base, _ = under_prometheus
    async with httpx.AsyncClient() as client:
        source = promql.PromSource(Source(kind="prometheus", url=base), client, overlap=1)
        with pytest.raises(FetchError) as malformed:
            await source.ask("/api/v1/query", {"query": "sum(up"})
        assert "rejected the query as malformed (bad_data, HTTP 400)" in malformed.value.reason
        assert "unclosed left parenthesis" in malformed.value.reason
        with pytest.raises(FetchError) as unevaluable:  # many-to-many: HTTP 422
            await source.ask("/api/v1/query", {"query": "up / on() up"})
        assert "failed evaluating the query (execution, HTTP 422)" in unevaluable.value.reason
        assert unevaluable.value.reason.startswith(f"{source.label}: ")
        with pytest.raises(FetchError) as wrong_base:
            await promql.PromSource(Source(kind="prometheus", url=base + "/prometheus"),
                                    client, overlap=1).ask("/api/v1/query", {"query": "up"})
        assert "HTTP 404, no query API here" in wrong_base.value.reason


async def test_prometheus_down_marks_its_endpoints_down_and_the_rest_goes_on(
        fleet, tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    runtime = Runtime(reading_prometheus(fleet.config, f"http://127.0.0.1:{port}"),
                      tmp_path / "store.duckdb")
    snapshot = await runtime.cycle()
    assert runtime._collector is not None and runtime._collector.prometheus is not None
    # The refused first read is not asked again in full: from then on, the lookback.
    floors = [s.floor for s in runtime._collector.prometheus._seen.values()]
    await runtime.aclose()
    assert snapshot is not None
    assert floors and all(f >= snapshot.at - LOOKBACK_S for f in floors)
    assert snapshot is not None
    for status in snapshot.scenarios:
        states = {e.name: e for e in status.endpoints}
        for endpoint in fleet.config.scenario(status.id).endpoints:
            assert states[endpoint.name].state == "down"
            assert states[endpoint.name].reason == (
                f"Prometheus 127.0.0.1:{port}: connection refused")
        # The eval feed is asked directly, so its figure is still read.
        assert states["evals feed"].state == "up" and status.eval_pass_rate is not None


async def test_prometheus_going_away_marks_every_endpoint_down_at_once(
        under_prometheus) -> None:
    config, base, _ = under_prometheus
    targets = [promql.Target(s.id, e) for s in config.scenarios for e in s.endpoints
               if e.kind in METRICS_KINDS]
    async with httpx.AsyncClient() as client:
        source = promql.PromSource(Source(kind="prometheus", url=base), client, overlap=1)
        await source.collect(targets, time.time(), time.time() - 60)
        for _ in range(3):  # two scrapes of each after the first read: its cadence is known
            await asyncio.sleep(0.6)
            read = await source.collect(targets, time.time(), 0.0)
        assert {r.state for r in read.current} == {State.UP}
        seen = source._seen.values()
        # The moment the first endpoint's next scrape is due: it is read, the others wait.
        at = min(s.newest[i] + s.cadence[i] for s in seen for i in s.newest) + 0.001
        waiting = [s for s in seen if not s.due(at)]
        assert waiting and len(waiting) < len(targets)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            source.source = Source(kind="prometheus",
                                   url=f"http://127.0.0.1:{closed.getsockname()[1]}")
        read = await source.collect(targets, at, 0.0)
        # Not only the endpoint read: every one says the API is gone.
        assert len(read.current) == len(targets)
        assert all(r.state is State.DOWN and r.reason.endswith("connection refused")
                   for r in read.current)
        # And every one is asked for from then on, to see the API come back.
        assert source._failing is not None


async def test_a_query_api_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        async with httpx.AsyncClient() as client:
            source = promql.PromSource(Source(kind="prometheus", url=base, timeout_s=0.3),
                                       client, overlap=1)
            with pytest.raises(FetchError) as slow:
                await source.ask("/api/v1/query", {"query": "up"})
    assert slow.value.state is State.DOWN
    assert slow.value.reason.endswith("no complete answer within 0.3s")


# -- pure parts ------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "body", "says"), [
    (503, b'{"status":"error","errorType":"timeout","error":"query timed out in expression '
          b'evaluation"}',
     "timed out evaluating the query (timeout, HTTP 503): query timed out in expression"),
    (503, b'{"status":"error","errorType":"unavailable","error":"ingester ring not ready"}',
     "is unavailable (unavailable, HTTP 503): ingester ring not ready"),
    (503, b"Service Unavailable", "HTTP 503, unavailable or overloaded: Service Unavailable"),
    (422, b'{"status":"error","errorType":"execution","error":"expanding series: too many"}',
     "failed evaluating the query (execution, HTTP 422): expanding series: too many"),
    (401, b"no org id\n", "HTTP 401, not authorised: check token_env, username/password_env "
                          "or tenant: no org id"),
    (200, b"<html>login</html>", "answered 200 without a result"),
])
def test_failures_say_what_the_api_said(status: int, body: bytes, says: str) -> None:
    with pytest.raises(FetchError) as failed:
        promql.parse(status, body)
    assert says in failed.value.reason


def test_a_long_error_is_cut_to_one_line() -> None:
    reason = promql.failure(500, b"line one\n" + b"x" * 500).reason
    assert "\n" not in reason and reason.endswith("…") and len(reason) < 260


def test_a_batch_selects_its_endpoints_by_label_and_hands_each_its_own() -> None:
    config = Config.model_validate({"scenarios": [
        _scenario("a", [{"name": "v", "kind": "vllm", "url": "http://10.0.0.1:8000"}]),
        _scenario("b", [{"name": "v", "kind": "vllm", "url": "http://10.0.0.2:8000"},
                        {"name": "g", "kind": "dcgm", "url": "http://10.0.0.2:9400",
                         "match": {"job": "dcgm", "node": 'gpu "2" ✓😀'}}]),
    ]})
    targets = [promql.Target(s.id, e) for s in config.scenarios for e in s.endpoints]
    groups = promql.batches(targets)
    assert [[t.endpoint.name for t in g] for g in groups] == [["v", "v"], ["g"]]
    vllm = promql.selector(groups[0])
    assert 'instance=~"10\\\\.0\\\\.0\\\\.1:8000|10\\\\.0\\\\.0\\\\.2:8000"' in vllm
    assert "vllm:e2e_request_latency_seconds_bucket|" in vllm and "~\"up|" in vllm
    # Characters beyond the BMP stay as they are: JSON's surrogate escapes are not PromQL's.
    assert promql.selector(groups[1]).endswith('job="dcgm", node="gpu \\"2\\" ✓😀"}')
    series = promql.Series(metric={"__name__": "up", "instance": "10.0.0.2:8000"},
                           values=[(0.0, "1")])
    assert [t.scenario for t in promql.Owners(groups[0]).of(series)] == ["b"]
    other = promql.Series(metric={"__name__": "up", "instance": "10.0.0.3:8000"},
                          values=[(0.0, "1")])
    assert promql.Owners(groups[0]).of(other) == []


def test_counters_without_total_and_replicas_keep_apart() -> None:
    config = Config.model_validate({"scenarios": [_scenario("a", [
        {"name": "t", "kind": "tgi", "url": "http://tgi:80", "match": {"job": "tgi"}}])]})
    target = promql.Target("a", config.scenarios[0].endpoints[0])
    raw = [({"__name__": "tgi_request_success", "job": "tgi", "instance": f"pod-{i}"}, 10.0 * i)
           for i in (1, 2)] + [({"__name__": "up", "job": "tgi", "instance": "pod-1"}, 1.0)]
    result = promql.result_for(target, raw, 0.0, 1.0)
    assert result.state is State.UP
    assert sorted(s.labels for s in result.samples) == [
        (("instance", "pod-1"),), (("instance", "pod-2"),)]
    assert {s.metric for s in result.samples} == {"requests_ok_total"}
    down = promql.result_for(target, [({"__name__": "up", "job": "tgi"}, 0.0)], 0.0, 1.0)
    assert down.state is State.DOWN and "up 0" in down.reason
    empty = promql.result_for(target, [], 0.0, 1.0)
    assert empty.state is State.DOWN and "no series in Prometheus match job='tgi'" in empty.reason


def _answer(*series: tuple[dict[str, str], list[tuple[float, str]]]) -> list[promql.Series]:
    return [promql.Series(metric=m, values=v) for m, v in series]


def test_reads_hand_out_each_scrape_once_with_the_time_prometheus_made_it() -> None:
    config = Config.model_validate({"scenarios": [_scenario("a", [
        {"name": "t", "kind": "tgi", "url": "http://tgi:80", "match": {"job": "tgi"}}])]})
    target = promql.Target("a", config.scenarios[0].endpoints[0])
    ok = {"__name__": "tgi_request_success", "job": "tgi", "instance": "pod-1"}
    up = {"__name__": "up", "job": "tgi", "instance": "pod-1"}
    seen = {target.key: promql.Seen(floor=100.0)}
    # The first read looks back past the floor: what is at or before it is the store's.
    first = promql.take([target], seen, _answer(
        (ok, [(90.0, "1"), (95.0, "2"), (105.0, "3"), (110.0, "4")]),
        (up, [(90.0, "1"), (95.0, "1"), (105.0, "1"), (110.0, "1")])), 112.0, 3.0)
    assert [(r.at, [s.value for s in r.samples]) for r in first.scrapes] == [
        (105.0, [3.0]), (110.0, [4.0])]
    [now] = first.current  # stamped with the scrape it is judged on
    assert (now.at, now.state, now.samples, now.latency_ms) == (110.0, State.UP, [], 3.0)
    # The next read overlaps the last: the scrape at 110 is not handed out twice.
    again = promql.take([target], seen, _answer((ok, [(110.0, "4"), (115.0, "5")]),
                                                (up, [(110.0, "1"), (115.0, "1")])), 117.0, 1.0)
    assert [(r.at, r.samples[0].value) for r in again.scrapes] == [(115.0, 5.0)]
    # Nothing new while Prometheus has not scraped again: still up, nothing handed out.
    quiet = promql.take([target], seen, _answer((ok, [(115.0, "5")])), 125.0, 1.0)
    assert quiet.scrapes == [] and quiet.current[0].state is State.UP
    # Three of its 5 s intervals without a scrape: down, saying since when.
    gone = promql.take([target], seen, [], 131.0, 1.0)
    assert gone.current[0].state is State.DOWN
    assert gone.current[0].reason == ("no sample of it in Prometheus for 16s "
                                      "(it was scraped every 5s)")


def test_a_first_read_judges_the_state_before_the_floor_and_replicas_apart() -> None:
    config = Config.model_validate({"scenarios": [_scenario("a", [
        {"name": "t", "kind": "tgi", "url": "http://tgi:80", "match": {"job": "tgi"}}])]})
    target = promql.Target("a", config.scenarios[0].endpoints[0])

    def up(pod: str) -> dict[str, str]:
        return {"__name__": "up", "job": "tgi", "instance": pod}

    ok = {"__name__": "tgi_request_success", "job": "tgi", "instance": "pod-2"}
    seen = {target.key: promql.Seen(floor=100.0)}
    read = promql.take([target], seen, _answer(
        (up("pod-1"), [(80.0, "1"), (95.0, "0")]),  # its last scrape before the floor failed
        (up("pod-2"), [(96.0, "1"), (101.0, "1")]), (ok, [(96.0, "7"), (101.0, "8")])),
        102.0, 1.0)
    assert [(r.at, r.samples) for r in read.scrapes] == [
        (101.0, [("requests_ok_total", (("instance", "pod-2"),), 8.0)])]
    assert read.current[0].state is State.UP  # one replica is up
    only_down = {target.key: promql.Seen(floor=100.0)}
    read = promql.take([target], only_down, _answer((up("pod-1"), [(95.0, "0")])), 102.0, 1.0)
    assert read.scrapes == []
    assert read.current[0].state is State.DOWN and "up 0" in read.current[0].reason
    nothing = promql.take([target], {target.key: promql.Seen(floor=100.0)}, [], 102.0, 1.0)
    assert "no series in Prometheus match job='tgi'" in nothing.current[0].reason


def test_scrapes_are_stored_in_the_interval_and_minute_they_were_made_in() -> None:
    scrapes = [EndpointResult("a", "t", "tgi", at=at) for at in (80.0, 81.0, 92.0, 119.0, 121.0)]
    steps = by_interval(scrapes, 123.0, 5.0)
    # 119 and 121 are in the interval before 123, but in two minutes; 80 and 81 share both.
    assert [(c.at, [r.at for r in c.endpoints]) for c in steps] == [
        (81.0, [80.0, 81.0]), (92.0, [92.0]), (119.0, [119.0]), (121.0, [121.0])]


def test_a_read_starts_after_the_newest_scrape_taken_so_late_ones_still_arrive() -> None:
    seen = promql.Seen(floor=100.0)
    assert seen.resume(400.0, 5.0) == (100.0, 100.0)  # a first read: from the floor
    seen.read_to, seen.newest, seen.spacing = 400.0, {"a": 390.0, "b": 398.0}, {"a": 15.0}
    # A backend 10 s behind has not shown the scrape after 390 yet: the next read asks
    # from just after it, not from one interval before the last read (395). Without b's
    # cadence, no later start is known to be safe.
    assert seen.resume(405.0, 5.0) == pytest.approx((390.001, 390.001))
    seen.cadence = {"a": 15.0, "b": 15.0}  # a's next scrape is not before 405, b's 413
    assert seen.resume(405.0, 5.0) == pytest.approx((390.001, 397.5))
    seen.newest["c"] = 100.0  # a replica gone stale may be back: nothing may be left out
    assert seen.resume(405.0, 5.0) == pytest.approx((390.001, 390.001))
    del seen.newest["c"]
    # No replica scraped for three of its intervals: from one interval before the last read.
    seen.spacing["b"] = 2.0
    assert seen.live(440.0) == {} and seen.resume(440.0, 5.0) == (395.0, 395.0)
    seen.forget(700.0)  # five minutes without a scrape: gone
    assert seen.newest == {} and seen.spacing == {}


def test_a_shared_read_leaves_out_scrapes_taken_unless_that_could_miss_one() -> None:
    # Three endpoints scraped every 15 s, last at 100, 102 and 104: from 104.001 every
    # one's next scrape (115 on) is still in range, and none of the three taken is.
    spans = [(100.001, 107.5), (102.001, 109.5), (104.001, 111.5)]
    assert promql.shared_start(spans) == pytest.approx(104.001)
    # One last scraped at 90 may have made its next at 105: start from the earliest.
    assert promql.shared_start([*spans, (90.001, 97.5)]) == pytest.approx(90.001)


def test_an_endpoint_is_read_again_only_once_a_scrape_of_it_is_due() -> None:
    seen = promql.Seen(floor=100.0)
    assert seen.due(400.0)  # never read
    seen.read_to, seen.newest = 400.0, {"a": 390.0, "b": 398.0}
    seen.spacing = seen.cadence = {"a": 15.0}
    assert seen.due(401.0)  # b's cadence is not known yet
    seen.cadence["b"] = 15.0
    # Scraped at 390 and 398 every 15 s: nothing new before 405, when a's next is due.
    assert not seen.due(404.0) and seen.due(405.0)
    seen.newest["a"] = 405.0
    assert not seen.due(412.0) and seen.due(413.0)
    # No replica current any more (three intervals, see staleness): read every cycle, to
    # see it come back.
    assert seen.live(460.0) == {} and seen.due(460.0)


def test_a_gap_in_the_data_is_not_taken_for_the_cadence() -> None:
    config = Config.model_validate({"scenarios": [_scenario("a", [
        {"name": "t", "kind": "tgi", "url": "http://tgi:80", "match": {"job": "tgi"}}])]})
    target = promql.Target("a", config.scenarios[0].endpoints[0])
    up = {"__name__": "up", "job": "tgi", "instance": "pod-1"}
    seen = {target.key: promql.Seen(floor=90.0)}
    # Scraped every 15 s, then Prometheus is down for four minutes.
    for at, scraped in ((101.0, 100.0), (116.0, 115.0), (356.0, 355.0)):
        promql.take([target], seen, _answer((up, [(scraped, "1")])), at, 1.0)
    s = seen[target.key]
    assert (s.spacing["pod-1"], s.cadence["pod-1"]) == (240.0, 15.0)
    # The next scrape is due a scrape after the one that ended the gap, not four minutes.
    assert not s.due(369.0) and s.due(370.0)


@pytest.mark.parametrize(("source", "error"), [
    ({"kind": "prometheus"}, "a prometheus source needs url"),
    ({"kind": "scrape", "url": "http://p:9090"}, "takes no other settings"),
    ({"kind": "prometheus", "url": "http://p:9090", "headers": {"Authorization": "x"}},
     "no Authorization here"),
    ({"kind": "prometheus", "url": "http://p:9090", "username": "u"},
     "needs both username and password_env"),
    ({"kind": "prometheus", "url": "http://bob:hunter2@p:9090"}, "no credentials in the URL"),
    ({"kind": "prometheus", "url": "http://p:9090", "tenant": "équipe"},
     "must be printable ASCII"),
    ({"kind": "prometheus", "url": "http://p:9090", "headers": {"X-Team": "a\r\nX-Evil: 1"}},
     "must be printable ASCII"),
])
def test_a_source_that_cannot_work_is_refused(source: dict, error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        Source.model_validate(source)


def _scenario(sid: str, endpoints: list[dict]) -> dict:
    return {"id": sid, "name": sid, "endpoints": endpoints,
            "route": {"primary": {"provider": "p", "model": "m"}},
            "versions": {"model": "m", "prompt": "p"}, "slo": {"p95_latency_s": 1},
            "pricing": {"input_per_mtok": 1, "output_per_mtok": 1}, "budget": {"daily": 1}}
