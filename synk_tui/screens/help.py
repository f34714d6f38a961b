"""The help overlay: every key of synk, as configured.

Key names come from config.toml: each cell is a plain `Text`, never markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from synk_tui import paths
from synk_tui.config import KeySettings
from synk_tui.sanitize import safe_text
from synk_tui.widgets.status_bar import key_label


def key_table(keys: KeySettings) -> list[tuple[str, str]]:
    """(keys, what they do) rows, from the configured keys."""
    return [
        (key_label(keys.prefix), "input mode: go to grid mode (every other key goes to the pane)"),
        ("arrows, h j k l", "grid: move the selection"),
        ("1-9, 10-12", "grid: select pane N (10-12: type both digits quickly)"),
        ("enter, esc", "grid: back to input mode on the selection"),
        (
            key_label(keys.prefix),
            f"grid: send {key_label(keys.prefix)} itself to the selected pane, back to input mode",
        ),
        (key_label(keys.new_session), "grid: new session (pick an agent)"),
        (key_label(keys.close_session), "grid: close the selected session"),
        (key_label(keys.zoom), "grid: zoom the selected pane, and back"),
        (key_label(keys.mark), "grid: mark / unmark the pane as a prompt target"),
        (key_label(keys.command_bar), "grid: command bar (marked panes, else the selected one)"),
        (key_label(keys.broadcast) + ", ctrl+b", "grid: command bar to all sessions"),
        (key_label(keys.save), "grid: save the workspace"),
        (key_label(keys.restore), "grid: restore a saved workspace"),
        (key_label(keys.help), "grid: this help"),
        (key_label(keys.quit), "grid: quit synk (ends every session)"),
        (key_label(keys.copy_mode), "grid: copy mode in the selected pane"),
        ("arrows, h j k l", "copy: move the cursor"),
        ("pgup / pgdn, ctrl+b / ctrl+f", "copy: a page up / down"),
        ("g / G", "copy: the oldest scrollback line / the bottom of the screen"),
        ("0 / $, home / end", "copy: start / end of the line"),
        ("v, space", "copy: start (or drop) a selection at the cursor"),
        ("y, enter", "copy: copy the selection to the clipboard and leave"),
        ("/ text, ? text", "copy: search forward / backward (smartcase), enter to find"),
        ("n / N", "copy: next match / the other way"),
        ("esc, q", "copy: leave (esc in the search line closes it)"),
        ("@2,5 @1-3 @all", "command bar: send to panes 2 and 5, 1 to 3, or all"),
        ("up / down", "command bar: earlier prompts"),
        ("ctrl+j", "command bar: line break (sent as one paste)"),
        ("shift+pgup/pgdn", "pane: scroll back / forward (end or esc: live again)"),
        ("wheel", "pane: scroll back (unless the program takes the mouse)"),
        ("drag", "pane: select text, copied on release (shift+drag if it takes the mouse)"),
        ("mouse click", "focus a pane in input mode"),
    ]


HEADER_STATES: list[tuple[str, str]] = [
    ("\u25cc starting", "the shell or agent is starting; prompts wait for it"),
    ("\u25cf busy", "printed something in the last moments"),
    ("\u25cf idle", "quiet: an agent is probably waiting for you"),
    ("\u25cb exited N", "the process ended with status N; x closes the pane"),
    ("\u25c6", "marked as a command bar target"),
]
"""What a pane header's marks mean."""


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of esc, q, ? or enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,enter", "close", "Close"),
    ]

    def __init__(self, keys: KeySettings | None = None) -> None:
        super().__init__()
        self.keys = keys or KeySettings()

    def compose(self) -> ComposeResult:
        table = Table(title="synk keys", expand=True, box=None, padding=(0, 1))
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("does")
        for keys, what in key_table(self.keys):
            table.add_row(Text(keys), Text(what))
        states = Table(title="pane headers", expand=True, box=None, padding=(0, 1))
        states.add_column("shows", style="bold", no_wrap=True)
        states.add_column("means")
        for shown, meaning in HEADER_STATES:
            states.add_row(shown, meaning)
        config = Text.assemble(("config: ", "dim"), safe_text(paths.config_file(), 500))
        with VerticalScroll(id="dialog"):
            yield Static(table)
            yield Static(states)
            yield Static(config, id="help-config")
            yield Static("[dim]esc / q / ? to close[/dim]", id="help-close")

    def action_close(self) -> None:
        """Close the overlay."""
        self.dismiss(None)
