"""The prompt history file is private: prompts may hold secrets."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from synk_tui.prompting import PromptHistory


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone (0644)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_history_file_is_created_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "prompt_history"
    PromptHistory(path).add("export TOKEN=secret")
    assert mode(path) == 0o600
    assert PromptHistory(path).entries == ["export TOKEN=secret"]


def test_history_file_left_readable_is_made_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "prompt_history"
    path.write_text('"old"\n')
    path.chmod(0o644)
    PromptHistory(path).add("new")
    assert mode(path) == 0o600
    assert PromptHistory(path).entries == ["old", "new"]


def test_rewritten_history_file_is_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "prompt_history"
    path.write_text("".join(f'"p{n}"\n' for n in range(10)))
    path.chmod(0o644)
    history = PromptHistory(path, limit=3)  # over twice the limit: rewritten
    assert history.entries == ["p7", "p8", "p9"]
    assert path.read_text() == '"p7"\n"p8"\n"p9"\n'
    assert mode(path) == 0o600
