"""Recorded streams of real programs give the same screen in synk as in tmux.

The recordings in tests/corpus/ (made by tests/corpus/record.py: bash with
readline editing, ls --color, vim, less, top, Unicode text and the first
screens of Claude Code, Gemini CLI and Codex) are replayed byte for byte into
the emulator and into a tmux pane of the same size; the visible text, the
cursor and the scrollback must agree. The one known exception is tmux 3.3a's
width for VS16 emoji (one cell, where synk and rich use two).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synk_tui.emulator import TerminalEmulator
from tests.emu_helpers import TmuxPane, tmux_available

CORPUS = Path(__file__).parent / "corpus"
NAMES = sorted(p.stem for p in CORPUS.glob("*.bin"))
HISTORY = 2000

pytestmark = pytest.mark.skipif(not tmux_available(), reason="tmux is the reference")


def test_corpus_is_complete() -> None:
    want = {"bash_readline", "ls_color", "vim_edit", "less_file", "top", "unicode"}
    want |= {"unicode_vs16", "claude", "gemini", "codex"}
    assert want <= set(NAMES)


@pytest.fixture(scope="module")
def panes() -> dict[tuple[int, int], TmuxPane]:
    made: dict[tuple[int, int], TmuxPane] = {}
    yield made  # type: ignore[misc]
    for pane in made.values():
        pane.close()


@pytest.mark.parametrize("name", NAMES)
def test_same_screen_as_tmux(name: str, panes: dict[tuple[int, int], TmuxPane]) -> None:
    meta = json.loads((CORPUS / f"{name}.json").read_text())
    cols, rows = meta["cols"], meta["rows"]
    data = (CORPUS / f"{name}.bin").read_bytes()

    whole = TerminalEmulator(cols, rows, HISTORY)
    whole.feed(data)
    chunked = TerminalEmulator(cols, rows, HISTORY)
    for i in range(0, len(data), 4096):  # as a PTY delivers it
        chunked.feed(data[i : i + 4096])
    assert chunked.lines() == whole.lines()
    assert chunked.scrollback_lines() == whole.scrollback_lines()

    pane = panes.get((cols, rows))
    if pane is None:
        pane = panes[(cols, rows)] = TmuxPane(cols, rows, HISTORY)
    vs16 = "\ufe0f" in data.decode("utf-8", "replace")
    # Compare at each point where the program sat idle waiting for a key, and
    # at the end.
    for mark in [*meta["marks"], len(data)]:
        emu = TerminalEmulator(cols, rows, HISTORY)
        emu.feed(data[:mark])
        pane.replay(data[:mark])
        want_lines, want_cursor, want_history = pane.lines(), pane.cursor(), pane.history()
        if vs16:
            # tmux 3.3a draws VS16 emoji one cell wide: compare the text only.
            assert [r.replace("\ufe0f", "") for r in emu.lines()] == [
                r.replace("\ufe0f", "") for r in want_lines
            ], mark
            continue
        assert emu.lines() == want_lines, mark
        assert emu.cursor == want_cursor, mark
        assert emu.scrollback_lines() == want_history, mark
