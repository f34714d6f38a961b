"""A crash inside the UI (an unhandled exception) still ends every child."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core_helpers import alive
from tests.test_app_helpers import make_app, none_alive, session_pids, wait_ready, wait_until


class Boom(Exception):
    """Stands for a bug in a handler."""


async def test_an_unhandled_exception_ends_every_session_and_the_pool(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    pids: list[int] = []
    pool_pids: list[int] = []

    def crash() -> None:
        raise Boom("a bug in a handler")

    with pytest.raises(Boom):
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_ready(pilot, app, 2)
            await wait_until(pilot, lambda: app.pool._idle, 10, "a warm shell in the pool")
            pids.extend(session_pids(app))
            pool_pids.extend(shell.process.pid for shell in app.pool._idle)
            assert all(alive(pid) for pid in pids + pool_pids)
            app.call_later(crash)
            await wait_until(pilot, lambda: app._exit_renderables or not app.is_running, 10)
    assert len(pids) == 2 and pool_pids
    assert none_alive(pids + pool_pids), "a child outlived the crash"
