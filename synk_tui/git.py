"""The git branch of a directory, read from `.git/HEAD` (no subprocess)."""

from __future__ import annotations

from pathlib import Path


def find_git_dir(path: str | Path) -> Path | None:
    """The git directory governing `path` (handles worktrees' `.git` files)."""
    current = Path(path).resolve()
    for directory in (current, *current.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (directory / target).resolve()
            return None
    return None


def current_branch(path: str | Path) -> str | None:
    """The checked-out branch, a short commit id when detached, or None outside git."""
    git_dir = find_git_dir(path)
    if git_dir is None:
        return None
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if head.startswith("ref:"):
        ref = head.removeprefix("ref:").strip()
        return ref.removeprefix("refs/heads/")
    return head[:7] or None
