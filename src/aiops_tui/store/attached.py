"""A small DuckDB file shared between processes by taking turns: the console and a second
``aiops-tui`` process (``act``, ``incident export``) each attach it for one read or write and
detach after. DuckDB lets only one process hold a file for writing; holding it for a moment
instead of for the console's lifetime is what lets both work."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

LOCK_WAIT_S = 5.0  # how long a write waits for another process's write to finish


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class AttachedFile:
    """``open()`` yields a connection whose default database is the file, made with ``schema``
    on first write. Failures raise ``error`` naming the file."""

    def __init__(self, path: Path, alias: str, schema: str,
                 error: type[Exception] = OSError) -> None:
        self.path = path
        self._alias = alias
        self._schema = schema
        self._error = error
        self._engine: duckdb.DuckDBPyConnection | None = None  # made on first use
        self._attached = threading.Lock()  # one attachment at a time (threads share it)

    @contextlib.contextmanager
    def open(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The file attached to this process's in-memory DuckDB for one read or write, then
        detached. Attaching takes about a millisecond where opening a database takes fifteen
        (starting a DuckDB instance): most of an action's time between the confirming key and
        the control plane, were it opened each time."""
        with self._attached:
            if self._engine is None:
                self._engine = duckdb.connect()
            con = self._engine
            option = " (READ_ONLY)" if read_only else ""
            deadline = time.monotonic() + LOCK_WAIT_S
            while True:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    con.execute(f"ATTACH {_quoted(str(self.path))} AS {self._alias}{option}")
                    break
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise self._error(f"{self.path}: {exc}") from exc
                    time.sleep(0.02)
                except (duckdb.Error, OSError) as exc:
                    raise self._error(f"{self.path}: {exc}") from exc
            try:
                con.execute(f"USE {self._alias}")
                if not read_only:
                    con.execute(self._schema)
                yield con
            except (duckdb.Error, OSError) as exc:
                raise self._error(f"{self.path}: {exc}") from exc
            finally:
                self._detach(con)

    def _detach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Free the file whatever happened; if DuckDB cannot, drop the whole engine (which
        frees it too) rather than keep other processes out."""
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")  # whatever an error left open
        try:
            con.execute("USE memory")
            con.execute(f"DETACH {self._alias}")
        except duckdb.Error:
            con.close()
            self._engine = None
