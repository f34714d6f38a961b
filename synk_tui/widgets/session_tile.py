"""One grid cell: a pane header over the widget showing the session's screen.

The tile knows its session id and pane index and nothing about processes;
the app updates the header's fields from the manager's events. Its number
is its position in the grid, set by the grid; the pane index only orders
tiles and names the session to the manager.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from synk_tui.agents import BADGES
from synk_tui.widgets.pane_header import PaneHeader


class SessionTile(Vertical):
    """A session's place in the grid: header on top, its screen below."""

    selected: reactive[bool] = reactive(False)
    """The grid selection is on this tile (styled through the `-selected` class)."""

    marked: reactive[bool] = reactive(False)
    """A target of the command bar (styled through the `-marked` class)."""

    class Clicked(Message):
        """The header was clicked: the app focuses this tile's pane."""

        def __init__(self, tile: SessionTile) -> None:
            super().__init__()
            self.tile = tile

    def __init__(
        self,
        session_id: int,
        pane_index: int,
        agent_type: str,
        body: Widget,
        *,
        branch: str | None = None,
    ) -> None:
        super().__init__(id=f"tile-{session_id}")
        self.session_id = session_id
        self.pane_index = pane_index
        self.agent_type = agent_type
        self.body = body
        self.header = PaneHeader()
        self.header.number = 0  # the grid numbers its tiles once mounted
        self.header.badge = BADGES.get(agent_type, agent_type)
        self.header.branch = branch
        self.last_output_at: float | None = None
        self.screen_dirty = False

    @property
    def number(self) -> int:
        """The pane number people see and type: the tile's grid position, from 1.

        Read from the grid's order itself (0 outside a grid), so it is right
        even while a tile is being mounted, before the headers are renumbered.
        """
        parent = self.parent
        if parent is None:
            return 0
        siblings = list(parent.query_children(SessionTile))
        return siblings.index(self) + 1 if self in siblings else 0

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.body

    def watch_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    def watch_marked(self, marked: bool) -> None:
        self.set_class(marked, "-marked")
        self.header.marked = marked

    def on_click(self, event: Click) -> None:
        """A click anywhere on the tile (the pane handles its own) focuses it."""
        event.stop()
        self.post_message(self.Clicked(self))
