"""Sessions never see each other's state, and secrets given in `env` are never typed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from synk_tui.config import AgentSettings, parse_config
from synk_tui.pool import ProcessPool
from synk_tui.session_manager import SessionManager
from tests.core_helpers import EventLog, alive, pool_config, wait_for

A_SETUP = (
    "export SECRET=abc; cd /tmp; alias ll=rm; myfn(){{ :; }}; set -o vi; umask 077;"
    " ulimit -S -n 123; sleep 999 & echo $! > {dir}/a.job;"
    " echo a-history-marker; exec() {{ echo hijacked > {dir}/agent.out; }};"
    " trap 'echo \"$BASH_COMMAND\" >> {dir}/stolen' DEBUG\r"
)

B_CHECKS = (
    '{{ echo "pid=$$ secret=${{SECRET-unset}} oldpwd=${{OLDPWD-unset}}";'
    " alias ll; type myfn; if [[ -o vi ]]; then echo vi=on; else echo vi=off; fi;"
    " echo umask=$(umask);"
    " echo nofile=$(ulimit -S -n); jobs; echo traps=$(trap -p DEBUG);"
    " type exec; history | grep -c 'a-histor[y]-marker'; }} > {out} 2>&1; echo done > {out}.done\r"
)


async def test_a_destroyed_sessions_state_is_seen_by_no_later_session(tmp_path: Path) -> None:
    agent = tmp_path / "fake-agent"
    agent.write_text(f"#!/bin/sh\necho agent-ran > {tmp_path}/agent.out\nexec sleep 1000\n")
    agent.chmod(agent.stat().st_mode | stat.S_IEXEC)
    pool = ProcessPool(pool_config(tmp_path, initial_pool_size=1, max_pool_size=2))
    manager = SessionManager(pool, post=EventLog(), agents=AgentSettings(claude_code=str(agent)))
    await manager.start()
    try:
        assert await pool.wait_idle(1)
        a = (await manager.create(project_path=str(tmp_path))).session_id
        assert await manager.wait_ready(a)
        a_pid = manager.info(a).pid
        manager.write(a, A_SETUP.format(dir=tmp_path))
        manager.write(a, f"echo a-done > {tmp_path}/a.done\r")
        await wait_for(lambda: (tmp_path / "a.done").exists(), what="session A's commands ran")
        job = int((tmp_path / "a.job").read_text())
        assert await pool.wait_idle(1), "a shell warmed while A ran"
        assert await manager.destroy(a)
        assert not alive(a_pid) and not alive(job), "A's shell and its job ended on destroy"  # type: ignore[arg-type]

        key = {"OPENAI_API_KEY": "sk-isolation-test-key"}
        outputs = []
        for index in range(2):  # the refill shell, then whatever comes next
            b = (await manager.create(project_path=str(tmp_path), env=key)).session_id
            assert await manager.wait_ready(b)
            assert manager.info(b).pid != a_pid
            out = tmp_path / f"b{index}.out"
            manager.write(b, B_CHECKS.format(out=out))
            await wait_for(lambda out=out: Path(f"{out}.done").exists(), what="B's checks")  # type: ignore[misc]
            outputs.append(out.read_text())
        c = (
            await manager.create(project_path=str(tmp_path), agent_type="claude_code", env=key)
        ).session_id
        await wait_for(lambda: (tmp_path / "agent.out").exists(), what="the agent started")
        await wait_for(lambda: manager.info(c).status == "running", what="agent running")
        assert (tmp_path / "agent.out").read_text() == "agent-ran\n", "A's exec() ran instead"
    finally:
        await manager.shutdown()
    for text in outputs:
        assert "secret=unset" in text
        assert "oldpwd=/tmp " not in text
        assert "alias ll=" not in text and "ll: not found" in text
        assert "myfn: not found" in text
        assert "vi=off" in text
        assert "umask=0077" not in text
        assert "nofile=123" not in text
        assert "sleep 999" not in text and "Running" not in text
        assert "traps=\n" in text
        assert "exec is a shell builtin" in text
    # The first shell was warm before A ended: A's in-memory history is not
    # in it. A shell started later reads the history file A's bash wrote as
    # it ended, as in any terminal (the user's own file, not A's state).
    assert outputs[0].rstrip().endswith("\n0"), f"A's history is not B's: {outputs[0]!r}"
    history = (tmp_path / "home" / ".bash_history").read_text()
    assert outputs[1].rstrip().endswith("\n0") or "a-history-marker" in history
    stolen = (tmp_path / "stolen").read_text() if (tmp_path / "stolen").exists() else ""
    assert "sk-isolation-test-key" not in stolen and "b0.out" not in stolen
    assert "b1.out" not in stolen


def test_recycling_keys_are_deprecated_with_a_warning() -> None:
    config = parse_config({"pool": {"recycle_enabled": True, "max_pty_age": 60, "max_active": 3}})
    assert config.pool.max_active == 3
    deprecated = [w for w in config.warnings if "deprecated" in w]
    assert len(deprecated) == 2
    assert "pool.recycle_enabled" in deprecated[0] and "never reused" in deprecated[0]
    assert "pool.max_pty_age" in deprecated[1]


SECRET = "sk-private-value-0123456789"
HISTORY_PROFILE = "PS1='test$ '\nHISTCONTROL=ignoredups\nHISTFILE=$HOME/.bash_history\n"


@pytest.mark.parametrize(
    ("warm", "agent_type"),
    [(True, "terminal"), (False, "terminal"), (True, "claude_code"), (False, "claude_code")],
)
async def test_secret_env_values_are_never_typed(
    tmp_path: Path, warm: bool, agent_type: str
) -> None:
    agent = tmp_path / "fake-agent"
    agent.write_text('#!/bin/sh\necho "agent sees ${#SYNK_TEST_KEY} chars"\nexec sleep 1000\n')
    agent.chmod(agent.stat().st_mode | stat.S_IEXEC)
    config = pool_config(tmp_path, initial_pool_size=1 if warm else 0, profile=HISTORY_PROFILE)
    pool = ProcessPool(config)
    manager = SessionManager(pool, post=EventLog(), agents=AgentSettings(claude_code=str(agent)))
    await manager.start()
    history = tmp_path / "home" / ".bash_history"
    try:
        if warm:
            assert await pool.wait_idle(1)
        created = await manager.create(
            project_path=str(tmp_path), agent_type=agent_type, env={"SYNK_TEST_KEY": SECRET}
        )
        sid = created.session_id
        assert await manager.wait_ready(sid)
        assert manager.info(sid).env_names == ["SYNK_TEST_KEY"]
        env_dir = pool._env_files._dir
        assert env_dir is not None and stat.S_IMODE(env_dir.stat().st_mode) == 0o700
        assert list(env_dir.iterdir()) == [], "the private file is gone once the session is ready"
        screen = manager.screen(sid)
        if agent_type == "terminal":
            manager.write(sid, 'echo "shell sees ${#SYNK_TEST_KEY} chars"\r')
        want = f"sees {len(SECRET)} chars"
        await wait_for(lambda: any(want in line for line in screen.lines()), what="value arrived")
        pids = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
        for proc in pids:
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            assert SECRET.encode() not in cmdline, f"the value is in {proc}'s command line"
        shown = "\n".join([*screen.scrollback_lines(), *screen.lines()])
        assert SECRET not in shown
        await manager.destroy(sid)  # bash writes its history on SIGHUP
    finally:
        await manager.shutdown()
    assert not env_dir.exists(), "the private directory goes at shutdown"
    if agent_type == "terminal":
        assert "shell sees" in history.read_text(), "the history file was written"
    if history.exists():
        assert SECRET not in history.read_text()


async def test_ending_sessions_at_shutdown_warms_no_new_shell(tmp_path: Path) -> None:
    config = pool_config(tmp_path, initial_pool_size=1, kill_grace=0.6, refill_delay=0.2)
    pool = ProcessPool(config)
    manager = SessionManager(pool, post=EventLog())
    await manager.start()
    spawned: list[bool] = []
    try:
        assert await pool.wait_idle(1)
        sid = (await manager.create(project_path=str(tmp_path))).session_id
        assert await manager.wait_ready(sid)
        # a job that outlives SIGHUP and SIGTERM keeps the shutdown busy past refill_delay
        manager.write(sid, "(trap '' HUP TERM; sleep 30) & echo stubborn > stubborn\r")
        await wait_for(lambda: (tmp_path / "stubborn").exists(), what="the stubborn job")
        assert await pool.wait_idle(1)
        spawn = pool._spawn_shell

        def counting_spawn(*, warming: bool):  # type: ignore[no-untyped-def]
            spawned.append(warming)
            return spawn(warming=warming)

        pool._spawn_shell = counting_spawn  # type: ignore[method-assign]
        await manager.create(project_path=str(tmp_path))  # its refill is due in 0.2 s
    finally:
        await manager.shutdown()
    assert spawned == [], "no shell is warmed while synk ends its sessions"
