"""The bottom line: mode, the way to the help, flags, key hints and pool counts.

It only displays reactive fields the app sets; it never asks the manager.
Key names come from config.toml: `key_label` escapes them, and the bar is
built from plain `Text`, so a key name is never markup nor a control sequence.
When the line is short, parts go by priority: the pool's counts first, then
the hints from the least useful, then flags; the mode and the help key stay.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
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

MODE, HELP, FLAGS, HINTS, POOL = 1000, 900, 800, 700, 0
"""Priorities: what stays when the bar is short (higher stays longer)."""


class StatusItem(NamedTuple):
    """One part of the status bar: its text, how much it matters, its style."""

    text: str
    priority: int
    style: str


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
        """Key hints for the current mode, most useful first (joined by two spaces)."""
        return "  ".join(self.hint_items())

    def hint_items(self) -> list[str]:
        """Key hints for the current mode, most useful first (the last are dropped first)."""
        k = self.keys
        if self.mode == "input":
            return [f"{key_label(k.prefix)} grid mode"]
        if self.mode == "prompt":
            return ["enter send", "esc cancel", "\u2191\u2193 history", "@2,5 / @all targets"]
        if self.mode == "copy":
            return [
                "\u2190\u2193\u2191\u2192 hjkl move",
                "v select",
                "y copy",
                "/ ? search",
                "n/N next/prev",
                "esc/q leave",
                "g/G top/bottom",
            ]
        return [
            "\u2190\u2193\u2191\u2192 move",
            f"{key_label(k.new_session)} new",
            f"{key_label(k.close_session)} close",
            f"{key_label(k.zoom)} zoom",
            f"{key_label(k.command_bar)} prompt",
            f"{key_label(k.broadcast)} broadcast",
            f"{key_label(k.mark)} mark",
            f"{key_label(k.save)} save",
            f"{key_label(k.restore)} restore",
            f"{key_label(k.quit)} quit",
            f"{key_label(k.copy_mode)} copy",
        ]

    def help_hint(self) -> str:
        """How to reach the help from this mode."""
        help_key = key_label(self.keys.help)
        if self.mode == "grid":
            return f"{help_key} help"
        return f"{key_label(self.keys.prefix)} {help_key} help"

    def items(self) -> list[StatusItem]:
        """Everything the bar could show, in display order, each with its priority.

        What stays when space is short: the mode, then the way to the help,
        then state flags, then the hints (most useful first), and the pool's
        counts last. New items (attention counts, other modes) slot in by
        priority without reworking the rest.
        """
        items = [
            StatusItem(f" {self.mode.upper()} ", MODE, _MODE_STYLES.get(self.mode, "bold reverse"))
        ]
        if self.broadcast:
            items.append(StatusItem(" BROADCAST ", FLAGS, "bold white on red"))
        if self.marked:
            items.append(StatusItem(f"\u25c6 {self.marked} marked", FLAGS, "bold magenta"))
        if self.zoomed:
            items.append(StatusItem("ZOOM", FLAGS, "bold cyan"))
        items.append(StatusItem(self.help_hint(), HELP, "bold"))
        for rank, hint in enumerate(self.hint_items()):
            items.append(StatusItem(hint, HINTS - rank, "dim"))
        items.append(StatusItem(f"pool {self.idle}/{self.total}", POOL, "dim"))
        return items

    def render(self) -> Text:
        """The items that fit, lowest priority dropped first, in display order."""
        items = self.items()
        width = self.size.width or 80
        while len(items) > 1 and _width(items) > width:
            items.remove(min(items, key=lambda item: item.priority))
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, item in enumerate(items):
            if index:
                text.append(" " if index == 1 else "  ")
            text.append(item.text, style=item.style)
        return text


def _width(items: list[StatusItem]) -> int:
    """Cells the items take, with one space after the mode and two between the rest."""
    gaps = 1 + 2 * (len(items) - 2) if len(items) > 1 else 0
    return sum(cell_len(item.text) for item in items) + gaps
