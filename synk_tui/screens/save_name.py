"""Ask for the name a workspace is saved under, prefilled with a default.

The default (project folder + time) is selected, so typing replaces it and
Enter alone keeps it. A name that cannot be a file name is refused here,
with the reason, before anything is written; the reason goes as soon as the
name changes. ctrl+u clears the field in typing order, so `ctrl+u name`
typed in one burst is the name. The folder shown and the reason (which
quotes the name typed) are plain text, never markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from synk_tui.errors import InvalidWorkspaceNameError
from synk_tui.persistence import validate_name
from synk_tui.sanitize import drop_controls, safe_lines, safe_text


class NameInput(Input):
    """The name field: a paste loses its control characters, and ctrl+u clears
    the whole field when the key arrives.

    Textual's Input shows its value as it is: an ESC pasted in would reach
    the user's terminal. Its own ctrl+u is a binding, run only once the key
    has bubbled up: letters typed right behind it were inserted first and
    then deleted.
    """

    def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Input's own handler would insert the raw text
        super()._on_paste(events.Paste(drop_controls(event.text)))
        event.stop()

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "ctrl+u":
            event.stop()
            event.prevent_default()
            self.value = ""
            return
        await super()._on_key(event)


class SaveNameScreen(ModalScreen[str | None]):
    """A one-line name input; dismiss with the valid name (Enter) or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, default: str, title: str = "Save workspace as:", detail: str = "") -> None:
        super().__init__()
        self.default = default
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="save-title")
            if self.detail:
                yield Label(safe_text(self.detail), markup=False, id="save-detail")
            yield NameInput(value=safe_text(self.default), select_on_focus=True, id="save-name")
            yield Label("", id="save-error")
            yield Label("[dim]enter save  esc cancel[/dim]")

    def on_mount(self) -> None:
        name_input = self.query_one(Input)
        name_input.focus()
        name_input.select_all()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A changed name is a new attempt: the last one's error goes."""
        event.stop()
        self.query_one("#save-error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: a valid name closes the dialog; a bad one says why and stays."""
        event.stop()
        try:
            name = validate_name(event.value)
        except InvalidWorkspaceNameError as error:
            reason = Text(safe_lines(error.message), style="bold red")
            self.query_one("#save-error", Label).update(reason)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
