"""Incident records: an append-only log of what happened during each incident (declared,
roles, alerts, runbook steps, notes, status updates, resolved), in its own DuckDB file beside
the metrics store. Nothing is updated in place: an incident is what its events add up to
(``incidents.record``), so a restart, or ``aiops-tui incident export`` in another process,
reads exactly what the console wrote."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict

from aiops_tui.store.attached import AttachedFile

EventKind = Literal["declared", "severity", "role", "alert", "ack", "runbook", "step", "note",
                    "update", "resolved", "drill"]
_SCHEMA = """CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY, incident VARCHAR NOT NULL, "at" DOUBLE NOT NULL,
    "user" VARCHAR NOT NULL, kind VARCHAR NOT NULL, scenario VARCHAR NOT NULL,
    data VARCHAR NOT NULL)"""
_CORE = ("seq", "incident", "at", "user", "kind", "scenario")
_COLUMNS = ", ".join(f'"{k}"' for k in _CORE)  # quoted: "at" and "user" are SQL words


class IncidentLogError(Exception):
    """The incident log cannot be read or written; the message names the file."""


class AlreadyOpen(Exception):
    """An incident is open on the scenario already; its id is the message."""


class Event(BaseModel):
    """One thing that happened. ``incident`` is empty for a runbook followed outside any
    incident (a trainee practising): its steps are kept per scenario all the same."""

    model_config = ConfigDict(frozen=True)

    seq: int = 0  # given by the log
    incident: str
    at: float
    user: str
    kind: EventKind
    scenario: str
    severity: str | None = None
    rule: str | None = None  # alert
    state: str | None = None  # alert: firing, resolved; drill: started, ended
    tier: str | None = None
    runbook: str | None = None
    step: int | None = None  # 1-based, in the runbook's order
    done: bool | None = None
    duty: str | None = None  # role: commander, operations, communications, scribe
    assignee: str | None = None
    text: str = ""  # a note, a title, a summary, a step's words
    condition: str = ""  # status update: how things stand, what was done, what is needed
    actions: str = ""
    needs: str = ""


class IncidentLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = AttachedFile(path, "incident_log", _SCHEMA, IncidentLogError)

    def append(self, event: Event, new_incident: str | None = None,
               then: Sequence[Event] = ()) -> Event:
        """Store ``event`` after the newest, and ``then`` after it on the same incident, in
        one transaction; with ``new_incident`` (a prefix such as ``INC-``) it opens a new
        incident, numbered in the same transaction, unless one is open on its scenario
        (``AlreadyOpen``): two consoles declaring at once get one incident. Returns
        ``event`` as stored."""
        with self._file.open() as con:
            con.execute("BEGIN")
            seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM events").fetchone()[0]
            if new_incident is not None:
                current = con.execute(
                    """SELECT incident FROM events WHERE kind = 'declared' AND scenario = ?
                       AND incident NOT IN (SELECT incident FROM events WHERE kind = 'resolved')
                       ORDER BY seq DESC LIMIT 1""", [event.scenario]).fetchone()
                if current is not None:
                    con.execute("ROLLBACK")
                    raise AlreadyOpen(current[0])
                n = con.execute("SELECT count(DISTINCT incident) FROM events "
                                "WHERE incident <> ''").fetchone()[0]
                event = event.model_copy(update={"incident": f"{new_incident}{n + 1}"})
            event = event.model_copy(update={"seq": seq})
            for i, each in enumerate((event, *then)):
                values = each.model_dump() | {"incident": event.incident, "seq": seq + i}
                data = {k: v for k, v in values.items()
                        if k not in _CORE and v not in (None, "")}
                con.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [*(values[k] for k in _CORE), json.dumps(data, sort_keys=True)])
            con.execute("COMMIT")
        return event

    def events(self, incident: str | None = None, scenario: str | None = None) -> list[Event]:
        """Oldest first; of one incident and/or scenario if given."""
        if not self.path.exists():
            return []
        where = [f'"{k}" = ?' for k, v in (("incident", incident), ("scenario", scenario))
                 if v is not None]
        params = [v for v in (incident, scenario) if v is not None]
        query = (f"SELECT {_COLUMNS}, data FROM events "
                 f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY seq")
        with self._file.open(read_only=True) as con:
            try:
                rows = con.execute(query, params).fetchall()
            except duckdb.CatalogException:  # a log never written to has no table yet
                return []
        return [Event(**dict(zip(_CORE, row[:-1], strict=True)), **json.loads(row[-1]))
                for row in rows]
