"""A yes / no / cancel question, answered with y, n or Esc.

Returns True, False or None (Esc), so one dialog serves "Close this
session?" and persistence's "Save session for later?" (where Esc cancels
the quit rather than answering no). The question and its detail often
quote outside text (a workspace name, agents of a saved file): they are
shown as plain text, escaped, never as markup.

A question that appears by itself (at start, not after a key) can be
`guarded`: keys typed before it was drawn, and for `GUARD_SECONDS` after,
were meant for something else (a shell command already being typed) and
answer nothing; the dialog says so.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from synk_tui.sanitize import safe_lines

GUARD_SECONDS = 0.6
"""How long after a guarded question is drawn its keys still answer nothing."""


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
        guarded: bool = False,
    ):
        super().__init__()
        self.guarded = guarded
        self._answers_from: float | None = None if guarded else 0.0
        """monotonic time from which keys answer (None: not drawn yet)."""
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
            if self.guarded:
                yield Label(
                    "[dim]Keys typed before this question appeared were ignored.[/dim]",
                    id="guard-note",
                )

    def on_mount(self) -> None:
        """A guarded question starts taking answers a moment after it is on screen."""
        if self.guarded:
            self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self._answers_from = time.monotonic() + GUARD_SECONDS

    @property
    def answering(self) -> bool:
        """Whether a key answers the question now (a guarded one: after its guard)."""
        return self._answers_from is not None and time.monotonic() >= self._answers_from

    def action_answer(self, answer: bool | None) -> None:
        """Close the dialog with the answer (unless a guarded question is not ready)."""
        if self.answering:
            self.dismiss(answer)
