"""How synk ends: signals, a hung-up terminal, and the one shutdown of the sessions.

No widget code here: the App decides what a signal means for the workspace
(autosave, quit) and this module does the process-level part. Whatever the
way out (the quit key, SIGTERM, SIGHUP, an unhandled exception unmounting the
app), the manager is shut down exactly once and no child outlives synk:
where synk is the subreaper (the app's process, see `orphans.py`), the
orphans its sessions left (`setsid` jobs, agents' own daemons) end with it,
and those that exit meanwhile are reaped every REAP_INTERVAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from typing import NoReturn

from synk_tui.orphans import REAP_INTERVAL, end_adopted, is_subreaper, reap_adopted
from synk_tui.session_manager import SessionManager

HANDLED_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""The terminal or SSH link went away (SIGHUP), or someone asked synk to stop (SIGTERM)."""


def terminal_alive() -> bool:
    """False once the terminal hung up (writes to it fail with EIO)."""
    try:
        os.write(sys.__stdout__.fileno() if sys.__stdout__ else 1, b"")
    except (OSError, ValueError):
        return False
    return True


def detach_from_terminal() -> None:
    """Point stdin/stdout/stderr at /dev/null: the terminal hung up.

    Writes to a hung-up terminal fail (EIO) and would kill Textual's writer
    thread, leaving the event loop blocked on its full queue; to /dev/null
    they succeed, so the loop stays free to end the sessions.
    """
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.close(null)


class Lifecycle:
    """Signal handlers on the running loop and the single shutdown of the manager."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self.hangup = False
        """True once the terminal hung up (SIGHUP): nothing more can be drawn."""
        self._shutdown_task: asyncio.Task[None] | None = None
        self._signals: list[int] = []
        self._reaper: asyncio.TimerHandle | None = None

    def install_signal_handlers(self, handler: Callable[[int], None]) -> None:
        """Route SIGHUP and SIGTERM to `handler(signum)` on the running loop,
        and (where synk is the subreaper) start reaping adopted orphans.

        Where the loop cannot take signal handlers (not the main thread, or
        a platform without them) synk still runs; it just cannot end cleanly
        on a signal.
        """
        loop = asyncio.get_running_loop()
        for signum in HANDLED_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, handler, signum)
                self._signals.append(signum)
        self._reap_orphans()

    def _reap_orphans(self) -> None:
        """Collect adopted orphans that exited, now and every REAP_INTERVAL."""
        self._reaper = None
        if self._shutdown_task is not None or not is_subreaper():
            return
        reap_adopted()
        self._reaper = asyncio.get_running_loop().call_later(REAP_INTERVAL, self._reap_orphans)

    def hung_up_by(self, signum: int) -> bool:
        """True (and stdio detached) when `signum` is SIGHUP from a terminal that is gone.

        A SIGHUP sent by hand while the terminal still works is an ordinary
        exit, which also restores the terminal.
        """
        if signum != signal.SIGHUP or terminal_alive():
            return False
        self.hangup = True
        detach_from_terminal()
        return True

    async def shutdown(self) -> None:
        """End every session and the pool; safe to call more than once, and concurrently."""
        if self._shutdown_task is None:
            if self._reaper is not None:
                self._reaper.cancel()
                self._reaper = None
            self._shutdown_task = asyncio.ensure_future(self._end_everything())
        try:
            await asyncio.shield(self._shutdown_task)
        finally:
            loop = asyncio.get_running_loop()
            for signum in self._signals:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(signum)
            self._signals.clear()

    async def _end_everything(self) -> None:
        """The sessions, the pool, then every orphan they left behind."""
        try:
            await self.manager.shutdown()
        finally:
            if is_subreaper():
                await end_adopted(self.manager.pool.config.kill_grace)

    async def hangup_exit(self) -> NoReturn:
        """The terminal is gone: end every session, then leave without tearing down.

        Textual's teardown writes to the terminal through a bounded queue and
        a writer thread; with the terminal gone that can block for ever (seen
        with tmux kill-server), so once no child is left the process exits.
        """
        try:
            await self.shutdown()
        finally:
            os._exit(128 + signal.SIGHUP)
