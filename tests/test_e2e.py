"""End to end: the installed `synk` command inside a real terminal (tmux).

A private tmux server (`tmux -L`) runs synk; the test types with send-keys
and reads the screen with capture-pane, as a person would. Every wait polls
the screen or /proc with a deadline. After quitting (the `q` key), closing
the terminal (SIGHUP) or SIGTERM, no process synk started may be left.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SYNK = Path(sys.executable).with_name("synk")
WIDTH, HEIGHT = 120, 40


def poll(condition: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    """Call `condition` until truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.05)


def descendants(root: int) -> set[int]:
    """Every live process below `root` (children, grandchildren...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


class Synk:
    """synk running in a detached tmux pane of its own private server."""

    def __init__(
        self, tmp_path: Path, *args: str, server_options: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.socket = f"synk-e2e-{uuid.uuid4().hex[:10]}"
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        (home / ".profile").write_text("PS1='test$ '\n")
        project = tmp_path / "project"
        project.mkdir(exist_ok=True)
        config = tmp_path / "config"
        config.mkdir(exist_ok=True)
        control = tmp_path / "control"
        control.mkdir(mode=0o700, exist_ok=True)
        self.control_socket = control / "synk.sock"
        """synk's own control socket (each test its own, so runs in parallel never meet)."""
        env = {
            "SYNK_SOCKET": str(self.control_socket),
            "HOME": str(home),
            "SYNK_CONFIG_DIR": str(config),
            "XDG_CONFIG_HOME": str(config),
            "SHELL": "/bin/bash",
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        self.env = env
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = f"exec env -i {assignments} {SYNK} {' '.join(args)} {project}"
        # The placeholder `cat` keeps the pane until remain-on-exit is set; the
        # server gets the test's HOME, so no real dotfile is ever read.
        self.tmux(
            "-f", "/dev/null", "new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "cat"
        )
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        for option, value in server_options:
            self.tmux("set-option", "-s", option, value)
        self.tmux("respawn-pane", "-k", "-t", "0", command)
        self.pid = int(self.tmux("display-message", "-p", "-t", "0", "#{pane_pid}"))
        self.socket_path = Path(self.tmux("display-message", "-p", "#{socket_path}"))

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, **self.env},
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {args}: {result.stderr.strip()}")
        return result.stdout.strip()

    def keys(self, *keys: str) -> None:
        """Type keys (tmux key names, or text with -l)."""
        self.tmux("send-keys", "-t", "0", *keys)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", "0", "-l", text)

    def screen(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", "0").splitlines()

    def quadrant(self, column: int, row: int) -> list[str]:
        """Rows of the 2x2 grid cell (column, row), stripped."""
        lines = (self.screen() + [""] * HEIGHT)[: HEIGHT - 1]
        half_h = (HEIGHT - 1) // 2
        band = lines[:half_h] if row == 0 else lines[half_h:]
        return [(line[:59] if column == 0 else line[60:]).strip() for line in band]

    def wait_for(self, condition: Callable[[list[str]], bool], what: str) -> None:
        poll(lambda: condition(self.screen()), what=what)

    def exit_status(self) -> int | None:
        """synk's exit status once it ended, else None; -N when killed by signal N.

        Read from the zombie's /proc stat while tmux has not reaped it, else
        from tmux (which keeps the dead pane: remain-on-exit).
        """
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            stat = ""
        if stat:
            fields = stat[stat.rfind(")") + 2 :].split()
            if fields[0] != "Z":
                return None
            wait_status = int(fields[-1])
            if os.WIFSIGNALED(wait_status):
                return -os.WTERMSIG(wait_status)
            return os.WEXITSTATUS(wait_status)
        status = self.tmux("display-message", "-p", "-t", "0", "#{pane_dead_status}")
        if status:
            return int(status)
        signum = self.tmux("display-message", "-p", "-t", "0", "#{pane_dead_signal}")
        return -int(signum) if signum else None

    def control(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `synk ARGS` (ls, send, capture...) against this synk's control socket."""
        return subprocess.run(
            [str(SYNK), *args],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "SYNK_SOCKET": str(self.control_socket)},
        )

    def kill_server(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            capture_output=True,
            env={**os.environ, **self.env},
        )


@pytest.fixture
def synk_in_tmux(tmp_path: Path) -> Iterator[Callable[..., Synk]]:
    """Start synk in tmux; the server and anything left are ended afterwards."""
    started: list[Synk] = []

    def start(*args: str, server_options: tuple[tuple[str, str], ...] = ()) -> Synk:
        synk = Synk(tmp_path, *args, server_options=server_options)
        started.append(synk)
        return synk

    yield start
    for synk in started:
        leftovers = descendants(synk.pid) | ({synk.pid} if alive(synk.pid) else set())
        synk.kill_server()
        synk.socket_path.unlink(missing_ok=True)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def all_prompts(count: int) -> Callable[[list[str]], bool]:
    return lambda lines: sum(line.count("test$") for line in lines) >= count


def start_four(synk_in_tmux: Callable[..., Synk]) -> tuple[Synk, set[int]]:
    """synk -n 4 at its prompts, with a foreground job in pane 4; its processes."""
    synk = synk_in_tmux("-n", "4")
    synk.wait_for(all_prompts(4), "four prompts")
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "input mode")
    # a grandchild: a foreground job in pane 4 must end with synk too
    synk.keys("C-\\", "4", "Enter")
    synk.text("sleep 300")
    synk.keys("Enter")
    poll(lambda: any(_cmdline(p) == "sleep 300" for p in descendants(synk.pid)), what="sleep")
    processes = descendants(synk.pid)
    assert len(processes) >= 5  # four session shells (plus warm ones) and the sleep
    return synk, processes


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def test_type_broadcast_zoom_quit_and_nothing_is_left(
    synk_in_tmux: Callable[..., Synk],
) -> None:
    synk, processes = start_four(synk_in_tmux)

    # type into pane 2
    synk.keys("C-\\", "2", "Enter")
    synk.text("echo typed-in-2")
    synk.keys("Enter")
    poll(lambda: "typed-in-2" in synk.quadrant(1, 0), what="output in pane 2")
    assert all("typed-in-2" not in synk.quadrant(c, r) for c, r in ((0, 0), (0, 1), (1, 1)))

    # broadcast to all (pane 4 is busy with sleep: the prompt waits in its input)
    synk.keys("C-\\", "b")
    synk.wait_for(lambda lines: "all \u2192 1,2,3,4" in "\n".join(lines), "broadcast bar")
    synk.text("echo to-all")
    synk.keys("Enter")
    for cell in ((0, 0), (1, 0), (0, 1)):
        poll(lambda c=cell: "to-all" in synk.quadrant(*c), what=f"broadcast in {cell}")
    synk.wait_for(lambda lines: lines[-1].count("INPUT") == 1, "back to input mode")

    # zoom pane 2 to the whole grid and back
    synk.keys("C-\\", "2", "z")
    synk.wait_for(
        lambda lines: sum("terminal" in line for line in lines) == 1 and "ZOOM" in lines[-1],
        "one zoomed pane",
    )
    assert "typed-in-2" in "\n".join(synk.screen())
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "zoom ends grid mode")
    synk.keys("C-\\", "z")
    synk.wait_for(lambda lines: sum(line.count("terminal") for line in lines) == 4, "grid back")

    # quit, not saving: synk ends, and so does every process it started
    synk.keys("C-\\", "q")
    synk.wait_for(lambda lines: "Save session for later?" in "\n".join(lines), "quit question")
    synk.keys("n")
    poll(lambda: synk.exit_status() is not None, what="synk exited")
    assert synk.exit_status() == 0
    assert synk.tmux("display-message", "-p", "-t", "0", "#{alternate_on}") == "0"
    poll(lambda: not any(alive(p) for p in processes), what="no process left")


def test_sighup_closing_the_terminal_leaves_nothing(synk_in_tmux: Callable[..., Synk]) -> None:
    synk, processes = start_four(synk_in_tmux)
    # killing the tmux server closes synk's terminal: the kernel sends SIGHUP
    synk.kill_server()
    poll(lambda: not alive(synk.pid), what="synk ended")
    poll(lambda: not any(alive(p) for p in processes), what="no process left")
    assert not synk.control_socket.exists()


def test_sigterm_leaves_nothing(synk_in_tmux: Callable[..., Synk]) -> None:
    synk, processes = start_four(synk_in_tmux)
    assert synk.tmux("display-message", "-p", "-t", "0", "#{alternate_on}") == "1"
    os.kill(synk.pid, signal.SIGTERM)
    poll(lambda: synk.exit_status() is not None, what="synk exited")
    assert synk.exit_status() == 128 + signal.SIGTERM
    assert not synk.control_socket.exists()
    # the terminal was given back: out of the alternate screen
    assert synk.tmux("display-message", "-p", "-t", "0", "#{alternate_on}") == "0"
    poll(lambda: not any(alive(p) for p in processes), what="no process left")


def test_sighup_to_synk_itself_leaves_nothing(synk_in_tmux: Callable[..., Synk]) -> None:
    """A SIGHUP sent by hand while the terminal still works: a normal, clean exit."""
    synk, processes = start_four(synk_in_tmux)
    os.kill(synk.pid, signal.SIGHUP)
    poll(lambda: synk.exit_status() is not None, what="synk exited")
    assert synk.exit_status() == 128 + signal.SIGHUP
    assert synk.tmux("display-message", "-p", "-t", "0", "#{alternate_on}") == "0"
    poll(lambda: not any(alive(p) for p in processes), what="no process left")


def test_shift_enter_reaches_the_pane_through_tmux_extended_keys(
    synk_in_tmux: Callable[..., Synk],
) -> None:
    """tmux with extended-keys on: synk asks for modifyOtherKeys and reads shift+enter."""
    synk = synk_in_tmux(server_options=(("extended-keys", "on"),))
    synk.wait_for(all_prompts(1), "a prompt")
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "input mode")
    synk.text("cat -v")
    synk.keys("Enter")
    time.sleep(0.3)
    synk.text("line1")
    synk.keys("S-Enter")  # reaches the child as xterm's shift+enter of Claude's setup: ESC CR
    synk.text("line2")
    synk.keys("Enter")
    synk.wait_for(lambda lines: any(line.strip() == "line1^[" for line in lines), "ESC CR")
    synk.keys("C-c")


def test_synk_send_and_capture_drive_a_running_synk(synk_in_tmux: Callable[..., Synk]) -> None:
    synk = synk_in_tmux("-n", "2")
    synk.wait_for(all_prompts(2), "two prompts")
    poll(lambda: synk.control_socket.exists(), what="control socket")
    sent = synk.control("send", "1", "echo hi", "--enter")
    assert (sent.returncode, sent.stderr) == (0, "")
    poll(lambda: "hi" in synk.quadrant(0, 0), what="hi in pane 1")
    captured = synk.control("capture", "1")
    assert captured.returncode == 0, captured.stderr
    assert "hi" in captured.stdout.splitlines()
    listed = synk.control("ls")
    assert [row.split()[0] for row in listed.stdout.splitlines()[1:]] == ["1", "2"]
    # Malformed input is answered, and synk goes on.
    bad = synk.control("invoke", "session:write", '{"sessionId": "one", "data": 5}')
    assert bad.returncode == 1 and bad.stderr.startswith("synk: error: Argument 'sessionId'")
    assert synk.control("capture", "2").returncode == 0

    synk.keys("C-\\", "q")
    synk.wait_for(lambda lines: "Save session for later?" in "\n".join(lines), "quit question")
    synk.keys("n")
    poll(lambda: synk.exit_status() is not None, what="synk exited")
    assert not synk.control_socket.exists()
    gone = synk.control("ls")
    assert gone.returncode == 1 and gone.stderr.startswith("synk: error: no synk server")


def test_copy_mode_searches_highlights_and_copies(synk_in_tmux: Callable[..., Synk]) -> None:
    synk = synk_in_tmux("-n", "1")
    synk.tmux("set-option", "-g", "set-clipboard", "on")  # synk's OSC 52 becomes a buffer
    synk.wait_for(all_prompts(1), "the prompt")
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "input mode")
    # the command line itself does not hold the word searched for
    synk.text("w=nee; echo ${w}dle-one; seq 1 100; echo END")
    synk.keys("Enter")
    synk.wait_for(lambda lines: any(line.strip().endswith("END") for line in lines), "output")
    assert not any("needle-one" in line for line in synk.screen())  # scrolled off

    synk.keys("C-\\", "[")
    synk.wait_for(lambda lines: "COPY" in lines[-1], "COPY in the status bar")
    synk.keys("?")
    synk.text("needle")
    synk.keys("Enter")
    synk.wait_for(lambda lines: "needle: 1 found" in "\n".join(lines), "the search result")
    row = next(line for line in synk.screen() if "needle-one" in line)
    assert "needle-one" in row
    # the match is drawn with its own attributes: an SGR sequence right before it
    # the match is drawn in its own style: an SGR change where it starts and
    # ends (its first cell is the copy cursor, in reverse video)
    styled = synk.tmux("capture-pane", "-p", "-e", "-t", "0").splitlines()
    match_row = next(line for line in styled if "eedle" in line)
    sgr = r"(?:\x1b\[[0-9;]*m)+"
    assert re.search(f"{sgr}n{sgr}eedle{sgr}-one", match_row)

    # select to the end of the line and copy: it reaches the terminal's clipboard
    synk.keys("v", "$", "y")
    synk.wait_for(lambda lines: "INPUT" in lines[-1], "back to input mode after y")
    poll(
        lambda: synk.tmux("show-buffer") == "needle-one" if _has_buffer(synk) else False,
        what="the copied text in tmux's buffer",
    )


def _has_buffer(synk: Synk) -> bool:
    return bool(synk.tmux("list-buffers"))
