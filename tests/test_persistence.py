"""Saved workspaces without the UI: the file format, atomic writes, bad files,
crash recovery, and the `persistence:*` wire commands on a real manager.

Interrupted and failing saves are real: a writer process killed with SIGKILL
between its write and its rename, a write that hits the file size limit
(RLIMIT_FSIZE, as a full disk does), a failing fsync, a directory the writer
may not write to.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from synk_tui import paths, persistence
from synk_tui.config import AgentSettings, Config, parse_config
from synk_tui.errors import (
    AgentUnavailableError,
    CorruptWorkspaceError,
    InvalidArgumentError,
    InvalidWorkspaceError,
    InvalidWorkspaceNameError,
    MissingDirectoryError,
    NewerWorkspaceError,
    PersistenceError,
    SaveError,
    SynkError,
    WorkspaceNotFoundError,
)
from synk_tui.ipc import WireContext, invoke
from synk_tui.persistence import (
    GridLayout,
    SavedSession,
    Workspace,
    list_saved,
    load_workspace,
    save_workspace,
    validate_name,
    write_atomic,
)
from synk_tui.session_manager import SessionManager
from tests.core_helpers import EventLog, make_manager, wait_for
from tests.hostile_files import GOOD, HOSTILE, NOT_REGULAR

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parent.parent


def workspace(tmp_path: Path, name: str = "work", count: int = 2) -> Workspace:
    """A workspace of `count` terminals in existing dirs under tmp_path."""
    sessions = []
    for index in range(count):
        directory = tmp_path / f"dir{index}"
        directory.mkdir(exist_ok=True)
        sessions.append(
            SavedSession(index, "terminal", str(tmp_path), str(directory), None, ("-x",), ("K",))
        )
    return Workspace(
        name,
        datetime(2025, 1, 2, 3, 4, 5).astimezone(),
        GridLayout(tuple(range(count)), zoom=count - 1, selected=0),
        tuple(sessions),
    )


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
async def manager(tmp_path: Path) -> AsyncIterator[tuple[SessionManager, EventLog]]:
    manager, log = make_manager(tmp_path)
    await manager.start()
    yield manager, log
    await manager.shutdown()


# ---- format ---------------------------------------------------------------------


def test_round_trip_has_version_sessions_and_mode_0600(tmp_path: Path) -> None:
    original = workspace(tmp_path)
    path = save_workspace(original)
    assert path == paths.sessions_dir() / "work.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert data["version"] == persistence.SCHEMA_VERSION == 1
    assert data["name"] == "work"
    assert data["grid"] == {"order": [0, 1], "zoom": 1, "selected": 0}
    assert data["sessions"][1] == {
        "pane_index": 1,
        "agent_type": "terminal",
        "project_path": str(tmp_path),
        "working_dir": str(tmp_path / "dir1"),
        "branch": None,
        "agent_args": ["-x"],
        "env_names": ["K"],
    }
    assert datetime.fromisoformat(data["saved_at"]) == original.saved_at
    assert load_workspace(path) == original
    assert temp_files(path.parent) == []


def test_replacing_a_file_keeps_mode_0600_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    path.write_text("old")
    path.chmod(0o644)
    old_umask = os.umask(0)
    try:
        write_atomic(path, b"new")
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "a/b",
        "../up",
        "a\\b",
        ".hidden",
        "tab\there",
        "x" * 201,
        "csi\x9b31m",
        "a\u202eb",
        "lone\ud800",
    ],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidWorkspaceNameError) as error:
        validate_name(name)
    assert error.value.code == "invalid_workspace_name"
    with pytest.raises(InvalidWorkspaceNameError):
        persistence.workspace_path(name)


def test_good_names_and_the_default_name() -> None:
    assert validate_name("  my work 2 ") == "my work 2"
    assert validate_name("café-ünï") == "café-ünï"
    when = datetime(2025, 11, 25, 10, 17)
    assert persistence.default_name("/home/x/app", when) == "app-2025-11-25-1017"
    assert persistence.default_name("/", when) == "workspace-2025-11-25-1017"
    assert persistence.default_name("/src/.dot", when) == "dot-2025-11-25-1017"
    validate_name(persistence.default_name("/src/a\\b", when))


# ---- bad files -----------------------------------------------------------------


def variant(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("s0_"):
            target, key = data["sessions"][0], key[3:]
        else:
            target = data
        if value is KeyError:
            del target[key]
        else:
            target[key] = value
    return data


@pytest.mark.parametrize(
    ("content", "error_type", "code", "words"),
    [
        (
            b'{"version": 1, "sessions": [',
            CorruptWorkspaceError,
            "workspace_corrupt",
            "not valid JSON",
        ),
        (b"\xff\xfe garbage", CorruptWorkspaceError, "workspace_corrupt", "not UTF-8"),
        (b"[1, 2]", CorruptWorkspaceError, "workspace_corrupt", "expected a JSON object"),
        (b"", CorruptWorkspaceError, "workspace_corrupt", "not valid JSON"),
        (variant(version=2), NewerWorkspaceError, "workspace_newer_version", "newer synk"),
        (
            variant(version=KeyError),
            InvalidWorkspaceError,
            "workspace_invalid",
            "version is missing",
        ),
        (variant(version="1"), InvalidWorkspaceError, "workspace_invalid", "version must be int"),
        (
            variant(sessions=KeyError),
            InvalidWorkspaceError,
            "workspace_invalid",
            "sessions is missing",
        ),
        (variant(saved_at="yesterday"), InvalidWorkspaceError, "workspace_invalid", "saved_at"),
        (
            variant(s0_working_dir=KeyError),
            InvalidWorkspaceError,
            "workspace_invalid",
            "sessions[0].working_dir is missing",
        ),
        (
            variant(s0_pane_index=True),
            InvalidWorkspaceError,
            "workspace_invalid",
            "sessions[0].pane_index must be int",
        ),
        (variant(s0_pane_index=12), InvalidWorkspaceError, "workspace_invalid", "must be 0-11"),
        (
            variant(s0_agent_args=[1]),
            InvalidWorkspaceError,
            "workspace_invalid",
            "agent_args must be a list of strings",
        ),
        (
            {**GOOD, "sessions": GOOD["sessions"] * 2},
            InvalidWorkspaceError,
            "workspace_invalid",
            "used twice",
        ),
    ],
)
def test_every_bad_file_gives_a_typed_error_naming_the_file_and_stays_untouched(
    tmp_path: Path,
    content: bytes | dict[str, Any],
    error_type: type[PersistenceError],
    code: str,
    words: str,
) -> None:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    path = paths.sessions_dir() / "bad.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    before = path.stat()
    with pytest.raises(error_type) as error:
        load_workspace(path)
    assert error.value.code == code
    assert str(path) in error.value.message
    assert words in error.value.message
    assert error.value.path == path
    assert path.read_bytes() == raw
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    # the listing shows it with its problem instead of failing
    [entry] = list_saved()
    assert entry.name == "bad" and entry.workspace is None
    assert entry.error is not None and entry.error.code == code


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceNotFoundError) as error:
        load_workspace(tmp_path / "nope.json")
    assert str(tmp_path / "nope.json") in error.value.message
    with pytest.raises(WorkspaceNotFoundError) as error:
        persistence.find_saved("nope")
    assert "No saved workspace named 'nope'" in error.value.message


def test_a_good_file_with_a_missing_dir_loads_and_the_session_is_reported(tmp_path: Path) -> None:
    saved = SavedSession(0, "terminal", str(tmp_path), str(tmp_path / "gone"))
    problem = persistence.session_problem(saved)
    assert isinstance(problem, MissingDirectoryError)
    assert problem.code == "workspace_dir_missing"
    assert str(tmp_path / "gone") in problem.message
    assert persistence.session_problem(SavedSession(0, "terminal", "/", "/")) is None


def test_a_missing_agent_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    saved = SavedSession(0, "gemini_cli", "/", "/")
    settings = AgentSettings(gemini_cli="no-such-agent-binary-xyz")
    problem = persistence.session_problem(saved, settings)
    assert isinstance(problem, AgentUnavailableError)
    assert "no-such-agent-binary-xyz" in problem.message
    odd = SavedSession(0, "emacs", "/", "/")
    assert isinstance(persistence.session_problem(odd), SynkError)


def test_listing_is_newest_first_and_ignores_temp_files(tmp_path: Path) -> None:
    old = workspace(tmp_path, "old", 1)
    new = Workspace("new", datetime(2025, 6, 1).astimezone(), old.grid, old.sessions * 1)
    save_workspace(old)
    save_workspace(new)
    (paths.sessions_dir() / ".new.json.123.tmp").write_text("{")
    (paths.sessions_dir() / "notes.txt").write_text("x")
    entries = list_saved()
    assert [e.name for e in entries] == ["new", "old"]
    assert entries[0].to_wire()["sessionCount"] == 1
    assert entries[0].to_wire()["agents"] == ["terminal"]


# ---- atomic writes -------------------------------------------------------------

STALL_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from synk_tui import persistence

    def stall(fd):
        print("written, not yet renamed", flush=True)
        signal.pause()

    os.fsync = stall
    persistence.write_atomic(Path(sys.argv[1]), b"NEW" * 200_000)
    """
)


def python(code: str, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """Run `code` in a fresh interpreter that imports this checkout's synk_tui."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [*prefix, sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_save_killed_midway_leaves_the_old_file_intact(tmp_path: Path) -> None:
    path = save_workspace(workspace(tmp_path))
    old = path.read_bytes()
    writer = python(STALL_WRITER, str(path))
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "written, not yet renamed"
    [temp] = temp_files(path.parent)
    assert (path.parent / temp).stat().st_size == 600_000  # the new bytes sit in the temp file
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    assert path.read_bytes() == old
    assert load_workspace(path) == workspace(tmp_path)
    assert [e.name for e in list_saved()] == ["work"]
    # the next save of that file clears what the dead writer left
    save_workspace(workspace(tmp_path))
    assert temp_files(path.parent) == []


FULL_DISK_WRITER = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from synk_tui import persistence

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    try:
        persistence.write_atomic(Path(sys.argv[1]), b"x" * 1_000_000)
    except persistence.SaveError as error:
        print(error.code, error.message)
        sys.exit(3)
    """
)


def test_a_write_that_runs_out_of_space_midway_changes_nothing(tmp_path: Path) -> None:
    path = save_workspace(workspace(tmp_path))
    old = path.read_bytes()
    writer = python(FULL_DISK_WRITER, str(path))
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 3, err
    assert out.startswith("save_failed ")
    assert str(path) in out and "too large" in out and "nothing was changed" in out
    assert path.read_bytes() == old
    assert temp_files(path.parent) == []


def test_a_failing_fsync_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_workspace(workspace(tmp_path))
    old = path.read_bytes()

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(SaveError) as error:
        save_workspace(workspace(tmp_path, count=1), path)
    assert error.value.code == "save_failed"
    assert "the disk is full" in error.value.message
    assert path.read_bytes() == old
    assert temp_files(path.parent) == []


@pytest.fixture
def read_only_config() -> Iterator[Path]:
    """A config dir (and its sessions dir) with mode 0555, holding one saved file."""
    base = Path(tempfile.mkdtemp(prefix="synk-ro-"))
    base.chmod(0o755)
    config = base / "config"
    config.mkdir()
    (config / "sessions").mkdir()
    (config / "sessions" / "keep.json").write_text("old")
    (config / "sessions").chmod(0o555)
    config.chmod(0o555)
    yield config
    config.chmod(0o755)
    (config / "sessions").chmod(0o755)
    shutil.rmtree(base)


SAVE_UNPRIVILEGED = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from pathlib import Path
    from synk_tui import persistence

    ws = persistence.Workspace("x", datetime.now().astimezone(), persistence.GridLayout(), ())
    config = Path(sys.argv[1])
    for target in (config / "sessions" / "keep.json", config / "new" / "a.json"):
        try:
            persistence.save_workspace(ws, target)
        except persistence.SaveError as error:
            print(error.code, error.message)
    """
)


def test_a_read_only_config_dir_gives_an_error_and_no_file(read_only_config: Path) -> None:
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        # root writes anywhere: the writer runs without the capability that allows it
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is not installed")
        prefix = (setpriv, "--bounding-set=-dac_override", "--inh-caps=-dac_override")
    writer = python(SAVE_UNPRIVILEGED, str(read_only_config), prefix=prefix)
    out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 2, out + err
    assert all(line.startswith("save_failed ") and "permission denied" in line for line in lines)
    assert str(read_only_config / "sessions" / "keep.json") in lines[0]
    assert (read_only_config / "sessions" / "keep.json").read_text() == "old"
    assert sorted(p.name for p in (read_only_config / "sessions").iterdir()) == ["keep.json"]
    assert not (read_only_config / "new").exists()


# ---- crash recovery ----------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_recovery_files_of_dead_owners_are_stale_and_live_ones_are_not(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    own = persistence.write_recovery(ws)
    assert own == paths.recovery_dir() / f"{os.getpid()}.json"
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    owner = json.loads(own.read_text())["owner"]
    assert owner["pid"] == os.getpid() and owner["started"] == persistence.process_start(
        os.getpid()
    )
    assert persistence.stale_recoveries() == ([], [])  # this process still runs
    # a killed synk: same content under a pid that no longer runs
    dead = paths.recovery_file(dead_pid())
    shutil.copy(own, dead)
    # a reused pid: ours, but another start time
    data = json.loads(own.read_text())
    reused = paths.recovery_dir() / f"{os.getppid()}.json"
    data["owner"]["started"] = (persistence.process_start(os.getppid()) or 0) + 1
    reused.write_text(json.dumps(data))
    found, errors = persistence.stale_recoveries()
    assert errors == []
    assert sorted(r.path for r in found) == sorted([dead, reused])
    assert found[0].workspace.sessions == ws.sessions
    persistence.discard_recovery(found[0])
    assert not found[0].path.exists()
    persistence.remove_recovery()
    assert not own.exists()


def test_a_corrupt_recovery_file_is_reported_once_and_kept_aside() -> None:
    path = paths.recovery_file(dead_pid())
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    found, errors = persistence.stale_recoveries()
    assert found == []
    assert len(errors) == 1 and str(path) in errors[0].message
    assert path.with_suffix(".bad").read_text() == "{not json"
    assert persistence.stale_recoveries() == ([], [])


# ---- hostile files -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [*HOSTILE, *NOT_REGULAR])
def test_a_hostile_file_gives_one_bounded_line_and_is_never_changed(kind: str) -> None:
    hostile = {**HOSTILE, **NOT_REGULAR}[kind]
    path = paths.sessions_dir() / f"{kind}.json"
    path.parent.mkdir(parents=True)
    hostile.write(path)
    before = path.stat()
    with pytest.raises(PersistenceError) as error:
        load_workspace(path)
    message = error.value.message
    assert error.value.code == hostile.code, message
    assert hostile.words in message
    assert message.startswith(f"{path}: ")
    assert "\n" not in message and len(message) < 500
    assert message.isprintable()
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if kind in HOSTILE:  # the listing shows it with its problem instead of failing
        [entry] = list_saved()
        assert entry.workspace is None and entry.error is not None
        assert entry.error.code == hostile.code


def test_a_saved_file_over_the_cap_is_refused_before_it_is_read() -> None:
    path = paths.sessions_dir() / "big.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(GOOD).encode().ljust(persistence.MAX_FILE_BYTES + 1))
    with pytest.raises(PersistenceError) as error:
        load_workspace(path)
    assert error.value.code == "workspace_too_large"
    assert f"at most {persistence.MAX_FILE_BYTES} bytes" in error.value.message
    path.write_bytes(json.dumps(GOOD).encode().ljust(persistence.MAX_FILE_BYTES))
    assert load_workspace(path).sessions[0].working_dir == "/"


def test_a_workspace_over_the_cap_is_never_written(tmp_path: Path) -> None:
    ordinary = workspace(tmp_path, "big", 1)
    huge = SavedSession(0, "terminal", "/", "/", agent_args=("x" * persistence.MAX_FILE_BYTES,))
    with pytest.raises(SaveError) as error:
        save_workspace(Workspace("big", ordinary.saved_at, ordinary.grid, (huge,)))
    assert "too large" in error.value.message
    assert not persistence.workspace_path("big").exists()
    assert load_workspace(save_workspace(ordinary)) == ordinary


def test_a_file_name_that_is_no_workspace_name_is_listed_with_a_safe_reason() -> None:
    directory = paths.sessions_dir()
    directory.mkdir(parents=True)
    odd = directory / "red\x1b[31m\x9b.json"
    odd.write_text(json.dumps(GOOD))
    [entry] = list_saved()
    assert entry.workspace is None and entry.error is not None
    assert entry.error.code == "invalid_workspace_name"
    assert "\x1b" not in entry.name + entry.error.message
    assert "\x9b" not in entry.name + entry.error.message
    assert entry.path == odd


def test_temp_files_with_absurd_pids_do_not_break_a_save(tmp_path: Path) -> None:
    directory = paths.sessions_dir()
    directory.mkdir(parents=True)
    absurd = directory / f".w.json.{'9' * 60}.x.tmp"
    absurd.write_text("{")
    save_workspace(workspace(tmp_path, "w", 1))
    assert load_workspace(directory / "w.json").name == "w"


@pytest.mark.parametrize("kind", [*HOSTILE, *NOT_REGULAR])
def test_a_hostile_recovery_file_is_moved_aside_once(kind: str) -> None:
    hostile = {**HOSTILE, **NOT_REGULAR}[kind]
    path = paths.recovery_file(dead_pid())
    path.parent.mkdir(parents=True)
    hostile.write(path)
    size = path.stat().st_size
    found, errors = persistence.stale_recoveries()
    assert found == []
    [error] = errors
    assert error.code == hostile.code and str(path) in error.message
    aside = path.with_suffix(".bad")
    assert not path.exists() and aside.stat().st_size == size
    assert persistence.stale_recoveries() == ([], [])


@pytest.mark.parametrize("stem", ["9" * 40, "notapid", "0"])
def test_recovery_files_not_named_by_a_pid_are_moved_aside(stem: str) -> None:
    path = paths.recovery_dir() / f"{stem}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(GOOD))
    found, errors = persistence.stale_recoveries()
    assert found == []
    [error] = errors
    assert "not named by a process id" in error.message
    assert path.with_suffix(".bad").exists() and not path.exists()


def test_an_unexpected_failure_reading_a_recovery_file_still_never_blocks_a_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = paths.recovery_file(dead_pid())
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(GOOD))

    def broken(data: object, source: Path | str = "") -> Workspace:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Workspace, "from_json", broken)
    found, [error] = persistence.stale_recoveries()
    assert found == [] and "RuntimeError" in error.message
    assert path.with_suffix(".bad").exists()


# ---- config ------------------------------------------------------------------------


def test_persistence_config_keys_and_their_warnings() -> None:
    config = parse_config(
        {"persistence": {"autosave_interval": 5, "ask_on_quit": False, "autosave": False}}
    )
    assert config.persistence.autosave_interval == 5.0
    assert config.persistence.ask_on_quit is False and config.persistence.autosave is False
    assert config.warnings == []
    config = parse_config({"persistence": {"autosave_interval": 0, "bogus": 1}})
    assert config.persistence.autosave_interval == Config().persistence.autosave_interval
    assert any("unknown key persistence.bogus" in w for w in config.warnings)
    assert any("autosave_interval must be above 0" in w for w in config.warnings)


# ---- the wire, on a bare manager -----------------------------------------------------


async def test_wire_save_list_and_load_on_a_bare_manager(
    tmp_path: Path, manager: tuple[SessionManager, EventLog]
) -> None:
    mgr, _ = manager
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    secret = "hunter2-do-not-save"
    first = await mgr.create(project_path=str(project), env={"SYNK_TEST_TOKEN": secret}, args=None)
    second = await mgr.create(project_path=str(project))
    for created in (first, second):
        assert await mgr.wait_ready(created.session_id)
    mgr.write(second.session_id, "cd sub\r")
    await wait_for(
        lambda: persistence.current_dir(mgr.info(second.session_id)) == str(project / "sub"),
        what="the shell in sub",
    )
    reply = await invoke(mgr, "persistence:save_session", {"name": "wired"})
    path = Path(reply["savedPath"])
    assert path == paths.sessions_dir() / "wired.json"
    text = path.read_text()
    assert "SYNK_TEST_TOKEN" in text and secret not in text
    saved = load_workspace(path)
    assert [s.working_dir for s in saved.sessions] == [str(project), str(project / "sub")]
    assert saved.sessions[0].env_names == ("SYNK_TEST_TOKEN",)
    # no name: the project folder and the time
    default = Path((await invoke(mgr, "persistence:save_session", {}))["savedPath"])
    assert default.stem.startswith("project-20")
    listed = await invoke(mgr, "persistence:list_saved", {})
    assert {item["name"] for item in listed} == {"wired", default.stem}
    assert all(item["sessionCount"] == 2 and item["error"] is None for item in listed)
    # load replaces the sessions: same panes, same dirs, new sessions
    old_ids = {info.session_id for info in mgr.list()}
    result = await invoke(mgr, "persistence:load_session", {"path": str(path)})
    assert result == {"sessionCount": 2, "problems": []}
    infos = mgr.list()
    assert [(i.pane_index, i.working_dir) for i in infos] == [
        (0, str(project)),
        (1, str(project / "sub")),
    ]
    assert not {i.session_id for i in infos} & old_ids


async def test_wire_load_restores_what_it_can_and_reports_the_rest(
    tmp_path: Path, manager: tuple[SessionManager, EventLog]
) -> None:
    mgr, _ = manager
    mgr.agents = AgentSettings(codex="no-such-codex-binary")
    here = tmp_path / "here"
    here.mkdir()
    sessions = (
        SavedSession(0, "terminal", str(here), str(here)),
        SavedSession(1, "terminal", str(here), str(tmp_path / "deleted")),
        SavedSession(2, "codex", str(here), str(here)),
        SavedSession(3, "terminal", str(here), str(here)),
    )
    ws = Workspace("mixed", datetime.now().astimezone(), GridLayout((0, 1, 2, 3)), sessions)
    path = save_workspace(ws)
    before = path.read_bytes()
    result = await invoke(mgr, "persistence:load_session", {"path": str(path)})
    assert result["sessionCount"] == 2
    assert len(result["problems"]) == 2
    assert result["problems"][0].startswith(f"{path}: pane 2: ")
    assert str(tmp_path / "deleted") in result["problems"][0]
    assert result["problems"][1].startswith(f"{path}: pane 3: ")
    assert "no-such-codex-binary" in result["problems"][1]
    assert [i.pane_index for i in mgr.list()] == [0, 3]
    assert path.read_bytes() == before


async def test_wire_load_of_a_bad_file_raises_and_keeps_the_sessions(
    tmp_path: Path, manager: tuple[SessionManager, EventLog]
) -> None:
    mgr, _ = manager
    created = await mgr.create(project_path=str(tmp_path))
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(variant(version=99)))
    with pytest.raises(NewerWorkspaceError) as error:
        await invoke(mgr, "persistence:load_session", {"path": str(path)})
    assert error.value.to_wire()["code"] == "workspace_newer_version"
    assert [i.session_id for i in mgr.list()] == [created.session_id]
    with pytest.raises(InvalidWorkspaceNameError):
        await invoke(mgr, "persistence:save_session", {"name": "../escape"})
    assert not (paths.config_dir() / "escape.json").exists()


async def test_create_in_a_chosen_pane(
    tmp_path: Path, manager: tuple[SessionManager, EventLog]
) -> None:
    """Restore puts sessions back in their panes: create takes an explicit pane index."""
    mgr, _ = manager
    reply = await invoke(
        mgr,
        "session:create",
        {"agentType": "terminal", "projectPath": str(tmp_path), "paneIndex": 3},
    )
    assert reply["paneIndex"] == 3
    assert (await mgr.create(project_path=str(tmp_path))).pane_index == 0
    with pytest.raises(InvalidArgumentError) as error:
        await mgr.create(project_path=str(tmp_path), pane_index=3)
    assert "Pane index 3 is taken" in error.value.message
    assert [i.pane_index for i in mgr.list()] == [0, 3]


class FakeHost:
    """A host showing one fixed session in pane 5, zoomed: what a UI would report."""

    def __init__(self) -> None:
        self.restored: list[Workspace] = []

    def workspace_state(self) -> tuple[GridLayout, list[SavedSession]]:
        return GridLayout((4,), zoom=4, selected=4), [SavedSession(4, "terminal", "/", "/")]

    async def restore_workspace(
        self, workspace: Workspace, source: Path
    ) -> persistence.RestoreReport:
        self.restored.append(workspace)
        return persistence.RestoreReport(source, restored=len(workspace.sessions))


async def test_wire_commands_act_on_the_context_they_are_given(
    manager: tuple[SessionManager, EventLog],
) -> None:
    mgr, _ = manager
    host = FakeHost()
    context = WireContext(mgr, persistence.PersistenceService(host))
    reply = await invoke(context, "persistence:save_session", {"name": "hosted"})
    saved = load_workspace(reply["savedPath"])
    assert saved.grid.zoom == 4 and [s.pane_index for s in saved.sessions] == [4]
    assert await invoke(context, "persistence:load_session", {"path": reply["savedPath"]}) == {
        "sessionCount": 1,
        "problems": [],
    }
    assert host.restored == [saved]
    # the same manager passed bare acts on its own sessions: nothing remembered the host
    bare = await invoke(mgr, "persistence:save_session", {"name": "bare"})
    assert load_workspace(bare["savedPath"]).sessions == ()
    assert len(host.restored) == 1
