"""Sessions and their tiles, made, ended and kept in step together.

The manager holds the sessions and the grid holds the tiles; this is the one
place that pairs them: a session is created at the size its pane will have,
its tile goes into the grid, and the header follows the manager's view of
the session (busy/idle, exit code, branch, cost). The App owns one
`SessionTiles` and routes the manager's events to it; what this needs of the
App is `SessionTilesHost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from textual.geometry import Size
from textual.widget import Widget

from synk_tui.app_host import AppHost
from synk_tui.errors import SynkError
from synk_tui.layout import pane_size
from synk_tui.status import CostPatterns, parse_cost, session_state
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.status_bar import key_label
from synk_tui.widgets.terminal_pane import TerminalPane


class SessionTilesHost(AppHost, Protocol):
    """What `SessionTiles` needs of the App beyond `AppHost`."""

    @property
    def cost_patterns(self) -> CostPatterns:
        """How each agent shows its cost."""

    @property
    def size(self) -> Size:
        """The screen's size, which the panes share."""

    @property
    def session_env(self) -> dict[str, str]:
        """Variables every session gets (its server's SYNK_SOCKET)."""


class SessionTiles:
    """Opens and closes sessions with their tiles; keeps the headers up to date."""

    def __init__(self, app: SessionTilesHost, closed: Callable[[int], None]) -> None:
        self.app = app
        self.manager = app.manager
        self.grid = app.grid
        self.closed = closed
        """Told the id of each session closed (what waited for it is forgotten)."""

    # ---- opening and closing -------------------------------------------------

    def open_sessions(self, count: int, agent_type: str) -> None:
        """Open `count` sessions in a worker, staggered so the shells do not start all at once."""

        async def staggered() -> None:
            for number in range(count):
                if number:
                    await asyncio.sleep(self.app.config.ui.launch_stagger)
                await self.open_session(agent_type, expected=count)

        self.app.run_worker(staggered(), group="launch")

    async def open_session(
        self,
        agent_type: str,
        *,
        working_dir: str | None = None,
        branch: str | None = None,
        args: list[str] | None = None,
        expected: int | None = None,
    ) -> SessionTile | None:
        """Create a session and its tile; errors become notifications, not crashes.

        `expected` is how many panes the grid will hold, so the session starts
        at the size it is shown at.
        """
        try:
            return await self.start_session(
                agent_type, working_dir=working_dir, branch=branch, args=args, expected=expected
            )
        except SynkError as error:
            self.app.notify(error.message, title="Cannot open a session", severity="error")
            return None

    async def start_session(
        self,
        agent_type: str,
        *,
        working_dir: str | None = None,
        project_path: str | None = None,
        branch: str | None = None,
        args: list[str] | None = None,
        expected: int | None = None,
        pane_index: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> SessionTile:
        """`open_session` that raises: restore turns a failure into a message pane.

        Every session gets the app's `session_env` (SYNK_SOCKET) besides `env`.
        """
        count = expected if expected is not None else len(self.grid.tiles) + 1
        cols, rows = self.pane_size_for(
            max(count, len(self.grid.tiles) + 1), index=len(self.grid.tiles)
        )
        created = await self.manager.create(
            agent_type=agent_type,
            project_path=project_path or str(self.app.options.project_dir),
            branch=branch,
            working_dir=working_dir,
            env={**self.app.session_env, **(env or {})},
            cols=cols,
            rows=rows,
            args=args,
            pane_index=self.free_pane_index() if pane_index is None else pane_index,
        )
        info = self.manager.info(created.session_id)
        tile = SessionTile(
            created.session_id,
            created.pane_index,
            agent_type,
            self.make_pane(created.session_id),
            branch=info.branch,
        )
        await self.grid.add_tile(tile)
        self.update_tile(tile)
        first = len(self.grid.tiles) == 1 or self.grid.selected_id == created.session_id
        if first and self.app.mode != "prompt" and not self.app.is_modal_open:
            self.app.enter_input_mode(tile)
        return tile

    def free_pane_index(self) -> int:
        """A pane index after every tile's and session's: a new pane goes last in the grid.

        Pane numbers are grid positions, so a new session opened after a
        close is the last pane, not one slipped into the gap.
        """
        used = {t.pane_index for t in self.grid.tiles}
        used |= {info.pane_index for info in self.manager.list()}
        return max(used, default=-1) + 1

    def make_pane(self, session_id: int) -> Widget:
        """The widget that shows a session's screen and takes its keys."""
        keys = self.app.config.keys
        closes = f"{key_label(keys.prefix)} {key_label(keys.close_session)} closes"
        return TerminalPane(self.manager, session_id, exit_hint=closes)

    def pane_size_for(self, count: int, index: int = 0) -> tuple[int, int]:
        """The (cols, rows) pane `index` gets when the grid holds `count` panes."""
        width, height = self.app.size
        if width <= 0 or height <= 0:
            width, height = 80, 24
        return pane_size(width, height - 1, count, index=index)

    async def close_session(self, session_id: int) -> None:
        """Destroy a session and remove its tile."""
        with contextlib.suppress(SynkError):
            await self.manager.destroy(session_id)
        await self.grid.remove_tile(session_id)
        self.closed(session_id)
        if self.app.mode == "input":
            self.app.enter_input_mode()

    # ---- header state ----------------------------------------------------------

    def refresh_states(self) -> None:
        """Periodic: busy turns idle after a quiet spell; costs are re-read."""
        for tile in self.grid.tiles:
            self.update_tile(tile)
            if tile.screen_dirty:
                tile.screen_dirty = False
                self.update_cost(tile)

    def update_tile(self, tile: SessionTile) -> None:
        """Set a tile's header state from the manager's view of the session."""
        try:
            info = self.manager.info(tile.session_id)
        except SynkError:
            return
        header = tile.header
        header.state = session_state(
            info.status, tile.last_output_at, time.monotonic(), self.app.config.ui.busy_seconds
        )
        header.exit_code = info.exit_code
        header.branch = info.branch

    def update_cost(self, tile: SessionTile) -> None:
        """Read the agent's own cost figure off its screen, if it shows one."""
        pattern = self.app.cost_patterns.for_agent(tile.agent_type)
        if pattern is None:
            return
        try:
            lines = self.manager.screen(tile.session_id).lines()
        except SynkError:
            return
        cost = parse_cost(lines, pattern)
        if cost is not None:
            tile.header.cost = cost
