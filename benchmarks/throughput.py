"""Emulator throughput against tmux, measured side by side in one run.

    python benchmarks/throughput.py [--repeat N] [--quick]

1. Floods: ``seq 1 3000000`` (22.9 MB) and a 5 MB 256-colour file are run
   through a real PTY (so ``\\n`` arrives as ``\\r\\n``, about 4 KB a read)
   three ways, after the floor (the same read loop with no emulator: what
   the kernel's PTY alone takes): straight into synk's emulator
   ("emulator"), in a real synk session (``SessionManager`` +
   ``ProcessPool``: the command is typed into
   the session's pooled bash, the manager reads and feeds as it does in the
   app) and in a tmux pane of the same size. Time is from the start of the
   command until the final screen is complete: for the bare emulator, until
   EOF has been read and fed (the reader drains what the PTY has, then feeds
   that backlog whole); for the session, until a marker printed after the
   output is on the session's screen (polled every millisecond); for tmux,
   until tmux answers a cursor-position query written after the output (it
   answers only once it has parsed everything before it).
2. A ~95 KB Claude-Code-style redraw (erase the previous frame line by line,
   then ~600 lines of truecolour, dim and box-drawing text) fed to a pane
   that already shows the previous frame: time per redraw.
3. Scrollback memory: 12 emulators of 120x40, each holding 10,000 lines of
   120 columns (plain, 256-colour, random truecolour), measured with
   tracemalloc, fed a line per feed (every row decoded into cells and packed)
   and as a flood in 64 KB feeds (styled rows kept as they arrived until
   read).

Runs are alternated (synk, tmux, synk, ...) and the median is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import random
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui.emulator import TerminalEmulator
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.session_manager import SessionManager

COLS, ROWS = 80, 24
MAX_BACKLOG = 4 << 20


def colour_file(path: Path, size: int = 5_000_000) -> None:
    """Words in random 256 colours (some with backgrounds), 80-column lines."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: list[str] = []
    total = 0
    while total < size:
        parts = []
        width = 0
        while width < 70:
            word = "".join(rng.choice(letters) for _ in range(rng.randrange(2, 9)))
            if rng.random() < 0.1:
                parts.append(f"\x1b[38;5;{rng.randrange(256)};48;5;{rng.randrange(256)}m{word}")
            else:
                parts.append(f"\x1b[38;5;{rng.randrange(256)}m{word}")
            parts.append("\x1b[0m ")
            width += len(word) + 1
        line = "".join(parts) + "\n"
        out.append(line)
        total += len(line)
    path.write_text("".join(out))


def run_synk(argv: list[str], emulate: bool = True) -> tuple[float, TerminalEmulator, int]:
    """Run argv on a PTY, feeding the emulator as bytes arrive; (seconds, emu, bytes).

    With ``emulate=False`` the same loop only reads: the PTY's own floor.
    """
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvp(argv[0], argv)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    os.set_blocking(fd, False)
    emu = TerminalEmulator(COLS, ROWS, 10_000)
    total = 0
    done = False
    while not done:
        select.select([fd], [], [])
        chunks: list[bytes] = []
        size = 0
        while size < MAX_BACKLOG:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                break
            except OSError:  # EIO: the child closed the PTY
                done = True
                break
            if not data:
                done = True
                break
            chunks.append(data)
            size += len(data)
        if chunks:
            total += size
            if emulate:
                emu.feed(b"".join(chunks))
    elapsed = time.perf_counter() - t0
    os.close(fd)
    os.waitpid(pid, 0)
    return elapsed, emu, total


async def _session_run(command: str, home: str, n: int) -> tuple[float, list[str]]:
    """Type ``command`` into a real synk session; (seconds until the screen
    shows the marker printed after it, final screen)."""
    config = PoolConfig(shell="/bin/bash", env={"HOME": home}, initial_pool_size=1, max_pool_size=1)
    manager = SessionManager(ProcessPool(config))
    await manager.start()
    try:
        await manager.pool.wait_idle(1)
        created = await manager.create(project_path=home, cols=COLS, rows=ROWS)
        sid = created.session_id
        await manager.wait_ready(sid)
        screen = manager.screen(sid)
        marker = f"flood-done-{n}"
        # The quotes keep the echoed command line from matching the marker.
        typed = f"{command}; echo flood-''done-{n}\r"
        t0 = time.perf_counter()
        manager.write(sid, typed)
        while marker not in screen.lines():
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - t0
        lines = screen.lines()
        await manager.destroy(sid)
    finally:
        await manager.shutdown()
    return elapsed, lines


def run_session(command: str, home: str, n: int) -> tuple[float, list[str]]:
    return asyncio.run(_session_run(command, home, n))


class Tmux:
    """A private tmux server; ``run`` times one command in a fresh pane."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.socket = f"synk-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.conf = work / "tmux.conf"
        self.conf.write_text("set -g status off\nset -g history-limit 10000\n")
        self.n = 0

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def run(self, command: str) -> tuple[float, list[str]]:
        self.n += 1
        fifo = self.work / f"go{self.n}"
        done = self.work / f"done{self.n}"
        os.mkfifo(fifo)
        script = (
            f"read _ < {fifo}; {command}; stty -echo; printf '\\033[6n'; "
            f"IFS= read -r -d R _; : > {done}; exec sleep 100000"
        )
        name = f"b{self.n}"
        self.tmux(
            "new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS),
            f"bash -c {_quote(script)}",
        )  # fmt: skip
        time.sleep(0.2)  # let the pane's bash reach its read before the clock starts
        t0 = time.perf_counter()
        with open(fifo, "w") as go:
            go.write("go\n")
        while not done.exists():
            time.sleep(0.0005)
        elapsed = time.perf_counter() - t0
        lines = self.tmux("capture-pane", "-p", "-t", name).split("\n")[:ROWS]
        self.tmux("kill-session", "-t", name)
        return elapsed, lines

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        tmpdir = os.environ.get("TMUX_TMPDIR") or "/tmp"
        Path(tmpdir, f"tmux-{os.getuid()}", self.socket).unlink(missing_ok=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def flood(
    name: str, argv: list[str], tmux: Tmux, home: str, repeat: int, check: str
) -> dict[str, float]:
    direct: list[float] = []
    session: list[float] = []
    tmux_times: list[float] = []
    floor: list[float] = []
    size = 0
    command = " ".join(argv)
    for n in range(repeat):
        floor.append(run_synk(argv, emulate=False)[0])
        elapsed, emu, size = run_synk(argv)
        assert check in "\n".join(emu.lines()), (name, emu.lines())
        direct.append(elapsed)
        elapsed, lines = run_session(command, home, n)
        assert check in "\n".join(lines), (name, lines)
        session.append(elapsed)
        elapsed, lines = tmux.run(command)
        assert check in "\n".join(lines), (name, lines)
        tmux_times.append(elapsed)
    t = statistics.median(tmux_times)
    mb = size / 1e6
    print(f"{name} ({mb:.1f} MB through the PTY), median of {repeat}:")
    print(f"  {'tmux pane':<16} {t:6.3f} s {mb / t:6.1f} MB/s")
    out = {"tmux": t}
    rows = (("PTY read alone", floor), ("synk emulator", direct), ("synk session", session))
    for label, times in rows:
        s = statistics.median(times)
        spread = f"{min(times) / t:.2f}-{max(times) / t:.2f}"
        print(
            f"  {label:<16} {s:6.3f} s {mb / s:6.1f} MB/s   "
            f"ratio to tmux {s / t:5.2f} (runs {spread})"
        )
        out[label] = s / t
    return out


def claude_frame(rng: random.Random, lines: int, tick: int) -> str:
    """One Ink-style full redraw: erase the old frame, write the new one."""
    out = ["\x1b[2K\x1b[1A" * (lines - 1), "\x1b[2K\x1b[G"]
    for i in range(lines):
        kind = i % 7
        if kind == 0:
            out.append(f"\x1b[38;2;215;119;87m⏺\x1b[39m \x1b[1mTool call {i + tick}\x1b[22m\n")
        elif kind == 1:
            out.append(f"  \x1b[2m⎿  Read {rng.randrange(999)} lines (ctrl+r to expand)\x1b[22m\n")
        elif kind == 2:
            out.append("\x1b[38;2;153;153;153m╭" + "─" * 116 + "╮\x1b[39m\n")
        elif kind == 3:
            words = " ".join(f"word{rng.randrange(1000)}" for _ in range(12))
            out.append(
                f"\x1b[38;2;153;153;153m│\x1b[39m {words[:112]:<114} \x1b[38;2;153;153;153m│\n"
            )
        elif kind == 4:
            out.append("\x1b[38;2;153;153;153m╰" + "─" * 116 + "╯\x1b[39m\n")
        elif kind == 5:
            out.append(
                f"\x1b[48;2;30;30;30m\x1b[38;2;120;200;120m+ added line {i}\x1b[0m"
                f"\x1b[2m  // comment {tick}\x1b[22m\n"
            )
        else:
            out.append(f"\x1b[38;2;177;185;249m✻ Thinking… ({tick}s · ↑ 1.{i}k tokens)\x1b[39m\n")
    return "".join(out)


def redraw(repeat: int) -> float:
    rng = random.Random(3)
    frames = [claude_frame(rng, 540, t).replace("\n", "\r\n").encode() for t in range(repeat + 2)]
    emu = TerminalEmulator(120, 40, 10_000)
    emu.feed(frames[0])
    times = []
    for frame in frames[1:]:
        t0 = time.perf_counter()
        emu.feed(frame)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(
        f"{'claude-style redraw':<22} {len(frames[1]) / 1e3:6.1f} KB   "
        f"{median * 1e3:6.2f} ms per redraw per pane (median of {len(times)})"
    )
    return median


def scrollback_memory() -> None:
    for label, kind, bulk in (
        ("plain", "plain", False),
        ("256-colour", "256", False),
        ("truecolour", "rgb", False),
        ("plain, flood", "plain", True),
        ("256-colour, flood", "256", True),
    ):
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        panes = []
        for p in range(12):
            emu = TerminalEmulator(120, 40, 10_000)
            rng = random.Random(p)
            lines: list[bytes] = []
            for i in range(10_040):
                if kind == "256":
                    words = "".join(
                        f"\x1b[38;5;{rng.randrange(256)}mword{(i + k) % 97:02d} " for k in range(15)
                    )
                    line = words + "\x1b[0m\r\n"
                elif kind == "rgb":  # a distinct colour for nearly every word
                    words = "".join(
                        f"\x1b[38;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}m"
                        f"word{(i + k) % 97:02d} "
                        for k in range(15)
                    )
                    line = words + "\x1b[0m\r\n"
                else:
                    line = (f"{i:08d} " + "x" * 111)[:120] + "\r\n"
                lines.append(line.encode())
            if bulk:
                data = b"".join(lines)
                for i in range(0, len(data), 65536):
                    emu.feed(data[i : i + 65536])
            else:
                for line_bytes in lines:
                    emu.feed(line_bytes)
            del lines
            assert emu.scrollback_len == 10_000
            panes.append(emu)
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        cells = 12 * 10_000 * 120
        print(
            f"{'scrollback ' + label:<29} 12 x 10,000 x 120: {used / 1e6:6.1f} MB "
            f"({used / cells:.1f} bytes/cell)"
        )
        del panes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip the floods")
    args = parser.parse_args()
    if not args.quick and not shutil.which("tmux"):
        sys.exit("tmux is needed for the comparison")
    work = Path(tempfile.mkdtemp(prefix="synk-bench-"))
    try:
        if not args.quick:
            colours = work / "colours.txt"
            colour_file(colours)
            home = work / "home"
            home.mkdir()
            (home / ".profile").write_text("PS1='bench$ '\n")
            tmux = Tmux(work)
            try:
                seq = ["seq", "1", "3000000"]
                flood("seq 1 3000000", seq, tmux, str(home), args.repeat, "3000000")
                cat = ["cat", str(colours)]
                flood("5 MB 256-colour cat", cat, tmux, str(home), args.repeat, "")
            finally:
                tmux.close()
        redraw(max(args.repeat, 5) * 4)
        scrollback_memory()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
