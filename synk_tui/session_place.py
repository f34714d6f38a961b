"""Where a session works now: its current directory and that directory's branch.

A shell that `cd`s, or a repository that changes branch under a running
session, must show in its header and in a saved workspace. The manager asks
here when a session has gone quiet, at most every `MIN_INTERVAL` seconds per
session, and every `IDLE_SECONDS` while it stays quiet, so the cost is a few
`stat`s and a `readlink` per session per second, never a subprocess. A program's OSC 7 report is
untrusted: it counts only if it names an existing directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from synk_tui.git import branch_of_head, find_git_dir

QUIET_SECONDS = 0.3
"""A session is looked at once it printed nothing for this long: a `cd` or a
`git checkout` has finished by the time its prompt is back."""
MIN_INTERVAL = 1.0
"""Seconds between two looks at one session, however much it prints."""
IDLE_SECONDS = 2.0
"""A quiet session is looked at again this often: a branch checked out from
another terminal shows without the session printing anything."""


def current_dir(
    reported: str | None, foreground_pgid: int | None, shell_pid: int | None
) -> str | None:
    """The session's directory: what the program reported (OSC 7), else the
    terminal's foreground process's, else the shell's; None if none is known."""
    if reported and os.path.isabs(reported) and _is_dir(reported):
        return os.path.normpath(reported)
    for pid in (foreground_pgid, shell_pid):
        if pid is None or pid <= 0:
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if _is_dir(cwd):
            return cwd
    return None


def _is_dir(path: str) -> bool:
    """`os.path.isdir` that also refuses what no path can be (a NUL inside)."""
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class _HeadStamp:
    """What changes when HEAD is rewritten (git renames a new file over it)."""

    path: str
    mtime_ns: int
    size: int
    inode: int


class BranchWatch:
    """A directory's branch, re-read only when its HEAD file changed."""

    def __init__(self) -> None:
        self._stamp: _HeadStamp | None = None
        self._branch: str | None = None

    def branch(self, directory: str) -> str | None:
        """The branch of `directory` (None outside git), cheap when nothing changed."""
        git_dir = find_git_dir(directory)
        if git_dir is None:
            self._stamp = None
            return None
        head = os.path.join(git_dir, "HEAD")
        try:
            found = os.stat(head)
        except (OSError, ValueError):
            self._stamp = None
            return None
        stamp = _HeadStamp(head, found.st_mtime_ns, found.st_size, found.st_ino)
        if stamp != self._stamp:
            self._stamp = stamp
            self._branch = branch_of_head(head)
        return self._branch
