"""The command bar's side in the app: open it on the right targets, deliver its prompts.

`prompting.py` holds the pure rules (targets, encoding, history) and the
`CommandBar` widget the typing; this is the glue between the bar and the
sessions: which panes a prompt goes to by default, handing it to each
session's `PromptDelivery` (text, then the submit key in the way that
agent needs; held by the manager while a session starts), the header notes
that say it was sent, queued, delivered (an agent: once it showed it took
the prompt) or not confirmed, and where focus goes when the bar closes.
What this needs of the App is `PromptDispatchHost`.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Protocol

from textual.widget import Widget

from synk_tui.app_host import AppHost
from synk_tui.errors import SynkError
from synk_tui.prompt_delivery import DELIVERED, FAILED, PromptDelivery
from synk_tui.widgets.command_bar import CommandBar
from synk_tui.widgets.message_pane import MessagePane
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.status_bar import StatusBar


class PromptDispatchHost(AppHost, Protocol):
    """What `PromptDispatch` needs of the App beyond `AppHost`."""

    @property
    def command_bar(self) -> CommandBar:
        """The prompt line (made after this helper: it sends through `send_prompts`)."""

    @property
    def status_bar(self) -> StatusBar:
        """Shows whether the bar broadcasts."""

    @property
    def focused(self) -> Widget | None:
        """The widget with focus, if any."""


class PromptDispatch:
    """Opens the command bar and sends what it returns to the target sessions."""

    def __init__(self, app: PromptDispatchHost) -> None:
        self.app = app
        self.grid = app.grid
        self._origin: int | None = None
        """Session id whose pane had focus when the bar opened: focus returns there."""
        self._queued: set[int] = set()
        """Sessions that were still starting when a prompt was written to them."""
        self.delivery = PromptDelivery(app.manager, on_error=self._submit_failed)
        """Writes each prompt's text, then its submit key, as the agent needs."""

    def open_bar(self, broadcast: bool) -> None:
        """Show the command bar on the marked panes, else the selected one (all: broadcast)."""
        tiles = self.grid.tiles
        if not tiles:
            self.app.notify("No sessions to prompt", severity="warning")
            return
        selected = self.grid.selected_tile
        self._origin = selected.session_id if selected else None
        marked = self.grid.marked_numbers
        default = marked or ((selected.number,) if selected else ())
        self.app.status_bar.broadcast = broadcast
        self.app.command_bar.open(
            default,
            tuple(t.number for t in tiles),
            broadcast,
            return_to=selected.body if selected else self.grid,
        )

    def bar_closed(self) -> None:
        """Focus goes back to the pane that had it, in input mode (unless moved away)."""
        app = self.app
        app.status_bar.broadcast = False
        origin = self.grid.tile(self._origin) if self._origin else None
        self._origin = None
        focused = app.focused
        if focused is None or focused is app.command_bar.input:
            app.enter_input_mode(origin)

    def send_prompts(self, text: str, targets: tuple[int, ...]) -> None:
        """The command bar's Enter: the prompt and a carriage return to each target pane."""
        for number in targets:
            tile = self.grid.tile_by_number(number)
            if tile is not None:
                self.send_prompt(tile, text)

    def send_prompt(self, tile: SessionTile, text: str) -> bool:
        """Deliver a prompt to one session, queued by the manager while it starts."""
        if isinstance(tile.body, MessagePane):
            self.app.notify(
                f"Pane {tile.number} has no session (it was not restored)",
                severity="warning",
            )
            return False
        session_id = tile.session_id
        try:
            info = self.app.manager.info(session_id)
            task = self.delivery.send(session_id, text)
        except SynkError as error:
            self.app.notify(error.message, title=f"Pane {tile.number}", severity="error")
            return False
        if info.agent_type != "terminal":
            # An agent's prompt is delivered once the agent shows it took it.
            task.add_done_callback(functools.partial(self._delivery_done, session_id))
        if info.status == "starting":
            if info.agent_type == "terminal":
                self._queued.add(session_id)
            tile.header.flash("\u2709 queued", seconds=None)
        else:
            tile.header.flash("\u2709 sent")
        return True

    def _delivery_done(self, session_id: int, task: asyncio.Task[str]) -> None:
        """The header says whether the agent showed that it took the prompt."""
        if task.cancelled():
            return
        tile = self.grid.tile(session_id)
        outcome = task.result()
        if tile is None or outcome == FAILED:
            return
        if outcome == DELIVERED:
            tile.header.flash("\u2709 delivered")
        else:
            tile.header.flash("\u2709 not confirmed")

    def session_ready(self, tile: SessionTile) -> None:
        """A prompt queued while the session started has now been delivered."""
        if tile.session_id in self._queued:
            self._queued.discard(tile.session_id)
            tile.header.flash("\u2709 delivered")

    def session_exited(self, tile: SessionTile) -> None:
        """A queued prompt will never be delivered: the `queued` note goes."""
        if tile.session_id in self._queued:
            self._queued.discard(tile.session_id)
            tile.header.note = ""

    def _submit_failed(self, session_id: int, error: SynkError) -> None:
        """A prompt's submit key could not be written (the session ended meanwhile)."""
        tile = self.grid.tile(session_id)
        where = f"Pane {tile.number}" if tile is not None else "Prompt"
        self.app.notify(error.message, title=where, severity="warning")

    def forget(self, session_id: int) -> None:
        """The session is closed: nothing is waiting for it any more."""
        self._queued.discard(session_id)
        self.delivery.forget(session_id)
