"""A yes / no / cancel question, answered with y, n or Esc.

Returns True, False or None (Esc), so one dialog serves "Close this
session?" and persistence's "Save session for later?" (where Esc cancels
the quit rather than answering no). The question and its detail often
quote outside text (a workspace name, agents of a saved file): they are
shown as plain text, escaped, never as markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from synk_tui.sanitize import safe_lines


class ConfirmScreen(ModalScreen[bool | None]):
    """Ask one question; dismiss with True (y), False (n) or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(None)", "Cancel"),
    ]

    def __init__(
        self,
        question: str,
        detail: str = "",
        *,
        yes: str = "y yes",
        no: str = "n no",
        cancel: str = "esc cancel",
    ):
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes
        self.no = no
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(safe_lines(self.question), markup=False, id="question")
            if self.detail:
                yield Label(safe_lines(self.detail), markup=False, id="detail")
            esc, _, cancel = self.cancel.partition(" ")
            yield Label(
                f"[b]{self.yes}[/b]   [b]{self.no}[/b]   [b]{esc}[/b] {cancel}", id="answers"
            )

    def action_answer(self, answer: bool | None) -> None:
        """Close the dialog with the answer."""
        self.dismiss(answer)
