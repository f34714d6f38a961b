"""The pre-warmed shell pool, with real shells on real PTYs."""

from __future__ import annotations

import asyncio
import re
import shutil
import termios
from pathlib import Path

import pytest

from synk_tui.errors import InvalidArgumentError, MaxSessionsError, PoolError
from synk_tui.events import AppError, PoolStatus
from synk_tui.pool import (
    ARMED_MARKER,
    PoolConfig,
    ProcessPool,
    arm_line,
    armed_pieces,
    build_setup_line,
    last_line,
    shell_environment,
)
from synk_tui.pty_process import PtyProcess
from tests.core_helpers import EventLog, alive, pool_config, shell_home, wait_for


class Collector:
    """Everything a claimed process prints from now on."""

    def __init__(self, process: PtyProcess) -> None:
        self.process = process
        self.seen = bytearray()
        process.set_reader(self._on_readable)

    def _on_readable(self) -> None:
        self.seen.extend(self.process.read() or b"")

    async def until(self, needle: bytes, timeout: float = 5.0) -> bytes:
        """All output so far, once `needle` is in it."""
        await wait_for(lambda: needle in self.seen, timeout, f"{needle!r} in output")
        return bytes(self.seen)


async def read_until(process: PtyProcess, needle: bytes, timeout: float = 5.0) -> bytes:
    """Read the claimed process's output until `needle` shows up."""
    collector = Collector(process)
    try:
        return await collector.until(needle, timeout)
    finally:
        process.set_reader(None)


def test_defaults_match_the_spec() -> None:
    config = PoolConfig()
    assert (config.initial_pool_size, config.max_pool_size, config.max_active) == (2, 4, 12)
    assert not hasattr(config, "recycle_enabled") and not hasattr(config, "max_pty_age")
    assert config.warmup_delay == 0.1 and config.warm_timeout == 5.0
    assert config.prompt_pattern == r"\$\s*$"


def test_last_line_ignores_escapes_and_redraws() -> None:
    assert last_line(b"motd\r\n\x1b[?2004h\x1b]0;title\x07user@host:~$ ") == "user@host:~$ "
    assert last_line(b"%    \r \r\x1b[1mhost% \x1b[0m") == "host% "


def test_armed_pieces_fit_a_tty_line_and_end_with_an_empty_line() -> None:
    line = b" " + b"x" * 5000 + b"\r"
    pieces = armed_pieces(line).split(b"\r")
    assert pieces[-2:] == [b"", b""]  # the empty line that ends the read
    assert b"".join(pieces) == line.rstrip(b"\r")
    assert all(0 < len(p) <= 4095 for p in pieces[:-2])


def test_a_working_dir_with_a_control_character_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="control character"):
        build_setup_line("/tmp/a\nb", {}, None)


async def test_warms_initial_size_and_posts_status(tmp_path: Path) -> None:
    log = EventLog()
    pool = ProcessPool(pool_config(tmp_path))
    pool.post = log
    await pool.start()
    try:
        assert await pool.wait_idle(2)
        assert pool.status() == (2, 0, 2)
        statuses = [(s.idle, s.active, s.total) for s in log.of(PoolStatus)]
        assert statuses[-1] == (2, 0, 2)
        assert (1, 0, 2) in statuses or (1, 0, 1) in statuses  # staggered, not at once
    finally:
        await pool.shutdown()
    assert pool.status() == (0, 0, 0)


async def test_claim_is_fifo_sets_up_and_hides_the_setup(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path))
    await pool.start()
    try:
        assert await pool.wait_idle(2)
        first_idle = pool._idle[0].process.pid
        workdir = tmp_path / "work dir"
        workdir.mkdir()
        claimed = await pool.claim(
            working_dir=str(workdir), env={"SYNK_SESSION": "7", "QUOTED": "it's $HOME"}
        )
        assert claimed.pooled and claimed.process.pid == first_idle
        # The setup line's echo is gone: what is left starts at the fresh prompt.
        assert b"synk-ready" not in claimed.initial_output
        assert b"cd " not in claimed.initial_output
        collector = Collector(claimed.process)
        claimed.process.write(
            b'echo "[$PWD|$SYNK_SESSION|$QUOTED|$TERM|$COLORTERM|${__synk_setup-unset}]"; history\r'
        )
        await collector.until(b"]\r\n")
        out = await collector.until(b"test$ ")
        assert f"[{workdir}|7|it's $HOME|xterm-256color|truecolor|unset]".encode() in out
        # neither the setup nor the armed read is in shell history: ours is its only entry
        assert b"    1  echo" in out and b"    2  " not in out
        await pool.release(claimed.process)
        await wait_for(lambda: not alive(claimed.process.pid), 5, "the shell to end")
    finally:
        await pool.shutdown()


@pytest.mark.parametrize(("shell", "echoed"), [("/bin/bash", False), ("/bin/sh", True)])
async def test_armed_read_hides_the_setup_only_where_the_shell_can(
    tmp_path: Path, shell: str, echoed: bool
) -> None:
    # bash reads the setup with `read -s`: the kernel never echoes it (one
    # read less per start); dash has no -s and must still run the line. Both
    # leave the terminal echoing afterwards, for the session's own use.
    if not shutil.which(shell):
        pytest.skip(f"{shell} not installed")
    home = shell_home(tmp_path, "PS1='test$ '\nexport PS1\n")
    process = PtyProcess(
        [shell, "-l", "-i"], env=shell_environment({"HOME": str(home)}), cwd=str(tmp_path)
    )
    try:
        collector = Collector(process)
        await collector.until(b"test$ ")
        process.write(arm_line(shell.rsplit("/", 1)[-1]))
        await collector.until(ARMED_MARKER)
        if not echoed:  # the master sees the slave's modes: wait for `read -s`
            await wait_for(lambda: not termios.tcgetattr(process.fd)[3] & termios.ECHO, 5)
        process.write(b" : unechoed-setup-text\r\r")
        process.write(
            b"stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo | sed 's/^/mode:/';"
            b" echo end-$((6*7))\r"
        )
        out = await collector.until(b"end-42")
        out = await collector.until(b"test$ ", 5.0)
        assert (b"unechoed-setup-text" in out) is echoed
        assert b"mode:echo" in out and b"mode:-echo" not in out, out
    finally:
        process.set_reader(None)
        await process.terminate(1.0)


@pytest.mark.parametrize(
    "value_size", [10, 6000, 30000], ids=["short", "over-a-tty-line", "many-lines"]
)
async def test_armed_shell_takes_any_setup_and_a_new_size(tmp_path: Path, value_size: int) -> None:
    # idle bash waits in `read` for its setup line; one longer than a
    # canonical tty line (4095 bytes) must still arrive whole, in pieces
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=1))
    await pool.start()
    try:
        assert await pool.wait_idle(1)
        assert pool._idle[0].armed
        value = "v" * value_size
        claimed = await pool.claim(working_dir=str(tmp_path), env={"BIG": value}, cols=97, rows=31)
        assert claimed.pooled
        collector = Collector(claimed.process)
        claimed.process.write(b'echo "size=$(stty size) len=${#BIG}"\r')
        # the answer, not the echo of the command (which holds "len=" too)
        out = await collector.until(f"len={value_size}\r\n".encode())
        assert f"size=31 97 len={value_size}".encode() in out
        assert value.encode() not in out  # the setup's echo stays hidden
        await pool.release(claimed.process)
    finally:
        await pool.shutdown()


async def test_a_held_setup_runs_only_when_its_end_is_typed(tmp_path: Path) -> None:
    # The empty line that ends a warm bash's setup waits for the first input,
    # so both reach the terminal while `read -s` has its echo off.
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=1))
    await pool.start()
    try:
        assert await pool.wait_idle(1)
        pending = pool.claim_nowait(working_dir=str(tmp_path), hold_setup=True)
        assert pending.pooled and pending.type_setup is not None
        done, _ = await asyncio.wait({pending.task}, timeout=0.3)
        assert not done, "the setup ran before its end was typed"
        assert not pending.process.reads_keys()  # still in `read`, not at the prompt
        pending.type_setup(b"echo held-$((6*7))\r")
        rest = await asyncio.wait_for(pending.task, 5)
        collector = Collector(pending.process)
        collector.seen[:0] = rest
        out = await collector.until(b"held-42\r\n")
        assert out.count(b"echo held-") == 1, out  # typed once, echoed once
        await pool.release(pending.process)
    finally:
        await pool.shutdown()


async def test_refills_after_a_claim(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path))
    await pool.start()
    try:
        assert await pool.wait_idle(2)
        claimed = await pool.claim(working_dir=str(tmp_path))
        assert pool.status()[0] == 1
        assert await pool.wait_idle(2), "the pool refills to initial_pool_size"
        assert pool.status() == (2, 1, 3)
        await pool.release(claimed.process)
    finally:
        await pool.shutdown()


async def test_claim_during_the_warm_up_stagger_does_not_overfill(tmp_path: Path) -> None:
    # the second warm-up waits out warmup_delay; a claim's refill in that
    # window must count it, or the pool ends with more idle shells than asked
    pool = ProcessPool(pool_config(tmp_path, warmup_delay=0.5))
    await pool.start()
    try:
        claimed = await pool.claim(working_dir=str(tmp_path))
        await wait_for(
            lambda: pool._warms_scheduled == 0 and pool.status()[2] == sum(pool.status()[:2]),
            10,
            "every warm-up spawned and ready",
        )
        assert pool.status() == (2, 1, 3)
        await pool.release(claimed.process)
    finally:
        await pool.shutdown()


async def test_empty_pool_spawns_on_demand(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=0))
    await pool.start()
    try:
        claimed = await pool.claim(working_dir=str(tmp_path))
        assert not claimed.pooled
        claimed.process.write(b"echo on-demand-$((40+2))\r")
        assert b"on-demand-42" in await read_until(claimed.process, b"on-demand-42")
        await pool.release(claimed.process)
    finally:
        await pool.shutdown()


async def test_max_active(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=0, max_active=2))
    await pool.start()
    claims = []
    try:
        for _ in range(2):
            claims.append(await pool.claim(working_dir=str(tmp_path)))
        with pytest.raises(MaxSessionsError, match=r"Max sessions reached \(2\)") as info:
            await pool.claim(working_dir=str(tmp_path))
        assert info.value.code == "max_sessions"
    finally:
        for claim in claims:
            await pool.release(claim.process)
        await pool.shutdown()


async def test_a_released_shell_is_ended_and_replaced_by_a_fresh_one(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=1, max_pool_size=2))
    await pool.start()
    try:
        assert await pool.wait_idle(1)
        claimed = await pool.claim(working_dir=str(tmp_path))
        pid = claimed.process.pid
        claimed.process.write(b"sleep 1000 & echo job=$!.\r")
        collector = Collector(claimed.process)
        found = await wait_for(lambda: re.search(rb"job=(\d+)\.", collector.seen), 5, "job")
        claimed.process.set_reader(None)
        job = int(found.group(1))
        assert alive(job)
        await pool.release(claimed.process)
        assert not alive(pid), "the shell never goes back to the pool"
        assert not alive(job), "nor do its jobs outlive the release"
        await wait_for(lambda: pool.status() == (1, 0, 1), 5, "the pool refilled")
        assert pid not in [s.process.pid for s in pool._idle]
    finally:
        await pool.shutdown()


@pytest.mark.parametrize(
    ("shell", "profile"),
    [
        ("/bin/bash", "PS1='root-style# '\n"),  # root's prompt: not the default pattern
        ("/bin/sh", "PS1='dash% '\nexport PS1\n"),  # dash, zsh-like ending
        ("/bin/bash", "PS1='>>> ready <<< '\n"),  # nothing known: the quiet fallback
    ],
)
async def test_prompts_the_default_pattern_misses(tmp_path: Path, shell: str, profile: str) -> None:
    if not shutil.which(shell):
        pytest.skip(f"{shell} not installed")
    pool = ProcessPool(pool_config(tmp_path, shell=shell, profile=profile, initial_pool_size=0))
    await pool.start()
    try:
        claimed = await pool.claim(working_dir=str(tmp_path))
        claimed.process.write(b"echo works-$((6*7))\r")
        assert b"works-42" in await read_until(claimed.process, b"works-42")
        await pool.release(claimed.process)
    finally:
        await pool.shutdown()


async def test_broken_rc_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    log = EventLog()
    config = pool_config(
        tmp_path,
        profile="sleep 30\n",  # a dotfile that never lets the prompt appear
        warm_timeout=0.6,
        max_warm_failures=2,
        initial_pool_size=1,
    )
    pool = ProcessPool(config)
    pool.post = log
    await pool.start()
    try:
        await wait_for(lambda: log.of(AppError), 10, "an AppError about warming")
        error = log.of(AppError)[0]
        assert error.source == "pool" and "showed no prompt" in error.message
        assert "Gave up pre-warming" in error.message
        assert pool.status() == (0, 0, 0), "failed shells are killed, not left behind"
        with pytest.raises(PoolError, match="showed no prompt"):
            await pool.claim(working_dir=str(tmp_path))
    finally:
        await pool.shutdown()


async def test_shell_that_exits_during_warmup(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, profile="exit 3\n", initial_pool_size=0))
    await pool.start()
    try:
        with pytest.raises(PoolError, match="exited"):
            await pool.claim(working_dir=str(tmp_path))
    finally:
        await pool.shutdown()


async def test_missing_shell_binary(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, shell="/nonexistent/shell", initial_pool_size=0))
    await pool.start()
    try:
        with pytest.raises(PoolError, match="Cannot start the shell"):
            await pool.claim(working_dir=str(tmp_path))
    finally:
        await pool.shutdown()


async def test_shutdown_ends_every_shell(tmp_path: Path) -> None:
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=3, max_pool_size=3))
    await pool.start()
    assert await pool.wait_idle(3)
    pids = [s.process.pid for s in pool._idle]
    await pool.shutdown()
    assert [pid for pid in pids if alive(pid)] == []
