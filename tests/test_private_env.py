"""The private file that hands a session its environment values."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from synk_tui.private_env import PrivateEnvFiles, env_script, source_command

TRICKY = "it's $HOME `id` \"quoted\" \\ back\\'slash\t tab ; & | * ~ é"


@pytest.mark.parametrize("shell", ["bash", "dash"])
def test_a_shell_reads_back_exactly_the_value(shell: str) -> None:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    files = PrivateEnvFiles()
    try:
        env_file = files.write({"SYNK_TRICKY": TRICKY}, shell)
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(env_file.parent.stat().st_mode) == 0o700
        script = f'{source_command(env_file, shell)}; printf %s "$SYNK_TRICKY"'
        done = subprocess.run([path, "-c", script], capture_output=True, timeout=10)
        assert done.stdout.decode() == TRICKY
        files.remove(env_file)
        assert not env_file.exists()
    finally:
        files.close()


def test_fish_syntax_escapes_only_backslash_and_quote() -> None:
    assert env_script({"A": "it's \\x"}, "fish") == "set -gx A 'it\\'s \\\\x'\n"
    assert source_command(Path("/p q/f"), "fish") == "source '/p q/f'"


def test_a_bad_name_is_never_written() -> None:
    with pytest.raises(ValueError, match="invalid environment variable name"):
        env_script({"A;rm -rf ~": "x"}, "bash")
