"""Find runbooks by words, typos forgiven: every word of the query must match a word of the
runbook (its title counts three times its body), and the best body line is shown as context.
RapidFuzz does the fuzzy matching: 3 a.m. spelling ("latncy", "rolback") still finds the page.
Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from aiops_tui.runbooks.document import Runbook

_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")  # source_watermark: two words
CUTOFF = 80.0  # rapidfuzz ratio (0–100) under which two words are not the same word
TITLE_WEIGHT = 3.0


@dataclass(frozen=True)
class Hit:
    runbook: Runbook
    score: float
    context: str  # the body line that matched best, empty when only the title did


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def search(runbooks: Iterable[Runbook], query: str, limit: int = 20) -> list[Hit]:
    """Runbooks matching every word of ``query``, best first; every runbook, by title, for an
    empty query."""
    terms = words(query)
    books = sorted(runbooks, key=lambda r: r.title.lower())
    if not terms:
        return [Hit(r, 0.0, "") for r in books][:limit]
    hits = [hit for r in books if (hit := _match(r, terms)) is not None]
    return sorted(hits, key=lambda h: -h.score)[:limit]


def _match(runbook: Runbook, terms: list[str]) -> Hit | None:
    title = set(words(f"{runbook.id} {runbook.title}"))
    lines = [line for line in runbook.body.splitlines() if line.strip()]
    body = {w for line in lines for w in words(line)}
    score, matched = 0.0, []
    for term in terms:
        in_title = _best(term, title)
        in_body = _best(term, body)
        if in_title is None and in_body is None:
            return None
        score += max(TITLE_WEIGHT * in_title[1] if in_title else 0.0,
                     in_body[1] if in_body else 0.0)
        if in_body is not None:
            matched.append(in_body[0])
    return Hit(runbook, score, _context(lines, matched))


def _best(term: str, vocabulary: set[str]) -> tuple[str, float] | None:
    if term in vocabulary:
        return term, 100.0
    # Prefixes count (typing "rollb" finds "rollback"); short terms must match exactly.
    prefixed = [w for w in vocabulary if w.startswith(term)] if len(term) >= 3 else []
    if prefixed:
        return min(prefixed, key=len), 95.0
    if len(term) < 4:
        return None
    found = process.extractOne(term, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF)
    return (found[0], float(found[1])) if found else None


def _context(lines: list[str], matched: list[str]) -> str:
    if not matched:
        return ""
    best = max(lines, key=lambda line: sum(1 for w in set(matched) if w in words(line)))
    return re.sub(r"^[-#>\s]*(\[[ xX]\]\s*)?", "", best).strip()
