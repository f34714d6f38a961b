"""The terminal emulator of one session (no Textual imports); see
docs/ARCHITECTURE.md for its surface and ``screen`` for how it works.

Modules: ``screen`` (TerminalEmulator), ``tokens`` (the tokenizer and CSI
parameters), ``styles`` (StyleKey, attributes, SGR), ``rows`` (style runs
and the compact scrollback rows), ``widths`` (cell widths and clusters),
``charsets`` (DEC special graphics, UK).
"""

from __future__ import annotations

from synk_tui.emulator.charsets import DEC_GRAPHICS
from synk_tui.emulator.screen import (
    MAX_CLIPBOARD,
    MAX_OSC,
    MAX_TITLE,
    TerminalEmulator,
)
from synk_tui.emulator.styles import (
    ATTR_BLINK,
    ATTR_BOLD,
    ATTR_DIM,
    ATTR_HIDDEN,
    ATTR_ITALIC,
    ATTR_OVERLINE,
    ATTR_REVERSE,
    ATTR_STRIKE,
    ATTR_UNDERLINE,
    DEFAULT_STYLE,
    TRUECOLOR,
    StyleKey,
    xterm_palette,
)
from synk_tui.emulator.tokens import MAX_PARAM, MAX_SEQUENCE
from synk_tui.emulator.widths import MAX_CLUSTER

__all__ = [
    "ATTR_BLINK",
    "ATTR_BOLD",
    "ATTR_DIM",
    "ATTR_HIDDEN",
    "ATTR_ITALIC",
    "ATTR_OVERLINE",
    "ATTR_REVERSE",
    "ATTR_STRIKE",
    "ATTR_UNDERLINE",
    "DEC_GRAPHICS",
    "DEFAULT_STYLE",
    "MAX_CLIPBOARD",
    "MAX_CLUSTER",
    "MAX_OSC",
    "MAX_PARAM",
    "MAX_SEQUENCE",
    "MAX_TITLE",
    "TRUECOLOR",
    "StyleKey",
    "TerminalEmulator",
    "xterm_palette",
]
