"""What synk starts, synk ends: jobs on destroy, escaped daemons at the latest at quit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import synk_tui.app  # noqa: F401 - everything the app imports, imported
from synk_tui.orphans import is_subreaper
from tests.core_helpers import alive

REPO = Path(__file__).resolve().parent.parent

APP_LIKE = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from synk_tui.lifecycle import Lifecycle
    from synk_tui.orphans import become_subreaper
    from tests.core_helpers import alive, make_manager, wait_for

    tmp = Path({tmp!r})
    JOBS = (
        "sleep 999 & echo $! > bg.pid; nohup sleep 999 > /dev/null 2>&1 & echo $! > nohup.pid;"
        " sleep 999 & disown; echo $! > disown.pid;"
        " setsid sh -c 'echo $$ > setsid.pid; exec sleep 999';"
        " setsid -f sh -c 'echo $$ > setsidf.pid; exec sleep 999'; echo > jobs.done\\r"
    )

    ESCAPED = "env -u SYNK_SESSION setsid -f sh -c 'echo $$ > quit.pid; exec sleep 999'\\r"

    async def main() -> None:
        become_subreaper()  # as the app's process does at start
        manager, _ = make_manager(tmp, initial_pool_size=1)
        lifecycle = Lifecycle(manager)
        await manager.start()
        lifecycle.install_signal_handlers(lambda signum: None)
        result = {{}}
        try:
            one = (await manager.create(project_path=str(tmp))).session_id
            assert await manager.wait_ready(one)
            manager.write(one, JOBS)
            await wait_for(lambda: (tmp / "jobs.done").exists(), what="jobs started")
            await wait_for(lambda: (tmp / "setsidf.pid").exists() and (tmp / "setsid.pid").exists())
            pids = {{
                name: int((tmp / f"{{name}}.pid").read_text())
                for name in ("bg", "nohup", "disown", "setsid", "setsidf")
            }}
            result["before_destroy"] = {{name: alive(pid) for name, pid in pids.items()}}
            await manager.destroy(one)
            result["after_destroy"] = {{name: alive(pid) for name, pid in pids.items()}}
            two = (await manager.create(project_path=str(tmp))).session_id
            assert await manager.wait_ready(two)
            manager.write(two, ESCAPED)
            await wait_for(lambda: (tmp / "quit.pid").exists(), what="the escaped daemon")
            result["quit_pid"] = int((tmp / "quit.pid").read_text())
        finally:
            await lifecycle.shutdown()
        result["after_quit"] = alive(result["quit_pid"])
        print(json.dumps(result))

    asyncio.run(main())
    """
)


def test_importing_the_app_does_not_make_this_process_a_subreaper() -> None:
    assert not is_subreaper()


def test_destroy_ends_every_job_and_quit_ends_escaped_daemons(tmp_path: Path) -> None:
    script = APP_LIKE.format(repo=str(REPO), tmp=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(result["before_destroy"].values()), result
    assert not any(result["after_destroy"].values()), result
    assert result["after_quit"] is False, "a daemon that left the session ended at quit"
    assert not alive(result["quit_pid"])
