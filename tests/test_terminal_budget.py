"""What keeps the console within an SSH link's budget, as pure logic: runs that look alike
are written as one, and a low-bandwidth console repaints numbers only every few seconds but
a health change or an alert changing state at once. The bytes themselves are measured by
``bench/terminal_bytes.py`` beside htop."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from aiops_tui.signals.status import AlertView, FleetSnapshot
from aiops_tui.ui.cell_table import merged
from aiops_tui.ui.throttle import PaintThrottle
from tests.test_detail import status_of


def test_runs_that_look_alike_are_merged_keeping_the_first_meta() -> None:
    grey = Style(color="grey70", bgcolor="grey11")
    row = [Segment(" 5/5 ", grey + Style(meta={"row": 1, "column": 2})),
           Segment(" 2.4s ", grey + Style(meta={"row": 1, "column": 3})),
           Segment("●", Style(color="green") + Style(meta={"row": 1, "column": 4})),
           Segment(" 3% ", grey + Style(meta={"row": 1, "column": 5})),
           Segment("\x1b[?25l", None, [(1,)]),  # a control code is never merged into text
           Segment(" x ", grey)]
    out = merged(row)
    assert [s.text for s in out] == [" 5/5  2.4s ", "●", " 3% ", "\x1b[?25l", " x "]
    assert out[0].style is not None and out[0].style.meta == {"row": 1, "column": 2}
    assert "".join(s.text for s in out) == "".join(s.text for s in row)


def snapshot(health: str = "ok", alert: str | None = None) -> FleetSnapshot:
    alerts = [] if alert is None else [AlertView(
        scenario="support-chat", rule="error-rate-high", tier="page", state=alert,
        summary="s", value=0.2, threshold=0.05, reading="r", since=0.0)]
    return FleetSnapshot(at=0.0, interval_s=2.0, cycle_ms=1.0, writer_pid=1,
                         scenarios=[status_of("support-chat", health=health)], alerts=alerts)


def test_low_bandwidth_repaints_every_few_seconds_but_urgent_changes_at_once() -> None:
    throttle = PaintThrottle(5.0)
    assert throttle.due(snapshot(), 100.0)  # the first picture
    assert not throttle.due(snapshot(), 102.0)  # numbers only: wait
    assert throttle.due(snapshot(), 105.0)
    assert throttle.due(snapshot("warn"), 106.0)  # health changed
    assert throttle.due(snapshot("warn", "pending"), 107.0)  # an alert appeared
    assert not throttle.due(snapshot("warn", "pending"), 108.0)
    assert throttle.due(snapshot("warn", "firing"), 109.0)  # and changed state
    every = PaintThrottle(0.0)  # the default: every cycle
    assert all(every.due(snapshot(), t) for t in (1.0, 1.1, 1.2))


def test_scrollbars_merge_across_but_never_down() -> None:
    from textual.scrollbar import ScrollBarRender

    from aiops_tui.ui.cell_table import CompactScrollBar

    shape = dict(size=40, virtual_size=250, window_size=120, position=60)
    wide = ScrollBarRender.render_bar(vertical=False, **shape)
    compact = CompactScrollBar.render_bar(vertical=False, **shape)
    assert len(compact.segments) < len(wide.segments) // 5
    assert "".join(s.text for s in compact.segments) == "".join(s.text for s in wide.segments)
    tall = CompactScrollBar.render_bar(vertical=True, **shape)  # a segment per line
    assert tall.segments == ScrollBarRender.render_bar(vertical=True, **shape).segments


async def test_a_cycles_row_changes_repaint_those_rows_alone() -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult

    from aiops_tui.ui.cell_table import CellTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield CellTable()

    async with One().run_test(size=(60, 12)) as pilot:
        table = pilot.app.query_one(CellTable)
        for column in ("name", "value"):
            table.add_column(column, key=column)
        for key in "abcde":
            table.add_row(Text(key), Text("0"), key=key)
        # Places follow the order on screen, not the order rows were added in.
        table.sort("name", key=lambda cell: cell.plain, reverse=True)
        await pilot.pause()
        painted = []
        table._refresh_region = painted.append  # type: ignore[method-assign]
        table.update_rows({"b": {"value": Text("7")}, "e": {"value": Text("9")}})
        # The rows' own regions, as Textual works them out for one row.
        assert painted == [table._get_row_region(table.get_row_index(k)) for k in ("e", "b")]
        assert [c.plain for c in table.get_row("b")] == ["b", "7"]


async def test_only_a_changed_cell_is_rendered_again(monkeypatch) -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from aiops_tui.ui.cell_table import CellTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            # A fixed column's cells are drawn twice a line, each in its own style.
            yield CellTable(cursor_type="row", fixed_columns=1)

    async with One().run_test(size=(60, 12)) as pilot:
        table = pilot.app.query_one(CellTable)
        for column in ("name", "value", "note"):
            table.add_column(column, key=column)
        for key in "abc":
            table.add_row(Text(key), Text("0"), Text("same"), key=key)
        await pilot.pause()
        rendered: list[tuple[int, int]] = []
        # A render is Textual's, or ``_one_line``'s for a line that fits.
        monkeypatch.setattr(CellTable, "_one_line", lambda *_: None)
        textual_render = DataTable._render_cell

        def counted(self, row_index, column_index, *args, **kwargs):  # type: ignore[no-untyped-def]
            rendered.append((row_index, column_index))
            return textual_render(self, row_index, column_index, *args, **kwargs)

        monkeypatch.setattr(DataTable, "_render_cell", counted)
        table.update_rows({"b": {"value": Text("7")}})
        await pilot.pause()
        assert rendered == [(1, 1)]  # b's new value; its name and note were kept
        assert "7" in table.render_line(2).text  # the header, a, then b
        table.move_cursor(row=1)  # the cursor's row looks different: rendered again
        await pilot.pause()
        assert {r for r, _ in rendered[1:]} == {0, 1}


async def test_a_line_that_fits_is_rendered_as_textual_renders_it() -> None:
    from rich.style import Style
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from aiops_tui.ui.cell_table import CellTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield CellTable(cursor_type="row", fixed_columns=1)

    cells = [Text("plain"), Text("bold red", style="bold red"), Text(""), Text("—", style="dim"),
             Text.assemble(("▲ ", "yellow"), ("gpt≠cfg", "bold")), Text("全角字", "green"),
             Text("exactly10!"), Text("too long for the column", style="blue"),
             Text("right", justify="right"), Text("two\nlines"), Text("a\ttab"),
             Text("e\u0301 ", style="on red", no_wrap=False), Text("abc", end="xy"),
             Text("", style="on red")]
    not_one_line = 8  # the two empty ones, and every one from "too long" on: Textual's
    async with One().run_test(size=(60, 12)) as pilot:
        table = pilot.app.query_one(CellTable)
        table.add_column("key", key="key", width=4)
        table.add_column("value", key="value", width=10)
        for i, cell in enumerate(cells):
            table.add_row(Text(str(i)), cell, key=str(i))
        await pilot.pause()
        fast = 0
        for row in range(len(cells)):
            for column in (0, 1):
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    for base in (Style(), Style(bgcolor="grey11", color="white")):
                        width = table.columns[table._column_locations.get_key(column)] \
                            .get_render_width(table)
                        value = table.get_cell_at((row, column))
                        mine = table._one_line(row, column, value, base, width, cursor, hover)
                        if mine is None:
                            continue
                        fast += 1
                        assert mine == DataTable._render_cell(table, row, column, base, width,
                                                              cursor, hover), (row, column)
        # The key column, and every value but those that are not one line that fits.
        assert fast == 6 * (len(cells) + len(cells) - not_one_line)


async def test_rows_out_of_view_get_their_newest_cells_only_when_they_come_into_view() -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult

    from aiops_tui.ui.cell_table import CellTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield CellTable(cursor_type="row")

    async with One().run_test(size=(40, 10)) as pilot:
        table = pilot.app.query_one(CellTable)
        for column in ("name", "value"):
            table.add_column(column, key=column)
        for i in range(30):
            table.add_row(Text(f"r{i}"), Text("old"), key=f"r{i}")
        await pilot.pause()
        assert "r1" in table.in_view() and "r25" not in table.in_view()
        made: list[str] = []

        def newest(key: str, value: str):  # type: ignore[no-untyped-def]
            def make() -> dict[str, Text]:
                made.append(f"{key}={value}")
                return {"value": Text(value)}
            return make

        table.defer("r25", newest("r25", "stale"))
        table.defer("r25", newest("r25", "new"))  # a newer cycle's replaces it unmade
        table.defer("r26", newest("r26", "gone"))
        table.undefer("r26")  # e.g. the row was updated while in view, or removed
        await pilot.pause()
        assert made == []  # nobody sees r25 yet
        table.move_cursor(row=25)  # scrolls it into view
        await pilot.pause()
        assert made == ["r25=new"]
        assert [c.plain for c in table.get_row("r25")] == ["r25", "new"]
        lines = [table.render_line(y).text for y in range(table.size.height)]
        assert any("r25" in line and "new" in line for line in lines), lines
        table.defer("r29", newest("r29", "removed"))
        table.remove_row("r29")  # its deferred cells go with it: a row added again under
        table.add_row(Text("r29"), Text("fresh"), key="r29")  # its key keeps its own
        table.move_cursor(row=29)
        await pilot.pause()
        assert made == ["r25=new"]
        assert [c.plain for c in table.get_row("r29")] == ["r29", "fresh"]
