"""The reflowing grid of session tiles, and the keys of grid mode.

Tiles are kept in pane-index order and laid out by `layout.grid_shape`
(1x1 ... 4x3), a partly filled last row's panes sharing its width
(`layout.tiled`); the grid owns the selection, the marks, the zoom and the
pane numbers: a tile's number is its position, 1..N in grid order, so
after a close the panes renumber and the number a header shows is always
the key that picks it (10-12 by two digits typed within `DIGIT_SECONDS`). When it
has focus the app is in grid mode and the BINDINGS below are live; keys
that act on sessions (new, close, prompt, quit...) are the app's actions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from synk_tui.layout import Direction, grid_shape, move, tiled
from synk_tui.widgets.session_tile import SessionTile

GRID_APP_ACTIONS = frozenset(
    {
        "input_mode",
        "new_session",
        "close_session",
        "command_bar",
        "broadcast",
        "save_workspace",
        "restore_workspace",
        "help",
        "quit_synk",
        "copy_mode",
    }
)
"""App actions bound by the grid: the app runs them only while the grid has focus."""

_GRID_ACTIONS = frozenset({"move", "select_number", "toggle_zoom", "toggle_mark"})

DIGIT_SECONDS = 0.8
"""How long after `1` a second digit still makes 10, 11 or 12 (10+ panes)."""


class PaneGrid(Widget, can_focus=True):
    """Lays out SessionTiles; focused, it takes the grid-mode keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move('left')", "Move", show=False, priority=True),
        Binding("right,l", "move('right')", "Move", show=False, priority=True),
        Binding("up,k", "move('up')", "Move", show=False, priority=True),
        Binding("down,j", "move('down')", "Move", show=False, priority=True),
        *[
            Binding(str(n), f"select_number({n})", f"Pane {n}", show=False, priority=True)
            for n in range(0, 10)
        ],
        Binding("enter,escape", "app.input_mode", "Type", priority=True, id="grid.input_mode"),
        Binding("n", "app.new_session", "New", priority=True, id="grid.new_session"),
        Binding("x", "app.close_session", "Close", priority=True, id="grid.close_session"),
        Binding("z", "toggle_zoom", "Zoom", priority=True, id="grid.zoom"),
        Binding("space", "toggle_mark", "Mark", priority=True, id="grid.mark"),
        Binding("slash", "app.command_bar", "Prompt", priority=True, id="grid.command_bar"),
        Binding("b,ctrl+b", "app.broadcast", "Broadcast", priority=True, id="grid.broadcast"),
        Binding("s", "app.save_workspace", "Save", priority=True, id="grid.save"),
        Binding("o", "app.restore_workspace", "Restore", priority=True, id="grid.restore"),
        Binding("question_mark", "app.help", "Help", priority=True, id="grid.help"),
        Binding("q", "app.quit_synk", "Quit", priority=True, id="grid.quit"),
        Binding("left_square_bracket", "app.copy_mode", "Copy", priority=True, id="grid.copy_mode"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | arrows, h/j/k/l | Move the selection. |
    | 1-9, 10-12 | Select pane N (10-12: two digits typed quickly). |
    | enter, escape | Back to input mode on the selection. |
    | the prefix | (the app's) Send the prefix key to the selected pane, back to input. |
    | n / x | New session (picker) / close the selected one. |
    | z | Zoom the selected pane to the whole grid, and back. |
    | space | Mark or unmark the selected pane as a prompt target. |
    | / | Command bar. b, ctrl+b: broadcast to all. |
    | s / o | Save / restore a workspace. |
    | ? / q | Help / quit. |

    They are priority bindings that only act while the grid itself has focus
    (see `check_action`, and `GRID_APP_ACTIONS` for the app's side): checked
    before a key is handed on, each runs before the next key is looked at, so
    `prefix b text` typed in one burst opens the bar and then fills it.
    """

    selected_id: reactive[int | None] = reactive(None)
    """Session id of the selected tile (None only when the grid is empty)."""

    zoomed_id: reactive[int | None] = reactive(None)
    """Session id of the tile zoomed to the whole grid, or None."""

    def __init__(
        self,
        *,
        id: str | None = None,
        after_action: Callable[[], object] | None = None,
        empty_text: str = "No sessions.",
    ) -> None:
        super().__init__(id=id)
        self.after_action = after_action
        """Called after a grid action that ends grid mode (zoom); the app returns to input."""
        self.empty_note = Static(Text(empty_text), id="grid-empty")
        """Shown where the panes were once the last one closed (what to do next)."""
        self.empty_note.display = False  # not before the first session opens

    def compose(self) -> ComposeResult:
        yield self.empty_note
        self._one_typed_at: float | None = None
        """When `1` was typed in grid mode with 10+ panes: a second digit may follow."""

    class Reflowed(Message):
        """The grid's shape or zoom changed; `visible` are the session ids on screen."""

        def __init__(self, visible: tuple[int, ...], hidden: tuple[int, ...]) -> None:
            super().__init__()
            self.visible = visible
            self.hidden = hidden

    class SelectionChanged(Message):
        """The selection moved to another tile (or to none)."""

        def __init__(self, session_id: int | None) -> None:
            super().__init__()
            self.session_id = session_id

    class MarksChanged(Message):
        """A tile was marked or unmarked; `marked` are the pane numbers now marked."""

        def __init__(self, marked: tuple[int, ...]) -> None:
            super().__init__()
            self.marked = marked

    # ---- queries -----------------------------------------------------------

    @property
    def tiles(self) -> list[SessionTile]:
        """Tiles in pane-index order (their mount order)."""
        return list(self.query_children(SessionTile))

    @property
    def shape(self) -> tuple[int, int]:
        """(columns, rows) of the current layout (1x1 while zoomed)."""
        return (1, 1) if self.zoomed_id is not None else grid_shape(len(self.tiles))

    def tile(self, session_id: int) -> SessionTile | None:
        """The tile of a session, if it is in the grid."""
        for tile in self.tiles:
            if tile.session_id == session_id:
                return tile
        return None

    def tile_by_number(self, number: int) -> SessionTile | None:
        """The tile showing pane `number` (its grid position, from 1)."""
        tiles = self.tiles
        return tiles[number - 1] if 1 <= number <= len(tiles) else None

    @property
    def selected_tile(self) -> SessionTile | None:
        """The selected tile, if any."""
        return None if self.selected_id is None else self.tile(self.selected_id)

    @property
    def marked_numbers(self) -> tuple[int, ...]:
        """Pane numbers of the marked tiles, in order."""
        return tuple(tile.number for tile in self.tiles if tile.marked)

    # ---- changing the grid -------------------------------------------------

    async def add_tile(self, tile: SessionTile) -> None:
        """Mount a tile in pane-index order and reflow; the first one is selected."""
        after = [t for t in self.tiles if t.pane_index > tile.pane_index]
        mounting = self.mount(tile, before=after[0]) if after else self.mount(tile)
        self.renumber()  # the tile is in the order now; its header shows its number at once
        await mounting
        if self.zoomed_id is not None:
            tile.display = False
        if self.selected_id is None:
            self.selected_id = tile.session_id
        self.renumber()
        self.reflow()

    async def remove_tile(self, session_id: int) -> None:
        """Remove a session's tile; the selection moves to a neighbour."""
        tile = self.tile(session_id)
        if tile is None:
            return
        tiles = self.tiles
        position = tiles.index(tile)
        if self.zoomed_id == session_id:
            self.zoomed_id = None
        await tile.remove()
        rest = self.tiles
        if self.selected_id == session_id:
            self.selected_id = rest[min(position, len(rest) - 1)].session_id if rest else None
        self.renumber()
        if any(t.marked for t in (tile, *rest)):
            self.post_message(self.MarksChanged(self.marked_numbers))
        self.reflow()

    def renumber(self) -> None:
        """Number the tiles 1..N in grid order (after a pane opened or closed)."""
        for position, tile in enumerate(self.tiles, start=1):
            tile.header.number = position

    def reflow(self) -> None:
        """Set the grid size from the tile count and zoom, and say what is visible.

        The panes of a partly filled last row share its whole width
        (`layout.tiled`): the grid is cut into finer columns and each tile
        spans its share.
        """
        tiles = self.tiles
        _, rows = self.shape
        units, spans = (1, (1,) * len(tiles)) if self.zoomed_id is not None else tiled(len(tiles))
        self.styles.grid_size_columns = units
        self.styles.grid_size_rows = rows
        visible: list[int] = []
        hidden: list[int] = []
        self.empty_note.display = not tiles
        for tile, span in zip(tiles, spans, strict=True):
            shown = self.zoomed_id is None or tile.session_id == self.zoomed_id
            tile.styles.column_span = span
            tile.display = shown
            (visible if shown else hidden).append(tile.session_id)
        self.post_message(self.Reflowed(tuple(visible), tuple(hidden)))

    def select(self, session_id: int) -> None:
        """Select a session's tile (zoom follows the selection when zoomed)."""
        if self.tile(session_id) is None:
            return
        self.selected_id = session_id
        if self.zoomed_id is not None and self.zoomed_id != session_id:
            self.zoomed_id = session_id

    def toggle_zoom(self) -> None:
        """Zoom the selected tile to the whole grid, or back to the grid."""
        if self.zoomed_id is not None:
            self.zoomed_id = None
        elif self.selected_id is not None:
            self.zoomed_id = self.selected_id

    def toggle_mark(self) -> None:
        """Mark or unmark the selected tile as a command-bar target."""
        tile = self.selected_tile
        if tile is not None:
            tile.marked = not tile.marked
            self.post_message(self.MarksChanged(self.marked_numbers))

    def clear_marks(self) -> None:
        """Unmark every tile."""
        changed = False
        for tile in self.tiles:
            changed = changed or tile.marked
            tile.marked = False
        if changed:
            self.post_message(self.MarksChanged(()))

    # ---- reactives ---------------------------------------------------------

    def watch_selected_id(self, old: int | None, new: int | None) -> None:
        for tile in self.tiles:
            tile.selected = tile.session_id == new
        if old != new:
            self.post_message(self.SelectionChanged(new))

    def watch_zoomed_id(self) -> None:
        self.set_class(self.zoomed_id is not None, "-zoomed")
        self.reflow()

    # ---- grid-mode actions -------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grid keys act only in grid mode (the grid focused); else they go to the pane."""
        if action in _GRID_ACTIONS:
            # `has_focus` lags until the Focus event is handled; the screen knows now.
            return self.is_attached and self.screen.focused is self
        return True

    def action_move(self, direction: Direction) -> None:
        """Move the selection one pane in `direction`."""
        tiles = self.tiles
        tile = self.selected_tile
        if tile is None or not tiles:
            return
        if self.zoomed_id is not None:
            # Zoomed: left/up and right/down page through the sessions.
            step = -1 if direction in ("left", "up") else 1
            index = (tiles.index(tile) + step) % len(tiles)
        else:
            index = move(tiles.index(tile), len(tiles), direction)
        self.select(tiles[index].session_id)

    def action_select_number(self, digit: int) -> None:
        """Select the pane of a digit key; `1` then `0`-`2` soon after is pane 10-12.

        `1` selects pane 1 at once; with 10 or more panes, a second digit
        typed within `DIGIT_SECONDS` makes the two one number.
        """
        now = time.monotonic()
        number = digit
        one_before = self._one_typed_at is not None and now - self._one_typed_at <= DIGIT_SECONDS
        if one_before and self.tile_by_number(10 + digit) is not None:
            number = 10 + digit
        self._one_typed_at = now if number == 1 and len(self.tiles) >= 10 else None
        tile = self.tile_by_number(number)
        if tile is not None:
            self.select(tile.session_id)

    def action_toggle_zoom(self) -> None:
        """Zoom key: zoom or unzoom, and grid mode ends (at once, before the next key)."""
        self.toggle_zoom()
        if self.after_action is not None:
            self.after_action()

    def action_toggle_mark(self) -> None:
        """Mark key."""
        self.toggle_mark()
