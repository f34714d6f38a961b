"""Processes that left their session's terminal: adopted by synk, ended by synk.

A job started with `setsid` (or a daemon that double-forks, such as an
agent's own server) leaves the terminal session synk ends on destroy, and its
parent soon exits. With synk a child subreaper (`become_subreaper`, called by
the app's process only, never on import), such orphans become synk's
children instead of init's: synk can find them (`/proc/self/task/*/children`),
end the ones a destroyed session left (their environment still names it) and
all of them at quit, and reap them by pid. Never `waitpid(-1)`: that would
steal the exit status a `PtyProcess` waits for.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from synk_tui.pty_process import signal_session, unreaped_children

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
REAP_INTERVAL = 2.0
"""Seconds between reaps of adopted orphans that exited (zombies hold only a pid)."""


@functools.cache
def _prctl() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to load
        return None
    prctl: Callable[..., int] | None = getattr(libc, "prctl", None)
    return prctl


def become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans; True if it is.

    Only the app's process calls this (a test runner must not adopt orphans).
    """
    prctl = _prctl()
    if prctl is None:  # pragma: no cover - not Linux
        return False
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def is_subreaper() -> bool:
    """True if this process adopts its descendants' orphans."""
    prctl = _prctl()
    if prctl is None:  # pragma: no cover - not Linux
        return False
    flag = ctypes.c_int(0)
    return prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) == 0 and flag.value != 0


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            pids += [int(pid) for pid in (task / "children").read_text().split()]
    return pids


def _session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[3]) if len(fields) > 3 else None


def adopted() -> list[int]:
    """Children of this process that it did not spawn: orphans it adopted.

    They are told apart from synk's own children by their terminal session:
    a PTY child leads its own session (and is left to its PtyProcess), any
    other child synk spawns stays in synk's session. Empty unless this
    process is a subreaper.
    """
    own_session = os.getsid(0)
    spawned = unreaped_children()
    found = []
    for pid in _children():
        if pid in spawned:
            continue
        sid = _session_of(pid)
        if sid is not None and sid != own_session:
            found.append(pid)
    return found


def reap_adopted() -> int:
    """Collect the exit status of every adopted orphan that exited; how many."""
    reaped = 0
    for pid in adopted():
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                reaped += 1
    return reaped


def environ_names_session(pid: int, session_id: int) -> bool:
    """True if the process's environment says it belongs to synk session `session_id`."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return f"SYNK_SESSION={session_id}".encode() in environ.split(b"\0")


def _live(pids: list[int]) -> list[int]:
    """Those of `pids` that still run (zombies are reaped on the way)."""
    reap_adopted()
    return [pid for pid in pids if _session_of(pid) is not None]


def _signal_tree(pid: int, sig: int) -> None:
    """`sig` to an adopted orphan and every process of its terminal session
    (all of them descend from synk: a session's members are forked from the
    process that made it)."""
    sid = _session_of(pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
    if sid is not None:
        signal_session(sid, sig, leader_alive=sid == pid)


async def end_adopted(grace: float, belongs: Callable[[int], bool] | None = None) -> None:
    """End adopted orphans (those `belongs` accepts, else all): SIGHUP+SIGTERM,
    SIGKILL after `grace`, and reap them. Their own orphans, adopted as
    they die, are ended in the next round."""
    for _round in range(5):
        targets = [pid for pid in adopted() if belongs is None or belongs(pid)]
        if not targets:
            return
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGCONT):
            for pid in targets:
                _signal_tree(pid, sig)
        deadline = time.monotonic() + grace
        while _live(targets) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for pid in _live(targets):
            _signal_tree(pid, signal.SIGKILL)
        while _live(targets) and time.monotonic() < deadline + 1.0:
            await asyncio.sleep(0.005)


def kill_adopted_now() -> None:
    """Synchronous last resort at interpreter exit: SIGKILL every adopted orphan."""
    for _round in range(5):
        targets = adopted()
        if not targets:
            return
        for pid in targets:
            _signal_tree(pid, signal.SIGKILL)
        deadline = time.monotonic() + 1.0
        while _live(targets) and time.monotonic() < deadline:
            time.sleep(0.005)
