"""Pure grid geometry: how many columns and rows for N panes, and moving around.

Kept free of Textual so the rules can be tested alone and reused by anything
that lays panes out (a restored workspace, a remote client).
"""

from __future__ import annotations

import math
from typing import Literal

Direction = Literal["left", "right", "up", "down"]

_SHAPES: tuple[tuple[int, tuple[int, int]], ...] = (
    (1, (1, 1)),
    (2, (2, 1)),
    (4, (2, 2)),
    (6, (3, 2)),
    (9, (3, 3)),
    (12, (4, 3)),
)
"""(largest pane count, (columns, rows)) in increasing order."""


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows) for `count` equal panes: 1x1, 2x1, 2x2, 3x2, 3x3, 4x3.

    Zero panes still get a 1x1 grid (an empty screen); more than 12 get 4
    columns and as many rows as needed, so nothing is ever hidden.
    """
    if count <= 0:
        return (1, 1)
    for limit, shape in _SHAPES:
        if count <= limit:
            return shape
    return (4, -(-count // 4))


def tiled(count: int) -> tuple[int, tuple[int, ...]]:
    """(grid columns, column span of each pane) so the last row has no empty cell.

    The table above picks rows and columns; the panes of a partly filled last
    row share the whole width, as in tmux's `tiled` layout. The grid is cut
    into lcm(columns, last row's panes) columns so every span is whole:
    3 panes in 2x2 -> 2 columns, spans 1 1 2; 5 in 3x2 -> 6 columns, spans
    2 2 2 3 3.
    """
    columns, _ = grid_shape(count)
    if count <= 0:
        return (1, ())
    last = count % columns or columns
    units = math.lcm(columns, last)
    full = count - last
    spans = (units // columns,) * full + (units // last,) * last
    return (units, spans)


def cell_of(index: int, columns: int) -> tuple[int, int]:
    """(column, row) of the pane at `index` in a grid filled row by row."""
    return (index % columns, index // columns)


def move(index: int, count: int, direction: Direction) -> int:
    """The pane index reached from `index` by one step in `direction`.

    Moves stop at the grid's edges. Up and down land on the pane of the
    next row under the middle of this one (the last row's panes are wider,
    see `tiled`).
    """
    if count <= 0:
        return 0
    index = min(max(index, 0), count - 1)
    rows_of = _rows(count)
    row = next(r for r, panes in enumerate(rows_of) if index in panes)
    panes = rows_of[row]
    if direction in ("left", "right"):
        step = -1 if direction == "left" else 1
        return panes[min(max(panes.index(index) + step, 0), len(panes) - 1)]
    target = max(row - 1, 0) if direction == "up" else min(row + 1, len(rows_of) - 1)
    if target == row:
        return index
    _, spans = tiled(count)
    start = sum(spans[i] for i in panes if i < index)
    middle = 2 * start + spans[index]  # in half units
    position = 0
    for pane in rows_of[target]:
        if 2 * (position + spans[pane]) > middle:
            return pane
        position += spans[pane]
    return rows_of[target][-1]


def _rows(count: int) -> list[list[int]]:
    """Pane indexes of each row, top to bottom."""
    columns, _ = grid_shape(count)
    return [list(range(start, min(start + columns, count))) for start in range(0, count, columns)]


def pane_size(
    width: int,
    height: int,
    count: int,
    *,
    index: int = 0,
    chrome_rows: int = 1,
    gutter: int = 1,
) -> tuple[int, int]:
    """The terminal size (cols, rows) pane `index`'s child gets in a width x height grid.

    `chrome_rows` is what each pane spends on its header; `gutter` the columns
    between panes. Used to start a session at the size it will be shown at,
    so the child does not draw once at 80x24 and again after a resize.
    """
    _, rows = grid_shape(count)
    units, spans = tiled(count)
    span = spans[min(max(index, 0), len(spans) - 1)] if spans else units
    cols = (width - gutter * (units - 1)) * span // units + gutter * (span - 1)
    lines = height // rows - chrome_rows
    return (max(cols, 2), max(lines, 1))
