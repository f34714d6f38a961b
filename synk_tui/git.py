"""The git branch of a directory, read from `.git/HEAD` (no subprocess).

Plain `os.path` calls keep this cheap: it runs on every session start.
"""

from __future__ import annotations

import os
import stat


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().strip()
    except OSError:
        return None


def find_git_dir(path: str) -> str | None:
    """The git directory governing `path` (handles worktrees' `.git` files)."""
    directory = os.path.abspath(path)
    while True:
        dot_git = os.path.join(directory, ".git")
        try:
            mode = os.stat(dot_git).st_mode  # one call per level, not isdir + isfile
        except OSError:
            mode = 0
        if stat.S_ISDIR(mode):
            return dot_git
        if stat.S_ISREG(mode):
            text = _read(dot_git) or ""
            if not text.startswith("gitdir:"):
                return None
            target = text.removeprefix("gitdir:").strip()
            return os.path.normpath(os.path.join(directory, target))
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def current_branch(path: str) -> str | None:
    """The checked-out branch, a short commit id when detached, or None outside git."""
    git_dir = find_git_dir(path)
    head = _read(os.path.join(git_dir, "HEAD")) if git_dir else None
    if not head:
        return None
    if head.startswith("ref:"):
        return head.removeprefix("ref:").strip().removeprefix("refs/heads/")
    return head[:7]
