"""Pure rules of the command bar: `@` targets, prompt encoding and history.

The bar widget and the app use these; they touch no terminal. Pane numbers
are what people see (pane index + 1).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from synk_tui.paste import encode_paste
from synk_tui.sanitize import drop_controls

NEWLINE_MARK = "\u23ce"
"""How a line break is shown inside the one-line prompt input (⏎)."""


MAX_HISTORY_BYTES = 1024 * 1024
"""Bytes of the history file read at start: its newest part, so memory stays bounded."""

_TARGET_PREFIX = re.compile(r"^@(?P<spec>[^\s]*)\s+(?P<rest>.*)$", re.DOTALL)


class TargetError(ValueError):
    """An `@` prefix that names no pane, or panes that do not exist."""


@dataclass(frozen=True)
class ParsedPrompt:
    """A prompt with its `@` prefix split off; `targets` None means the default ones."""

    text: str
    targets: tuple[int, ...] | None


def parse_prompt(line: str, pane_numbers: Iterable[int]) -> ParsedPrompt:
    """Split `@2,5 text` / `@all text` into targets and text.

    Raises TargetError naming what is wrong when the prefix is malformed or
    names a pane that does not exist. Text with no `@` prefix keeps the
    default targets (the marked panes, else the selected one).
    """
    existing = sorted(set(pane_numbers))
    match = _TARGET_PREFIX.match(line)
    if match is None:
        if line.startswith("@") and not any(c.isspace() for c in line):
            # Still typing the prefix: no text yet.
            spec = line[1:]
            if not spec or ("all".startswith(spec.lower()) and spec.lower() != "all"):
                return ParsedPrompt("", None)
            return ParsedPrompt("", _parse_spec(spec, existing))
        return ParsedPrompt(line, None)
    return ParsedPrompt(match.group("rest"), _parse_spec(match.group("spec"), existing))


def _parse_spec(spec: str, existing: list[int]) -> tuple[int, ...]:
    """`all`, `2`, `2,5`, `1-3` -> pane numbers, checked against `existing`."""
    if spec.lower() == "all":
        return tuple(existing)
    numbers: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise TargetError(f"@{spec}: {part!r} is not a pane number") from None
        if first > last:
            first, last = last, first
        numbers.extend(range(first, last + 1))
    if not numbers:
        raise TargetError(f"@{spec}: no pane numbers")
    missing = sorted({n for n in numbers if n not in existing})
    if missing:
        names = ", ".join(str(n) for n in missing)
        raise TargetError(f"no pane {names}" if len(missing) == 1 else f"no panes {names}")
    return tuple(dict.fromkeys(numbers))


def prompt_line(text: str) -> str:
    """Outside text (a paste, the history file) as the one-line prompt input holds it.

    Line breaks become the visible mark, a tab a space, and every other
    control character (ESC, BEL, C1) is dropped: the input shows its value
    as it is, so an ESC in it would reach the user's terminal. One pass each,
    linear in the text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", NEWLINE_MARK)
    return drop_controls(text.replace("\t", " "))


def encode_prompt(text: str, bracketed_paste: bool) -> str:
    """The characters to write so the child receives `text` and then Enter.

    One line: the text and a carriage return. Several lines: as one
    bracketed paste when the child enabled it (so an agent takes it as one
    prompt), otherwise line by line, each ended with a carriage return.
    Pasted newlines are sent as CR, as terminals do. The paste is the one
    `paste.encode_paste` makes of a real paste, so the prompt cannot leave
    the brackets either.
    """
    text = text.replace(NEWLINE_MARK, "\n").replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text:
        return text + "\r"
    return encode_paste(text, bracketed_paste).decode() + "\r"


def format_targets(numbers: Iterable[int]) -> str:
    """`1,2,5` for the bar's target label."""
    return ",".join(str(n) for n in numbers)


def _open_private(path: Path, mode: int) -> TextIO:
    """Open ``path`` for writing, created 0600, and made 0600 if an older synk
    left it readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return open(fd, "w", encoding="utf-8")


class PromptHistory:
    """Earlier prompts for up/down recall, kept across runs in one file.

    Each line of the file is one JSON string, so multi-line prompts survive.
    A file that cannot be read or written only loses history, never a prompt.
    Prompts can hold secrets, so the file is private (0600, directory 0700);
    it is untrusted like any file: only its last `MAX_HISTORY_BYTES` are
    read, and a line that is not one JSON string is skipped.
    """

    def __init__(self, path: Path | None = None, limit: int = 500) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[str] = []
        self._cursor = 0
        self._draft = ""
        if path is not None:
            entries = self._load(path)
            self.entries = entries[-limit:]
            if len(entries) > 2 * limit:
                self._rewrite(path)
        self.reset()

    @staticmethod
    def _tail(path: Path) -> bytes:
        """The last `MAX_HISTORY_BYTES` of a regular file (a FIFO never blocks), else b""."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError:
            return b""
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return b""
            start = max(0, info.st_size - MAX_HISTORY_BYTES)
            raw = os.pread(fd, MAX_HISTORY_BYTES, start)
        except OSError:
            return b""
        finally:
            os.close(fd)
        if start > 0:  # the first line is cut: drop it
            raw = raw[raw.find(b"\n") + 1 :] if b"\n" in raw else b""
        return raw

    @classmethod
    def _load(cls, path: Path) -> list[str]:
        """Read the history file, skipping lines that are not JSON strings."""
        entries: list[str] = []
        for line in cls._tail(path).split(b"\n"):
            if not line.startswith(b'"'):
                continue  # not a string: no nesting, no numbers to choke on
            try:
                value = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(value, str) and value:
                entries.append(value)
        return entries

    @staticmethod
    def _open_private(path: Path) -> int:
        """The history file opened for appending, created 0600, made 0600 if it was not."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
        except OSError:
            os.close(fd)
            raise
        return fd

    def _rewrite(self, path: Path) -> None:
        """Keep the file from growing for ever: only the kept entries stay (0600)."""
        data = "".join(json.dumps(entry) + "\n" for entry in self.entries).encode("utf-8")
        temporary: str | None = None
        try:
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
            temporary = None
        except OSError:
            pass
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def reset(self, draft: str = "") -> None:
        """Start a new recall walk from the newest entry."""
        self._cursor = len(self.entries)
        self._draft = draft

    def add(self, prompt: str) -> None:
        """Remember a sent prompt (consecutive duplicates once) and append it to the file."""
        if not prompt:
            return
        if not self.entries or self.entries[-1] != prompt:
            self.entries.append(prompt)
            del self.entries[: -self.limit]
            if self.path is not None:
                line = (json.dumps(prompt) + "\n").encode("utf-8")
                try:
                    with os.fdopen(self._open_private(self.path), "ab") as handle:
                        handle.write(line)
                except OSError:
                    pass
        self.reset()

    def older(self, current: str) -> str:
        """The entry before the cursor (up); stays on the oldest."""
        if self._cursor == len(self.entries):
            self._draft = current
        if self._cursor > 0:
            self._cursor -= 1
        return self.entries[self._cursor] if self.entries else current

    def newer(self) -> str:
        """The entry after the cursor (down); past the newest gives back the draft."""
        if self._cursor < len(self.entries):
            self._cursor += 1
        if self._cursor == len(self.entries):
            return self._draft
        return self.entries[self._cursor]
