"""Prometheus text exposition → canonical samples.

Common pages go through ``textformat``'s fast reader; anything unusual goes to
``prometheus_client``'s parser, after filtering lines to the wanted families so a hostile page
costs no more than its relevant part. Both give the same samples (differential tests).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import NamedTuple

from prometheus_client.parser import text_string_to_metric_families

from aiops_tui.config.models import EndpointKind
from aiops_tui.sources import textformat
from aiops_tui.sources.families import BY_KIND, KEEP_LABELS, family_of, wanted_families

# DCGM reports "no value" as a sentinel near 2**63 (DCGM_FP64_BLANK and friends).
DCGM_BLANK = 9.2e18
FAILED_REASONS = frozenset({"abort", "error"})

Labels = tuple[tuple[str, str], ...]


class Sample(NamedTuple):
    """A tuple, not a dataclass: thousands are made per scrape and tuples are built in C."""

    metric: str
    labels: Labels
    value: float


class PayloadError(ValueError):
    """The page is not valid exposition text; the message says where."""


def filter_lines(text: str, families: frozenset[str]) -> str:
    """Keep comment and sample lines of the wanted families only."""
    kept: list[str] = []
    for line in text.split("\n"):
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
    try:
        return list(normalise(textformat.samples(text, mapping), kind))
    except textformat.Unusual:
        pass  # escapes, UTF-8 names or a broken line: let the reference parser decide
    relevant = filter_lines(text, wanted_families(kind))
    try:
        families = list(text_string_to_metric_families(relevant))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise PayloadError(f"not Prometheus exposition text: {exc}") from exc
    raw = ((s.name, tuple(s.labels.items()), s.value) for f in families for s in f.samples)
    return list(normalise(raw, kind))


def normalise(raw: Iterable[tuple[str, Labels, float]], kind: EndpointKind, instance: str = ""
              ) -> Iterable[Sample]:
    """Source names and labels to canonical ones; NaNs and DCGM's blanks left out.
    ``instance``, if any, is kept as a label (replicas a query source reads together)."""
    mapping = BY_KIND[kind]
    seen: set[tuple[str, Labels]] = set()
    for name, pairs, value in raw:
        target = mapping.get(name)
        if target is None:
            continue
        value = float(value)
        if math.isnan(value) or (kind == "dcgm" and value >= DCGM_BLANK):
            continue
        metric = target.metric
        labels = _canonical(pairs, instance)
        if metric == "requests_finished_total":
            reason = dict(labels).get("reason", "")
            metric = "requests_failed_total" if reason in FAILED_REASONS else "requests_ok_total"
        key = (metric, labels)
        if key in seen:
            # Two source names for one thing (vLLM's V0 and V1 KV gauges on one page): the
            # first wins, so a series never gets two values for one instant.
            continue
        seen.add(key)
        yield Sample(metric, labels, value * target.value_scale)


@functools.lru_cache(maxsize=65536)
def _canonical(pairs: Labels, instance: str = "") -> Labels:
    """The labels we keep, under canonical names; cached per distinct label set."""
    out: dict[str, str] = {"instance": instance} if instance else {}
    host = ""
    for key, value in pairs:
        canonical = KEEP_LABELS.get(key)
        if canonical:
            out[canonical] = value
        elif key in ("Hostname", "hostname") and not host:
            host = value
    if host and "gpu" in out:
        out["gpu"] = f"{host}/{out['gpu']}"
    return tuple(sorted(out.items()))
