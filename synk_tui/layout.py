"""Pure grid geometry: how many columns and rows for N panes, and moving around.

Kept free of Textual so the rules can be tested alone and reused by anything
that lays panes out (a restored workspace, a remote client).
"""

from __future__ import annotations

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


def cell_of(index: int, columns: int) -> tuple[int, int]:
    """(column, row) of the pane at `index` in a grid filled row by row."""
    return (index % columns, index // columns)


def move(index: int, count: int, direction: Direction) -> int:
    """The pane index reached from `index` by one step in `direction`.

    Moves stop at the grid's edges; moving down onto an empty cell of a
    partly filled last row lands on that row's last pane instead.
    """
    if count <= 0:
        return 0
    columns, rows = grid_shape(count)
    column, row = cell_of(min(max(index, 0), count - 1), columns)
    if direction == "left":
        column = max(column - 1, 0)
    elif direction == "right":
        column = min(column + 1, columns - 1)
    elif direction == "up":
        row = max(row - 1, 0)
    else:
        row = min(row + 1, rows - 1)
    return min(row * columns + column, count - 1)


def pane_size(
    width: int, height: int, count: int, *, chrome_rows: int = 1, gutter: int = 1
) -> tuple[int, int]:
    """The terminal size (cols, rows) each pane's child gets in a width x height grid.

    `chrome_rows` is what each pane spends on its header; `gutter` the columns
    between panes. Used to start a session at the size it will be shown at,
    so the child does not draw once at 80x24 and again after a resize.
    """
    columns, rows = grid_shape(count)
    cols = (width - gutter * (columns - 1)) // columns
    lines = height // rows - chrome_rows
    return (max(cols, 2), max(lines, 1))
