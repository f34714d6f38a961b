"""The `synk` command line: options, exit codes, messages (no traceback ever)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from synk_tui import __version__, paths
from synk_tui.cli import LaunchOptions, parse_args
from synk_tui.control_path import socket_path
from synk_tui.persistence import GridLayout, SavedSession, Workspace, save_workspace
from tests.hostile_files import HOSTILE, HUGE_BYTES

SYNK = Path(sys.executable).with_name("synk")


def run_synk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with no terminal."""
    return subprocess.run(
        [str(SYNK), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_version_prints_the_package_version() -> None:
    result = run_synk("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"synk {__version__}"


def test_help_lists_every_option() -> None:
    result = run_synk("--help")
    assert result.returncode == 0
    for option in ("PROJECT_DIR", "-n N", "-a AGENT", "--restore NAME", "--list-saved"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "0 is out of range (1-12)"),
        (["-n", "13"], "13 is out of range (1-12)"),
        (["-n", "four"], "'four' is not a whole number"),
        (["-a", "vim"], "unknown agent 'vim' (one of: terminal, claude, gemini, codex)"),
        (["/no/such/dir"], "PROJECT_DIR '/no/such/dir' does not exist"),
        (["/etc/hostname"], "PROJECT_DIR '/etc/hostname' is not a directory"),
        (["--restore", " "], "--restore: the workspace name is empty"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = run_synk(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("synk: error:") == 1
    assert len(result.stderr.splitlines()) == 1  # one line, no usage block
    assert "Traceback" not in result.stderr


def test_help_and_the_agent_error_name_the_same_agents() -> None:
    listed = "terminal, claude, gemini, codex"
    assert listed in " ".join(run_synk("--help").stdout.split())
    assert f"(one of: {listed})" in run_synk("-a", "vim").stderr


def test_missing_agent_is_named_with_the_fix(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    result = run_synk("-a", "gemini", str(tmp_path), env={"PATH": str(bin_dir)})
    assert result.returncode == 2
    assert "cannot start gemini: 'gemini' not found on PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_terminal_synk_refuses_cleanly(tmp_path: Path) -> None:
    result = run_synk(str(tmp_path))
    assert result.returncode == 1
    assert "needs a terminal" in result.stderr
    assert "Traceback" not in result.stderr


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "synk_tui", "--version"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"synk {__version__}"


def test_parse_defaults_to_one_terminal_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_args([]) == LaunchOptions(project_dir=tmp_path.resolve(), socket=socket_path())


def test_parse_accepts_agent_aliases_and_counts(tmp_path: Path) -> None:
    save_workspace(Workspace("work", datetime.now().astimezone(), GridLayout(), ()))
    options = parse_args([str(tmp_path), "-n", "12", "-a", "shell", "--restore", "work"])
    assert options == LaunchOptions(
        tmp_path.resolve(), 12, "terminal", "work", socket=socket_path()
    )


def test_help_and_errors_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from synk_tui.cli import parse_args\n"
        "try:\n    parse_args(['-n', '99'])\nexcept SystemExit:\n    pass\n"
        "print('textual.app' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_list_saved_prints_names_first_without_a_terminal(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    sessions = (
        SavedSession(0, "terminal", str(project), str(project)),
        SavedSession(1, "claude_code", str(project), str(project)),
    )
    save_workspace(Workspace("older", datetime(2025, 1, 1).astimezone(), GridLayout(), ()))
    save_workspace(
        Workspace("my work", datetime(2025, 6, 1, 9, 30).astimezone(), GridLayout(), sessions)
    )
    bad = paths.sessions_dir() / "broken.json"
    bad.write_text("{")
    result = run_synk("--list-saved")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["my work", "older"]
    _, saved_at, count, agents = lines[0].split("\t")
    assert datetime.fromisoformat(saved_at) == datetime(2025, 6, 1, 9, 30).astimezone()
    assert (count, agents) == ("2", "terminal,claude")
    assert f"synk: warning: {bad}: corrupt, not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_text() == "{"


def test_list_saved_with_nothing_saved_says_so_on_stderr() -> None:
    result = run_synk("--list-saved")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"synk: no saved workspaces in {paths.sessions_dir()}\n"


def test_restore_of_a_missing_or_bad_workspace_exits_2_naming_it() -> None:
    result = run_synk("--restore", "nothing-here")
    assert result.returncode == 2
    assert "--restore: No saved workspace named 'nothing-here'" in result.stderr
    assert "see synk --list-saved" in result.stderr
    newer = paths.sessions_dir() / "future.json"
    newer.parent.mkdir(parents=True)
    newer.write_text('{"version": 9, "saved_at": "2030-01-01T00:00:00", "sessions": []}')
    result = run_synk("--restore", "future")
    assert result.returncode == 2
    assert f"--restore: {newer}: written by a newer synk" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_synk("--restore", "a/b")
    assert result.returncode == 2 and "may not contain /" in result.stderr


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_saved_file_is_one_line_never_a_traceback(kind: str) -> None:
    path = paths.sessions_dir() / f"{kind}.json"
    path.parent.mkdir(parents=True)
    HOSTILE[kind].write(path)
    listed = run_synk("--list-saved")
    assert (listed.returncode, listed.stdout) == (0, ""), listed.stderr
    [warning] = listed.stderr.splitlines()
    assert warning.startswith(f"synk: warning: {path}: ")
    assert HOSTILE[kind].words in warning
    restored = run_synk("--restore", kind)
    assert restored.returncode == 2, restored.stderr
    [error] = restored.stderr.splitlines()
    assert error.startswith(f"synk: error: --restore: {path}: ")
    assert HOSTILE[kind].words in error and error.endswith("(see synk --list-saved)")


PEAK_MEMORY = """
import resource, sys
from synk_tui.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status, file=sys.stderr)
"""


def peak_kib(*args: str) -> tuple[int, int, str]:
    """Peak resident memory (KiB) and exit status of `synk ARGS`, in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    *messages, last = result.stderr.splitlines()
    peak, status = last.split()
    return int(peak), int(status), "\n".join(messages)


def test_a_200_mb_saved_file_is_refused_without_reading_it() -> None:
    baseline, _, _ = peak_kib("--list-saved")
    paths.sessions_dir().mkdir(parents=True)
    HOSTILE["oversized"].write(paths.sessions_dir() / "oversized.json")
    for args, expected in ((("--list-saved",), 0), (("--restore", "oversized"), 2)):
        peak, status, messages = peak_kib(*args)
        assert "too large" in messages and status == expected
        assert (peak - baseline) * 1024 < HUGE_BYTES // 20, (args, peak, baseline)
