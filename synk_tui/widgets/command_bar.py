"""The prompt line: type once, send to the marked panes, `@2,5` or `@all`.

The bar shows its targets as you type, recalls earlier prompts with up and
down, and keeps pasted line breaks (shown as ⏎). Enter and Esc are handled
in the input's own key order (not as bindings, which Textual runs only once
the key has bubbled up, after later keys were typed in): the prompt is sent
with exactly what was typed before Enter, the focus is back on the pane at
once, and keys of the same burst that still reach the closed input are
passed on to that pane. Sending goes through the `send` callable the app
hands in, so the prompt is written before anything typed after it.

Pasted and recalled text is outside text: `prompting.prompt_line` keeps its
control characters out of the input (which shows its value as it is), and
the targets label shows errors that quote the typed `@` prefix as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label

from synk_tui.prompting import (
    NEWLINE_MARK,
    PromptHistory,
    TargetError,
    format_targets,
    parse_prompt,
    prompt_line,
)
from synk_tui.sanitize import safe_text

SendPrompt = Callable[[str, tuple[int, ...]], None]
"""send(text, pane_numbers): writes the prompt to those panes."""


class PromptInput(Input):
    """An Input that keeps line breaks as ⏎ and walks the prompt history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Older prompt", show=False),
        Binding("down", "history(1)", "Newer prompt", show=False),
        Binding("shift+enter,alt+enter,ctrl+j", "newline", "Line break", show=False),
        # What Textual's own parser made of ESC b / ESC f / ESC DEL (macOS
        # Option as Meta) before synk_tui.keys made them alt keys again.
        Binding("alt+b", "cursor_left_word", "Move cursor left a word", show=False),
        Binding("alt+f", "cursor_right_word", "Move cursor right a word", show=False),
        Binding("alt+backspace", "delete_left_word", "Delete left a word", show=False),
    ]

    @property
    def bar(self) -> CommandBar | None:
        """The command bar this input belongs to."""
        parent = self.parent
        return parent if isinstance(parent, CommandBar) else None

    async def _on_key(self, event: events.Key) -> None:
        """Enter sends, Esc cancels, in typing order; after closing, keys go to the pane."""
        bar = self.bar
        if bar is None:
            await super()._on_key(event)
            return
        if not bar.is_open:
            event.stop()
            event.prevent_default()
            target = bar.last_return_to
            if target is not None and target.is_attached:
                target.post_message(events.Key(event.key, event.character))
            return
        if event.key in ("enter", "escape"):
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                self.action_send()
            else:
                self.action_cancel()
            return
        await super()._on_key(event)
        event.prevent_default()  # the base class's handler already ran

    def _on_paste(self, event: events.Paste) -> None:
        """Paste keeps every line, joined by the visible newline mark."""
        event.stop()
        event.prevent_default()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        if text:
            self.insert_text_at_cursor(prompt_line(text))

    def action_send(self) -> None:
        """Enter: the bar sends and closes."""
        if self.bar is not None:
            self.bar.submit(self.value)

    def action_cancel(self) -> None:
        """Esc: close the bar without sending."""
        if self.bar is not None:
            self.bar.close(sent=False)

    def action_history(self, step: int) -> None:
        """Up (-1) or down (+1): an older or newer prompt."""
        if self.bar is not None:
            self.bar.recall(step)

    def action_newline(self) -> None:
        """Insert a line break into the prompt."""
        self.insert_text_at_cursor(NEWLINE_MARK)


class CommandBar(Horizontal):
    """Targets label and prompt input, shown above the status bar."""

    is_open: reactive[bool] = reactive(False)
    """Whether the bar is shown (class `-open`)."""

    broadcast: reactive[bool] = reactive(False)
    """Opened by broadcast: every session is a target unless `@` says otherwise."""

    class Submitted(Message):
        """A prompt was sent to `targets` (pane numbers)."""

        def __init__(self, bar: CommandBar, text: str, targets: tuple[int, ...]) -> None:
            super().__init__()
            self.bar = bar
            self.text = text
            self.targets = targets

    class Closed(Message):
        """The bar closed (after sending or on Esc); focus is back where it was."""

        def __init__(self, bar: CommandBar, sent: bool) -> None:
            super().__init__()
            self.bar = bar
            self.sent = sent

    def __init__(
        self,
        send: SendPrompt,
        history: PromptHistory | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.send = send
        self.history = history or PromptHistory()
        self.default_targets: tuple[int, ...] = ()
        self.pane_numbers: tuple[int, ...] = ()
        self.return_to: Widget | None = None
        self.last_return_to: Widget | None = None
        """Where keys of a burst typed after Enter/Esc are passed on to."""
        self.mode_label = Label(" PROMPT ", id="command-mode")
        """The mode, as the status bar shows it: the bar takes the status bar's row."""
        self.targets_label = Label("", markup=False, id="command-targets")
        self.input = PromptInput(placeholder="prompt (@2,5 or @all to pick panes)")

    def compose(self) -> ComposeResult:
        yield self.mode_label
        yield self.targets_label
        yield self.input

    def open(
        self,
        default_targets: tuple[int, ...],
        pane_numbers: tuple[int, ...],
        broadcast: bool,
        return_to: Widget | None = None,
    ) -> None:
        """Show the bar with its targets and focus the input.

        `return_to` gets the focus back when the bar closes (the pane that had it).
        """
        self.return_to = return_to
        self.last_return_to = None
        self.pane_numbers = pane_numbers
        self.broadcast = broadcast
        self.default_targets = pane_numbers if broadcast else default_targets
        self.input.value = ""
        self.history.reset()
        self.is_open = True
        self._show_targets("")
        self.input.screen.set_focus(self.input, scroll_visible=False)

    def close(self, sent: bool = False) -> None:
        """Hide the bar and give the focus back at once."""
        if not self.is_open:
            return
        self.is_open = False
        self.broadcast = False
        if self.return_to is not None and self.return_to.is_attached:
            self.return_to.screen.set_focus(self.return_to, scroll_visible=False)
        self.last_return_to = self.return_to
        self.return_to = None
        self.post_message(self.Closed(self, sent))

    def resolve(self, line: str) -> tuple[str, tuple[int, ...]]:
        """Text and target pane numbers for `line`; raises TargetError."""
        parsed = parse_prompt(line, self.pane_numbers)
        targets = self.default_targets if parsed.targets is None else parsed.targets
        if not targets:
            raise TargetError("no target panes")
        return parsed.text, targets

    def submit(self, line: str) -> bool:
        """Send `line` to its targets and close; wrong targets keep the bar open."""
        if not self.is_open:
            return False
        try:
            text, targets = self.resolve(line)
        except TargetError as error:
            self.app.bell()
            self.notify(str(error), title="Prompt not sent", severity="warning")
            return False
        if not text.strip():
            # `@all` alone is a target with nothing to say, not a bare Enter.
            self.app.bell()
            self._show_error(f"nothing sent to {format_targets(targets)}: type a prompt")
            return False
        self.history.add(line)
        self.send(text, targets)
        self.post_message(self.Submitted(self, text, targets))
        self.close(sent=True)
        return True

    def recall(self, step: int) -> None:
        """Put an older (step < 0) or newer prompt into the input."""
        value = self.history.older(self.input.value) if step < 0 else self.history.newer()
        value = prompt_line(value)
        self.input.value = value
        self.input.cursor_position = len(value)

    def _show_targets(self, line: str) -> None:
        """Update the label: `→ 1,3` or the reason the targets are wrong."""
        try:
            _, targets = self.resolve(line)
        except TargetError as error:
            self._show_error(str(error))
            return
        self.targets_label.set_class(False, "-error")
        prefix = "all \u2192 " if self.broadcast and targets == self.pane_numbers else "\u2192 "
        self.targets_label.update(f"{prefix}{format_targets(targets)}")

    def _show_error(self, reason: str) -> None:
        """The label says why nothing can be sent (until the line changes)."""
        self.targets_label.update(f"\u2716 {safe_text(reason)}")
        self.targets_label.set_class(True, "-error")

    def watch_is_open(self, is_open: bool) -> None:
        self.set_class(is_open, "-open")

    def watch_broadcast(self, broadcast: bool) -> None:
        self.set_class(broadcast, "-broadcast")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_targets(event.value)
