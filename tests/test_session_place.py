"""A session's directory and branch follow `cd` and `git checkout`.

Real shells: the manager looks once a session is quiet (OSC 7 when the
program reports it, else the terminal's foreground process, else the
shell), posts `SessionInfoChanged`, and the header and a saved workspace
follow. No new session is needed to see a new branch.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from synk_tui import session_place
from synk_tui.events import SessionInfoChanged
from synk_tui.ipc import invoke
from synk_tui.persistence import load_workspace
from synk_tui.session_place import QUIET_SECONDS, BranchWatch, current_dir
from tests.core_helpers import make_manager, screen_text, wait_for
from tests.test_app_helpers import make_app, wait_ready, wait_until


def repo(path: Path, branch: str) -> Path:
    """A fresh git repository at `path` on `branch` (no commit needed)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "-c", f"init.defaultBranch={branch}", "init", "-q", str(path)], check=True
    )
    return path


async def test_cd_into_another_repo_and_out_of_git(tmp_path: Path) -> None:
    first, second = repo(tmp_path / "a", "main"), repo(tmp_path / "b", "other")
    plain = tmp_path / "plain"
    plain.mkdir()
    manager, log = make_manager(tmp_path)
    await manager.start()
    try:
        created = await manager.create(project_path=str(first))
        sid = created.session_id
        assert await manager.wait_ready(sid)
        assert manager.info(sid).branch == "main"
        manager.write(sid, f"cd {second}\r")
        await wait_for(lambda: manager.info(sid).branch == "other", what="branch of b")
        assert manager.info(sid).working_dir == str(second)
        changed = log.of(SessionInfoChanged)[-1]
        assert changed.to_wire() == {
            "sessionId": sid,
            "workingDir": str(second),
            "branch": "other",
        }
        assert changed.wire_name == "session:info"
        manager.write(sid, f"cd {plain}\r")
        await wait_for(lambda: manager.info(sid).working_dir == str(plain), what="plain dir")
        assert manager.info(sid).branch is None
    finally:
        await manager.shutdown()


async def test_checkout_in_the_session_changes_its_branch(tmp_path: Path) -> None:
    project = repo(tmp_path / "a", "main")
    manager, log = make_manager(tmp_path)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(project))).session_id
        assert await manager.wait_ready(sid)
        assert manager.info(sid).branch == "main"
        manager.write(sid, "git checkout -q -b feature-x\r")
        await wait_for(lambda: manager.info(sid).branch == "feature-x", what="feature-x")
        assert [e.branch for e in log.of(SessionInfoChanged)] == ["feature-x"]
    finally:
        await manager.shutdown()


async def test_a_checkout_from_elsewhere_shows_while_the_session_is_quiet(
    tmp_path: Path,
) -> None:
    project = repo(tmp_path / "a", "main")
    manager, _log = make_manager(tmp_path)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(project))).session_id
        assert await manager.wait_ready(sid)
        await wait_for(lambda: "test$" in screen_text(manager, sid), what="the prompt")

        def quiet() -> bool:
            printed = manager.info(sid).last_output_at
            return printed is not None and time.time() - printed > 2 * QUIET_SECONDS

        await wait_for(quiet, what="a quiet session")
        printed = manager.info(sid).last_output_at
        assert manager.info(sid).branch == "main"
        subprocess.run(["git", "-C", str(project), "checkout", "-q", "-b", "elsewhere"], check=True)
        await wait_for(lambda: manager.info(sid).branch == "elsewhere", what="elsewhere")
        assert manager.info(sid).last_output_at == printed  # the session printed nothing
    finally:
        await manager.shutdown()


async def test_the_foreground_process_directory_counts(tmp_path: Path) -> None:
    shell_dir, job_dir = repo(tmp_path / "a", "main"), repo(tmp_path / "b", "job")
    manager, _log = make_manager(tmp_path)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(shell_dir))).session_id
        assert await manager.wait_ready(sid)
        # the shell stays in a; the job that owns the terminal works in b
        manager.write(sid, f"(cd {job_dir} && echo started && exec sleep 30)\r")
        await wait_for(lambda: manager.info(sid).branch == "job", what="the job's branch")
        assert manager.info(sid).working_dir == str(job_dir)
    finally:
        await manager.shutdown()


async def test_osc7_is_believed_only_for_a_real_directory(tmp_path: Path) -> None:
    shell_dir, reported = repo(tmp_path / "a", "main"), repo(tmp_path / "b r", "told")
    manager, _log = make_manager(tmp_path)
    await manager.start()
    try:
        sid = (await manager.create(project_path=str(shell_dir))).session_id
        assert await manager.wait_ready(sid)
        url = "file://host" + str(reported).replace(" ", "%20")
        manager.write(sid, f"printf '\\033]7;%s\\a' '{url}'; echo done\r")
        await wait_for(lambda: manager.info(sid).branch == "told", what="the reported dir")
        assert manager.info(sid).working_dir == str(reported)
        # a report naming no directory (or holding a NUL) falls back to the shell's
        manager.write(sid, "printf '\\033]7;%s\\a' file://host/nowhere%00x; echo done\r")
        await wait_for(lambda: manager.info(sid).branch == "main", what="back to the shell's")
        assert manager.info(sid).working_dir == str(shell_dir)
    finally:
        await manager.shutdown()


def test_current_dir_order(tmp_path: Path) -> None:
    here = os.getcwd()
    assert current_dir(str(tmp_path), os.getpid(), os.getpid()) == str(tmp_path)
    assert current_dir("relative/path", os.getpid(), None) == here
    assert current_dir("/no/such\0dir", None, os.getpid()) == here
    assert current_dir(None, None, None) is None


def test_branch_watch_reads_head_only_when_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = repo(tmp_path / "a", "main")
    reads: list[str] = []
    real = session_place.branch_of_head

    def counting(path: str) -> str | None:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(session_place, "branch_of_head", counting)
    watch = BranchWatch()
    assert [watch.branch(str(project)) for _ in range(3)] == ["main"] * 3
    assert len(reads) == 1
    subprocess.run(["git", "-C", str(project), "checkout", "-q", "-b", "feature-x"], check=True)
    assert watch.branch(str(project)) == "feature-x"
    assert len(reads) == 2
    assert watch.branch(str(tmp_path)) is None


async def test_header_and_saved_workspace_follow_cd_and_checkout(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    repo(tmp_path / "project", "main")
    other = repo(tmp_path / "other", "dev")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        header = app.grid.tiles[0].header
        await wait_until(pilot, lambda: header.branch == "main", what="main shown")
        await pilot.press(*f"cd {other}", "enter")
        await wait_until(pilot, lambda: "dev" in str(header.render()), what="dev shown")
        await pilot.press(*"git checkout -q -b feature-x", "enter")
        await wait_until(pilot, lambda: "feature-x" in str(header.render()), what="feature-x")
        assert len(app.manager.list()) == 1
        reply = await invoke(app.workspace.wire, "persistence:save_session", {"name": "here"})
        saved = load_workspace(Path(reply["savedPath"])).sessions[0]
        assert (saved.working_dir, saved.branch) == (str(other), "feature-x")
