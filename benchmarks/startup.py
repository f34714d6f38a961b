"""synk startup: from exec to the first frame that shows a usable prompt.

`synk -n 1` runs on a real PTY (80x24) with a HOME whose .profile sets a
unique prompt; the clock stops when that prompt appears in the frames synk
writes to its terminal (the shell is then at its prompt and the pane has the
focus, so typing works). Side by side, in the same run and on the same
machine: `python -c 'import textual.app'` (the floor any Textual app pays)
and a cold `bash --login -i` on a PTY reaching the same prompt.

    python benchmarks/startup.py [--runs 15] [--size 80x24]

Target: synk's median under 400 ms.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

PROMPT = b"synkbench$"
TARGET_MS = 400.0


def spawn_on_pty(
    argv: list[str], env: dict[str, str], cols: int, rows: int, cwd: str
) -> tuple[int, int]:
    """Start argv on a new PTY of the given size; (pid, master fd)."""
    pid, master = pty.fork()
    if pid == 0:  # child
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return pid, master


def read_until(master: int, needle: bytes, timeout: float) -> bool:
    """Read the PTY until `needle` shows up; False on timeout or EOF."""
    seen = b""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        seen = (seen + chunk)[-65536:]
        if needle in seen:
            return True
    return False


def drain(master: int, seconds: float) -> None:
    """Keep reading so the child never blocks on a full PTY."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return


def reap(pid: int, master: int, quit_keys: bytes | None, grace: float = 10.0) -> None:
    """Ask the child to quit (or hang up), and make sure it is gone."""
    if quit_keys:
        os.write(master, quit_keys)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        drain(master, 0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(master)


def time_synk(env: dict[str, str], cols: int, rows: int, project: str) -> float:
    """Seconds from exec of `synk -n 1` to its prompt drawn on screen."""
    synk = shutil.which("synk", path=str(Path(sys.executable).parent)) or "synk"
    start = time.perf_counter()
    pid, master = spawn_on_pty([synk, "-n", "1", project], env, cols, rows, project)
    found = read_until(master, PROMPT, timeout=20)
    elapsed = time.perf_counter() - start
    drain(master, 0.2)
    reap(pid, master, quit_keys=b"\x1cqn")  # ctrl+\, q: quit from grid mode, n: don't save
    if not found:
        raise RuntimeError("synk never drew the prompt")
    return elapsed


def time_cold_shell(env: dict[str, str], cols: int, rows: int, project: str) -> float:
    """Seconds from exec of a login bash on a PTY to its prompt."""
    start = time.perf_counter()
    pid, master = spawn_on_pty(["/bin/bash", "--login", "-i"], env, cols, rows, project)
    found = read_until(master, PROMPT, timeout=20)
    elapsed = time.perf_counter() - start
    reap(pid, master, quit_keys=b"exit\r")
    if not found:
        raise RuntimeError("bash never showed the prompt")
    return elapsed


def time_textual_import(env: dict[str, str], cols: int, rows: int, project: str) -> float:
    """Seconds for `python -c 'import textual.app'` to run to completion."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app"], env=env, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--size", default="80x24", help="terminal size COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(part) for part in args.size.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="synk-startup-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / ".profile").write_text(f"PS1='{PROMPT.decode()} '\n")
        (Path(tmp) / "config").mkdir()
        project = Path(tmp) / "project"
        project.mkdir()
        env = {
            "HOME": str(home),
            "SYNK_CONFIG_DIR": str(Path(tmp) / "config"),
            "SHELL": "/bin/bash",
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }
        subjects: list[tuple[str, Callable[[dict[str, str], int, int, str], float]]] = [
            ("synk -n 1: first frame with a usable prompt", time_synk),
            ("python -c 'import textual.app'", time_textual_import),
            ("cold bash --login -i to its prompt", time_cold_shell),
        ]
        results: dict[str, list[float]] = {name: [] for name, _ in subjects}
        time_synk(env, cols, rows, str(project))  # warm the OS caches once
        for _ in range(args.runs):
            for name, measure in subjects:  # interleaved: same machine state for all
                results[name].append(measure(env, cols, rows, str(project)) * 1000)

    print(f"startup, {args.runs} runs each, {cols}x{rows}, interleaved")
    print(f"{'':46} {'median':>8} {'min':>8} {'max':>8}")
    for name, times in results.items():
        print(
            f"{name:46} {statistics.median(times):7.1f}ms {min(times):7.1f}ms {max(times):7.1f}ms"
        )
    synk_median = statistics.median(results[subjects[0][0]])
    textual_median = statistics.median(results[subjects[1][0]])
    verdict = "met" if synk_median < TARGET_MS else "NOT met"
    extra = synk_median - textual_median
    print(f"synk median {synk_median:.0f} ms = textual import + {extra:.0f} ms;", end=" ")
    print(f"target < {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
