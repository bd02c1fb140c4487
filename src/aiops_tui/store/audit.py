"""The audit log's storage: its own DuckDB file, append-only, hash-chained (``audit_chain``).

The log is attached for each read or write and detached after, so the console and ``aiops-tui
act`` (a second process: DuckDB lets one process hold a file for writing) take turns; a writer
that finds the file held waits briefly rather than fail an operator's action. The newest entry's
seq and hash are also written to a head file beside it, which is what shows a deletion of the
newest entries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from aiops_tui.store.attached import AttachedFile
from aiops_tui.store.audit_chain import GENESIS, Entry, Sealed, seal

GUARD_SEEN = 50  # a scenario's newest entries a guard is shown
_FIELDS = tuple(Entry.model_fields)
_COLUMNS = ", ".join(f'"{f}"' for f in _FIELDS)  # quoted: "at" and "user" are SQL words
_SCHEMA = f"""CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY, prev VARCHAR NOT NULL, hash VARCHAR NOT NULL,
    {", ".join(f'"{f}" {"DOUBLE" if f in ("at", "duration_ms") else "VARCHAR"}'
               for f in _FIELDS)})"""


class AuditError(Exception):
    """The audit log cannot be written or read: the action must not go ahead."""


class Refused(Exception):
    """A guard refused the entry (see ``AuditLog.append``)."""


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.head_path = path.with_suffix(".head")
        self._file = AttachedFile(path, "audit_log", _SCHEMA, AuditError)

    def append(self, entry: Entry,
               guard: Callable[[list[Entry]], str | None] | None = None) -> Sealed:
        """Write ``entry`` after the newest one; raises ``AuditError`` if it cannot (then
        nothing happened: an action whose intent is not recorded is not sent). ``guard``
        sees the scenario's newest entries (oldest first) in the same transaction and may
        refuse with a reason (``Refused``): no other process can write in between."""
        with self._file.open() as con:
            con.execute("BEGIN")
            if guard is not None:
                rows = con.execute(  # refusals decide nothing: never let them crowd out
                    f"""SELECT {_COLUMNS} FROM audit WHERE scenario = ? AND outcome <> 'refused'
                        ORDER BY seq DESC LIMIT {GUARD_SEEN}""", [entry.scenario]).fetchall()
                reason = guard([Entry(**dict(zip(_FIELDS, row, strict=True)))
                                for row in reversed(rows)])
                if reason is not None:
                    con.execute("ROLLBACK")
                    raise Refused(reason)
            last = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            sealed = seal(entry, seq, prev)
            values = entry.model_dump()
            con.execute(f"INSERT INTO audit VALUES ({', '.join('?' * (3 + len(_FIELDS)))})",
                        [seq, prev, sealed.hash, *(values[f] for f in _FIELDS)])
            con.execute("COMMIT")
            self._write_head(seq, sealed.hash)  # still holding the file: heads stay in order
        return sealed

    def _write_head(self, seq: int, hash_: str) -> None:
        tmp = self.head_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps({"seq": seq, "hash": hash_}) + "\n", encoding="utf-8")
        tmp.replace(self.head_path)

    def head(self) -> tuple[int, str] | None:
        """The newest entry as recorded apart from the log; None before the first."""
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"{self.head_path}: unreadable ({exc})") from exc

    def entries(self, scenario: str | None = None, limit: int | None = None) -> list[Sealed]:
        """Oldest first; the newest ``limit`` if given."""
        if not self.path.exists():
            return []
        where, params = ("WHERE scenario = ?", [scenario]) if scenario else ("", [])
        query = f"SELECT seq, prev, hash, {_COLUMNS} FROM audit {where} ORDER BY seq"
        if limit is not None:
            query = f"SELECT * FROM ({query} DESC LIMIT {int(limit)}) ORDER BY seq"
        with self._file.open(read_only=True) as con:
            try:
                rows = con.execute(query, params).fetchall()
            except duckdb.CatalogException:
                return []
        return [Sealed(seq=seq, prev=prev, hash=hash_,
                       entry=Entry(**dict(zip(_FIELDS, rest, strict=True))))
                for seq, prev, hash_, *rest in rows]
