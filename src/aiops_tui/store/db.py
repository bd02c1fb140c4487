"""The DuckDB store: the only module that speaks SQL.

One process holds the file for writing (DuckDB's own lock); nobody else can open it while it
does. ``open_writer`` therefore raises ``StoreLocked`` naming the holder, and the caller turns
into a follower that reads the holder's live snapshot instead (see ``store.live``).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb

from aiops_tui.sources.collector import Collection
from aiops_tui.store.minutes import (
    ALL_COUNTERS,
    APP_COUNTERS,
    COUNTERS,
    GAUGES,
    HISTOGRAMS,
    HOUR,
    Histogram,
    MinuteRollup,
    MinuteRow,
    combine,
)
from aiops_tui.store.points import (
    AlertEvent,
    AlertRow,
    EvalRow,
    Labels,
    ManifestRow,
    SeriesKey,
    SeriesPoints,
    VersionSpan,
)
from aiops_tui.store.recent import RecentWindow
from aiops_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

T = TypeVar("T")
MINUTES_KEPT_S = 2 * 86400.0
_UNREAD = MinuteRow(start=0.0, scenario="")  # a step ``history`` has not read yet
FIRST_CONTACT = ""  # in error_strings: when the scenario's app first answered
ERRORS_KEPT = 1000  # distinct error messages remembered per scenario (an app should normalise)
# History steps kept in memory (see ``Store.history``): a week of hours for 200 scenarios, or
# 50 scenarios' hours and a day of minutes; about 1-2 KB each.
STEPS_KEPT = 40_000


class StoreLocked(Exception):
    """Another process holds the store for writing."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder}")
        self.path = path
        self.holder = holder


class StoreError(Exception):
    """The store file cannot be used (corrupt, wrong version, unwritable)."""


_ALERT_COLUMNS = AlertRow.__slots__


def vars_of(row: EvalRow | ManifestRow | AlertRow | AlertEvent) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in row.__slots__)


_HOLDER = re.compile(r"Conflicting lock is held in (.+?)(?: \(PID (\d+)\))?\.?(?: See|$)")


def open_writer(path: Path) -> Store:
    """Open (creating and migrating as needed) for writing, or raise ``StoreLocked``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            match = _HOLDER.search(message)
            holder = f"PID {match.group(2)}" if match and match.group(2) else "another process"
            raise StoreLocked(path, holder) from exc
        raise StoreError(f"{path}: {message}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"{path}: {exc}") from exc
    return Store(con, path)


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path
        self._migrate()
        # Where ``save_alerts`` stages its rows (this connection's, gone when it closes).
        con.execute("CREATE TEMP TABLE alerts_staged AS SELECT * FROM alerts LIMIT 0")
        self._series: dict[SeriesKey, int] = {
            (s, e, m, tuple(sorted(json.loads(lab).items()))): sid
            for sid, s, e, m, lab in con.sql(
                "SELECT id, scenario, endpoint, metric, labels FROM series").fetchall()
        }
        self._next_id = max(self._series.values(), default=0) + 1
        self._evals = {(e.scenario, e.suite): e for e in self._query_latest_evals()}
        self._errors: dict[str, dict[str, float]] = {}
        for scenario, error, first_seen in con.sql(
                "SELECT scenario, error, first_seen FROM error_strings").fetchall():
            self._errors.setdefault(scenario, {})[error] = first_seen
        self._manifests = {m.scenario: m for m in self._query_latest_manifests()}
        self.recent: RecentWindow | None = None
        newest = con.sql("SELECT max(start) FROM minutes").fetchall()[0][0]
        # The end of the newest minute written; nothing before it is written again.
        self._minutes_until: float | None = None if newest is None else newest + 60
        self.rollup = MinuteRollup(closed_until=self._minutes_until or float("-inf"))
        newest_hour = con.sql("SELECT max(start) FROM hours").fetchall()[0][0]
        # The end of the newest hour rolled up: minutes from here on are not in ``hours``.
        self._rolled_until: float | None = None if newest_hour is None else newest_hour + HOUR
        self._steps_read: dict[tuple[str, str, float, float], MinuteRow | None] = {}
        self._documents_written = 0  # eval runs and index builds: reads of them are kept
        self._documents_read: dict[tuple[str, str], tuple[int, list]] = {}

    def close(self) -> None:
        """Write the minutes still open (a restart must lose no increase), then let go."""
        try:
            self.write_minutes(self.rollup.flush())
        finally:
            self.con.close()

    # -- schema ------------------------------------------------------------------------------
    def _migrate(self) -> None:
        has_meta = self.con.sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchall()[0][0]
        version = 0
        if has_meta:
            row = self.con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
            version = int(row[0][0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has schema v{version}; this aiops-tui knows up to "
                             f"v{SCHEMA_VERSION}. Upgrade aiops-tui or use another --store.")
        for number in range(version, SCHEMA_VERSION):
            with self._transaction():
                self.con.execute(MIGRATIONS[number])
                self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                                 [str(number + 1)])

    @property
    def schema_version(self) -> int:
        return int(self.con.sql(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0])

    # -- writes ------------------------------------------------------------------------------
    def keep_recent(self, span: float, metrics: Sequence[str]) -> RecentWindow:
        """Keep the newest ``span`` seconds of ``metrics`` in memory, starting from the file."""
        self.recent = RecentWindow(span, metrics)
        newest = self.con.sql("SELECT max(ts) FROM samples").fetchall()[0][0]
        if newest is not None:  # back into scrapes: the window keeps a scrape's buckets together
            scrapes: dict[tuple[float, str, str], list[tuple[str, Labels, float]]] = {}
            for points in self.window(newest - span, newest, list(metrics)):
                labels = tuple(sorted(points.labels.items()))
                for ts, value in zip(points.ts, points.values, strict=True):
                    scrapes.setdefault((ts, points.scenario, points.endpoint), []).append(
                        (points.metric, labels, value))
            for (ts, scenario, endpoint), samples in sorted(scrapes.items()):
                self.recent.add(scenario, endpoint, ts, samples)
        self.rollup.seed(self.recent)
        return self.recent

    def write_collection(self, collection: Collection) -> int:
        """Append one cycle, and the scrapes it carries from before (``earlier``), in one
        transaction; returns the number of samples written."""
        parts = [*collection.earlier, collection]
        rows: list[tuple[float, int, float]] = []
        new_series: list[tuple[int, str, str, str, str]] = []
        fresh_keys: list[SeriesKey] = []
        errors: list[tuple[str, str, float]] = []
        for part in parts:
            first_seen = len(fresh_keys)
            for result in part.endpoints:
                for sample in result.samples:
                    key = (result.scenario, result.endpoint, sample.metric, sample.labels)
                    sid = self._series.get(key)
                    if sid is None:
                        sid = self._series[key] = self._next_id
                        self._next_id += 1
                        fresh_keys.append(key)
                        new_series.append((sid, *key[:3],
                                           json.dumps(dict(key[3]), sort_keys=True)))
                    rows.append((result.at, sid, sample.value))
            errors += self._new_errors(fresh_keys[first_seen:], part)
        states = [
            (r.at, r.scenario, r.endpoint, r.kind, str(r.state), r.reason, r.latency_ms,
             json.dumps(r.served_models) if r.served_models is not None else None)
            for r in collection.endpoints  # earlier scrapes' states are in this one's
        ]
        evals = [
            EvalRow(scenario, run.suite, run.passed, run.total, run.model, run.prompt,
                    run.index, run.finished_at.timestamp())
            for scenario, runs in collection.eval_runs.items() for run in runs
        ]
        # Feeds repeat their recent history every time: only runs newer than the last kept.
        evals = [e for e in evals if e.finished_at > self._eval_horizon(e.scenario, e.suite)]
        manifests = [
            ManifestRow(scenario, m.index, m.version, m.built_at.timestamp(),
                        m.source_watermark.timestamp(), m.documents)
            for scenario, m in collection.manifests.items()
        ]
        manifests = [m for m in manifests if self._manifests.get(m.scenario) != m]
        try:
            with self._transaction():
                for table, batch in (
                    ("series", new_series), ("samples", rows), ("endpoint_states", states),
                    ("eval_runs", [vars_of(e) for e in evals]),
                    ("index_manifests", [(*vars_of(m), collection.at) for m in manifests]),
                    ("error_strings", errors),
                ):
                    self._append(table, batch)
        except Exception:
            for key in fresh_keys:  # ids handed out in the failed batch are re-made next time
                del self._series[key]
            for scenario, error, _ in errors:
                del self._errors[scenario][error]
                if not self._errors[scenario]:
                    del self._errors[scenario]
            raise
        if evals or manifests:
            self._documents_written += 1
        for e in evals:
            if e.finished_at > self._eval_horizon(e.scenario, e.suite):
                self._evals[(e.scenario, e.suite)] = e
        for m in manifests:  # what the feed says serves now, even an older build (a rollback)
            self._manifests[m.scenario] = m
        if self.recent is not None:  # once stored
            for part in parts:
                for result in part.endpoints:
                    self.recent.add(result.scenario, result.endpoint, result.at, result.samples)
            self.recent.prune(collection.at)
        for part in parts:
            for result in part.endpoints:
                self.rollup.add(result.scenario, result.endpoint, part.at, result.samples)
        return len(rows)

    def _new_errors(self, fresh: Sequence[SeriesKey], collection: Collection
                    ) -> list[tuple[str, str, float]]:
        """Error messages an application reports for the first time (a new series of its
        errors counter), noted with when; at most ``ERRORS_KEPT`` per scenario. The first
        answer from a scenario's app is noted too (as the message ``""``): what it reports
        then is what it always reported, what comes later is news."""
        at = collection.at
        out = []
        for r in collection.endpoints:
            if r.kind == "app" and r.samples and r.scenario not in self._errors:
                self._errors[r.scenario] = {FIRST_CONTACT: at}
                out.append((r.scenario, FIRST_CONTACT, at))
        for scenario, _, metric, labels in fresh:
            if metric != "app_errors_total":
                continue
            known = self._errors.setdefault(scenario, {})
            error = dict(labels).get("error", "")
            if error not in known and len(known) < ERRORS_KEPT:
                known[error] = at
                out.append((scenario, error, at))
        return out

    def error_strings(self, scenario: str) -> tuple[float | None, dict[str, float]]:
        """When the scenario's application first answered, and every error message it
        reported with when it was first seen."""
        known = dict(self._errors.get(scenario, {}))
        return known.pop(FIRST_CONTACT, None), known

    def _eval_horizon(self, scenario: str, suite: str) -> float:
        newest = self._evals.get((scenario, suite))
        return newest.finished_at if newest else float("-inf")

    def write_minutes(self, rows: Sequence[MinuteRow], table: str = "minutes",
                      count_versions: bool | None = None) -> None:
        """Closed scenario-minutes (see ``store.minutes``), or hours, in one transaction.

        The versions ledger counts minutes as they are written; hours rolled up from them
        are not counted again (``count_versions`` says otherwise, for hours with no minutes
        behind them).
        """
        if count_versions is None:
            count_versions = table == "minutes"
        out = []
        for r in rows:
            hists = [r.histograms.get(m) for m in HISTOGRAMS]
            out.append((
                r.start, r.scenario, *(r.counters.get(c) for c in COUNTERS),
                *(x for h in hists for x in ((list(h.bounds), h.counts, h.left_out) if h
                                             else (None, None, None))),
                *(r.gauges.get(g) for g in GAUGES), r.health,
                *(r.versions.get(k) for k in ("model", "prompt", "index")),
                *((r.minutes, r.critical, r.covers_from) if table == "hours" else ()),
                *(r.counters.get(c) for c in APP_COUNTERS),
                json.dumps(r.categories) if r.categories else None,
            ))
        spans: dict[tuple[str, str, str], list[float]] = {}  # first, last, minutes, critical
        for r in rows if count_versions else ():
            first = r.covers_from
            last = first + (r.minutes - 1) * 60  # rows hold consecutive minutes from the first
            for kind in ("model", "prompt", "index"):
                if version := r.versions.get(kind):
                    span = spans.setdefault((r.scenario, kind, version), [first, last, 0, 0])
                    span[0], span[1] = min(span[0], first), max(span[1], last)
                    span[2] += r.minutes
                    span[3] += r.critical
        live = [(*key, *span) for key, span in spans.items()]
        with self._transaction():
            self._append(table, out)
            if live:
                self.con.execute(
                    """
                    INSERT INTO versions
                    SELECT unnest($s), unnest($k), unnest($v), unnest($f), unnest($l),
                           unnest($n), unnest($c)
                    ON CONFLICT (scenario, kind, version) DO UPDATE SET
                        first_seen = least(first_seen, excluded.first_seen),
                        last_seen = greatest(last_seen, excluded.last_seen),
                        minutes = minutes + excluded.minutes,
                        critical_minutes = critical_minutes + excluded.critical_minutes
                    """, dict(zip("skvflnc", map(list, zip(*live, strict=True)), strict=True)))
        if rows:  # what is written never changes: readers may keep it (see ``history``)
            newest = max(r.start for r in rows) + (60 if table == "minutes" else HOUR)
            if table == "minutes":
                self._minutes_until = max(self._minutes_until or 0.0, newest)
            else:
                self._rolled_until = max(self._rolled_until or 0.0, newest)

    def has_history(self) -> bool:
        """Whether any minute or hour is stored (a demo backfills only an empty store)."""
        return self._minutes_until is not None or self.rolled_until() is not None

    def roll_up_hours(self, now: float) -> int:
        """Sum every whole hour before ``now``'s that ``hours`` lacks; returns rows written.

        Hours are what windows of a day or more read: 168 rows a scenario for a week instead
        of 10,080. An hour is rolled once its last minute is closed.
        """
        done = self.rolled_until()
        until = now - now % HOUR
        if done is None:
            first = self.con.sql("SELECT min(start) FROM minutes").fetchall()[0][0]
            if first is None:
                return 0
            done = first - first % HOUR
        if done >= until:
            return 0
        rows = self.history(None, done, until, HOUR)
        self.write_minutes(rows, "hours")
        self._rolled_until = until
        for row in rows:  # what reading them back would give: week-long merges need no query
            # (The same object as the minutes' step: rows in this cache are never mutated.)
            self._steps_read[("hours", row.scenario, HOUR, row.start)] = row
        return len(rows)

    def rolled_until(self) -> float | None:
        """The end of the newest hour in ``hours``: minutes from here on are not in it."""
        return self._rolled_until

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing; a failure rolls back, so the connection is usable next cycle."""
        self.con.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _append(self, table: str, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        with self.con.appender(table) as appender:
            appender.append_rows(rows)

    def apply_retention(self, keep_seconds: float, raw_seconds: float | None = None,
                        now: float | None = None) -> int:
        """Delete what is older than the retention; returns raw samples deleted.

        Raw samples and endpoint states go after ``raw_seconds`` (default: the same); eval
        runs and manifests after ``keep_seconds``, hourly rollups a day later; minute rollups
        after two days at most. The newest eval run of
        each suite and the newest manifest of each index are kept whatever their age: an index
        last built ten days ago must still show as ten days old.
        """
        now = now or time.time()
        cutoff = now - keep_seconds
        raw_cutoff = now - (keep_seconds if raw_seconds is None else raw_seconds)
        with self._transaction():
            deleted = self.con.execute("DELETE FROM samples WHERE ts < ?",
                                       [raw_cutoff]).fetchall()
            self.con.execute("DELETE FROM endpoint_states WHERE ts < ?", [raw_cutoff])
            # Minutes serve windows under a day and the hour not yet rolled; hours the rest.
            self.con.execute("DELETE FROM minutes WHERE start < ?",
                             [max(cutoff, now - MINUTES_KEPT_S)])
            # A day longer: the trailing 7-day cost baseline needs its oldest day whole.
            self.con.execute("DELETE FROM hours WHERE start < ?", [cutoff - 86400.0])
            self.con.execute(
                """DELETE FROM eval_runs WHERE finished_at < ? AND (scenario, suite, finished_at)
                   NOT IN (SELECT scenario, suite, max(finished_at) FROM eval_runs GROUP BY ALL)""",
                [cutoff])
            self.con.execute(
                """DELETE FROM index_manifests WHERE built_at < ? AND (scenario, built_at)
                   NOT IN (SELECT scenario, max(built_at) FROM index_manifests GROUP BY ALL)""",
                [cutoff])
        minutes_cut, hours_cut = max(cutoff, now - MINUTES_KEPT_S), cutoff - 86400.0
        self._steps_read = {k: v for k, v in self._steps_read.items()  # the rest still hold
                            if k[3] >= (hours_cut if k[0] == "hours" else minutes_cut)}
        self._documents_written += 1
        return int(deleted[0][0]) if deleted else 0

    # -- reads -------------------------------------------------------------------------------
    def window(self, since: float, until: float, metrics: Sequence[str]) -> list[SeriesPoints]:
        """Every point in ``(since, until]`` of the named canonical metrics, per series."""
        rows = self.con.execute(
            """
            SELECT s.scenario, s.endpoint, s.metric, s.labels, list(p.ts ORDER BY p.ts),
                   list(p.value ORDER BY p.ts)
            FROM samples p JOIN series s ON s.id = p.series
            WHERE p.ts > ? AND p.ts <= ? AND s.metric IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY ALL
            """,
            [since, until, list(metrics)],
        ).fetchall()
        return [SeriesPoints(sc, ep, m, json.loads(lab), ts, vs) for sc, ep, m, lab, ts, vs in rows]

    def history(self, scenario: str | None, since: float, until: float, step: float,
                table: str = "minutes") -> list[MinuteRow]:
        """A scenario's (or, with None, every scenario's) rows of ``table`` in
        ``[since, until)``, combined into ``step``-long rows (see ``minutes.combine``);
        ``MinuteRow.start`` is each step's start.

        Rows are few by design (a day or more reads ``hours``), so they are summed in Python:
        one plain scan costs a millisecond or two, where DuckDB spends several setting up the
        two dozen aggregates per query. A step whose rows are all written never changes, so
        a scenario's steps are kept and only the newest ones are read again.
        """
        if table not in ("minutes", "hours"):
            raise ValueError(table)
        closed = (self.rolled_until() if table == "hours" else self._minutes_until) or since
        kept: list[MinuteRow] = []
        if scenario is not None:
            while since + step <= min(closed, until):
                row = self._steps_read.get((table, scenario, step, since), _UNREAD)
                if row is _UNREAD:
                    break
                if row is not None:  # None: a finished step with no rows (before history)
                    kept.append(row)
                since += step
        if since >= until:
            return kept
        params: dict[str, object] = {"since": since, "until": until}
        where = "start >= $since AND start < $until"
        if scenario is not None:
            where += " AND scenario = $scenario"
            params["scenario"] = scenario
        counts = ("minutes, critical_minutes, first_minute" if table == "hours" else
                  "1, 0, start")
        rows = self.con.execute(
            f"""SELECT start, scenario, {", ".join(ALL_COUNTERS)}, categories, e2e_bounds,
                       e2e_counts, e2e_left_out, ttft_bounds, ttft_counts, ttft_left_out,
                       {", ".join(GAUGES)}, health, model, prompt, index_version, {counts}
                FROM {table} WHERE {where} ORDER BY start""", params).fetchall()
        groups: dict[tuple[str, float], list[MinuteRow]] = {}
        n = len(ALL_COUNTERS)
        for start, name, *rest in rows:
            counters = {c: v for c, v in zip(ALL_COUNTERS, rest[:n], strict=True)
                        if v is not None}
            categories = json.loads(rest[n]) if rest[n] else {}
            rest = rest[n + 1:]
            hist = {}
            for metric, (bounds, values, left) in zip(HISTOGRAMS, (rest[:3], rest[3:6]),
                                                      strict=True):
                if values is not None:
                    hist[metric] = Histogram(tuple(bounds), values, left or 0.0)
            rest = rest[6:]
            gauges = {g: v for g, v in zip(GAUGES, rest[:len(GAUGES)], strict=True)
                      if v is not None}
            health, model, prompt, index, minutes, critical, first = rest[len(GAUGES):]
            row = MinuteRow(start=start, scenario=name, counters=counters, histograms=hist,
                            gauges=gauges, health=health, versions={
                                "model": model, "prompt": prompt, "index": index},
                            minutes=minutes, critical=critical, first=first,
                            categories=categories)
            key = (name, since + (start - since) // step * step)
            groups.setdefault(key, []).append(row)
        out = kept
        for (name, at), group in groups.items():
            if len(group) == 1:  # an hour read as an hour: already what combining would give
                merged = group[0]
                merged.first = merged.covers_from
            else:
                merged = combine(group)
                assert merged is not None
            merged.start = at
            out.append(merged)
            if at + step <= min(closed, until):
                self._steps_read[(table, name, step, at)] = merged
        # Finished steps with nothing in them are known too (a window reaching back before
        # a scenario's history); with every scenario read, those of the scenarios seen.
        for name in [scenario] if scenario is not None else {name for name, _ in groups}:
            empty = since
            while empty + step <= min(closed, until):
                self._steps_read.setdefault((table, name, step, empty), None)
                empty += step
        if len(self._steps_read) > STEPS_KEPT:  # the oldest steps go first
            newest = sorted(self._steps_read, key=lambda k: k[3])[-STEPS_KEPT * 3 // 4:]
            self._steps_read = {k: self._steps_read[k] for k in newest}
        return list(out)

    def alerts(self) -> list[AlertRow]:
        rows = self.con.execute(f"SELECT {', '.join(_ALERT_COLUMNS)} FROM alerts").fetchall()
        return [AlertRow(*row) for row in rows]

    def save_alerts(self, rows: Sequence[AlertRow], events: Sequence[AlertEvent] = ()) -> None:
        """Upsert ``rows`` and append ``events`` together: a state change is never stored
        without the event that says who or what made it."""
        if not rows and not events:
            return
        with self._transaction():
            if rows:
                # Staged through the appender: ``executemany`` upserts a row at a time, and a
                # big fleet's first judgement changes every alert (18,000 for 1,000 scenarios).
                self.con.execute("DELETE FROM alerts_staged")
                # One row per alert, the last given (an upsert of two would keep the first).
                latest = {(r.scenario, r.rule): r for r in rows}
                self._append("alerts_staged", [vars_of(r) for r in latest.values()])
                self.con.execute("INSERT OR REPLACE INTO alerts SELECT * FROM alerts_staged")
            self._append("alert_events", [vars_of(e) for e in events])

    def alert_events(self, since: float = 0.0) -> list[AlertEvent]:
        rows = self.con.execute(
            "SELECT ts, scenario, rule, event, who, detail FROM alert_events WHERE ts >= ? "
            "ORDER BY ts", [since]).fetchall()
        return [AlertEvent(*row) for row in rows]

    def counter_rows(self, since: float, until: float, table: str = "minutes"
                     ) -> list[MinuteRow]:
        """Every scenario's rows of ``table`` in ``[since, until)``, counters and categories
        only: what the alert windows' running totals are built from (see ``store.trailing``)."""
        if table not in ("minutes", "hours"):
            raise ValueError(table)
        minutes = "minutes" if table == "hours" else "1"
        rows = self.con.execute(
            f"""SELECT start, scenario, {minutes}, categories, {", ".join(ALL_COUNTERS)}
                FROM {table} WHERE start >= ? AND start < ? ORDER BY start""",
            [since, until]).fetchall()
        return [MinuteRow(start=start, scenario=name, minutes=n, counters={
                    c: v for c, v in zip(ALL_COUNTERS, values, strict=True) if v is not None},
                    categories=json.loads(categories) if categories else {})
                for start, name, n, categories, *values in rows]

    def versions_ledger(self, scenario: str) -> list[VersionSpan]:
        """Every model, prompt and index version the scenario ran, with the minutes it was
        live and how many of them the scenario was critical."""
        rows = self.con.execute(
            """SELECT kind, version, first_seen, last_seen + 60, minutes, critical_minutes
               FROM versions WHERE scenario = ? ORDER BY kind, first_seen""",
            [scenario]).fetchall()
        return [VersionSpan(*row) for row in rows]

    def eval_history(self, scenario: str, since: float) -> list[EvalRow]:
        """The scenario's eval runs finished since ``since`` (at most a week back), oldest
        first."""
        runs = self._documents(scenario, "evals", lambda: [EvalRow(*row) for row in (
            self.con.execute(
                """SELECT scenario, suite, passed, total, model, prompt, index_version,
                          finished_at FROM eval_runs WHERE scenario = ? ORDER BY finished_at""",
                [scenario]).fetchall())])
        return [r for r in runs if r.finished_at >= since]

    def manifest_history(self, scenario: str, limit: int = 10) -> list[ManifestRow]:
        """The scenario's index builds, newest first."""
        return self._documents(scenario, "builds", lambda: [ManifestRow(*row) for row in (
            self.con.execute(
                """SELECT scenario, index_name, version, built_at, source_watermark, documents
                   FROM index_manifests WHERE scenario = ? ORDER BY built_at DESC LIMIT ?""",
                [scenario, limit]).fetchall())])

    def _documents(self, scenario: str, kind: str, read: Callable[[], list[T]]) -> list[T]:
        """Eval runs and index builds change only when a feed brings a new one: kept till then."""
        found = self._documents_read.get((scenario, kind))
        if found is None or found[0] != self._documents_written:
            found = self._documents_read[(scenario, kind)] = (self._documents_written, read())
        return found[1]

    def latest_evals(self) -> list[EvalRow]:
        """The newest run of each (scenario, suite), from memory."""
        return sorted(self._evals.values(), key=lambda e: (e.scenario, e.suite))

    def latest_manifests(self) -> list[ManifestRow]:
        """The newest-built manifest of each scenario's index, from memory."""
        return list(self._manifests.values())

    def _query_latest_evals(self) -> list[EvalRow]:
        rows = self.con.sql(
            """
            SELECT scenario, suite, arg_max(passed, finished_at), arg_max(total, finished_at),
                   arg_max(model, finished_at), arg_max(prompt, finished_at),
                   arg_max(index_version, finished_at), max(finished_at)
            FROM eval_runs GROUP BY scenario, suite ORDER BY scenario, suite
            """
        ).fetchall()
        return [EvalRow(*row) for row in rows]

    def _query_latest_manifests(self) -> list[ManifestRow]:
        rows = self.con.sql(
            """
            SELECT scenario, arg_max(index_name, seen_at), arg_max(version, seen_at),
                   arg_max(built_at, seen_at), arg_max(source_watermark, seen_at),
                   arg_max(documents, seen_at)
            FROM index_manifests GROUP BY scenario
            """
        ).fetchall()
        return [ManifestRow(*row) for row in rows]

    def count(self, table: str) -> int:
        if table not in {"samples", "series", "endpoint_states", "eval_runs", "index_manifests",
                         "minutes", "hours"}:
            raise ValueError(table)
        return int(self.con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])
