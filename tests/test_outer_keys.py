"""modifyOtherKeys for outer terminals without the kitty protocol (tmux, xterm).

The parser patch decodes xterm's `CSI 27 ; m ; code ~` keys and swallows the
answers to synk's own queries; `OuterKeys` turns modifyOtherKeys on only
when the terminal answered without kitty flags, and off on the way out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from synk_tui.keys import TERMINAL_REPLIES, TerminalReplies, keep_alt_in_legacy_input
from synk_tui.outer_keys import (
    DA1_QUERY,
    KITTY_QUERY,
    MODIFY_OTHER_KEYS_OFF,
    MODIFY_OTHER_KEYS_ON,
    OuterKeys,
)


def parsed(raw: str) -> list[str]:
    keep_alt_in_legacy_input()
    parser = XTermParser()
    return [e.key for e in [*parser.feed(raw), *parser.feed("")] if isinstance(e, events.Key)]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("\x1b[27;2;13~", "shift+enter"),
        ("\x1b[27;3;13~", "alt+enter"),  # Textual alone: plain enter
        ("\x1b[27;5;13~", "ctrl+enter"),
        ("\x1b[27;2;9~", "shift+tab"),
        ("\x1b[27;5;9~", "ctrl+tab"),
        ("\x1b[27;3;127~", "alt+backspace"),
        ("\x1b[13;2u", "shift+enter"),
        ("\x1b[13;3u", "alt+enter"),
    ],
)
def test_modify_other_keys_forms_are_read_as_the_modified_key(raw: str, key: str) -> None:
    assert parsed(raw) == [key]


def test_answers_to_the_queries_are_recorded_not_typed() -> None:
    TERMINAL_REPLIES.reset()
    assert parsed("\x1b[?62;22c" + "a") == ["a"]
    assert TERMINAL_REPLIES.answered and TERMINAL_REPLIES.kitty_flags is None
    TERMINAL_REPLIES.reset()
    assert parsed("\x1b[?1u\x1b[?62c") == []
    assert TERMINAL_REPLIES.kitty_flags == 1 and TERMINAL_REPLIES.answered
    TERMINAL_REPLIES.reset()


class Timers:
    """Runs timers when told to, in order."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], object]] = []

    def set_timer(self, delay: float, callback: Callable[[], object]) -> object:
        self.pending.append(callback)
        return None

    def run(self) -> None:
        while self.pending:
            self.pending.pop(0)()


def test_without_kitty_flags_modify_other_keys_goes_on_and_off_again() -> None:
    written: list[str] = []
    replies, timers = TerminalReplies(), Timers()
    keys = OuterKeys(written.append, timers, replies)
    keys.start()
    assert written == [KITTY_QUERY + DA1_QUERY]
    replies.answered = True  # DA1 only: no kitty protocol
    timers.run()
    assert written[-1] == MODIFY_OTHER_KEYS_ON
    keys.stop()
    assert written[-1] == MODIFY_OTHER_KEYS_OFF
    keys.stop()
    assert written.count(MODIFY_OTHER_KEYS_OFF) == 1


@pytest.mark.parametrize("kitty_flags", [0, 1])
def test_a_kitty_terminal_or_no_answer_gets_no_modify_other_keys(kitty_flags: int) -> None:
    written: list[str] = []
    replies, timers = TerminalReplies(), Timers()
    keys = OuterKeys(written.append, timers, replies)
    keys.start()
    replies.kitty_flags, replies.answered = kitty_flags, True
    timers.run()
    keys.stop()
    assert written == [KITTY_QUERY + DA1_QUERY]
    # no answer at all (not a terminal that answers DA1): it stops asking
    written.clear()
    silent = OuterKeys(written.append, timers, TerminalReplies())
    silent.start()
    timers.run()
    silent.stop()
    assert written == [KITTY_QUERY + DA1_QUERY]
