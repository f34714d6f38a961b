"""Pasted text as a child receives it: the one encoder for pastes and prompts.

Inside a bracketed paste (mode 2004) the only thing the receiving program
acts on is the end marker `ESC[201~`; whatever follows it is read as typed
keys. So every ESC (and the 8-bit CSI, U+009B) is dropped from the pasted
text: without an ESC no marker can exist, whatever nesting or splitting the
text tries (`ESC[20ESC[201~1~` rebuilds a marker when only markers are cut),
and one `str.translate` pass is linear in the text. Pasted text is text: an
ESC in it has nothing to show, and terminals such as xterm, kitty and
alacritty filter it the same way. No Textual import: the core may use it.
"""

from __future__ import annotations

from typing import Final

BRACKETED_PASTE_START: Final = "\x1b[200~"
BRACKETED_PASTE_END: Final = "\x1b[201~"

_DROPPED_IN_PASTE: Final = str.maketrans({"\x1b": None, "\x9b": None})
"""ESC and the 8-bit CSI: the characters a paste end marker needs."""


def encode_paste(text: str, bracketed: bool) -> bytes:
    """Pasted text as the child should receive it.

    Newlines become CR, as every terminal sends them (a pasted LF would run
    the line in some programs but not others). With bracketed paste the
    text, stripped of ESC, is wrapped in `ESC[200~ ... ESC[201~`, so a paste
    can never break out of the brackets and type commands. Without it the
    paste is typed as it is, as in any terminal.
    """
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    if not bracketed:
        return text.encode()
    body = text.translate(_DROPPED_IN_PASTE)
    return (BRACKETED_PASTE_START + body + BRACKETED_PASTE_END).encode()
