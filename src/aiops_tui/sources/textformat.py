"""A fast reader for the common shape of Prometheus text exposition (format 0.0.4).

``prometheus_client``'s parser is exact but costs ~17 µs a line; a 5,000-line page would eat a
whole collection budget. This reader handles the shapes real exporters print (legacy names,
unescaped label values, one value and an optional timestamp) at a fraction of the cost, and
answers ``Unusual`` for anything else (escapes, quoted UTF-8 names, malformed lines) so the
caller can hand the page to ``prometheus_client``. Sample names follow that library's rules,
including its renaming of counters exposed without ``_total``; ``tests/test_textformat.py``
checks both agree on every fixture and on generated pages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterator

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABELS = re.compile(r'\s*(?:[a-zA-Z_]\w*\s*=\s*"[^"\\]*"\s*,\s*)*'
                     r'(?:[a-zA-Z_]\w*\s*=\s*"[^"\\]*"\s*,?\s*)?', re.ASCII)
_PAIR = re.compile(r'([a-zA-Z_]\w*)\s*=\s*"([^"\\]*)"', re.ASCII)
_SUFFIXES = {
    "counter": ("",),
    "gauge": ("",),
    "summary": ("_count", "_sum", ""),
    "histogram": ("_count", "_sum", "_bucket"),
}


class Unusual(ValueError):
    """The page needs the full parser; the message says which line."""


Pairs = tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=65536)
def label_pairs(body: str) -> Pairs:
    """The pairs inside ``{...}``; cached because a page repeats its label sets every scrape."""
    if not _LABELS.fullmatch(body):
        raise Unusual("labels need the full parser")
    pairs = tuple(_PAIR.findall(body))
    names = {k for k, _ in pairs}
    if len(names) != len(pairs) or any(k.startswith("__") for k in names):
        raise Unusual("repeated or reserved label")
    return pairs


def samples(text: str, wanted: Container[str]) -> Iterator[tuple[str, Pairs, float]]:
    """``(name, label pairs, value)`` for every sample whose name is in ``wanted``.

    Names of all lines are read so family boundaries match the full parser; labels and values
    are parsed only for wanted samples.
    """
    family = ""
    in_family = 0  # samples seen in the current family
    counter_rename = False
    allowed: tuple[str, ...] = ()
    name_match = _NAME.fullmatch
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            if '"' in line:
                raise Unusual("quoted name in a comment")
            parts = line.split(None, 3)
            if len(parts) < 2 or parts[1] not in ("TYPE", "HELP"):
                continue
            if len(parts) == 2 or not _NAME.fullmatch(parts[2]):
                raise Unusual(f"{parts[1]} line without a valid name")
            if parts[1] == "HELP":
                if parts[2] != family:
                    family, counter_rename, allowed = parts[2], False, (parts[2],)
                    in_family = 0
            else:
                if len(parts) < 4:
                    raise Unusual("TYPE without a type")
                if parts[2] == family and in_family:
                    # The full parser types the family's earlier samples by this late line.
                    raise Unusual("TYPE after the family's samples")
                family, in_family = parts[2], 0
                allowed = tuple(family + s for s in _SUFFIXES.get(parts[3], ("",)))
                counter_rename = parts[3] == "counter" and not family.endswith("_total")
            continue
        name, brace, rest = line.partition("{")
        if brace:
            name = name.rstrip()
        else:
            name, _, rest = line.partition(" ")
            if "\t" in name:
                name, _, tail = name.partition("\t")
                rest = tail + " " + rest
        if name in allowed:
            effective = name + "_total" if counter_rename else name
            in_family += 1
        else:
            # A sample outside the current family ends it, as in the full parser.
            family, counter_rename, allowed = "", False, ()
            effective = name
        if effective not in wanted:
            continue
        if not name_match(name):
            raise Unusual("metric name")
        pairs: Pairs = ()
        if brace:
            close = rest.rfind("}")
            if close < 0:
                raise Unusual("unclosed labels")
            pairs = label_pairs(rest[:close])
            rest = rest[close + 1:]
            if rest[:1] not in (" ", "\t"):
                raise Unusual("no space before the value")
        tokens = rest.split()
        if not tokens or "_" in tokens[0] or (len(tokens) > 1 and "_" in tokens[-1]):
            raise Unusual("value")
        try:
            value = float(tokens[0])
            if len(tokens) > 1:
                float(tokens[-1])
        except ValueError as exc:
            raise Unusual("value") from exc
        yield effective, pairs, value
