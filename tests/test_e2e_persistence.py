"""End to end in tmux: save -> quit -> `synk --restore`, and recovery after `kill -9`.

The installed `synk` runs in a private tmux server (see tests/test_e2e.py);
keys go in with send-keys, the screen comes back with capture-pane, and the
files synk writes are read from the test's config dir. Each run must leave
no process behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from synk_tui.screens.confirm import GUARD_SECONDS
from tests.test_e2e import SYNK, Synk, alive, descendants, poll, synk_in_tmux

__all__ = ["synk_in_tmux"]  # the fixture, shared with tests/test_e2e.py

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def text(synk: Synk) -> str:
    return "\n".join(synk.screen())


def shown(synk: Synk, words: str, what: str = "") -> None:
    synk.wait_for(lambda lines: words in "\n".join(lines), what or repr(words))


def prompts(count: int) -> Callable[[list[str]], bool]:
    return lambda lines: sum(line.count("test$") for line in lines) >= count


def pwd_shows(synk: Synk, pane: int, directory: Path) -> None:
    """Select pane N (zoom follows) and check its shell is in `directory`.

    The answer is computed by the shell ($((...))), so the typed command
    itself never matches, and it is short, so a narrow pane does not wrap it.
    """
    synk.keys("C-\\", str(pane), "Enter")
    synk.text(f"clear; [ \"$PWD\" = '{directory}' ] && echo in-place-$(({pane}*11))")
    synk.keys("Enter")
    shown(synk, f"in-place-{pane * 11}", f"pane {pane} in {directory}")


def quit_without_saving(synk: Synk, processes: set[int]) -> None:
    synk.keys("C-\\", "q")
    shown(synk, "Save session for later?", "the quit question")
    synk.keys("n")
    poll(lambda: synk.exit_status() is not None, what="synk exited")
    assert synk.exit_status() == 0
    poll(lambda: not any(alive(p) for p in processes), what="no process left")


def run_cli(synk: Synk, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed synk with the tmux run's environment, no terminal."""
    return subprocess.run(
        [str(SYNK), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=synk.env,
        stdin=subprocess.DEVNULL,
    )


def test_save_quit_and_restore_elsewhere(synk_in_tmux: Callable[..., Synk], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    deep = tmp_path / "project" / "sub" / "deep"
    deep.mkdir(parents=True)
    elsewhere.mkdir()
    synk = synk_in_tmux("-n", "2")
    synk.wait_for(prompts(2), "two prompts")
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "input mode")
    synk.text(f"cd {elsewhere}")
    synk.keys("Enter")
    synk.keys("C-\\", "2", "Enter")
    synk.text("cd sub/deep")
    synk.keys("Enter")
    synk.keys("C-\\", "z")  # pane 2 zoomed (back to input mode), then saved
    synk.wait_for(lambda lines: "ZOOM" in lines[-1], "zoom")
    synk.keys("C-\\", "s")
    shown(synk, "Save workspace as:")
    synk.text("e2e-work")  # replaces the selected default
    synk.keys("Enter")
    shown(synk, "Saved 'e2e-work'")
    quit_without_saving(synk, descendants(synk.pid))

    saved = Path(synk.env["SYNK_CONFIG_DIR"]) / "sessions" / "e2e-work.json"
    data = json.loads(saved.read_text())
    assert [s["working_dir"] for s in data["sessions"]] == [str(elsewhere), str(deep)]
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    listed = run_cli(synk, "--list-saved")
    assert listed.returncode == 0
    assert listed.stdout.split("\t")[0] == "e2e-work"

    # started again (from the project dir): the saved dirs, panes and zoom come back
    again = synk_in_tmux("--restore", "e2e-work")
    again.wait_for(prompts(1), "a restored prompt")
    again.wait_for(lambda lines: "ZOOM" in lines[-1], "zoom restored")
    shown(again, "Restored 'e2e-work'")
    processes = descendants(again.pid)
    pwd_shows(again, 2, deep)
    pwd_shows(again, 1, elsewhere)
    assert sum(line.count("terminal") for line in again.screen()) == 1  # still zoomed
    again.keys("C-\\", "z", "Enter")  # unzoom, back to input mode
    again.wait_for(lambda lines: sum(line.count("terminal") for line in lines) == 2, "two panes")
    quit_without_saving(again, processes | descendants(again.pid))


def test_recovery_after_kill_9(synk_in_tmux: Callable[..., Synk], tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("[persistence]\nautosave_interval = 0.5\n")
    sub = tmp_path / "project" / "sub"
    sub.mkdir(parents=True)
    synk = synk_in_tmux("-n", "2")
    synk.wait_for(prompts(2), "two prompts")
    synk.keys("C-\\", "2", "Enter")
    synk.text("cd sub")
    synk.keys("Enter")
    autosave = config / "recovery" / f"{synk.pid}.json"

    def autosaved_in_sub() -> bool:
        try:
            data = json.loads(autosave.read_text())
        except (OSError, ValueError):
            return False
        return [s["working_dir"] for s in data["sessions"]] == [str(sub.parent), str(sub)]

    poll(autosaved_in_sub, what="the autosave with pane 2 in sub")
    processes = descendants(synk.pid)
    os.kill(synk.pid, signal.SIGKILL)
    poll(lambda: synk.exit_status() is not None, what="synk killed")
    assert synk.exit_status() == -signal.SIGKILL
    poll(lambda: not any(alive(p) for p in processes), what="its shells hung up")
    assert autosave.exists()  # nothing cleaned up after a kill -9

    again = synk_in_tmux()
    shown(again, "synk did not exit cleanly last time.")
    assert "Restore its 2 sessions" in text(again)
    again.keys("y")  # typed the moment it shows: ignored, and the question says so
    time.sleep(0.2)
    assert "ignored" in text(again) and "did not exit cleanly" in text(again)
    time.sleep(GUARD_SECONDS)
    again.keys("y")
    again.wait_for(prompts(2), "two restored prompts")
    poll(lambda: not autosave.exists(), what="the old autosave gone")
    pwd_shows(again, 2, sub)
    processes = descendants(again.pid)
    quit_without_saving(again, processes)
    assert list((config / "recovery").iterdir()) == []  # a clean exit leaves no autosave

    # and so the next start asks nothing
    third = synk_in_tmux()
    third.wait_for(prompts(1), "a fresh prompt")
    third.wait_for(lambda lines: "INPUT" in lines[-1], "input mode")
    assert "did not exit cleanly" not in text(third)
    processes = descendants(third.pid)
    third.keys("C-\\", "q", "n")
    poll(lambda: third.exit_status() is not None, what="synk exited")
    poll(lambda: not any(alive(p) for p in processes), what="no process left")
