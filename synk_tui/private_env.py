"""Environment values that must never be typed: handed to a shell through a file.

A session's `env` may hold secrets (API keys). Typed into the shell as part of
its setup line they could land in the line editor's history, on the screen
or in a log; instead they are written to a file only the user can read
(mode 0600, in a directory of mode 0700 that synk makes for itself, in
memory where there is a tmpfs: `$XDG_RUNTIME_DIR`, else /dev/shm), the setup
line sources it with the shell's own builtin (no new process, so no command
line shows a value), and synk removes the file as soon as the setup has run.
A tmpfs also keeps the value off the disk and the start fast: a file made
and removed on an ext4 /tmp costs ~0.4 ms, on tmpfs ~0.04 ms.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _fish_quote(value: str) -> str:
    """A fish single-quoted word: only backslash and quote are special there."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def env_script(env: Mapping[str, str], shell_name: str) -> str:
    """The lines that set `env` in a shell of this name (fish or POSIX)."""
    lines = []
    for name, value in env.items():
        if not _ENV_NAME.match(name):  # validated by the caller; never written otherwise
            raise ValueError(f"invalid environment variable name {name!r}")
        if shell_name == "fish":
            lines.append(f"set -gx {name} {_fish_quote(value)}\n")
        else:
            lines.append(f"export {name}={shlex.quote(value)}\n")
    return "".join(lines)


def source_command(path: Path, shell_name: str) -> str:
    """The builtin that reads `path` into the running shell."""
    return ("source " if shell_name == "fish" else ". ") + shlex.quote(str(path))


class PrivateEnvFiles:
    """Short-lived 0600 files in one private 0700 directory, made on first use."""

    def __init__(self) -> None:
        self._dir: Path | None = None

    def _directory(self) -> Path:
        if self._dir is None or not self._dir.is_dir():
            self._dir = None
            runtime = os.environ.get("XDG_RUNTIME_DIR") or ""
            for base in (runtime, "/dev/shm", None):  # None: the temp dir
                if base is not None and not os.path.isdir(base):
                    continue
                try:
                    self._dir = Path(tempfile.mkdtemp(prefix="synk-env-", dir=base))
                    break
                except OSError:
                    if base is None:
                        raise
        assert self._dir is not None
        return self._dir

    def write(self, env: Mapping[str, str], shell_name: str) -> Path:
        """A new file holding `env` as `shell_name` reads it; the caller removes it."""
        path = self._directory() / secrets.token_hex(8)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o600)
        try:
            os.write(fd, env_script(env, shell_name).encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)
        return path

    @staticmethod
    def remove(path: Path | None) -> None:
        """Remove one file (gone already is fine)."""
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()

    def close(self) -> None:
        """Remove the directory and whatever is left in it."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
