"""The store's schema, versioned: each migration runs once, in order, when a store is opened.

Timestamps are Unix seconds (DOUBLE): cheap to compare and to hand to the signal math.
``samples`` is narrow and append-only, written in time order so recent-window scans touch only
the newest row groups; it has no primary key because an index would slow every batch append.
"""

from __future__ import annotations

# Columns of a scenario-minute, and of a scenario-hour (which adds its minute counts).
_ROLLUP = """
        start DOUBLE NOT NULL,
        scenario VARCHAR NOT NULL,
        prompt_tokens_total DOUBLE,
        generation_tokens_total DOUBLE,
        requests_ok_total DOUBLE,
        requests_failed_total DOUBLE,
        request_duration_seconds_total DOUBLE,
        prefix_cache_queries_total DOUBLE,
        prefix_cache_hits_total DOUBLE,
        e2e_bounds DOUBLE[],
        e2e_counts DOUBLE[],
        e2e_left_out DOUBLE,
        ttft_bounds DOUBLE[],
        ttft_counts DOUBLE[],
        ttft_left_out DOUBLE,
        gpu_util DOUBLE,
        gpu_memory DOUBLE,
        kv_use DOUBLE,
        running DOUBLE,
        waiting DOUBLE,
        gpu_power_w DOUBLE,
        gpu_temp_c DOUBLE,
        eval_pass_rate DOUBLE,
        index_age_s DOUBLE,
        health VARCHAR NOT NULL,
        model VARCHAR,
        prompt VARCHAR,
        index_version VARCHAR"""

MIGRATIONS: list[str] = [
    # 1: raw samples, endpoint states, eval runs, index manifests, per-scenario rollups.
    """
    CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
    CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        scenario VARCHAR NOT NULL,
        endpoint VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        labels VARCHAR NOT NULL
    );
    CREATE TABLE samples (ts DOUBLE NOT NULL, series INTEGER NOT NULL, value DOUBLE NOT NULL);
    CREATE TABLE endpoint_states (
        ts DOUBLE NOT NULL,
        scenario VARCHAR NOT NULL,
        endpoint VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        latency_ms DOUBLE NOT NULL,
        served_models VARCHAR
    );
    CREATE TABLE eval_runs (
        scenario VARCHAR NOT NULL,
        suite VARCHAR NOT NULL,
        passed INTEGER NOT NULL,
        total INTEGER NOT NULL,
        model VARCHAR NOT NULL,
        prompt VARCHAR NOT NULL,
        index_version VARCHAR,
        finished_at DOUBLE NOT NULL
    );
    CREATE TABLE index_manifests (
        scenario VARCHAR NOT NULL,
        index_name VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        built_at DOUBLE NOT NULL,
        source_watermark DOUBLE NOT NULL,
        documents BIGINT NOT NULL,
        seen_at DOUBLE NOT NULL
    );
    CREATE TABLE scenario_status (ts DOUBLE NOT NULL, scenario VARCHAR NOT NULL,
                                  status JSON NOT NULL);
    """,
    # 2: one row per scenario-minute (see store.minutes), which replaces the per-cycle JSON
    #    rollups: long windows, charts and the versions ledger read it instead of raw samples.
    #    A counter column is NULL where the scenario's engines have no such counter. ``hours``
    #    holds the same per scenario-hour, for windows of a day and more; ``versions`` every
    #    model, prompt and index version each scenario ran, minute by minute.
    """
    DROP TABLE scenario_status;
    CREATE TABLE minutes (
{_ROLLUP}
    );
    CREATE TABLE hours (
{_ROLLUP},
        minutes INTEGER NOT NULL,
        critical_minutes INTEGER NOT NULL,
        first_minute DOUBLE NOT NULL
    );
    CREATE TABLE versions (
        scenario VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        first_seen DOUBLE NOT NULL,
        last_seen DOUBLE NOT NULL,
        minutes INTEGER NOT NULL,
        critical_minutes INTEGER NOT NULL,
        PRIMARY KEY (scenario, kind, version)
    );
    """.replace("{_ROLLUP}", _ROLLUP.strip("\n")),
    # 3: alerts. ``alerts`` holds each (scenario, rule)'s lifecycle and handling, so a restart
    #    loses no pending timer, ack or silence; ``alert_events`` is the append-only record of
    #    what happened to them and who did what (fired, resolved, acked, silenced...).
    """
    CREATE TABLE alerts (
        scenario VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        active_since DOUBLE,
        fired_at DOUBLE,
        last_true DOUBLE,
        resolved_at DOUBLE,
        value DOUBLE,
        unevaluable VARCHAR NOT NULL,
        acked_by VARCHAR,
        acked_at DOUBLE,
        silenced_until DOUBLE,
        silenced_by VARCHAR,
        silence_reason VARCHAR,
        PRIMARY KEY (scenario, rule)
    );
    CREATE TABLE alert_events (
        ts DOUBLE NOT NULL,
        scenario VARCHAR NOT NULL,
        rule VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        who VARCHAR,
        detail VARCHAR NOT NULL
    );
    """,
    # 4: the application's own counters (retrieval, feedback) and its answers by output
    #    category (JSON: category → increase) in the rollups, after the columns before them;
    #    every error message the application reported, and when it was first seen.
    """
    ALTER TABLE minutes ADD COLUMN retrieval_queries_total DOUBLE;
    ALTER TABLE minutes ADD COLUMN retrieval_hits_total DOUBLE;
    ALTER TABLE minutes ADD COLUMN feedback_total DOUBLE;
    ALTER TABLE minutes ADD COLUMN feedback_negative_total DOUBLE;
    ALTER TABLE minutes ADD COLUMN categories VARCHAR;
    ALTER TABLE hours ADD COLUMN retrieval_queries_total DOUBLE;
    ALTER TABLE hours ADD COLUMN retrieval_hits_total DOUBLE;
    ALTER TABLE hours ADD COLUMN feedback_total DOUBLE;
    ALTER TABLE hours ADD COLUMN feedback_negative_total DOUBLE;
    ALTER TABLE hours ADD COLUMN categories VARCHAR;
    CREATE TABLE error_strings (
        scenario VARCHAR NOT NULL,
        error VARCHAR NOT NULL,
        first_seen DOUBLE NOT NULL,
        PRIMARY KEY (scenario, error)
    );
    """,
    # 5: whether a notifier accepted each alert's trigger (and has not had its resolve), so a
    #    restart neither pages twice nor leaves an incident open.
    """
    ALTER TABLE alerts ADD COLUMN notified BOOLEAN NOT NULL DEFAULT false;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
