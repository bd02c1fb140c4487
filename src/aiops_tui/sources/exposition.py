"""Prometheus text exposition → canonical samples.

Parsing is ``prometheus_client``'s; this module only decides what to feed it and how to read
the result. Real pages are mostly irrelevant to us (Python GC, process stats, dozens of engine
families), so lines are filtered down to the wanted families first: that makes a 5,000-line
page several times cheaper and keeps a hostile page from costing more than its relevant part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from aiops_tui.config.models import EndpointKind
from aiops_tui.sources.families import BY_KIND, KEEP_LABELS, family_of, wanted_families

# DCGM reports "no value" as a sentinel near 2**63 (DCGM_FP64_BLANK and friends).
DCGM_BLANK = 9.2e18
FAILED_REASONS = frozenset({"abort", "error"})

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Sample:
    metric: str
    labels: Labels
    value: float


class PayloadError(ValueError):
    """The page is not valid exposition text; the message says where."""


def filter_lines(text: str, families: frozenset[str]) -> str:
    """Keep comment and sample lines of the wanted families only."""
    kept: list[str] = []
    for line in text.splitlines():
        if not line or line.isspace():
            continue
        if line[0] == "#":
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("TYPE", "HELP") and parts[2] in families:
                kept.append(line)
            continue
        end = len(line)
        for stop in ("{", " ", "\t"):
            pos = line.find(stop)
            if 0 <= pos < end:
                end = pos
        name = line[:end]
        if name in families or family_of(name) in families:
            kept.append(line)
    return "\n".join(kept) + "\n"


def parse_page(text: str, kind: EndpointKind) -> list[Sample]:
    """Canonical samples of one page, or ``PayloadError`` if the page is malformed.

    A malformed page is rejected whole: ``prometheus_client`` raises mid-iteration after some
    families were yielded, and half a page would show as a plausible, wrong picture.
    """
    mapping = BY_KIND[kind]
    if not mapping:
        return []
    relevant = filter_lines(text, wanted_families(kind))
    try:
        families = list(text_string_to_metric_families(relevant))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise PayloadError(f"not Prometheus exposition text: {exc}") from exc
    raw = ((s.name, s.labels, s.value) for f in families for s in f.samples)
    return list(_normalise(raw, kind))


def _normalise(raw: Iterable[tuple[str, dict[str, str], float]],
               kind: EndpointKind) -> Iterable[Sample]:
    mapping = BY_KIND[kind]
    for name, labels, value in raw:
        target = mapping.get(name)
        if target is None:
            continue
        value = float(value)
        if kind == "dcgm" and value >= DCGM_BLANK:
            continue
        if math.isnan(value):
            continue
        metric = target.metric
        kept = _labels(labels)
        if metric == "requests_finished_total":
            reason = dict(kept).get("reason", "")
            metric = "requests_failed_total" if reason in FAILED_REASONS else "requests_ok_total"
        if metric.endswith("_bucket"):
            # Bucket bounds are read, never assumed: scaling applies to the bound, not the count.
            kept = tuple((k, _scale_le(v, target.scale)) if k == "le" else (k, v) for k, v in kept)
            yield Sample(metric, kept, value)
        elif metric.endswith("_count"):
            yield Sample(metric, kept, value)
        else:
            yield Sample(metric, kept, value * target.scale)


def _labels(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for key, value in labels.items():
        canonical = KEEP_LABELS.get(key)
        if canonical:
            out[canonical] = value
    host = labels.get("Hostname") or labels.get("hostname")
    if host and "gpu" in out:
        out["gpu"] = f"{host}/{out['gpu']}"
    return tuple(sorted(out.items()))


def _scale_le(bound: str, scale: float) -> str:
    if scale == 1.0 or bound == "+Inf":
        return bound
    return repr(float(bound) * scale)
