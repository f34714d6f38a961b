"""The bottom line: mode, pool counts, broadcast and marks, and key hints.

It only displays reactive fields the app sets; it never asks the manager.
Key names come from config.toml: `key_label` escapes them, and the bar is
built from plain `Text`, so a key name is never markup nor a control sequence.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from synk_tui.config import KeySettings
from synk_tui.sanitize import safe_text

_MODE_STYLES: dict[str, str] = {
    "input": "bold black on green",
    "grid": "bold black on yellow",
    "prompt": "bold black on cyan",
    "copy": "bold black on magenta",
}

_KEY_NAMES: dict[str, str] = {
    "backslash": "\\",
    "slash": "/",
    "question_mark": "?",
    "space": "space",
    "enter": "enter",
    "escape": "esc",
    "left_square_bracket": "[",
}


KEY_LABEL_LIMIT = 40
"""Characters of one key's label shown."""


def key_label(key: str) -> str:
    """A Textual key name as people read it: `ctrl+backslash` -> `ctrl+\\`; controls escaped."""
    labels = []
    for one in key.split(","):
        parts = one.strip().split("+")
        parts[-1] = _KEY_NAMES.get(parts[-1], parts[-1])
        labels.append("+".join(parts))
    return safe_text("/".join(labels), KEY_LABEL_LIMIT)


class StatusBar(Widget):
    """One line of state; every field is a reactive the app sets."""

    mode: reactive[str] = reactive("input")
    """input (keys go to the pane), grid (keys drive synk), prompt (command bar), copy."""

    idle: reactive[int] = reactive(0)
    """Pre-warmed shells ready in the pool."""

    active: reactive[int] = reactive(0)
    """Sessions using a process."""

    total: reactive[int] = reactive(0)
    """All processes the pool holds."""

    broadcast: reactive[bool] = reactive(False)
    """The command bar is open with every session as target."""

    marked: reactive[int] = reactive(0)
    """How many panes are marked as prompt targets."""

    zoomed: reactive[bool] = reactive(False)
    """One pane fills the grid."""

    def __init__(self, keys: KeySettings | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys = keys or KeySettings()

    def hints(self) -> str:
        """Key hints for the current mode."""
        k = self.keys
        if self.mode == "input":
            return f"{key_label(k.prefix)} grid mode"
        if self.mode == "prompt":
            return "enter send  esc cancel  \u2191\u2193 history  @2,5 / @all targets"
        if self.mode == "copy":
            return (
                "\u2190\u2193\u2191\u2192 hjkl move  g/G top/bottom  v select  y copy  "
                "/ ? search  n/N next/prev  esc/q leave"
            )
        return (
            f"\u2190\u2193\u2191\u2192 move  {key_label(k.new_session)} new  "
            f"{key_label(k.close_session)} close  {key_label(k.zoom)} zoom  "
            f"{key_label(k.mark)} mark  {key_label(k.command_bar)} prompt  "
            f"{key_label(k.broadcast)} broadcast  {key_label(k.help)} help  "
            f"{key_label(k.quit)} quit  {key_label(k.save)} save  {key_label(k.restore)} restore  "
            f"{key_label(k.copy_mode)} copy"
        )

    def render(self) -> Text:
        """mode | pool | flags | hints, hints cut first on narrow screens."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.mode.upper()} ", style=_MODE_STYLES.get(self.mode, "bold reverse"))
        text.append(
            f" pool {self.idle} idle \u00b7 {self.active} active \u00b7 {self.total} total "
        )
        if self.broadcast:
            text.append(" BROADCAST ", style="bold white on red")
            text.append(" ")
        if self.marked:
            text.append(f"\u25c6 {self.marked} marked ", style="bold magenta")
        if self.zoomed:
            text.append("ZOOM ", style="bold cyan")
        text.append("\u2502 ", style="dim")
        text.append(self.hints(), style="dim")
        return text
