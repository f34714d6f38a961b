"""Text in and out of a session over the wire: `session:send` and `session:screen`.

`session:send` types text the way the command bar does (`encode_prompt`:
several lines go as one bracketed paste when the program enabled mode 2004),
so a script's prompt reaches an agent as one prompt. `session:screen` gives
what `tmux capture-pane -p` gives: the visible rows as text, and on request
the newest scrollback lines before them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from synk_tui.errors import InvalidArgumentError
from synk_tui.paste import encode_paste
from synk_tui.prompting import encode_prompt

if TYPE_CHECKING:
    from synk_tui.ipc import WireContext

MAX_SEND_CHARS = 512 * 1024
"""The longest text one `session:send` takes."""


def _int(args: Mapping[str, Any], name: str, default: int | None = None) -> int:
    value = args.get(name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"Argument {name!r} must be an integer", name)
    return value


def typed_text(text: str, enter: bool, bracketed_paste: bool) -> str:
    """What to write so the program gets `text` (and Enter when asked) as typed or pasted."""
    if enter:
        return encode_prompt(text, bracketed_paste)
    if bracketed_paste and ("\n" in text or "\r" in text):
        return encode_paste(text, True).decode()
    return text


async def send(context: WireContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """`session:send {sessionId, text, enter?}`: type text into a session like the command bar."""
    session_id = _int(args, "sessionId")
    text = args.get("text")
    if not isinstance(text, str):
        raise InvalidArgumentError("Argument 'text' must be a string", "text")
    if len(text) > MAX_SEND_CHARS:
        raise InvalidArgumentError(f"Argument 'text' is longer than {MAX_SEND_CHARS}", "text")
    enter = args.get("enter", False)
    if not isinstance(enter, bool):
        raise InvalidArgumentError("Argument 'enter' must be true or false", "enter")
    manager = context.manager
    info = manager.info(session_id)
    bracketed = info.status == "running" and manager.screen(session_id).bracketed_paste
    manager.write(session_id, typed_text(text, enter, bracketed))
    return {
        "sessionId": session_id,
        "bracketedPaste": bracketed,
        "queued": info.status == "starting",
    }


async def screen(context: WireContext, args: Mapping[str, Any]) -> dict[str, Any]:
    """`session:screen {sessionId, scrollback?}`: visible rows, and the last N scrollback lines."""
    session_id = _int(args, "sessionId")
    wanted = _int(args, "scrollback", 0)
    if wanted < 0:
        raise InvalidArgumentError("Argument 'scrollback' must not be negative", "scrollback")
    emulator = context.manager.screen(session_id)
    history: list[str] = []
    if wanted:
        total = emulator.scrollback_len
        history = [
            "".join(text for text, _style in emulator.row_runs(index)).rstrip()
            for index in range(-min(wanted, total), 0)
        ]
    x, y = emulator.cursor
    return {
        "sessionId": session_id,
        "cols": emulator.cols,
        "rows": emulator.rows,
        "cursor": [x, y],
        "lines": emulator.lines(),
        "scrollback": history,
    }
