"""Helpers for the emulator tests: full-state snapshots and a private tmux."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
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
