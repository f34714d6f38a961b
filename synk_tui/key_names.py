"""The key names Textual can produce, to check `[keys]` in config.toml.

A binding to a name no key ever has (`zz`, `ctrl-x`, `Ctrl+X`) is accepted
by Textual without a word and can never fire, so the config checks every
value against these names. Kept free of Textual (config.py is core); a
test checks the list against the installed Textual's own key names.
"""

from __future__ import annotations

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
"""Modifier prefixes, written `ctrl+` etc. in front of a key name."""

NAMED_KEYS = frozenset(
    {
        "escape", "enter", "tab", "backspace", "space", "delete", "insert",
        "home", "end", "pageup", "pagedown", "up", "down", "left", "right",
        *(f"f{n}" for n in range(1, 25)),
    }
)  # fmt: skip
"""Keys that are not characters."""

CHARACTER_KEYS = frozenset(
    {
        *"abcdefghijklmnopqrstuvwxyz", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ", *"0123456789",
        "ampersand", "apostrophe", "asterisk", "at", "backslash", "circumflex_accent",
        "colon", "comma", "dollar_sign", "equals_sign", "exclamation_mark", "full_stop",
        "grave_accent", "greater_than_sign", "left_curly_bracket", "left_parenthesis",
        "left_square_bracket", "less_than_sign", "minus", "number_sign", "percent_sign",
        "plus", "question_mark", "quotation_mark", "right_curly_bracket",
        "right_parenthesis", "right_square_bracket", "semicolon", "slash", "tilde",
        "underscore", "vertical_line",
    }
)  # fmt: skip
"""The names Textual gives printable ASCII characters (`/` is `slash`)."""


def is_key_name(key: str) -> bool:
    """Whether `key` (`z`, `ctrl+backslash`, `b,ctrl+b`) names keys Textual produces."""
    if not key:
        return False
    for one in key.split(","):
        *modifiers, base = one.strip().split("+")
        if base not in NAMED_KEYS and base not in CHARACTER_KEYS:
            return False
        if not set(modifiers) <= MODIFIERS or len(set(modifiers)) != len(modifiers):
            return False
    return True
