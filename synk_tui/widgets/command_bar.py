"""The prompt line: type once, send to the marked panes, `@2,5` or `@all`.

The bar shows its targets as you type, recalls earlier prompts with up and
down, keeps pasted line breaks (shown as ⏎) and posts `Submitted` with the
text and the pane numbers; the app does the writing. Esc posts `Closed`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

from synk_tui.prompting import (
    NEWLINE_MARK,
    PromptHistory,
    TargetError,
    format_targets,
    parse_prompt,
)


class PromptInput(Input):
    """An Input that keeps line breaks as ⏎ and walks the prompt history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Older prompt", show=False),
        Binding("down", "history(1)", "Newer prompt", show=False),
        Binding("shift+enter,ctrl+j", "newline", "Line break", show=False),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    class Cancelled(Message):
        """Esc was pressed: close without sending."""

    class HistoryRequested(Message):
        """Up (-1) or down (+1) was pressed."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def _on_paste(self, event: events.Paste) -> None:
        """Paste keeps every line, joined by the visible newline mark."""
        event.stop()
        event.prevent_default()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        if text:
            self.insert_text_at_cursor(text.replace("\n", NEWLINE_MARK))

    def action_history(self, step: int) -> None:
        """Ask the bar for an older or newer prompt."""
        self.post_message(self.HistoryRequested(step))

    def action_newline(self) -> None:
        """Insert a line break into the prompt."""
        self.insert_text_at_cursor(NEWLINE_MARK)

    def action_cancel(self) -> None:
        """Close the bar without sending."""
        self.post_message(self.Cancelled())


class CommandBar(Horizontal):
    """Targets label and prompt input, docked above the status bar."""

    is_open: reactive[bool] = reactive(False)
    """Whether the bar is shown (class `-open`)."""

    broadcast: reactive[bool] = reactive(False)
    """Opened by broadcast: every session is a target unless `@` says otherwise."""

    class Submitted(Message):
        """Enter with valid targets: write `text` to panes `targets`."""

        def __init__(self, bar: CommandBar, text: str, targets: tuple[int, ...]) -> None:
            super().__init__()
            self.bar = bar
            self.text = text
            self.targets = targets

    class Closed(Message):
        """The bar closed (after sending or on Esc); focus goes back to the panes."""

        def __init__(self, bar: CommandBar, sent: bool) -> None:
            super().__init__()
            self.bar = bar
            self.sent = sent

    def __init__(self, history: PromptHistory | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = history or PromptHistory()
        self.default_targets: tuple[int, ...] = ()
        self.pane_numbers: tuple[int, ...] = ()
        self.targets_label = Label("", id="command-targets")
        self.input = PromptInput(placeholder="prompt (@2,5 or @all to pick panes)")

    def compose(self) -> ComposeResult:
        yield self.targets_label
        yield self.input

    def open(
        self, default_targets: tuple[int, ...], pane_numbers: tuple[int, ...], broadcast: bool
    ) -> None:
        """Show the bar with its targets and focus the input."""
        self.pane_numbers = pane_numbers
        self.broadcast = broadcast
        self.default_targets = pane_numbers if broadcast else default_targets
        self.input.value = ""
        self.history.reset()
        self.is_open = True
        self._show_targets("")
        self.input.focus()

    def close(self, sent: bool = False) -> None:
        """Hide the bar and say so (the app puts focus back)."""
        if not self.is_open:
            return
        self.is_open = False
        self.broadcast = False
        self.post_message(self.Closed(self, sent))

    def resolve(self, line: str) -> tuple[str, tuple[int, ...]]:
        """Text and target pane numbers for `line`; raises TargetError."""
        parsed = parse_prompt(line, self.pane_numbers)
        targets = self.default_targets if parsed.targets is None else parsed.targets
        if not targets:
            raise TargetError("no target panes")
        return parsed.text, targets

    def _show_targets(self, line: str) -> None:
        """Update the label: `→ 1,3` or the reason the targets are wrong."""
        try:
            _, targets = self.resolve(line)
        except TargetError as error:
            self.targets_label.update(f"\u2716 {error}")
            self.targets_label.set_class(True, "-error")
            return
        self.targets_label.set_class(False, "-error")
        prefix = "all \u2192 " if self.broadcast and targets == self.pane_numbers else "\u2192 "
        self.targets_label.update(f"{prefix}{format_targets(targets)}")

    def watch_is_open(self, is_open: bool) -> None:
        self.set_class(is_open, "-open")

    def watch_broadcast(self, broadcast: bool) -> None:
        self.set_class(broadcast, "-broadcast")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_targets(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: send to the targets, or keep the bar open if they are wrong."""
        event.stop()
        try:
            text, targets = self.resolve(event.value)
        except TargetError as error:
            self.app.bell()
            self.notify(str(error), title="Prompt not sent", severity="warning")
            return
        self.history.add(event.value)
        self.post_message(self.Submitted(self, text, targets))
        self.close(sent=True)

    def on_prompt_input_cancelled(self, event: PromptInput.Cancelled) -> None:
        event.stop()
        self.close(sent=False)

    def on_prompt_input_history_requested(self, event: PromptInput.HistoryRequested) -> None:
        event.stop()
        value = self.history.older(self.input.value) if event.step < 0 else self.history.newer()
        self.input.value = value
        self.input.cursor_position = len(value)
