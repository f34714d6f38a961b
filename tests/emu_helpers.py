"""Helpers for the emulator tests: full-state snapshots, a private tmux and
the hostile inputs (shared with ``benchmarks/hostile_input.py``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from synk_tui.emulator import DEC_GRAPHICS, TerminalEmulator


def snapshot(e: TerminalEmulator) -> dict[str, Any]:
    """Everything a later byte or the widget could observe, for exact comparison."""
    return {
        "lines": e.lines(),
        "cursor": e.cursor,
        "wrap_pending": e._wrap_pending,
        "last_char": e._last_char,
        "style": e.style,
        "runs": [e.row_runs(y) for y in range(e.rows)],
        # Text first: reading runs decodes lazily kept rows, the text must
        # not need that.
        "scrollback_text": e.scrollback_lines(),
        "scrollback": [e.row_runs(-i) for i in range(e.scrollback_len, 0, -1)],
        "bells": e.bell_count,
        "title": e.title,
        "alt": e.alt_screen,
        "modes": (
            e.app_cursor_keys,
            e.bracketed_paste,
            e.mouse_mode,
            e.cursor_visible,
            e._insert,
            e._autowrap,
            e._origin,
            e._top,
            e._bottom,
            tuple(e._charsets),
            e._shift,
        ),
    }


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class TmuxPane:
    """One detached tmux pane of a given size on a private server socket.

    ``replay(data)`` writes raw bytes to the pane (OPOST off, so exactly these
    bytes reach tmux) and returns once tmux has parsed all of them: the pane
    then asks for the cursor position, which tmux answers only after it has
    processed everything before the question.
    """

    def __init__(self, cols: int, rows: int, history: int = 2000) -> None:
        self.cols, self.rows = cols, rows
        self.socket = f"synk-emu-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._dir = Path(tempfile.mkdtemp(prefix="synk-emu-tmux-"))
        conf = self._dir / "tmux.conf"
        conf.write_text(
            f"set -g history-limit {history}\nset -g status off\n"
            "set -g remain-on-exit on\nset -g default-terminal screen\n"
        )
        self._conf = conf
        self._n = 0
        self._started = False
        self.target = ""

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self._conf), *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        return out.stdout

    def __enter__(self) -> TmuxPane:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._started:
            subprocess.run(
                ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20
            )
            self._started = False
            # tmux 3.3a leaves its socket file behind after kill-server.
            tmpdir = os.environ.get("TMUX_TMPDIR") or "/tmp"
            Path(tmpdir, f"tmux-{os.getuid()}", self.socket).unlink(missing_ok=True)
        shutil.rmtree(self._dir, ignore_errors=True)

    def replay(self, data: bytes, timeout: float = 30.0) -> None:
        """Show ``data`` in a fresh pane (the pane is replaced on each call)."""
        self._n += 1
        src = self._dir / f"in{self._n}.bin"
        done = self._dir / f"done{self._n}"
        src.write_bytes(data)
        script = (
            'stty raw -echo; cat "$1"; printf "\\033[6n"; '
            'IFS= read -r -d R _; : > "$2"; exec sleep 100000'
        )
        cmd = f"bash -c '{script}' _ {src} {done}"
        old = self.target
        self.target = f"t{self._n}"
        self.tmux(
            "new-session", "-d", "-s", self.target, "-x", str(self.cols), "-y", str(self.rows), cmd
        )
        self._started = True
        if old:
            self.tmux("kill-session", "-t", old)
        deadline = time.monotonic() + timeout
        while not done.exists():
            if time.monotonic() > deadline:
                raise TimeoutError("tmux did not finish parsing the stream")
            time.sleep(0.01)

    def lines(self) -> list[str]:
        """The visible rows as text; line-drawing (ACS) cells as drawn, not as
        the ASCII letters plain ``capture-pane -p`` prints for them."""
        out = self.tmux("capture-pane", "-p", "-e", "-t", self.target)
        rows = [_plain(r) for r in out.split("\n")[: self.rows]]
        rows += [""] * (self.rows - len(rows))
        return [r.rstrip(" ") for r in rows]

    def history(self) -> list[str]:
        size = int(self.tmux("display", "-p", "-t", self.target, "#{history_size}").strip() or 0)
        if not size:
            return []
        out = self.tmux("capture-pane", "-p", "-t", self.target, "-S", f"-{size}", "-E", "-1")
        return [r.rstrip(" ") for r in out.split("\n")[:size]]

    def cursor(self) -> tuple[int, int]:
        """(x, y); tmux puts x one past the last column while a wrap is pending,
        synk keeps it on the last column (as xterm does): normalised here."""
        x, y = self.tmux("display", "-p", "-t", self.target, "#{cursor_x} #{cursor_y}").split()
        return min(int(x), self.cols - 1), int(y)


_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_ACS = re.compile(r"\x0e([^\x0f]*)\x0f?")
_ACS_TABLE = DEC_GRAPHICS


def _plain(row: str) -> str:
    """A ``capture-pane -e`` row without SGR, with SO...SI spans as line drawing."""
    row = _SGR.sub("", row)
    return _ACS.sub(lambda m: m.group(1).translate(_ACS_TABLE), row)


@dataclass(frozen=True)
class HostileInput:
    """One kind of input that once cost far more than its size: ``head`` then
    ``unit`` repeated, fed in writes of ``write`` bytes (0: one feed)."""

    name: str
    unit: bytes
    head: bytes = b""
    write: int = 0
    size: int = 200_000
    """Bytes the linearity test starts from (large enough to time, small
    enough that the test is quick when the cost is linear)."""

    def data(self, size: int) -> bytes:
        count = max(0, size - len(self.head)) // len(self.unit) + 1
        return (self.head + self.unit * count)[:size]

    def feed(self, emu: TerminalEmulator, data: bytes) -> None:
        if not self.write:
            emu.feed(data)
            return
        for i in range(0, len(data), self.write):
            emu.feed(data[i : i + self.write])


HOSTILE_INPUTS = [
    HostileInput("CHT \\e[99999999I", b"\x1b[99999999I"),
    HostileInput("kitty pop \\e[<99999999u", b"\x1b[<99999999u"),
    HostileInput("REP a\\e[99999999b", b"a\x1b[99999999b", size=8_000),
    HostileInput("C0 inside a CSI \\e[1\\bm", b"\x1b[1\bm", size=100_000),
    HostileInput("ZWJs a\\u200d, 4 KB writes", "a\u200d".encode(), write=4096, size=400_000),
    HostileInput(
        "huge parameter \\e[<5000 digits>H", b"\x1b[" + b"9" * 5000 + b"H", size=4_000_000
    ),
    HostileInput(
        "unterminated OSC, 4 KB writes", b"x", head=b"\x1b]0;", write=4096, size=8_000_000
    ),
    HostileInput("unterminated CSI, 4 KB writes", b"1", head=b"\x1b[", write=4096, size=1_000_000),
    HostileInput(
        "combining marks a\\u0301\\u0301..., 4 KB writes",
        "\u0301".encode(),
        head=b"a",
        write=4096,
    ),
]
"""The inputs of the hostile-input benchmark and of the linearity tests."""

PLAIN_TEXT = HostileInput("plain text (80-column lines)", b"x" * 78 + b"\r\n")
PLAIN_UNBROKEN = HostileInput("plain text, no line feeds", b"x")


def feed_seconds(kind: HostileInput, size: int, repeat: int = 3, cols: int = 80) -> float:
    """The best of ``repeat`` timings of feeding ``size`` bytes of ``kind``
    to a fresh 80x24 emulator with 10,000 lines of scrollback."""
    data = kind.data(size)
    best = float("inf")
    for _ in range(repeat):
        emu = TerminalEmulator(cols, 24, 10_000)
        start = time.perf_counter()
        kind.feed(emu, data)
        best = min(best, time.perf_counter() - start)
    return best
