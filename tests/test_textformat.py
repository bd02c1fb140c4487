"""The fast reader agrees with prometheus_client on real captures and generated pages."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from aiops_tui.sources import textformat
from tests.conftest import fixture_text
from tests.test_exposition import CAPTURES


class Everything:
    def __contains__(self, item: object) -> bool:
        return True


def reference(text: str) -> list[tuple[str, tuple[tuple[str, str], ...], float]]:
    return [(s.name, tuple(s.labels.items()), float(s.value))
            for f in text_string_to_metric_families(text) for s in f.samples]


def fast(text: str) -> list[tuple[str, tuple[tuple[str, str], ...], float]]:
    return list(textformat.samples(text, Everything()))


def same(a, b) -> bool:
    return len(a) == len(b) and all(
        x[:2] == y[:2] and (x[2] == y[2] or (math.isnan(x[2]) and math.isnan(y[2])))
        for x, y in zip(a, b, strict=True))


def assert_agrees(page: str) -> None:
    """Where the reference rejects a page the fast reader must hand it over; where the fast
    reader answers, it answers the same. (Handing over is always allowed: the caller then
    uses the reference parser, so the result is the same by construction.)"""
    try:
        expected = reference(page)
    except ValueError:
        with pytest.raises(textformat.Unusual):
            fast(page)
        return
    with contextlib.suppress(textformat.Unusual):
        assert same(fast(page), expected)


@pytest.mark.parametrize(("name", "kind"), CAPTURES)
def test_fixture_pages_match_the_reference(name: str, kind: str) -> None:
    """Real captures take the fast path (no hand-over) and give the reference's samples."""
    text = fixture_text(name)
    assert same(fast(text), reference(text))


def test_demo_pages_take_the_fast_path(demo_config) -> None:
    from aiops_tui.demo import pages
    from aiops_tui.demo.sim import ScenarioSim

    for index, scenario in enumerate(demo_config.scenarios):
        sim = ScenarioSim(scenario, index, 1, 0.0)
        sim.advance(120)
        for endpoint in scenario.endpoints:
            page = pages.page_for(endpoint, sim, scenario.versions.model)
            assert same(fast(page), reference(page)), endpoint.kind


names = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True)
label_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True)
label_values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
                       max_size=12)
values = st.one_of(st.integers(-10**6, 10**12).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.sampled_from(["+Inf", "-Inf", "NaN", "1e-3", "0.000225"]))


def escape(value: str) -> str:
    """Label-value escaping of the text format: backslash and double quote."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


@st.composite
def pages(draw) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        family = draw(names)
        kind = draw(st.sampled_from(["counter", "gauge", "histogram", "summary", "untyped",
                                     None]))
        if draw(st.booleans()):
            lines.append(f"# HELP {family} some help")
        if kind:
            lines.append(f"# TYPE {family} {kind}")
        suffixes = {"histogram": ["_bucket", "_sum", "_count"], "summary": ["", "_sum"],
                    "counter": ["", "_total"]}.get(kind or "", [""])
        for _ in range(draw(st.integers(0, 4))):
            name = family + draw(st.sampled_from(suffixes))
            pairs = draw(st.dictionaries(label_names, label_values, max_size=3))
            body = ",".join(f'{k}="{escape(v)}"' for k, v in pairs.items())
            stamp = f" {draw(st.integers(0, 2 * 10**12))}" if draw(st.booleans()) else ""
            lines.append(f"{name}{{{body}}} {draw(values)}{stamp}" if body or draw(st.booleans())
                         else f"{name} {draw(values)}{stamp}")
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_generated_pages_match_the_reference(page: str) -> None:
    assert_agrees(page)


@pytest.mark.parametrize("page", [
    "# TYPE a counter\r\na 1\r\n",  # CRLF
    "#TYPE a counter\na 1\n",  # no space after '#': a plain comment
    "# TYPE\na 1\n",  # TYPE without a name
    '# HELP a The "quoted" words\n# TYPE a gauge\na 1\n',
    "# TYPE a counter\na\t1\t1700000000000\n",  # tabs and a timestamp
    'a{b="c"}1\n',  # no space before the value
    'a {b="c"} 1\n',  # space before the labels
    'a{b="x}y"} 2\n',  # a brace inside a value
    'a{b="c",} 3\n',  # trailing comma
    'a{,b="c"} 3\n',  # leading comma
    'a{__b="c"} 3\n',  # reserved label name
    'a{b="1",b="2"} 3\n',  # repeated label
    "a 1 2 3\n",  # extra tokens
    "a 1_000\n",
    "a 0x10\n",
    "# TYPE a summary\na{quantile=\"0.5\"} 1\na_sum 2\na_count 3\na_created 4\n",
    "# TYPE a counter\na_total 1\n# TYPE a counter\n",
])
def test_edge_pages_agree_or_take_the_reference_path(page: str) -> None:
    assert_agrees(page)
