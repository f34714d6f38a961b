"""The session manager and the wire commands, with real shells on real PTYs."""

from __future__ import annotations

import asyncio
import base64
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from synk_tui.config import AgentSettings
from synk_tui.errors import PoolError
from synk_tui.events import (
    AppError,
    PoolStatus,
    ScreenUpdated,
    SessionExit,
    SessionOutput,
    SessionReady,
)
from synk_tui.ipc import invoke
from synk_tui.pool import ProcessPool
from synk_tui.session_manager import (
    BACKGROUND_CHUNK_BYTES,
    BACKGROUND_HIGH_WATER,
    CHUNK_BYTES,
    AgentUnavailableError,
    InvalidArgumentError,
    MaxSessionsError,
    SessionExitedError,
    SessionManager,
    SessionNotFoundError,
)
from tests.core_helpers import (
    EventLog,
    descendants_alive,
    make_manager,
    pool_config,
    screen_text,
    wait_for,
)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[tuple[SessionManager, EventLog]]:
    manager, log = make_manager(tmp_path)
    await manager.start()
    yield manager, log
    await manager.shutdown()


async def started(manager: SessionManager, tmp_path: Path, **kwargs: object) -> int:
    created = await manager.create(project_path=str(tmp_path), **kwargs)  # type: ignore[arg-type]
    assert await manager.wait_ready(created.session_id), manager.info(created.session_id)
    return created.session_id


# -- the seed's acceptance test, literally through invoke -----------------------


async def test_seed_acceptance_through_invoke(tmp_path: Path) -> None:
    manager, log = make_manager(tmp_path, initial_pool_size=2)
    await manager.start()
    try:
        created = await invoke(
            manager, "session:create", {"agentType": "terminal", "projectPath": str(tmp_path)}
        )
        assert created == {"sessionId": 1, "paneIndex": 0}
        await invoke(manager, "session:write", {"sessionId": 1, "data": "echo hi-$((1+1))\r"})
        await wait_for(lambda: b"hi-2" in log.output(1), what="the shell's answer")
        wire = [e.to_wire() for e in log.of(SessionOutput) if e.session_id == 1]
        assert all(set(w) == {"sessionId", "dataB64"} for w in wire)
        assert b"hi-2" in b"".join(base64.b64decode(w["dataB64"]) for w in wire)
        assert log.of(SessionOutput)[0].wire_name == "session:output"

        for n in range(2, 13):
            reply = await invoke(
                manager, "session:create", {"agentType": "terminal", "projectPath": str(tmp_path)}
            )
            assert reply == {"sessionId": n, "paneIndex": n - 1}
        with pytest.raises(MaxSessionsError) as error:
            await invoke(
                manager, "session:create", {"agentType": "terminal", "projectPath": str(tmp_path)}
            )
        assert error.value.code == "max_sessions"
        assert str(error.value) == "Max sessions reached (12)"
        listed = await invoke(manager, "session:list", {})
        assert [item["sessionId"] for item in listed] == list(range(1, 13))
        assert {"paneIndex", "agentType", "projectPath", "status", "exitCode"} <= set(listed[0])
        # Every one of the twelve becomes usable, and nothing was harmed by the 13th.
        for n in range(1, 13):
            assert await manager.wait_ready(n)
        assert await invoke(manager, "session:destroy", {"sessionId": 12}) == {"success": True}
        assert await invoke(manager, "session:destroy", {"sessionId": 12}) == {"success": False}
    finally:
        await manager.shutdown()


# -- life cycle ------------------------------------------------------------------


async def test_clean_screen_and_session_env(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, log = core
    sid = await started(manager, tmp_path, env={"API_HINT": "x y"}, cols=250)
    await wait_for(lambda: "test$" in screen_text(manager, sid), what="the prompt")
    lines = manager.screen(sid).lines()
    assert lines[0] == "test$", "the setup line must not be visible"
    manager.write(sid, 'echo "$SYNK_SESSION:$SYNK_PROJECT:$API_HINT:$PWD"\r')
    expected = f"{sid}:{tmp_path}:x y:{tmp_path}"
    await wait_for(lambda: expected in screen_text(manager, sid), what=expected)
    assert manager.info(sid).status == "running" and manager.info(sid).pid
    assert log.of(SessionReady)[0].session_id == sid
    await wait_for(
        lambda: any(isinstance(e, ScreenUpdated) and e.session_id == sid for e in log.events),
        what="a ScreenUpdated for the session",
    )


async def test_writes_while_starting_are_delivered(tmp_path: Path) -> None:
    manager, _log = make_manager(tmp_path, initial_pool_size=0)  # cold: slow to start
    await manager.start()
    try:
        created = await manager.create(project_path=str(tmp_path))
        assert manager.info(created.session_id).status == "starting"
        manager.write(created.session_id, "echo queued-$((2*21))\r")
        await wait_for(
            lambda: "queued-42" in screen_text(manager, created.session_id), what="queued text"
        )
        assert len(typed_lines(manager, created.session_id, "echo queued-")) == 1
    finally:
        await manager.shutdown()


def typed_lines(manager: SessionManager, session_id: int, text: str) -> list[str]:
    """The screen rows that show `text` (a typed command should be on one)."""
    return [line for line in manager.screen(session_id).lines() if text in line]


async def wait_answered(manager: SessionManager, session_id: int, answer: str) -> None:
    """Until `answer` is on the screen and the shell is back at its prompt."""
    await wait_for(
        lambda: (
            typed_lines(manager, session_id, answer)
            and screen_text(manager, session_id).rstrip().endswith("test$")
        ),
        what=f"{answer} answered",
    )


async def test_typeahead_is_echoed_once(tmp_path: Path) -> None:
    # PROMPT_COMMAND holds bash between the setup's marker and its line
    # editor, where the terminal still echoes: text written then used to show
    # twice (the kernel's echo, then the line editor's).
    profile = "PS1='test$ '\nPROMPT_COMMAND='sleep 0.3'\n"
    manager, _log = make_manager(tmp_path, initial_pool_size=2, profile=profile)
    await manager.start()
    try:
        assert await manager.pool.wait_idle(2)  # both sessions start on warm shells
        after_ready = await started(manager, tmp_path)
        manager.write(after_ready, "echo once-$((6*7))\r")
        at_once = (await manager.create(project_path=str(tmp_path))).session_id
        manager.write(at_once, "echo twice-$((6*7))\r")
        for sid, word in ((after_ready, "once"), (at_once, "twice")):
            await wait_answered(manager, sid, f"{word}-42")
            assert typed_lines(manager, sid, f"echo {word}-") == [f"test$ echo {word}-$((6*7))"]
    finally:
        await manager.shutdown()


async def test_exit_codes(core: tuple[SessionManager, EventLog], tmp_path: Path) -> None:
    manager, log = core
    plain = await started(manager, tmp_path)
    killed = await started(manager, tmp_path)
    manager.write(plain, "exit 3\r")
    manager.write(killed, "kill -9 $$\r")
    await wait_for(lambda: len(log.of(SessionExit)) == 2, what="two exits")
    codes = {e.session_id: e.exit_code for e in log.of(SessionExit)}
    assert codes == {plain: 3, killed: 128 + 9}
    assert log.of(SessionExit)[0].to_wire().keys() == {"sessionId", "exitCode"}
    info = manager.info(killed)
    assert (info.status, info.exit_code) == ("exited", 137)
    assert plain in [i.session_id for i in manager.list()], "exited sessions stay listed"
    with pytest.raises(SessionExitedError) as error:
        manager.write(plain, "echo nope\r")
    assert error.value.code == "session_exited"


async def test_output_left_at_exit_is_not_lost(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, log = core
    sid = await started(manager, tmp_path)
    manager.write(sid, "seq 1 2000; exit 0\r")
    await wait_for(lambda: log.of(SessionExit), what="exit")
    exit_index = log.events.index(log.of(SessionExit)[0])
    outputs_after = [e for e in log.events[exit_index:] if isinstance(e, SessionOutput)]
    assert outputs_after == [], "all output is posted before the exit"
    assert b"\r\n2000\r\n" in log.output(sid)
    assert "2000" in screen_text(manager, sid)


async def test_resize_is_seen_by_the_child(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, _ = core
    sid = await started(manager, tmp_path, cols=80, rows=24)
    manager.resize(sid, 100, 30)
    assert (manager.screen(sid).cols, manager.screen(sid).rows) == (100, 30)
    manager.write(sid, "stty size\r")
    await wait_for(lambda: "30 100" in screen_text(manager, sid), what="stty size 30 100")
    info = manager.info(sid)
    assert (info.cols, info.rows) == (100, 30)


async def test_destroy_frees_the_pane_index(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, _ = core
    ids = [(await manager.create(project_path=str(tmp_path))).session_id for _ in range(3)]
    assert [i.pane_index for i in manager.list()] == [0, 1, 2]
    assert await manager.destroy(ids[1])
    again = await manager.create(project_path=str(tmp_path))
    assert again.pane_index == 1 and again.session_id == 4, "ids are never reused"
    assert [i.session_id for i in manager.list()] == [1, 4, 3]


async def test_agent_is_exec_d_in_the_shell(tmp_path: Path) -> None:
    agent = tmp_path / "fake-claude"
    agent.write_text('#!/bin/sh\necho "agent in $PWD args:$*"\nexec sleep 1000\n')
    agent.chmod(agent.stat().st_mode | stat.S_IEXEC)
    manager = SessionManager(
        ProcessPool(pool_config(tmp_path)),
        post=EventLog(),
        agents=AgentSettings(claude_code=str(agent)),
    )
    await manager.start()
    try:
        sid = await started(
            manager, tmp_path, agent_type="claude_code", args=["--resume"], cols=250
        )
        await wait_for(
            lambda: f"agent in {tmp_path} args:--resume" in screen_text(manager, sid),
            what="the agent's output",
        )
        pid = manager.info(sid).pid
        # the agent prints, then execs sleep: under load the exec may lag the output
        await wait_for(
            lambda: Path(f"/proc/{pid}/comm").read_text().strip() == "sleep",
            what="the agent replaced the shell (exec), keeping its pid",
        )
        assert "test$" not in screen_text(manager, sid)
    finally:
        await manager.shutdown()


async def test_agent_found_only_on_synks_path_still_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the login shell's profile resets PATH; the agent synk found must still run
    bindir = tmp_path / "agent-bin"
    bindir.mkdir()
    agent = bindir / "claude"
    agent.write_text('#!/bin/sh\necho "found-agent-ran"\nexec sleep 1000\n')
    agent.chmod(agent.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    profile = "PS1='test$ '\nPATH=/usr/bin:/bin\n"
    manager = SessionManager(ProcessPool(pool_config(tmp_path, profile=profile)), post=EventLog())
    await manager.start()
    try:
        sid = await started(manager, tmp_path, agent_type="claude_code")
        await wait_for(
            lambda: "found-agent-ran" in screen_text(manager, sid), what="the agent's output"
        )
        assert manager.info(sid).status == "running"
    finally:
        await manager.shutdown()


async def test_utf8_split_across_reads(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, log = core
    sid = await started(manager, tmp_path)
    # The euro sign's three bytes arrive in separate reads.
    manager.write(
        sid, r"printf 'A\342'; sleep 0.1; printf '\202'; sleep 0.1; printf '\254Z\n'" + "\r"
    )
    await wait_for(lambda: "A€Z" in screen_text(manager, sid), what="A€Z on screen")
    await wait_for(lambda: "A€Z".encode() in log.output(sid), what="A€Z posted whole")


async def test_terminal_queries_are_answered(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, _ = core
    sid = await started(manager, tmp_path)
    # Ask for the cursor position (CSI 6n) and show the reply the child got.
    manager.write(
        sid,
        "stty -echo -icanon; printf '\\033[6n'; r=$(dd bs=1 count=6 2>/dev/null);"
        " stty sane; printf 'reply:%s\\n' \"$r\" | od -c | head -2\r",
    )
    await wait_for(lambda: "033   [" in screen_text(manager, sid), what="the CPR reply")
    text = screen_text(manager, sid)
    assert "R" in text.split("033   [", 1)[1]


async def test_flood_is_complete_and_bounded(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, log = core
    sid = await started(manager, tmp_path)
    manager.write(sid, "seq 1 300000; echo flood-done\r")
    peak = 0

    def done() -> bool:
        nonlocal peak
        peak = max(peak, manager.backlog_size(sid))
        return "flood-done" in screen_text(manager, sid)

    await wait_for(done, 60, "the flood to finish")
    await wait_for(lambda: b"\nflood-done\r\n" in log.output(sid), what="all output posted")
    expected = "".join(f"{n}\r\n" for n in range(1, 300001)).encode()
    assert expected in log.output(sid), "every byte posted, in order"
    assert peak <= 8 * 1024 * 1024 + 1024 * 1024
    scrollback = manager.screen(sid).scrollback_lines()
    assert "300000" in scrollback[-5:] + manager.screen(sid).lines()


async def test_focused_session_stays_responsive_during_a_flood(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, _ = core
    flood = await started(manager, tmp_path)
    quiet = await started(manager, tmp_path)
    manager.set_priority(quiet)
    manager.write(flood, "yes synk-flood | head -c 20000000; echo flood-end\r")
    await asyncio.sleep(0.2)
    manager.write(quiet, "echo quiet-answer\r")
    await wait_for(lambda: "quiet-answer" in screen_text(manager, quiet).split("\n", 1)[-1])
    assert "flood-end" not in screen_text(manager, flood), "answered while the flood ran"
    await wait_for(lambda: "flood-end" in screen_text(manager, flood), 60, "flood end")


async def test_background_flood_is_held_back_while_another_session_has_priority(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    """While a pane is typed into, a flooding session next door stops being read
    once BACKGROUND_HIGH_WATER bytes wait (its child blocks on the full
    terminal, as under tmux) instead of piling up megabytes, and is parsed in
    pieces short enough that a keystroke never waits out a long one. Screen
    erases are parsed far slower than `yes` writes them."""
    manager, _ = core
    flood = await started(manager, tmp_path, cols=40, rows=10)
    quiet = await started(manager, tmp_path)
    manager.set_priority(quiet)
    emulator = manager.screen(flood)
    fed: list[int] = []
    feed = emulator.feed

    def recording_feed(data: bytes) -> None:
        fed.append(len(data))
        feed(data)

    emulator.feed = recording_feed  # type: ignore[method-assign]
    manager.write(flood, "yes $'\\e[2J\\e[2J\\e[2J'\r")
    await wait_for(
        lambda: manager.backlog_size(flood) >= BACKGROUND_HIGH_WATER, 30, "the backlog to fill"
    )
    peak = 0
    for n in range(5):  # the loop goes round many times: the flood is read no further
        manager.write(quiet, f"echo round-''{n}\r")
        await wait_for(lambda n=n: f"round-{n}" in screen_text(manager, quiet).split("\n"))  # type: ignore[misc]
        peak = max(peak, manager.backlog_size(flood))
    assert peak <= BACKGROUND_HIGH_WATER + CHUNK_BYTES
    assert sum(fed) > CHUNK_BYTES and max(fed) <= BACKGROUND_CHUNK_BYTES
    manager.write(flood, "\x03")


async def test_typing_means_a_recent_write_to_the_priority_session(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, _ = core
    focused = await started(manager, tmp_path)
    other = await started(manager, tmp_path)
    manager.set_priority(focused)
    assert not manager.typing
    manager.write(other, "true\r")  # a broadcast or a script, not the person typing here
    assert not manager.typing
    manager.write(focused, "true\r")
    assert manager.typing
    await wait_for(lambda: not manager.typing, 5, "typing to end")


async def test_shutdown_leaves_no_process(tmp_path: Path) -> None:
    manager, _log = make_manager(tmp_path, initial_pool_size=2)
    await manager.start()
    sid = await started(manager, tmp_path)
    manager.write(sid, "sleep 1001 & sleep 1002\r")  # a background job and a foreground one
    await wait_for(lambda: len(descendants_alive([manager.info(sid).pid])) >= 3)  # type: ignore[list-item]
    pids = [manager.info(sid).pid] + [s.process.pid for s in manager.pool._idle]
    await manager.shutdown()
    assert descendants_alive(pids) == []  # type: ignore[arg-type]
    assert manager.pool.status() == (0, 0, 0)


async def test_pool_status_events(core: tuple[SessionManager, EventLog], tmp_path: Path) -> None:
    manager, log = core
    await manager.pool.wait_idle(2)
    await started(manager, tmp_path)
    statuses = [e.to_wire() for e in log.of(PoolStatus)]
    assert {"idle": 1, "active": 1, "total": 2} in statuses
    assert log.of(PoolStatus)[0].wire_name == "pool:status"


# -- error paths -----------------------------------------------------------------


async def test_unknown_session_ids(core: tuple[SessionManager, EventLog]) -> None:
    manager, _ = core
    for call in (
        lambda: manager.write(99, "x"),
        lambda: manager.resize(99, 80, 24),
        lambda: manager.screen(99),
        lambda: manager.info(99),
        lambda: manager.set_priority(99),
    ):
        with pytest.raises(SessionNotFoundError) as error:
            call()
        assert error.value.code == "session_not_found" and "99" in str(error.value)
    with pytest.raises(SessionNotFoundError):
        await manager.destroy(99)
    with pytest.raises(SessionNotFoundError):
        await invoke(manager, "session:write", {"sessionId": 99, "data": "x"})


async def test_missing_agent_binary(core: tuple[SessionManager, EventLog], tmp_path: Path) -> None:
    manager, _ = core
    manager.agents = AgentSettings(codex="definitely-not-installed-codex")
    with pytest.raises(AgentUnavailableError) as error:
        await manager.create(agent_type="codex", project_path=str(tmp_path))
    assert "definitely-not-installed-codex" in str(error.value)
    assert error.value.code == "agent_unavailable"
    assert manager.list() == []


async def test_bad_arguments(core: tuple[SessionManager, EventLog], tmp_path: Path) -> None:
    manager, _ = core
    bad_calls: list[tuple[str, dict[str, object], str]] = [
        ("session:create", {"agentType": "terminal", "projectPath": "/no/such/dir"}, "projectPath"),
        (
            "session:create",
            {"agentType": "terminal", "projectPath": str(tmp_path / "f")},
            "projectPath",
        ),
        ("session:create", {"agentType": "vim", "projectPath": str(tmp_path)}, "agentType"),
        ("session:create", {"projectPath": str(tmp_path)}, "agentType"),
        ("session:create", {"agentType": 3, "projectPath": str(tmp_path)}, "agentType"),
        (
            "session:create",
            {"agentType": "terminal", "projectPath": str(tmp_path), "env": {"A": 1}},
            "env",
        ),
        (
            "session:create",
            {"agentType": "terminal", "projectPath": str(tmp_path), "env": {"1A": "x"}},
            "env",
        ),
        ("session:write", {"sessionId": "1", "data": "x"}, "sessionId"),
        ("session:write", {"sessionId": 1}, "data"),
        ("session:resize", {"sessionId": 1, "cols": 0, "rows": 24}, "cols"),
        ("session:resize", {"sessionId": 1, "cols": 80, "rows": True}, "rows"),
        ("session:destroy", {}, "sessionId"),
        ("session:explode", {}, "command"),
    ]
    (tmp_path / "f").write_text("a file, not a directory")
    await manager.create(project_path=str(tmp_path))
    for name, args, field in bad_calls:
        with pytest.raises(InvalidArgumentError) as error:
            await invoke(manager, name, args)
        assert error.value.field == field, (name, args, error.value)
        assert error.value.code == "invalid_argument"
    assert len(manager.list()) == 1, "bad calls harmed nothing"


async def test_failed_start_is_reported_and_harms_no_one(tmp_path: Path) -> None:
    manager, log = make_manager(tmp_path, initial_pool_size=0)
    await manager.start()
    try:
        good = await started(manager, tmp_path)
        # A shell that cannot even be spawned fails create() itself.
        manager.pool.config.shell = "/nonexistent/shell"
        with pytest.raises(PoolError, match="Cannot start the shell"):
            await manager.create(project_path=str(tmp_path))
        # One that starts and dies during its start-up fails later, as an event.
        manager.pool.config.shell = "/bin/bash"
        (Path(manager.pool.config.env["HOME"]) / ".profile").write_text("exit 4\n")
        bad = (await manager.create(project_path=str(tmp_path))).session_id
        await wait_for(lambda: log.of(AppError), what="an AppError")
        message = log.of(AppError)[0].message
        assert f"Session {bad} could not start" in message and "exited (code 4)" in message
        assert manager.info(bad).status == "exited"
        # the shell existed: its own status, not "never started" (-1)
        assert [e.exit_code for e in log.of(SessionExit) if e.session_id == bad] == [4]
        manager.write(good, "echo still-fine\r")
        await wait_for(lambda: "still-fine" in screen_text(manager, good))
        assert [i.session_id for i in manager.list()] == [good, bad]
    finally:
        await manager.shutdown()
