"""A DataTable that costs an SSH link only what changed.

Three things made a refresh of the fleet view cost 9.4 KB/s at 120x40 on the demo fleet:
``DataTable.update_cell`` repaints the whole table for one new number; each cell is its own run
of styled text, so a row in one style repeats the same colour codes a dozen times; and the
scrollbars are drawn one styled cell at a time (3 KB for a 120-column bar). ``update_rows``
repaints only the rows it changed, a re-sort repaints the rows but not the empty lines below
them, and rows and scrollbars are drawn with neighbouring runs of one look merged into one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

from rich.segment import Segment, Segments
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


def merged(segments: Iterable[Segment]) -> list[Segment]:
    """Neighbouring runs that look the same as one run. Only what a run looks like is
    compared: a merged run keeps the first run's meta (in a row-cursor table, the row a click
    lands on, which every cell of the row shares)."""
    out: list[Segment] = []
    look: Style | None = None
    for segment in segments:
        seen = segment.style.clear_meta_and_links() if segment.style else None
        if out and seen == look and not segment.control and not out[-1].control:
            out[-1] = Segment(out[-1].text + segment.text, out[-1].style)
        else:
            out.append(segment)
            look = seen
    return out


class CompactScrollBar(ScrollBarRender):
    """Scrollbars merged too; a headless app (screenshots, tests) keeps Textual's own."""

    @classmethod
    def render_bar(cls, *args: object, **kwargs: object) -> Segments:  # type: ignore[override]
        bar = super().render_bar(*args, **kwargs)  # type: ignore[arg-type]
        if bar.new_lines:  # a vertical bar: one segment per line, nothing to merge
            return bar
        return Segments(merged(bar.segments), new_lines=False)


class CellTable(DataTable[Text]):
    _rows_only = False  # set while a re-sort asks for a repaint

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Set first: Textual's constructor clears the caches when given fixed rows or columns.
        # Each cell's newest render with the value and look it was made from (see
        # ``_render_cell``), per base style: a fixed column's cells are drawn twice a line,
        # in the fixed part and under it, each in its own style.
        self._cells: dict[tuple[RowKey, ColumnKey, Style], tuple[
            object, tuple[object, ...], list[list[Segment]]]] = {}
        # Rows out of view whose new values are made only if they come into view (``defer``).
        self._deferred: dict[str, Callable[[], Mapping[str, Text]]] = {}
        super().__init__(*args, **kwargs)

    def on_mount(self) -> None:
        if not self.app.is_headless:
            self.horizontal_scrollbar.renderer = CompactScrollBar
            self.vertical_scrollbar.renderer = CompactScrollBar

    def in_view(self) -> set[str]:
        """The keys of the rows on screen."""
        top = self.scroll_offset.y
        return {key.value for key, _ in self._y_offsets[top:top + self.size.height]
                if key.value is not None}

    def defer(self, row_key: str, make: Callable[[], Mapping[str, Text]]) -> None:
        """A row's new cells, made by ``make`` only once the row comes into view (a scroll,
        a re-sort, a taller terminal), or not at all if newer ones replace them first: at
        200 scenarios, a cycle made the cells of some 170 rows nobody could see."""
        self._deferred[row_key] = make

    def undefer(self, row_key: str) -> None:
        """Forget a row's deferred cells: newer ones are in."""
        self._deferred.pop(row_key, None)

    def remove_row(self, row_key: RowKey | str) -> None:
        """Textual's, and the row's deferred cells go with it. The kept renders go too: the
        rows below move up, so theirs are made again anyway, and the removed row's would
        stay for ever."""
        self.undefer(row_key.value if isinstance(row_key, RowKey) else row_key)  # type: ignore[arg-type]
        self._cells.clear()
        super().remove_row(row_key)

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._deferred:  # rows that came into view get their newest values first
            due = [key for key in self.in_view() if key in self._deferred]
            self.update_rows({key: self._deferred.pop(key)() for key in due})
        return super().render_lines(crop)

    def update_rows(self, changes: Mapping[str, Mapping[str, Text]]) -> None:
        """Put new values in some cells of some rows, and repaint those rows alone. Their
        places are found in one pass down the table: ``refresh_row`` sums the heights of
        the rows above each one, which for a cycle's changes to 200 rows was 40,000 sums."""
        for row_key, cells in changes.items():
            row = RowKey(row_key)
            for column_key, value in cells.items():
                column = ColumnKey(column_key)
                self.get_cell(row, column)  # CellDoesNotExist for a wrong key, as update_cell
                self._data[row][column] = value
        if not changes:
            return
        self._update_count += 1  # the rendered-row caches are keyed by it
        width = max(self.size.width, self._row_label_column_width + sum(
            column.get_render_width(self) for column in self.columns.values()))
        y = self.header_height if self.show_header else 0
        for row in self.ordered_rows:
            if row.key.value in changes:
                self._refresh_region(Region(0, y, width, row.height))
            y += row.height

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """Textual's render of a cell, kept while the cell holds the same value and looks the
        same. Textual keys its own on an update counter that any change bumps, so a cycle's
        new numbers re-rendered every cell on screen, changed or not: a tenth of the
        console's CPU at 200 scenarios."""
        if row_index < 0 or column_index < 0:  # the header and row labels: Textual's
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        value = self._data[row_key][column_key]
        # What Textual's key holds but the counter: the index is in each segment's meta.
        look = (row_index, column_index, width, cursor, hover,
                self._show_hover_cursor, self._pseudo_class_state, self.show_cursor,
                self.rows[row_key].height, self.cursor_foreground_priority,
                self.cursor_background_priority)
        kept = self._cells.get((row_key, column_key, base_style))
        if kept is not None and kept[0] is value and kept[1] == look:
            return kept[2]
        lines = self._one_line(row_index, column_index, value, base_style, width, cursor,
                               hover)
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor,
                                         hover)
        # Holding the value, the entry keeps its id from being reused.
        self._cells[(row_key, column_key, base_style)] = (value, look, lines)
        return lines

    def _one_line(self, row_index: int, column_index: int, value: object, base_style: Style,
                  width: int, cursor: bool, hover: bool) -> list[list[Segment]] | None:
        """Textual's render of a cell, for the common case of one line of text that fits:
        the same segments, made by the same Rich steps, without the layers around them
        (``Styled``, ``Padding``, the console's dispatch and wrapping). Through them, a
        cycle's 80 to 120 new cells at 200 scenarios took 6-12 ms. None for anything else,
        which Textual renders."""
        pad = self.cell_padding
        room = width - 2 * pad
        options = self.app.console_options
        # Left to Textual: an empty cell (it substitutes its own), a text that may wrap (Rich
        # then strips trailing spaces by length, not width), or one with its own ending.
        if (not isinstance(value, Text) or not value.plain or value.no_wrap is False
                or value.end != "\n" or room < 1 or value.justify or options.justify
                or self.rows[self._row_locations.get_key(row_index)].height != 1
                or value.cell_len > room or "\n" in value.plain or "\t" in value.plain):
            return None
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component, post = self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css")
        pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
        console = self.app.console
        # What Text.__rich_console__ renders for a line that fits: the line joined as Rich
        # joins wrapped lines (its style becomes a span), cropped and padded as a line.
        text = next(Segment.split_and_crop_lines(
            Text("\n").join([value]).render(console, end="\n"), room, pad=True,
            style=Style.null(), include_new_lines=False))
        space = Segment(" " * pad, Style.null())
        line = [space, *text, space] if pad else text
        return [list(Segment.apply_style(line, console.get_style(pre + component),
                                         console.get_style(post)))]

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cells.clear()

    def notify_style_update(self) -> None:
        self._cells.clear()
        super().notify_style_update()

    def sort(self, *columns: str, key: Callable[[Any], Any] | None = None,  # type: ignore[override]
             reverse: bool = False) -> Self:
        self._rows_only = True
        try:
            return super().sort(*columns, key=key, reverse=reverse)
        finally:
            self._rows_only = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if self._rows_only and not regions:  # the header and rows; the blank below stays
            regions = (Region(0, 0, self.size.width,
                              min(self.size.height, self.header_height + self.row_count)),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        # Header cells keep their own column for clicks. A headless app draws screenshots:
        # an SVG places each run at its cell, and in a proportional fallback font (an SVG in
        # an <img> loads no web font) a long merged run would drift off its columns.
        if y < self.header_height or self.app.is_headless:
            return strip
        return Strip(merged(strip), strip.cell_length)
