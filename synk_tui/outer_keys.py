"""Modified Enter, Tab and Backspace from terminals without the kitty protocol.

Textual pushes the kitty keyboard protocol without asking whether the
terminal takes it; tmux (3.3) and xterm do not, so shift+enter arrives as
plain Enter. Such terminals (tmux with `set -s extended-keys on`) report
modified keys when asked with xterm's modifyOtherKeys instead. So synk asks
the terminal itself (`CSI ? u`, then DA1, which every terminal answers, so
the answers are known to be complete); when no kitty flags came back, it
turns modifyOtherKeys on, and off again on the way out. The parser patch in
keys.py reads the answers and decodes the `CSI 27 ; m ; code ~` keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from synk_tui.keys import TERMINAL_REPLIES, TerminalReplies

KITTY_QUERY: Final = "\x1b[?u"
"""Asks for the kitty keyboard flags; a terminal without the protocol says nothing."""
DA1_QUERY: Final = "\x1b[c"
"""Primary device attributes: every terminal answers, after any earlier reply."""
MODIFY_OTHER_KEYS_ON: Final = "\x1b[>4;1m"
MODIFY_OTHER_KEYS_OFF: Final = "\x1b[>4;0m"
ANSWER_SECONDS: Final = 2.0
"""How long to wait for the terminal's answers before giving up (asking nothing more)."""
POLL_SECONDS: Final = 0.05


class TimerHost(Protocol):
    """What the keyboard setup needs from the app: a timer."""

    def set_timer(self, delay: float, callback: Callable[[], object]) -> object: ...


class OuterKeys:
    """Asks the outer terminal about its keyboard, enables modifyOtherKeys if it lacks kitty's."""

    def __init__(
        self,
        write: Callable[[str], object],
        host: TimerHost,
        replies: TerminalReplies = TERMINAL_REPLIES,
    ) -> None:
        self.write = write
        self.host = host
        self.replies = replies
        self.modify_other_keys = False
        """modifyOtherKeys is on (it must be turned off on the way out)."""
        self._waited = 0.0

    def start(self) -> None:
        """Send the queries; the answer is looked at as it comes."""
        self.replies.reset()
        self.write(KITTY_QUERY + DA1_QUERY)
        self.host.set_timer(POLL_SECONDS, self._check)

    def _check(self) -> None:
        if not self.replies.answered:
            self._waited += POLL_SECONDS
            if self._waited < ANSWER_SECONDS:
                self.host.set_timer(POLL_SECONDS, self._check)
            return
        if self.replies.kitty_flags is None:
            self.write(MODIFY_OTHER_KEYS_ON)
            self.modify_other_keys = True

    def stop(self) -> None:
        """Leave the terminal's keyboard as it was (the shell after synk gets plain keys)."""
        if self.modify_other_keys:
            self.write(MODIFY_OTHER_KEYS_OFF)
            self.modify_other_keys = False
