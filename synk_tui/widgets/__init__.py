"""Widgets of the synk app."""

from synk_tui.widgets.command_bar import CommandBar as CommandBar
from synk_tui.widgets.command_bar import PromptInput as PromptInput
from synk_tui.widgets.grid import PaneGrid as PaneGrid
from synk_tui.widgets.pane_header import PaneHeader as PaneHeader
from synk_tui.widgets.session_tile import SessionTile as SessionTile
from synk_tui.widgets.status_bar import StatusBar as StatusBar
from synk_tui.widgets.terminal_pane import TerminalPane as TerminalPane
