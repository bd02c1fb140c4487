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


# One line of a page: a TYPE/HELP comment, another comment, a sample, or blank. A page whose
# line count differs from its match count has a line of another shape: the full parser decides.
_LINE = re.compile(
    r"^[ \t]*(?:"
    r"#[ \t]+(TYPE|HELP)[ \t]+([^ \t\r\n]+)(?:[ \t]+([^ \t\r\n]+))?[^\n]*"
    r"|#(?![ \t]+(?:TYPE|HELP)(?:[ \t]|$))[^\n]*"
    r"|([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^\n]*)\})?[ \t]+([^ \t\r\n]+)(?:[ \t]+([^ \t\r\n]+))?"
    r"|)[ \t]*$",
    re.MULTILINE,
)


def samples(text: str, wanted: Container[str]) -> Iterator[tuple[str, Pairs, float]]:
    """``(name, label pairs, value)`` for every sample whose name is in ``wanted``.

    The regex engine splits every line at once; Python then walks the names (so family
    boundaries match the full parser) and parses labels and values of wanted samples only.
    """
    lines = _LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        raise Unusual("a line of another shape")
    family = ""
    in_family = 0  # samples seen in the current family
    counter_rename = False
    allowed: tuple[str, ...] = ()
    for keyword, comment_name, kind, name, body, value, stamp in lines:
        if keyword:
            if comment_name[0] == '"':
                raise Unusual("quoted name in a comment")
            if not _NAME.fullmatch(comment_name):
                raise Unusual("comment names an invalid metric")
            if keyword == "HELP":
                if comment_name != family:
                    family, counter_rename, allowed = comment_name, False, (comment_name,)
                    in_family = 0
                continue
            if not kind:
                raise Unusual("TYPE without a type")
            if comment_name == family and in_family:
                # The full parser types the family's earlier samples by this late line.
                raise Unusual("TYPE after the family's samples")
            family, in_family = comment_name, 0
            allowed = tuple(family + s for s in _SUFFIXES.get(kind, ("",)))
            counter_rename = kind == "counter" and not family.endswith("_total")
            continue
        if not name:
            continue  # blank line or plain comment
        if name in allowed:
            effective = name + "_total" if counter_rename else name
            in_family += 1
        else:
            # A sample outside the current family ends it, as in the full parser.
            family, counter_rename, allowed = "", False, ()
            effective = name
        if effective not in wanted:
            continue
        if "_" in value or "_" in stamp:
            raise Unusual("underscore in a number")
        try:
            number = float(value)
            if stamp:
                float(stamp)
        except ValueError as exc:
            raise Unusual("value") from exc
        yield effective, label_pairs(body) if body else (), number
