"""The audit chain: each entry carries the hash of the one before, so an edited, inserted or
deleted entry breaks every hash after it. Pure; ``store.audit`` keeps the entries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

GENESIS = "0" * 64  # the "previous hash" of the first entry
Phase = Literal["intent", "result", "verify"]


class Entry(BaseModel):
    """One line of the audit log. An action writes its intent before anything is sent and its
    result after, both under the same idempotency ``key``."""

    model_config = ConfigDict(frozen=True)

    at: float
    user: str
    role: str
    phase: Phase
    action: str
    scenario: str
    component: str | None = None
    before: str | None = None  # what the control plane had, in words ("v12", "primary")
    to: str | None = None
    adapter: str = ""
    key: str = ""
    outcome: str = ""  # done, failed, unknown, refused; empty on an intent
    detail: str = ""
    duration_ms: float | None = None

    @property
    def what(self) -> str:
        return self.action + (f" {self.component}" if self.component else "")

    @property
    def change(self) -> str:
        """From → to in words, as every listing shows it."""
        return f"{self.before or '?'} → {self.to or '?'}" if self.before or self.to else ""


class Sealed(BaseModel):
    """An entry as stored: its place in the chain and the hashes that hold it there."""

    model_config = ConfigDict(frozen=True)

    seq: int
    entry: Entry
    prev: str
    hash: str


def seal(entry: Entry, seq: int, prev: str) -> Sealed:
    return Sealed(seq=seq, entry=entry, prev=prev, hash=digest(entry, seq, prev))


def digest(entry: Entry, seq: int, prev: str) -> str:
    body = json.dumps({"seq": seq, "prev": prev, **entry.model_dump(mode="json")},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(body.encode()).hexdigest()


def verify(chain: Iterable[Sealed], head: tuple[int, str] | None = None) -> list[str]:
    """What is wrong with the chain, oldest first; empty when it is intact. ``head`` is the
    newest (seq, hash) recorded apart from the log: without it, deleting the newest entries
    would leave a shorter chain that still holds together."""
    problems: list[str] = []
    prev, expected = GENESIS, 1
    last: Sealed | None = None
    for sealed in chain:
        if sealed.seq > expected:
            gone = str(expected) if sealed.seq == expected + 1 else \
                f"{expected}–{sealed.seq - 1}"
            problems.append(f"entry {gone} missing: deleted")
        elif sealed.seq < expected:
            problems.append(f"entry {sealed.seq} out of order or repeated")
        if sealed.prev != prev:
            problems.append(f"entry {sealed.seq}: does not follow the entry before it")
        if digest(sealed.entry, sealed.seq, sealed.prev) != sealed.hash:
            problems.append(f"entry {sealed.seq}: its content was changed after it was written")
        prev, expected, last = sealed.hash, sealed.seq + 1, sealed
    if head is not None:
        seq, hash_ = head
        if last is None or last.seq < seq:
            problems.append(f"the log ends at entry {last.seq if last else 0} but {seq} were "
                            "written: the newest entries were deleted")
        elif last.seq == seq and last.hash != hash_:
            problems.append(f"entry {seq}: differs from the one written")
    return problems
