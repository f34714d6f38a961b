"""The git branch of a directory, read from `.git/HEAD` (no subprocess).

Plain `os.path` calls keep this cheap: it runs on every session start.
What a repository holds is untrusted: at most `MAX_READ` characters of a
file are read, bytes that are not UTF-8 become U+FFFD, and the branch name
is returned as it is (it may hold ESC or markup): whatever shows it passes
it through `sanitize.safe_text` first.
"""

from __future__ import annotations

import os
import stat

MAX_READ = 4096
"""Characters read of `.git/HEAD` or a worktree's `.git` file; real ones are far shorter."""


def _read(path: str) -> str | None:
    """The start of a regular file as text; None for anything else (a FIFO never blocks)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with open(descriptor, encoding="utf-8", errors="replace", closefd=False) as file:
            return file.read(MAX_READ).strip()
    except OSError:
        return None
    finally:
        os.close(descriptor)


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
    return branch_of_head(os.path.join(git_dir, "HEAD")) if git_dir else None


def branch_of_head(head_path: str) -> str | None:
    """The branch a HEAD file names, a short commit id when detached, or None."""
    head = _read(head_path)
    if not head:
        return None
    if head.startswith("ref:"):
        return head.removeprefix("ref:").strip().removeprefix("refs/heads/")
    return head[:7]
