"""Audit log: how long does ``aiops-tui audit verify`` take on 100,000 entries, and one append?

Issue 5 asks for the verify figure to be reported. The log is built once under ``bench/out/``
(entries sealed exactly as ``AuditLog.append`` seals them, written in one transaction), then
read and verified as the command does; appends are timed on a copy, each opening and closing
the file as an action's intent and result do.

    python3 -m bench.audit_verify [--entries N]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import time

import duckdb

from aiops_tui.store import audit
from aiops_tui.store.audit import AuditLog
from aiops_tui.store.audit_chain import Entry, seal, verify
from bench.harness import ROOT, machine


def entry(i: int) -> Entry:
    return Entry(at=1_790_000_000.0 + i * 7, user=f"user{i % 9}", role="responder",
                 phase="intent" if i % 2 else "result", action="rollback",
                 scenario=f"scenario-{i % 50:02d}", component="model", before="model m-rev2",
                 to="model m", adapter="http", key=f"{i // 2:032x}",
                 outcome="" if i % 2 else "done", detail="" if i % 2 else "done: model m",
                 duration_ms=None if i % 2 else 12.5)


def build(log: AuditLog, n: int) -> None:
    log.append(entry(1))  # creates the table the way the console does
    sealed, prev = [], log.entries()[0].hash
    for i in range(2, n + 1):
        s = seal(entry(i), i, prev)
        sealed.append(s)
        prev = s.hash
    rows = log.path.with_suffix(".csv")  # COPY: executemany would take minutes
    with rows.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        for s in sealed:
            values = s.entry.model_dump()
            writer.writerow([s.seq, s.prev, s.hash, *(r"\N" if values[k] is None else values[k]
                                                      for k in audit._FIELDS)])
    con = duckdb.connect(str(log.path))
    con.execute(f"COPY audit FROM '{rows}' (FORMAT csv, NULLSTR '\\N', HEADER false)")
    con.close()
    rows.unlink()
    log._write_head(n, prev)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args(argv)
    print("audit log benchmark")
    print(machine())
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    log = AuditLog(out / f"audit_{args.entries}.audit.duckdb")
    if not log.path.exists() or (log.head() or (0, ""))[0] != args.entries:
        log.path.unlink(missing_ok=True)
        t = time.perf_counter()
        build(log, args.entries)
        print(f"  built {args.entries:,} entries in {time.perf_counter() - t:.1f} s")
    timings = []
    for _ in range(3):
        t = time.perf_counter()
        entries = log.entries()
        read = time.perf_counter() - t
        problems = verify(entries, log.head())
        timings.append((read, time.perf_counter() - t))
        assert not problems and len(entries) == args.entries, problems
    read, total = min(timings, key=lambda x: x[1])
    print(f"  verify {args.entries:,} entries: {total:.2f} s (read {read:.2f} s, hashes "
          f"{total - read:.2f} s), best of three; file {log.path.stat().st_size / 2**20:.1f} MiB")
    copy = AuditLog(out / "audit_append.audit.duckdb")
    shutil.copy(log.path, copy.path)
    shutil.copy(log.head_path, copy.head_path)
    appends = []
    for i in range(30):
        t = time.perf_counter()
        copy.append(entry(args.entries + 1 + i))
        appends.append((time.perf_counter() - t) * 1e3)
    print(f"  one append (open, check, insert, close) on that log: median "
          f"{statistics.median(appends):.1f} ms, max {max(appends):.1f} ms")
    copy.path.unlink()
    copy.head_path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
