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

from synk_tui.config import KeySettings
from synk_tui.widgets.status_bar import key_label


def key_table(keys: KeySettings) -> list[tuple[str, str]]:
    """(keys, what they do) rows, from the configured keys."""
    return [
        (key_label(keys.prefix), "input mode: go to grid mode (every other key goes to the pane)"),
        ("arrows, h j k l", "grid: move the selection"),
        ("1-9", "grid: select pane N"),
        (f"enter, esc, {key_label(keys.prefix)}", "grid: back to input mode on the selection"),
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
        ("@2,5 text, @all text", "command bar: send to panes 2 and 5, or to all"),
        ("up / down", "command bar: earlier prompts"),
        ("ctrl+j", "command bar: line break (sent as one paste)"),
        ("mouse click", "focus a pane in input mode"),
    ]


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
        with VerticalScroll(id="dialog"):
            yield Static(table)
            yield Static("[dim]esc / q / ? to close[/dim]", id="help-close")

    def action_close(self) -> None:
        """Close the overlay."""
        self.dismiss(None)
