"""Untrusted text made safe to show: no control sequences, bounded length.

Everything that comes from outside synk (branch names, paths, window
titles, names from config or saved files, error messages that quote them)
passes through `safe_text` before it reaches a widget, a notification, the
outer terminal or the CLI's output. Control characters become visible
escapes (`\\x1b`), so an ESC can never start a sequence in the user's
terminal and a BEL can never ring it. The result is plain text: callers
that build rich renderables put it in a `rich.text.Text` (or escape it with
`rich.markup.escape`) so that `[...]` is never read as markup.

No Textual or rich import here: the core uses it too.
"""

from __future__ import annotations

import re

DEFAULT_LIMIT = 200
"""Characters kept of one untrusted string unless the caller says otherwise."""

ELLIPSIS = "…"

# C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and
# bidirectional overrides that can make text display as something else.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_UNSAFE_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_CONTROLS_BUT_LINE_BREAKS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def drop_controls(text: str) -> str:
    """`text` without control characters except LF and CR, in one linear pass.

    For outside text that goes into an input field (a paste, a recalled
    prompt): Textual's Input shows its value as it is, so an ESC in it
    would reach the terminal, and escaping it would change what is typed.
    """
    return _CONTROLS_BUT_LINE_BREAKS.sub("", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """`value` as one line of printable text, at most `limit` characters.

    Cost is linear in the kept part: the input is cut before it is escaped
    (an escape can only lengthen it), then cut again to `limit`.
    """
    text = value if isinstance(value, str) else str(value)
    if limit <= 0:
        return ""
    head = text[: limit + 1]
    escaped = _UNSAFE.sub(_escape, head)
    if len(escaped) <= limit and len(text) <= limit:
        return escaped
    return escaped[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def safe_lines(value: object, limit: int = 2000) -> str:
    """Like `safe_text` but keeps newlines and tabs: for multi-line messages."""
    text = value if isinstance(value, str) else str(value)
    if limit <= 0:
        return ""
    cut = len(text) > limit
    head = text[: limit - len(ELLIPSIS)] if cut else text
    escaped = _UNSAFE_IN_LINES.sub(_escape, head)
    return escaped + ELLIPSIS if cut else escaped
