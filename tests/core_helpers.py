"""Helpers for tests that run real shells through the real pool and manager."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synk_tui.events import SynkEvent
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.pty_process import session_members

if TYPE_CHECKING:
    from synk_tui.session_manager import SessionManager


class EventLog:
    """Collects every event the core posts, for assertions."""

    def __init__(self) -> None:
        self.events: list[SynkEvent] = []

    def __call__(self, message: SynkEvent) -> None:
        self.events.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        """Events of one class, oldest first."""
        return [e for e in self.events if isinstance(e, kind)]

    def output(self, session_id: int) -> bytes:
        """Every byte posted as SessionOutput for a session, in order."""
        from synk_tui.events import SessionOutput

        return b"".join(e.data for e in self.of(SessionOutput) if e.session_id == session_id)


async def wait_for(
    condition: Callable[[], Any],
    timeout: float = 10.0,
    what: str = "",
    pause: Callable[[], Awaitable[Any]] | None = None,
) -> Any:
    """Poll `condition` until truthy; fail the test with `what` after `timeout`.

    `pause` is how to let the loop run between polls (a pilot's `pause` in
    UI tests, so the app handles its messages); by default a short sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await (pause() if pause is not None else asyncio.sleep(0.01))


TEST_PROFILE = "PS1='test$ '\n"
"""A login bash reads /etc/profile (which sets a PS1) and then ~/.profile."""


def shell_home(tmp_path: Path, profile: str = TEST_PROFILE) -> Path:
    """A HOME holding only `profile`, so the user's dotfiles never interfere."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / ".profile").write_text(profile)
    return home


def pool_config(tmp_path: Path, **overrides: Any) -> PoolConfig:
    """A PoolConfig for tests: bash with a clean HOME and a known prompt."""
    env = {"HOME": str(shell_home(tmp_path, overrides.pop("profile", TEST_PROFILE)))}
    env.update(overrides.pop("env", {}))
    values: dict[str, Any] = {"shell": "/bin/bash", "env": env, "kill_grace": 1.0}
    values.update(overrides)
    return PoolConfig(**values)


def make_manager(tmp_path: Path, **overrides: Any) -> tuple[SessionManager, EventLog]:
    """A SessionManager on a real pool, with an event log as its sink."""
    from synk_tui.session_manager import SessionManager

    log = EventLog()
    manager = SessionManager(ProcessPool(pool_config(tmp_path, **overrides)), post=log)
    return manager, log


def screen_text(manager: SessionManager, session_id: int) -> str:
    """The session's visible screen as one string."""
    return "\n".join(manager.screen(session_id).lines())


def alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def descendants_alive(pids: list[int]) -> list[int]:
    """Those of `pids`, and members of their sessions, still running."""
    left = [pid for pid in pids if alive(pid)]
    for pid in pids:
        left += session_members(pid)
    return sorted(set(left))
