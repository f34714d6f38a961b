"""Grid geometry (pure) and the PaneGrid widget laying out, selecting, zooming, marking."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

import synk_tui
from synk_tui.layout import grid_shape, move, pane_size
from synk_tui.widgets.grid import PaneGrid
from synk_tui.widgets.session_tile import SessionTile

SHAPES = {1: (1, 1), 2: (2, 1), 3: (2, 2), 4: (2, 2), 5: (3, 2), 6: (3, 2)}
SHAPES |= {7: (3, 3), 8: (3, 3), 9: (3, 3), 10: (4, 3), 11: (4, 3), 12: (4, 3)}


@pytest.mark.parametrize(("count", "shape"), sorted(SHAPES.items()))
def test_grid_shape(count: int, shape: tuple[int, int]) -> None:
    assert grid_shape(count) == shape


def test_grid_shape_edges() -> None:
    assert grid_shape(0) == (1, 1)
    assert grid_shape(13) == (4, 4)


def test_move_stops_at_edges_and_lands_on_last_pane() -> None:
    # 5 panes in 3x2: 0 1 2 / 3 4 .
    assert move(0, 5, "left") == 0
    assert move(0, 5, "right") == 1
    assert move(2, 5, "right") == 2
    assert move(1, 5, "down") == 4
    assert move(2, 5, "down") == 4  # the empty cell below 2 -> the last pane
    assert move(4, 5, "up") == 2  # pane 4 spans the right half: pane 2 is above its middle
    assert move(3, 5, "up") == 0
    assert move(0, 3, "down") == 2 and move(1, 3, "down") == 2  # 3 in 2x2: one wide pane
    assert move(2, 3, "up") == 1
    assert move(0, 1, "down") == 0


def test_pane_size_divides_the_screen() -> None:
    assert pane_size(80, 23, 1) == (80, 22)
    assert pane_size(81, 23, 2) == (40, 22)
    assert pane_size(80, 23, 12) == (19, 6)


class GridApp(App[None]):
    """Just the grid, styled by synk's own stylesheet."""

    CSS_PATH = Path(synk_tui.__file__).with_name("synk.tcss")

    def __init__(self) -> None:
        super().__init__()
        self.grid = PaneGrid(id="grid")
        self.reflows: list[PaneGrid.Reflowed] = []

    def compose(self) -> ComposeResult:
        yield self.grid

    def on_pane_grid_reflowed(self, event: PaneGrid.Reflowed) -> None:
        self.reflows.append(event)

    async def add(self, pane_index: int) -> SessionTile:
        tile = SessionTile(pane_index + 100, pane_index, "terminal", Static(f"body {pane_index}"))
        await self.grid.add_tile(tile)
        return tile


def layout_of(grid: PaneGrid) -> tuple[int, int]:
    """(most panes in a row, rows) actually on screen, from the tiles' regions."""
    regions = [tile.region for tile in grid.tiles if tile.display]
    ys = [r.y for r in regions]
    return (max(ys.count(y) for y in ys), len(set(ys)))


def no_empty_cell(grid: PaneGrid) -> bool:
    """Every row of panes spans the grid's whole width, the panes of a row about equal."""
    regions = [tile.region for tile in grid.tiles if tile.display]
    for y in {r.y for r in regions}:
        row = sorted((r for r in regions if r.y == y), key=lambda r: r.x)
        widths = [r.width for r in row]
        if row[0].x != grid.region.x or row[-1].right != grid.region.right:
            return False
        if max(widths) - min(widths) > 1:
            return False
    return True


async def test_tiles_reflow_for_every_count_from_1_to_12() -> None:
    app = GridApp()
    async with app.run_test(size=(120, 40)) as pilot:
        for index in range(12):
            await app.add(index)
            await pilot.pause()
            count = index + 1
            assert app.grid.shape == SHAPES[count]
            cols, _ = SHAPES[count]
            assert layout_of(app.grid) == (min(cols, count), -(-count // cols))
            assert no_empty_cell(app.grid)
        assert [t.number for t in app.grid.tiles] == list(range(1, 13))
        assert app.grid.tiles[0].header.number == 1


async def test_tiles_stay_in_pane_order_and_selection_survives_removal() -> None:
    app = GridApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for index in (2, 0, 1):
            await app.add(index)
        await pilot.pause()
        assert [t.pane_index for t in app.grid.tiles] == [0, 1, 2]
        assert app.grid.selected_id == 102  # the first tile added stays selected
        await app.grid.remove_tile(102)
        await pilot.pause()
        assert app.grid.selected_id == 101
        assert app.grid.shape == (2, 1)


async def test_grid_keys_move_select_zoom_and_mark() -> None:
    app = GridApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for index in range(5):
            await app.add(index)
        app.grid.focus()
        await pilot.pause()
        await pilot.press("l", "right", "j")
        assert app.grid.selected_tile is not None
        assert app.grid.selected_tile.number == 5
        await pilot.press("k", "h", "left", "up")
        assert app.grid.selected_id == 100
        await pilot.press("4")
        assert app.grid.selected_id == 103
        await pilot.press("9")  # no pane 9: the selection stays
        assert app.grid.selected_id == 103
        assert app.grid.tiles[3].has_class("-selected")

        await pilot.press("z")
        await pilot.pause()
        assert app.grid.zoomed_id == 103
        assert [t.display for t in app.grid.tiles] == [False, False, False, True, False]
        assert app.grid.tiles[3].region.width == 100
        assert app.reflows[-1].visible == (103,) and len(app.reflows[-1].hidden) == 4
        await pilot.press("right")  # zoomed: arrows page through sessions
        await pilot.pause()
        assert app.grid.zoomed_id == 104
        await pilot.press("z")
        await pilot.pause()
        assert app.grid.zoomed_id is None
        assert all(t.display for t in app.grid.tiles)
        assert layout_of(app.grid) == (3, 2)

        await pilot.press("space", "1", "space")
        assert app.grid.marked_numbers == (1, 5)
        assert app.grid.tiles[0].header.marked
        await pilot.press("space")
        assert app.grid.marked_numbers == (5,)


async def test_numbers_are_grid_positions_and_ten_to_twelve_take_two_digits() -> None:
    app = GridApp()
    async with app.run_test(size=(120, 40)) as pilot:
        for index in range(12):
            await app.add(index)
        await app.grid.remove_tile(101)  # pane 2 closes: the others renumber
        await pilot.pause()
        assert [t.header.number for t in app.grid.tiles] == list(range(1, 12))
        assert app.grid.tile_by_number(2) is app.grid.tiles[1]
        assert app.grid.tiles[1].pane_index == 2
        await app.add(1)  # a new pane back in index 1 still shows its position
        await pilot.pause()
        assert [t.number for t in app.grid.tiles] == list(range(1, 13))
        app.grid.focus()
        await pilot.pause()
        ids = [t.session_id for t in app.grid.tiles]
        await pilot.press("1", "0")
        assert app.grid.selected_id == ids[9]
        await pilot.press("1", "2")
        assert app.grid.selected_id == ids[11]
        await pilot.press("1", "1")
        assert app.grid.selected_id == ids[10]
        await pilot.press("3")
        assert app.grid.selected_id == ids[2]
        await pilot.press("1")
        assert app.grid.selected_id == ids[0]  # pane 1 at once...
        await pilot.pause(0.9)
        await pilot.press("2")  # ...and a digit typed later is a number of its own
        assert app.grid.selected_id == ids[1]


def test_help_names_the_two_digit_pane_numbers() -> None:
    from synk_tui.config import KeySettings
    from synk_tui.screens.help import key_table

    assert any("10-12" in keys for keys, _ in key_table(KeySettings()))


async def test_the_last_row_shares_its_whole_width() -> None:
    app = GridApp()
    async with app.run_test(size=(121, 40)) as pilot:
        for index in range(3):
            await app.add(index)
        await pilot.pause()
        first, second, third = (tile.region for tile in app.grid.tiles)
        assert third.width == 121 and first.width + second.width + 1 == 121
        for index in range(3, 5):
            await app.add(index)
        await pilot.pause()
        widths = [tile.region.width for tile in app.grid.tiles]
        assert widths[3] + widths[4] + 1 == 121 and abs(widths[3] - widths[4]) <= 1
        assert sum(widths[:3]) + 2 == 121
        # zoomed, the one pane fills the grid whatever its span was
        app.grid.select(app.grid.tiles[4].session_id)
        app.grid.toggle_zoom()
        await pilot.pause()
        assert app.grid.tiles[4].region.width == 121
