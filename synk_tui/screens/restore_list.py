"""Pick a saved workspace to restore: name, date, session count, agents.

Files that cannot be restored (corrupt, from a newer synk...) are listed,
disabled, with the problem, so a person sees why one is missing. File
names and problems come from the disk: escaped (`safe_text`) and put in a
`rich.text.Text`, never in markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from synk_tui.agents import BADGES
from synk_tui.persistence import SavedEntry
from synk_tui.sanitize import safe_text


def describe(entry: SavedEntry) -> Text:
    """One option's text: plain text pieces with styles, no markup."""
    name = safe_text(entry.name)
    workspace = entry.workspace
    if workspace is None:
        problem = entry.error.message if entry.error else "cannot be read"
        return Text(f"{name}  unreadable: {safe_text(problem)}", style="dim")
    when = workspace.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
    count = len(workspace.sessions)
    agents = ", ".join(dict.fromkeys(BADGES.get(a, a) for a in workspace.agents)) or "empty"
    plural = "" if count == 1 else "s"
    return Text.assemble(
        (name, "bold"),
        "  ",
        (when, "dim"),
        f"  {count} session{plural}  ",
        (safe_text(agents), "dim"),
    )


class RestoreListScreen(ModalScreen[Path | None]):
    """The saved workspaces, newest first; dismiss with the chosen file or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, entries: list[SavedEntry], directory: Path, open_sessions: int = 0) -> None:
        super().__init__()
        self.entries = entries
        self.directory = directory
        self.open_sessions = open_sessions

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Restore a saved workspace", id="restore-title")
            if self.entries:
                options = [
                    Option(describe(entry), id=str(index), disabled=entry.workspace is None)
                    for index, entry in enumerate(self.entries)
                ]
                yield OptionList(*options, id="saved")
            else:
                yield Label(
                    f"No saved workspaces in {safe_text(self.directory)} yet "
                    "(grid key s saves one).",
                    markup=False,
                    id="restore-empty",
                )
            if self.open_sessions:
                plural = "" if self.open_sessions == 1 else "s"
                yield Label(
                    f"[b]Restoring replaces the {self.open_sessions} open session{plural}.[/b]",
                    id="restore-warning",
                )
            yield Label("[dim]enter restore  esc cancel[/dim]")

    def on_mount(self) -> None:
        """Highlight the newest readable workspace."""
        for option_list in self.query(OptionList):
            for index, entry in enumerate(self.entries):
                if entry.workspace is not None:
                    option_list.highlighted = index
                    break
            option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.entries[int(event.option.id)].path)

    def action_cancel(self) -> None:
        """Close without restoring."""
        self.dismiss(None)
