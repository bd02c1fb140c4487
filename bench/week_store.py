"""A store shaped like a week of a 50-scenario fleet, for the benchmarks that read history.

Synthetic but shaped like real collection: per scenario a vLLM endpoint (latency and TTFT
histograms, token and request counters, running/waiting/KV gauges) and a DCGM exporter with two
GPUs, under the canonical names and label JSON the collector writes. Raw samples cover the raw
retention (the newest day by default), minute rollups the whole span, as a console that has
run for a week keeps them. DuckDB generates every row itself (``range()`` joins, in time
order, in chunks) into a store made by ``open_writer``, so the schema is the real one. The
file goes to ``bench/out/`` and is reused while its parameters match.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from aiops_tui.alerts.rules import AlertRules
from aiops_tui.config import load_config
from aiops_tui.config.models import Config
from aiops_tui.runtime import Mode, Runtime
from aiops_tui.store.db import MINUTES_KEPT_S, StoreLocked, open_writer
from bench.harness import ROOT

OUT = Path(__file__).resolve().parent / "out"
DEMO_CONFIG = ROOT / "config" / "demo.yaml"
GENERATOR_VERSION = 7  # bump when the generated data changes shape
META_KEY = "bench_week_store"
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so a store is the same whenever it is made
DAY = 86_400.0
# Diurnal load 1 + 0.45 sin(...): its integral gives monotonic counters in closed form.
DIURNAL = 0.45
ROWS_PER_CHUNK = 4_000_000

# vLLM V1 bucket layouts (as the demo simulator and the engine use).
E2E_BUCKETS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
               120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0)
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
                7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0)
GPUS = 2
GPU_BYTES = 80 * 1024**3

# Per-scenario traffic shapes, picked round-robin: rps, input and output tokens, KV capacity.
RPS = (6.0, 14.0, 3.0, 9.0, 5.0)
IN_TOKENS = (900, 1600, 350, 1200, 700)
OUT_TOKENS = (220, 380, 40, 300, 160)
CAPACITY = (48, 96, 64, 48, 32)


# -- config --------------------------------------------------------------------------------------
def fleet_config(scenarios: int, interval: float) -> Config:
    """The demo config's scenarios copied round-robin to ``scenarios`` ids; scrape = interval."""
    base, _ = load_config(DEMO_CONFIG)
    doc = base.model_dump(mode="json")
    originals = doc["scenarios"]
    copies = []
    for i in range(scenarios):
        scenario = dict(originals[i % len(originals)])
        scenario["id"] = f"{scenario['id']}-{i:02d}"
        scenario["name"] = f"{scenario['name']} #{i:02d}"
        copies.append(scenario)
    doc["scenarios"] = copies
    doc["console"]["interval_s"] = interval  # the demo's 2 s would make 15 s gauges look stale
    return Config.model_validate(doc)


# -- generation ----------------------------------------------------------------------------------
def lognormal_cdf(x: float, median: float, sigma: float) -> float:
    return 0.5 * (1.0 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2.0))))


def labels(**kv: str) -> str:
    return json.dumps(kv, sort_keys=True)


def plan_series(config: Config) -> tuple[list[tuple[Any, ...]], dict[str, list[Any]],
                                         dict[str, list[Any]]]:
    """Series rows for the ``series`` table, plus per-series and per-scenario generator params.

    Counters are ``mult * N(t)`` (floored when integral), where ``N`` is the scenario's requests
    so far; gauges are ``clamp(base + amp * diurnal + noise)``. Everything per row is SQL.
    """
    series: list[tuple[Any, ...]] = []
    gen: dict[str, list[Any]] = defaultdict(list)
    scen: dict[str, list[Any]] = defaultdict(list)

    def add(sidx: int, endpoint: str, metric: str, lab: str, kind: str, mult: float = 0.0,
            base: float = 0.0, amp: float = 0.0, noise: float = 0.0, lo: float = 0.0,
            hi: float = 1e18) -> None:
        sid = len(series) + 1
        series.append((sid, config.scenarios[sidx].id, endpoint, metric, lab))
        for key, value in (("id", sid), ("sidx", sidx), ("kind", kind), ("mult", mult),
                           ("base", base), ("amp", amp), ("noise", noise), ("lo", lo),
                           ("hi", hi)):
            gen[key].append(value)

    for sidx, sc in enumerate(config.scenarios):
        rps, cap = RPS[sidx % 5], CAPACITY[sidx % 5]
        latency = sc.slo.p95_latency_s * 0.35
        ttft = min(0.6, sc.slo.p95_latency_s * 0.06)
        error_p = sc.slo.error_rate * 0.15
        model = sc.versions.model
        engine = next((e.name for e in sc.endpoints if e.kind != "dcgm"), "engine")
        exporter = next((e.name for e in sc.endpoints if e.kind == "dcgm"), "dcgm")
        # Token sizes scaled so the day costs about half the scenario's budget.
        day_cost = DAY * rps * (IN_TOKENS[sidx % 5] * sc.pricing.input_per_mtok
                                + OUT_TOKENS[sidx % 5] * sc.pricing.output_per_mtok) / 1e6
        tokens = min(1.0, 0.5 * sc.budget.daily / day_cost) if day_cost else 1.0
        scen["sidx"].append(sidx)
        scen["rps"].append(rps)
        scen["shift"].append((sidx * 1931.0) % 7200.0)  # spread peaks a little
        concurrency = rps * latency * 1.2
        running = min(concurrency, cap)
        scen["minute"].append((
            sc.id, sidx, rps, (sidx * 1931.0) % 7200.0,
            IN_TOKENS[sidx % 5] * tokens, OUT_TOKENS[sidx % 5] * tokens * (1 - error_p),
            1 - error_p, error_p,
            [*E2E_BUCKETS, math.inf],
            [lognormal_cdf(le, latency, 0.35) for le in E2E_BUCKETS] + [1.0],
            [*TTFT_BUCKETS, math.inf],
            [lognormal_cdf(le, ttft, 0.5) for le in TTFT_BUCKETS] + [1.0],
            running, 0.35 + 0.4 * running / cap, 0.08 + 0.85 * running / cap,
            sc.versions.model, sc.versions.prompt, sc.versions.index))

        for metric, bounds, median, sigma in (
                ("e2e_latency_seconds", E2E_BUCKETS, latency, 0.35),
                ("ttft_seconds", TTFT_BUCKETS, ttft, 0.5)):
            for le in (*bounds, math.inf):
                frac = 1.0 if math.isinf(le) else lognormal_cdf(le, median, sigma)
                add(sidx, engine, f"{metric}_bucket",
                    labels(le="+Inf" if math.isinf(le) else repr(le), model=model), "c", frac)
            add(sidx, engine, f"{metric}_count", labels(model=model), "c", 1.0)
            add(sidx, engine, f"{metric}_sum", labels(model=model), "f",
                median * math.exp(sigma**2 / 2))
        add(sidx, engine, "prompt_tokens_total", labels(model=model), "c",
            IN_TOKENS[sidx % 5] * tokens)
        add(sidx, engine, "generation_tokens_total", labels(model=model), "c",
            OUT_TOKENS[sidx % 5] * tokens * (1 - error_p))
        add(sidx, engine, "requests_ok_total", labels(model=model, reason="stop"), "c",
            (1 - error_p) * 0.92)
        add(sidx, engine, "requests_ok_total", labels(model=model, reason="length"), "c",
            (1 - error_p) * 0.08)
        add(sidx, engine, "requests_failed_total", labels(model=model, reason="abort"), "c",
            error_p)
        concurrency = rps * latency * 1.2
        running = min(concurrency, cap)
        add(sidx, engine, "requests_running", labels(model=model), "g", base=running,
            amp=running * DIURNAL, noise=running * 0.3, hi=cap)
        add(sidx, engine, "requests_waiting", labels(model=model), "g",
            base=max(0.0, concurrency - cap * 0.8), amp=concurrency * DIURNAL, noise=2.0)
        kv = 0.08 + 0.85 * running / cap
        add(sidx, engine, "kv_cache_usage", labels(model=model), "g", base=kv,
            amp=kv * DIURNAL * 0.8, noise=0.05, hi=1.0)

        host = f"node-{sidx:02d}"
        for g in range(GPUS):
            gpu = labels(gpu=f"{host}/{g}")
            util = 0.35 + 0.4 * running / cap
            add(sidx, exporter, "gpu_utilization", gpu, "g", base=util, amp=0.25, noise=0.1,
                hi=1.0)
            add(sidx, exporter, "gpu_memory_used_bytes", gpu, "g", base=GPU_BYTES * 0.7,
                amp=GPU_BYTES * 0.1, noise=GPU_BYTES * 0.02, hi=GPU_BYTES)
            add(sidx, exporter, "gpu_memory_free_bytes", gpu, "g", base=GPU_BYTES * 0.3,
                amp=-GPU_BYTES * 0.1, noise=GPU_BYTES * 0.02, hi=GPU_BYTES)
            # Also written by real DCGM collection (not read by the fleet view).
            add(sidx, exporter, "gpu_power_watts", gpu, "g", base=400.0, amp=150.0, noise=40.0)
            add(sidx, exporter, "gpu_temperature_celsius", gpu, "g", base=58.0, amp=10.0,
                noise=3.0)
            add(sidx, exporter, "gpu_last_xid", gpu, "g")
    return series, dict(gen), dict(scen)


def insert_chunk_sql(interval: float) -> str:
    """One chunk of ticks [?, ?) for every series, ordered by time (then series)."""
    amp = DIURNAL * DAY / (2 * math.pi)  # integral of the diurnal term
    two_pi_day = f"(2 * pi() / {DAY})"
    # N(t) rises by >= (1 - DIURNAL) * rps * interval per tick; the noise stays below half of
    # that, so N (and every floored counter) never goes down.
    noise_span = 0.5 * (1 - DIURNAL) * interval
    return f"""
    INSERT INTO samples
    WITH ticks AS (
        SELECT k, {T0} + k * {interval} AS ts FROM range(?, ?) r(k)
    ), n AS (
        SELECT t.k, t.ts, s.sidx, s.shift,
               s.rps * ((t.ts - {T0}) + {amp} * (1 - cos({two_pi_day} * (t.ts - 32400 - s.shift))))
               + s.rps * {noise_span} * ((hash(s.sidx, t.k) % 1000) / 1000.0) AS n
        FROM ticks t CROSS JOIN bench_scen s
    )
    SELECT n.ts, g.id,
           CASE g.kind
             WHEN 'c' THEN floor(g.mult * n.n)
             WHEN 'f' THEN g.mult * n.n
             ELSE greatest(g.lo, least(g.hi,
                    g.base + g.amp * sin({two_pi_day} * (n.ts - 32400 - n.shift))
                    + g.noise * ((hash(g.id, n.k) % 1000) / 1000.0 - 0.5)))
           END
    FROM n JOIN bench_gen g ON g.sidx = n.sidx
    ORDER BY n.ts, g.id
    """


MINUTE_COLUMNS = (
    "scenario VARCHAR, sidx INTEGER, rps DOUBLE, shift DOUBLE, prompt_mult DOUBLE, "
    "gen_mult DOUBLE, ok_mult DOUBLE, fail_mult DOUBLE, e2e_bounds DOUBLE[], e2e_fracs DOUBLE[], "
    "ttft_bounds DOUBLE[], ttft_fracs DOUBLE[], running DOUBLE, util DOUBLE, kv DOUBLE, "
    "model VARCHAR, prompt VARCHAR, idx VARCHAR")


def insert_minutes_sql() -> str:
    """Minute rollups [?, ?) for every scenario: the increases of the same N(t) as the raw
    samples, the buckets as its lognormal shares, the gauges at the minute's diurnal phase."""
    amp = DIURNAL * DAY / (2 * math.pi)
    w = f"(2 * pi() / {DAY})"
    return f"""
    INSERT INTO minutes
    WITH m AS (SELECT {T0} + k * 60 AS start FROM range(?, ?) r(k)),
    n AS (
        SELECT m.start, s.*,
               s.rps * (60 + {amp} * (cos({w} * (m.start - 32400 - s.shift))
                                     - cos({w} * (m.start + 60 - 32400 - s.shift)))) AS dn,
               sin({w} * (m.start - 32400 - s.shift)) AS phase
        FROM m CROSS JOIN bench_minute s
    )
    SELECT start, scenario, dn * prompt_mult, dn * gen_mult, dn * ok_mult, dn * fail_mult,
           NULL, NULL, NULL,
           e2e_bounds, list_transform(e2e_fracs, lambda f: f * dn), 0.0,
           ttft_bounds, list_transform(ttft_fracs, lambda f: f * dn), 0.0,
           least(1.0, util + 0.25 * phase), 0.7 + 0.1 * phase,
           least(1.0, kv + kv * {DIURNAL} * 0.8 * phase), running * (1 + {DIURNAL} * phase), 0.0,
           2 * (400 + 150 * phase), 58 + 10 * phase, 0.95, start % 3600 + 60,
           'ok', model, prompt, idx, NULL, NULL, NULL, NULL, NULL
    FROM n ORDER BY start, scenario
    """


def generate(path: Path, config: Config, days: float, raw_days: float, interval: float,
             params: str) -> dict[str, float]:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_writer(path)
    con = store.con
    series, gen, scen = plan_series(config)
    ticks = round(days * DAY / interval)
    con.execute("BEGIN")
    with con.appender("series") as appender:
        appender.append_rows(series)
    con.execute("COMMIT")
    con.execute(
        "CREATE TEMP TABLE bench_gen AS SELECT unnest(?::INTEGER[]) AS id, "
        "unnest(?::INTEGER[]) AS sidx, unnest(?::VARCHAR[]) AS kind, unnest(?::DOUBLE[]) AS mult,"
        " unnest(?::DOUBLE[]) AS base, unnest(?::DOUBLE[]) AS amp, unnest(?::DOUBLE[]) AS noise,"
        " unnest(?::DOUBLE[]) AS lo, unnest(?::DOUBLE[]) AS hi",
        [gen[k] for k in ("id", "sidx", "kind", "mult", "base", "amp", "noise", "lo", "hi")])
    con.execute(
        "CREATE TEMP TABLE bench_scen AS SELECT unnest(?::INTEGER[]) AS sidx, "
        "unnest(?::DOUBLE[]) AS rps, unnest(?::DOUBLE[]) AS shift",
        [scen["sidx"], scen["rps"], scen["shift"]])
    con.execute(f"CREATE TEMP TABLE bench_minute ({MINUTE_COLUMNS})")
    con.executemany("INSERT INTO bench_minute VALUES (" + ", ".join("?" * 18) + ")",
                    scen["minute"])
    minutes = round(days * DAY / 60)
    for k0 in range(0, minutes, 1440):
        con.execute(insert_minutes_sql(), [k0, min(minutes, k0 + 1440)])
    hours = store.roll_up_hours(T0 + days * DAY)
    con.execute("""
        INSERT INTO versions
        SELECT scenario, kind, version, min(start), max(start), count(*), 0 FROM (
            SELECT scenario, start, 'model' AS kind, model AS version FROM minutes
            UNION ALL SELECT scenario, start, 'prompt', prompt FROM minutes
            UNION ALL SELECT scenario, start, 'index', index_version FROM minutes)
        WHERE version IS NOT NULL GROUP BY ALL
    """)
    # Then what the console's retention would have deleted by now, before the raw samples, so
    # they reuse the freed blocks and the file is the size a week-old console's would be.
    store.apply_retention(days * DAY, raw_days * DAY, now=T0 + days * DAY)
    con.execute("CHECKPOINT")
    print(f"  generated {minutes:,d} minutes of rollups, {hours:,d} scenario-hours, kept "
          f"{MINUTES_KEPT_S / DAY:g} days of minutes ({time.perf_counter() - started:.0f} s)",
          flush=True)
    sql = insert_chunk_sql(interval)
    chunk = max(1, ROWS_PER_CHUNK // len(series))
    first_tick = round((days - raw_days) * DAY / interval)
    chunks = math.ceil((ticks - first_tick) / chunk)
    for number, k0 in enumerate(range(first_tick, ticks, chunk), 1):
        con.execute(sql, [k0, min(ticks, k0 + chunk)])
        if number % 10 == 0 or number == chunks:
            print(f"  generated chunk {number}/{chunks} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    end = T0 + (ticks - 1) * interval
    generate_documents(con, config, end)
    con.execute("CHECKPOINT")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_KEY, params])
    con.execute("CHECKPOINT")
    store.close()
    return {"seconds": time.perf_counter() - started, "chunks": chunks,
            "rows_per_chunk": chunk * len(series)}


def ensure(scenarios: int, days: float, raw_days: float, interval: float,
           regenerate: bool = False) -> tuple[Config, Path]:
    """The store for these parameters, generated unless a matching one is in ``bench/out``."""
    config = fleet_config(scenarios, interval)
    params = json.dumps({"v": GENERATOR_VERSION, "scenarios": scenarios, "days": days,
                         "raw_days": raw_days, "interval": interval}, sort_keys=True)
    path = OUT / (f"week_{scenarios}sc_{days:g}d_raw{raw_days:g}d_{interval:g}s"
                  f"_v{GENERATOR_VERSION}.duckdb")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"store: {path.relative_to(ROOT)}")
    if not regenerate and stored_params(path) == params:
        print("  reused (parameters match); --regenerate to rebuild")
    else:
        info = generate(path, config, days, raw_days, interval, params)
        print(f"  generation time      {info['seconds']:9.1f} s "
              f"({info['chunks']:.0f} chunks of <= {info['rows_per_chunk']:,.0f} rows)")
    return config, path


def describe_store(path: Path, con: duckdb.DuckDBPyConnection, scenarios: int,
                   interval: float) -> float:
    """Print what the store holds and its size per scenario-day; returns the newest sample."""
    rows, n_series = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                      for t in ("samples", "series"))
    first, now = con.execute("SELECT min(ts), max(ts) FROM samples").fetchall()[0]
    minutes, m_first = con.execute("SELECT count(*), min(start) FROM minutes").fetchall()[0]
    hours, h_first = con.execute("SELECT count(*), min(start) FROM hours").fetchall()[0]
    size = path.stat().st_size
    wal = path.with_name(path.name + ".wal")
    size += wal.stat().st_size if wal.exists() else 0
    raw_days = (now - first + interval) / DAY
    days = (now - h_first) / DAY
    print(f"  raw samples          {rows:13,d} rows over {raw_days:.2f} days, {n_series:,d} series "
          f"({n_series / scenarios:.0f} per scenario)")
    print(f"  minute rollups       {minutes:13,d} rows over {(now - m_first) / DAY:.2f} days")
    print(f"  hourly rollups       {hours:13,d} rows over {days:.2f} days")
    print(f"  file size            {size / 2**20:11.1f} MiB: "
          f"{size / (scenarios * days) / 2**20:.2f} MiB per scenario-day kept")
    block = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
    for table in ("samples", "minutes", "hours"):
        blocks = con.execute(f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{table}')"
                             ).fetchall()[0][0]
        print(f"    {table:<18} {blocks * block / 2**20:11.1f} MiB in {blocks} blocks")
    return now


def generate_documents(con: duckdb.DuckDBPyConnection, config: Config, end: float) -> None:
    """Hourly eval runs (two suites) per scenario, and an hourly index rebuild where one is."""
    ids = [s.id for s in config.scenarios]
    models = [s.versions.model for s in config.scenarios]
    prompts = [s.versions.prompt for s in config.scenarios]
    indexes = [s.versions.index for s in config.scenarios]
    has_index = [s.index is not None for s in config.scenarios]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_docs AS SELECT unnest(?::VARCHAR[]) AS scenario, "
        "unnest(?::VARCHAR[]) AS model, unnest(?::VARCHAR[]) AS prompt, "
        "unnest(?::VARCHAR[]) AS idx, unnest(?::BOOLEAN[]) AS has_index",
        [ids, models, prompts, indexes, has_index])
    con.execute(f"""
        INSERT INTO eval_runs
        SELECT d.scenario, suite, (40 - (hash(d.scenario, suite, h) % 3))::INTEGER, 40,
               d.model, d.prompt, d.idx, {T0} + h * 3600 + 120
        FROM bench_docs d, (VALUES ('golden'), ('regression')) v(suite),
             range(0, ((? - {T0}) // 3600)::BIGINT + 1) r(h)
        WHERE {T0} + h * 3600 + 120 <= ?
        ORDER BY 8
    """, [end, end])
    con.execute(f"""
        INSERT INTO index_manifests
        SELECT d.scenario, split_part(coalesce(d.idx, d.scenario), '@', 1),
               split_part(coalesce(d.idx, d.scenario), '@', 1) || '@' || h::VARCHAR,
               {T0} + h * 3600, {T0} + h * 3600 - 600, 100000 + h * 37, {T0} + h * 3600 + 60
        FROM bench_docs d, range(0, ((? - {T0}) // 3600)::BIGINT + 1) r(h)
        WHERE d.has_index AND {T0} + h * 3600 + 60 <= ?
        ORDER BY 4
    """, [end, end])


def stored_params(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():  # never delete a store another process is using
            raise StoreLocked(path, "another process") from exc
        return None
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchall()
    except duckdb.Error:
        rows = []
    finally:
        con.close()
    return rows[0][0] if rows else None




def open_runtime(args: Any, rules: AlertRules | None = None
                 ) -> tuple[Config, Runtime, float, float] | None:
    """The store for the parsed bench arguments, opened as the console's writer (judging
    ``rules``, if given) at the time of its newest sample, with what it holds printed: the
    config, the runtime, that time and how long opening took (ms). None, after saying why, if
    it cannot be had."""
    try:
        config, path = ensure(args.scenarios, args.days, args.raw_days, args.interval,
                              args.regenerate)
    except StoreLocked as exc:
        print(f"  cannot open: {exc}")
        return None
    newest = T0 + (round(args.days * DAY / args.interval) - 1) * args.interval  # see generate
    runtime = Runtime(config, path, clock=lambda: newest, rules=rules)
    started = time.perf_counter()
    if runtime.open() is not Mode.WRITER:
        print(f"  cannot open: held by {runtime.holder}")
        return None
    opened_ms = (time.perf_counter() - started) * 1e3
    assert runtime.store is not None
    now = describe_store(path, runtime.store.con, args.scenarios, args.interval)
    return config, runtime, now, opened_ms
