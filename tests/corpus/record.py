"""Record a program's output bytes for the emulator comparison corpus.

    /work/venv/bin/python tests/corpus/record.py NAME          # one recording
    /work/venv/bin/python tests/corpus/record.py --all         # every script below

Each program runs on a real PTY of a fixed size with TERM=xterm-256color. Its
terminal queries are answered by synk's own emulator (as a session would), and
keys are typed only once the screen shows what a user would wait for. The raw
output bytes go to ``NAME.bin`` and the size to ``NAME.json``; the tests
replay the bytes into both the emulator and a tmux pane and compare screens.
Recording needs the programs (and, for the agents, an ``npm install`` under
``$SYNK_AGENTS``, default /tmp/agents); replaying needs only tmux.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from synk_tui.emulator import TerminalEmulator  # noqa: E402

AGENTS = Path(os.environ.get("SYNK_AGENTS", "/tmp/agents"))

Step = tuple[str, object]


class Recorder:
    """One child on a PTY, its output kept and fed to an answering emulator."""

    def __init__(self, argv: list[str], cols: int, rows: int, env: dict[str, str], cwd: str):
        self.cols, self.rows = cols, rows
        self.out = bytearray()
        self.emu = TerminalEmulator(cols, rows, 1000)
        self.emu.on_reply = self.write
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.kill(pid, signal.SIGWINCH)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def pump(self, seconds: float) -> bool:
        """Read for up to ``seconds``; False once the child has closed the PTY."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return True
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return True
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            self.out += data
            self.emu.feed(data)

    def screen(self) -> str:
        return "\n".join(self.emu.lines())

    def wait_for(self, pattern: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.MULTILINE)
        while not regex.search(self.screen()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pattern!r} not on screen:\n{self.screen()}")
            if not self.pump(0.05):
                raise EOFError(f"child exited before {pattern!r}:\n{self.screen()}")

    def wait_prompt(self, timeout: float) -> None:
        """Wait for an idle shell: the cursor just after a "$ " prompt."""
        deadline = time.monotonic() + timeout
        while True:
            x, y = self.emu.cursor
            if self.emu.lines()[y] == "$" and x == 2:
                self.settle(0.1, 5)
                x, y = self.emu.cursor
                if self.emu.lines()[y] == "$" and x == 2:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no prompt:\n{self.screen()}")
            if not self.pump(0.05):
                raise EOFError(f"child exited before its prompt:\n{self.screen()}")

    def settle(self, quiet: float, timeout: float) -> None:
        """Wait until no output has come for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.out)
            if not self.pump(quiet) or len(self.out) == before:
                return

    def finish(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pump(0.1):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pump(0.2)
                break
        else:
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def base_env(home: str) -> dict[str, str]:
    return {
        "PATH": f"{AGENTS / 'node_modules' / '.bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COLORTERM": "truecolor",
        "PS1": "$ ",
        "TZ": "UTC",
    }


def run(
    name: str,
    argv: list[str],
    cols: int,
    rows: int,
    steps: list[Step],
    setup: Callable[[Path], None] | None = None,
    env: dict[str, str] | None = None,
) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"synk-rec-{name}-"))
    try:
        if setup:
            setup(work)
        rec = Recorder(argv, cols, rows, {**base_env(str(work)), **(env or {})}, str(work))
        marks: list[int] = []
        for kind, arg in steps:
            if kind == "send" and rec.out and (not marks or marks[-1] != len(rec.out)):
                marks.append(len(rec.out))  # the program was idle: a screen to compare
            if kind == "wait":
                rec.wait_for(str(arg), 60)
            elif kind == "prompt":
                rec.wait_prompt(60)
            elif kind == "send":
                rec.write(arg if isinstance(arg, bytes) else str(arg).encode())
            elif kind == "settle":
                rec.settle(float(str(arg)), 30)
        rec.settle(0.5, 20)
        rec.finish()
        (HERE / f"{name}.bin").write_bytes(bytes(rec.out))
        (HERE / f"{name}.json").write_text(
            json.dumps({"cols": cols, "rows": rows, "argv": argv, "marks": marks}) + "\n"
        )
        print(f"{name}: {len(rec.out)} bytes")
        print(rec.screen())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _files(work: Path) -> None:
    """A directory with every kind of entry `ls --color` colours differently."""
    (work / "src").mkdir()
    (work / "src" / "main.py").write_text("print('hi')\n")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    (work / "notes.txt").write_text("\n".join(f"line {i} of the notes" for i in range(300)))
    (work / "archive.tar.gz").write_bytes(b"\0" * 10)
    (work / "link").symlink_to("notes.txt")
    (work / "broken").symlink_to("missing")
    (work / "image.png").write_bytes(b"\x89PNG")
    (work / "shared").mkdir()
    (work / "shared").chmod(0o1777)


UNICODE_TEXT = """\
Plain ASCII line, then accents: café naïve résumé Ångström
CJK: 中文字符 日本語のテキスト 한국어 텍스트 (wide, two cells each)
Box: ┌──────┬──────┐ │ cell │ cell │ └──────┴──────┘
Combining: e\u0301 a\u0308 o\u0303 n\u0303 (one cell each)
Emoji: 😀 🎉 🚀 👍 (wide) and symbols ★ ✓ → ← ↑ ↓
Mixed wrap: 中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文
Greek Ελληνικά, Cyrillic Кириллица, Hebrew עברית, Arabic العربية
Zero width: a\u200bb (ZWSP) soft\u00adhyphen
Fullwidth: \uff21\uff22\uff23\uff11\uff12\uff13 and halfwidth: \uff71\uff72\uff73
"""

UNICODE_VS16 = """\
VS16 emoji: ❤\ufe0f ☀\ufe0f ✔\ufe0f and keycap 1\ufe0f\u20e3 #\ufe0f\u20e3
ZWJ family: 👨\u200d👩\u200d👧 and flag: 🇺🇸 🇯🇵 then text after
"""


def _unicode(work: Path) -> None:
    (work / "u.txt").write_text(UNICODE_TEXT)
    (work / "v.txt").write_text(UNICODE_VS16)


def _vim_file(work: Path) -> None:
    (work / "f.py").write_text(
        "\n".join(f"def func_{i}(x):\n    return x * {i}  # comment {i}\n" for i in range(30))
    )


def _claude_signed_in(work: Path) -> None:
    """Onboarding done, so Claude Code skips its network check and, with an
    API key in the environment, reaches its prompt with no network."""
    (work / ".claude.json").write_text('{"hasCompletedOnboarding": true, "theme": "dark"}')


def _codex_signed_in(work: Path) -> None:
    """A stored API key: Codex goes past sign-in to its prompt (in a home
    directory it asks no trust question)."""
    (work / ".codex").mkdir()
    (work / ".codex" / "auth.json").write_text('{"OPENAI_API_KEY": "sk-dummy"}')
    (work / ".codex" / "config.toml").write_text("[tui]\nscreen_reader_detection_done = true\n")


BASH = ["bash", "--norc", "--noprofile", "-i"]

SCRIPTS: dict[str, Callable[[], None]] = {
    "bash_readline": lambda: run(
        "bash_readline",
        BASH,
        40,
        12,
        [
            ("prompt", ""),
            ("send", "echo hello world"),
            ("settle", 0.2),
            ("send", "\x01"),  # ctrl-a
            ("send", "\x1bf"),  # alt-f
            ("send", " there"),
            ("send", "\x05"),  # ctrl-e
            ("send", "\x17"),  # ctrl-w
            ("send", "planet\x7f\x7f\x7fnet"),
            ("send", "\x1b[D\x1b[D\x1b[C"),
            ("settle", 0.2),
            ("send", "\r"),
            ("wait", r"^there hello planet$"),
            ("prompt", ""),
            ("send", "echo " + "long-argument-" * 6),
            ("settle", 0.2),
            ("send", "\x01\x1b[C\x1b[C\x05\x7f\x7f\r"),
            ("prompt", ""),
            ("send", "\x1b[A"),  # history
            ("settle", 0.2),
            ("send", "\x03"),
            ("settle", 0.2),
            ("send", "for i in 1 2 3; do printf '%s\\t|\\n' $i; done\r"),
            ("wait", r"^3\s+\|$"),
            ("prompt", ""),
            ("send", "printf 'a\\tb\\tc\\r\\n'; printf '\\e[31mred\\e[0m\\n'\r"),
            ("wait", r"^red$"),
            ("prompt", ""),
            ("send", "exit\r"),
        ],
    ),
    "ls_color": lambda: run(
        "ls_color",
        BASH,
        60,
        16,
        [
            ("prompt", ""),
            ("send", "ls --color=always -F\r"),
            ("prompt", ""),
            ("send", "ls --color=always -l --time-style=+ | cut -c1-10,30-\r"),
            ("wait", r"src"),
            ("prompt", ""),
            ("send", "exit\r"),
        ],
        _files,
    ),
    "vim_edit": lambda: run(
        "vim_edit",
        ["vim", "-N", "-u", "DEFAULTS", "-i", "NONE", "f.py"],
        80,
        24,
        [
            ("wait", r"f\.py"),
            ("settle", 0.5),
            ("send", ":syntax on\r"),
            ("settle", 0.3),
            ("send", "jjjddOinserted line with text\x1b"),
            ("settle", 0.3),
            ("send", "Gkk"),
            ("send", "/func_29\r"),
            ("settle", 0.3),
            ("send", "cwrenamed\x1b"),
            ("settle", 0.3),
            ("send", "ggVjj>"),
            ("settle", 0.3),
            ("send", ":wq\r"),
        ],
        _vim_file,
    ),
    "less_file": lambda: run(
        "less_file",
        ["less", "notes.txt"],
        70,
        20,
        [
            ("wait", r"line 18 of"),
            ("send", " "),
            ("wait", r"line 37 of"),
            ("send", "/line 2[0-9]0\r"),
            ("wait", r"line 200"),
            ("send", "k"),
            ("settle", 0.3),
            ("send", "G"),
            ("wait", r"\(END\)"),
            ("send", "g"),
            ("settle", 0.3),
            ("send", "q"),
        ],
        _files,
    ),
    "top": lambda: run(
        "top",
        ["top", "-d", "2"],
        100,
        30,
        [
            ("wait", r"PID"),
            ("settle", 0.3),
            ("send", "1"),
            ("settle", 0.8),
            ("send", "c"),
            ("settle", 0.8),
            ("send", "q"),
        ],
    ),
    "unicode": lambda: run(
        "unicode",
        BASH,
        60,
        20,
        [
            ("prompt", ""),
            ("send", "cat u.txt\r"),
            ("wait", r"halfwidth"),
            ("prompt", ""),
            ("send", "exit\r"),
        ],
        _unicode,
    ),
    "unicode_vs16": lambda: run(
        "unicode_vs16",
        BASH,
        60,
        8,
        [
            ("prompt", ""),
            ("send", "cat v.txt\r"),
            ("wait", r"after$"),
            ("prompt", ""),
            ("send", "exit\r"),
        ],
        _unicode,
    ),
    "claude": lambda: run(
        "claude",
        ["claude"],
        100,
        30,
        [("wait", r"(?i)(trust|theme|welcome|log ?in)"), ("settle", 1.5), ("send", "\r")],
    ),
    "gemini": lambda: run(
        "gemini",
        ["gemini"],
        100,
        30,
        [
            ("wait", r"(?i)trust the files"),
            ("settle", 1.5),
            ("send", "\x1b[B"),
            ("settle", 1.0),
            ("send", "\x1b[B"),
        ],
    ),
    "codex": lambda: run(
        "codex",
        ["codex"],
        100,
        30,
        [
            ("wait", r"(?i)press enter"),
            ("settle", 1.0),
            ("send", "\x1b[B"),
            ("settle", 1.0),
            ("send", "\x1b[B"),
        ],
    ),
    # Past the first screens: the prompt, typed text, a newline (ESC CR, as synk
    # sends shift+enter), ctrl+c, the slash-command menu with arrows, Esc.
    "claude_prompt": lambda: run(
        "claude_prompt",
        ["claude"],
        100,
        30,
        [
            ("wait", r"(?i)trust this folder"),
            ("settle", 1.0),
            ("send", "\r"),
            ("wait", r"(?i)use this API key"),
            ("settle", 0.5),
            ("send", "\x1b[A"),
            ("settle", 0.3),
            ("send", "\r"),
            ("wait", r"for shortcuts"),
            ("settle", 1.5),
            ("send", "hello world"),
            ("settle", 0.3),
            ("send", "\x1b\r"),
            ("send", "second line"),
            ("settle", 0.5),
            ("send", "\x03"),
            ("settle", 0.5),
            ("send", "/"),
            ("settle", 1.0),
            ("send", "\x1b[B"),
            ("settle", 0.3),
            ("send", "\x1b[B"),
            ("settle", 0.5),
            ("send", "\x1b"),
            ("settle", 0.8),
            ("send", "\x03"),
            ("settle", 0.2),
            ("send", "\x03"),
        ],
        _claude_signed_in,
        {"ANTHROPIC_API_KEY": "sk-ant-api03-dummy"},
    ),
    # Codex with the kitty keyboard flags it pushed answered by synk's emulator:
    # keys are sent as synk sends them then (CSI u for escape and ctrl keys).
    "codex_prompt": lambda: run(
        "codex_prompt",
        ["codex"],
        100,
        30,
        [
            ("wait", r"(?i)ask codex"),
            ("settle", 1.5),
            ("send", "hello codex"),
            ("settle", 0.3),
            ("send", "\x1b[13;2u"),
            ("send", "line two"),
            ("settle", 0.5),
            ("send", "\x1b[A\x1b[HX"),
            ("settle", 0.5),
            ("send", "\x1b[99;5u"),
            ("settle", 0.8),
            ("send", "/"),
            ("settle", 1.0),
            ("send", "\x1b[B\x1b[B"),
            ("settle", 0.8),
            ("send", "\x1b[27u"),
            ("settle", 0.8),
            ("send", "\x1b[99;5u"),
            ("settle", 0.3),
            ("send", "\x1b[99;5u"),
        ],
        _codex_signed_in,
    ),
}


def main(args: list[str]) -> None:
    names = list(SCRIPTS) if args == ["--all"] else args
    for name in names:
        SCRIPTS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
