"""What every helper of the App needs from it: notifications, modes, workers.

The helpers (`SessionTiles`, `PromptDispatch`, `WorkspaceFlow`) each state
their needs as a Protocol that extends `AppHost`, so none of them takes the
concrete App, reaches another helper through it, or imports app.py; the App
wires them together and satisfies every Protocol.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from textual.notifications import SeverityLevel

from synk_tui.config import Config
from synk_tui.launch_options import LaunchOptions
from synk_tui.session_manager import SessionManager
from synk_tui.widgets.grid import PaneGrid
from synk_tui.widgets.session_tile import SessionTile


class AppHost(Protocol):
    """The App as its helpers see it."""

    @property
    def manager(self) -> SessionManager:
        """The sessions."""

    @property
    def grid(self) -> PaneGrid:
        """The tiles that show them."""

    @property
    def config(self) -> Config:
        """config.toml as loaded."""

    @property
    def options(self) -> LaunchOptions:
        """The command line."""

    @property
    def mode(self) -> str:
        """`input`, `grid` or `prompt`."""

    @property
    def is_modal_open(self) -> bool:
        """A dialog is on top of the grid."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a notification (as plain text, whatever it quotes)."""

    def enter_input_mode(self, tile: SessionTile | None = None) -> None:
        """Keys go to `tile`'s pane (default: the selection)."""

    def run_worker(
        self, work: Coroutine[Any, Any, Any], *, group: str = "default", exclusive: bool = False
    ) -> object:
        """Run a coroutine in the background."""
