"""The audit log: hash chain, append-only file shared by processes, tamper detection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from aiops_tui.paths import audit_path
from aiops_tui.store.audit import AuditLog, Refused
from aiops_tui.store.audit_chain import GENESIS, Entry, seal, verify


def entry(i: int, scenario: str = "support-chat", phase: str = "intent") -> Entry:
    return Entry(at=1000.0 + i, user="ana", role="responder", phase=phase,  # type: ignore[arg-type]
                 action="rollback", scenario=scenario, component="model", before="v2", to="v1",
                 adapter="http", key=f"k{i}")


def chain(n: int) -> list:
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        sealed = seal(entry(i), i, prev)
        out.append(sealed)
        prev = sealed.hash
    return out


def test_an_intact_chain_verifies_and_every_kind_of_tampering_is_named() -> None:
    entries = chain(5)
    assert verify(entries, (5, entries[-1].hash)) == []
    edited = entries.copy()
    edited[2] = edited[2].model_copy(update={"entry": entry(3).model_copy(update={"to": "v9"})})
    assert verify(edited) == ["entry 3: its content was changed after it was written"]
    assert verify(entries[:1] + entries[2:]) == [
        "entry 2 missing: deleted", "entry 3: does not follow the entry before it"]
    # Deleting the newest entries leaves a chain that holds: only the head record shows it.
    assert verify(entries[:3]) == []
    assert verify(entries[:3], (5, entries[-1].hash)) == [
        "the log ends at entry 3 but 5 were written: the newest entries were deleted"]
    # Rewriting an entry and re-hashing it and everything after still breaks at the head.
    forged, prev = [], GENESIS
    for i, e in enumerate([entry(1), entry(2), entry(3).model_copy(update={"to": "v9"})], 1):
        forged.append(seal(e, i, prev))
        prev = forged[-1].hash
    assert verify(forged, (3, entries[2].hash)) == ["entry 3: differs from the one written"]


def test_the_log_appends_reads_and_a_guard_refuses_inside_the_write(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.audit.duckdb")
    assert log.entries() == [] and log.head() is None
    first = log.append(entry(1))
    second = log.append(entry(2, scenario="doc-search"))
    assert (first.seq, first.prev, second.prev) == (1, GENESIS, first.hash)
    assert log.head() == (2, second.hash)
    seen: list[list[Entry]] = []

    def no(entries: list[Entry]) -> str:
        seen.append(entries)
        return "busy"

    with pytest.raises(Refused, match="busy"):
        log.append(entry(3), guard=no)
    assert [e.key for e in seen[0]] == ["k1"]  # only that scenario's entries
    assert [s.seq for s in log.entries()] == [1, 2]  # nothing written
    assert [s.entry.scenario for s in log.entries("doc-search")] == ["doc-search"]
    assert [s.seq for s in log.entries(limit=1)] == [2]


def test_audit_verify_on_the_command_line_catches_an_edit_in_the_file(tmp_path: Path) -> None:
    store = tmp_path / "fleet.duckdb"
    log = AuditLog(audit_path(store))
    for i in range(1, 4):
        log.append(entry(i))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "aiops_tui", "audit", *args, "--store",
                               str(store)], capture_output=True, text=True, timeout=60)

    ok = run("verify")
    assert ok.returncode == 0 and "intact (3 entries)" in ok.stdout
    listed = run()
    assert listed.stdout.count("rollback") == 3 and "v2 → v1" in listed.stdout
    con = duckdb.connect(str(log.path))
    con.execute("UPDATE audit SET \"to\" = 'v0' WHERE seq = 2")
    con.close()
    broken = run("verify")
    assert broken.returncode == 8
    assert "entry 2: its content was changed after it was written" in broken.stderr
    con = duckdb.connect(str(log.path))
    con.execute("DELETE FROM audit WHERE seq = 3")
    con.close()
    assert "the newest entries were deleted" in run("verify").stderr
