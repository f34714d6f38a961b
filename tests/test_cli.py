"""The `synk` command line: options, exit codes, messages (no traceback ever)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from synk_tui import __version__
from synk_tui.cli import LaunchOptions, parse_args

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
    for option in ("PROJECT_DIR", "-n N", "-a AGENT", "--restore NAME", "--version"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "0 is out of range (1-12)"),
        (["-n", "13"], "13 is out of range (1-12)"),
        (["-n", "four"], "'four' is not a whole number"),
        (["-a", "vim"], "Unknown agent type 'vim'"),
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
    assert "Traceback" not in result.stderr


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
    assert parse_args([]) == LaunchOptions(project_dir=tmp_path.resolve())


def test_parse_accepts_agent_aliases_and_counts(tmp_path: Path) -> None:
    options = parse_args([str(tmp_path), "-n", "12", "-a", "shell", "--restore", "work"])
    assert options == LaunchOptions(tmp_path.resolve(), 12, "terminal", "work")


def test_help_and_errors_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from synk_tui.cli import parse_args\n"
        "try:\n    parse_args(['-n', '99'])\nexcept SystemExit:\n    pass\n"
        "print('textual.app' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
