"""Input and replies waiting for a child that never reads them are bounded."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from synk_tui.events import AppError, SessionExit
from synk_tui.pty_process import MAX_PENDING_INPUT, MAX_PENDING_REPLIES
from tests.core_helpers import make_manager, screen_text, wait_for

QUERY_FLOOD = (
    "stty raw -echo; python3 -c \"import os,time; os.write(1, b'\\033]4;1;?\\007' * 100000"
    " + b'flood-' + b'done'); time.sleep(60)\"\r"
)
"""A raw-mode child that asks 100 000 colour queries (2.5 MB of replies) and never reads."""

DEAF = "stty raw -echo; echo deaf-now; sleep 60\r"
"""A raw-mode child that never reads its input."""


async def test_replies_to_a_child_that_never_reads_are_bounded(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path, initial_pool_size=1)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(tmp_path), cols=200)).session_id
        assert await manager.wait_ready(sid)
        manager.write(sid, QUERY_FLOOD)
        await wait_for(lambda: "flood-done" in screen_text(manager, sid), 30, "queries parsed")
        process = manager._sessions[sid].process
        assert process is not None
        assert process.pending_write <= MAX_PENDING_REPLIES + 64
    finally:
        await manager.shutdown()


async def test_input_a_child_never_reads_is_refused_and_the_person_told(tmp_path: Path) -> None:
    manager, log = make_manager(tmp_path, initial_pool_size=1)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(tmp_path))).session_id
        assert await manager.wait_ready(sid)
        manager.write(sid, DEAF)
        await wait_for(lambda: "deaf-now" in screen_text(manager, sid), what="the child is deaf")
        chunk = b"x" * (1 << 20)
        for _ in range(8):
            manager.write(sid, chunk)
        process = manager._sessions[sid].process
        assert process is not None
        assert process.pending_write <= MAX_PENDING_INPUT
        errors = [e for e in log.of(AppError) if "not reading its input" in e.message]
        assert len(errors) == 1, "told once, not once per write"
        assert f"Session {sid}" in errors[0].message
    finally:
        await manager.shutdown()


async def test_a_shell_killed_while_starting_reports_its_real_status(tmp_path: Path) -> None:
    profile = "PS1='test$ '\necho > $HOME/started; sleep 30\n"
    manager, log = make_manager(tmp_path, initial_pool_size=0, profile=profile)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(tmp_path))).session_id
        await wait_for(lambda: (tmp_path / "home" / "started").exists(), what="shell starting")
        assert manager.info(sid).status == "starting"
        pid = manager.info(sid).pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await wait_for(lambda: log.of(SessionExit), what="the session's exit")
        assert [e.exit_code for e in log.of(SessionExit)] == [137]
        assert manager.info(sid).exit_code == 137
    finally:
        await manager.shutdown()
