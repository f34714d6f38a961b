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


# Short streams on the edges where emulators differ; tmux is the reference.
EDGE_CASES = {
    "wrap_then_erase": b"x" * 20 + b"\x1b[K",
    "wrap_then_cr": b"y" * 20 + b"\rZ",
    "wrap_then_tab": b"x" * 20 + b"\tY",
    "wide_at_last_column": b"x" * 19 + "中".encode() + b"Q",
    "combining_at_start": "\u0301abc".encode(),
    "tab_stops_cleared": b"a\tb\tc\x1b[3g\td",
    "rep": b"-\x1b[5b|\r\n\x1b[5b",
    "scroll_region_history": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[4;1H\n\n\x1b[r",
    "su_sd": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2S\x1b[T",
    "decaln": b"\x1b#8",
    "origin_mode": b"\x1b[2;4r\x1b[?6h\x1b[1;1HX\x1b[10;1HY\x1b[?6l",
    "no_autowrap": b"\x1b[?7l" + b"z" * 30 + b"\x1b[?7h",
    "alt_screen": b"main\r\n\x1b[?1049halt\x1b[?1049l",
    "save_restore": b"\x1b[3;3Hab\x1b7\x1b[1;1Hc\x1b8d",
    "reverse_index_at_top": b"a\r\nb\x1b[H\x1bM\x1bMx",
    "line_drawing": b"\x1b(0lqqk\x1b(B ok",
    "insert_delete_lines": b"1\r\n2\r\n3\r\n4\r\n5\x1b[2;1H\x1b[2L\x1b[4;1H\x1b[M",
    "erase_display": b"aaaaa\r\nbbbbb\r\nccccc\x1b[2;3H\x1b[1J\x1b[3;2H\x1b[J",
    "bad_parameters": b"\x1b[1;2dX\x1b[?4mY\x1b[?6nZ\x1b[>4;1mW",
    "swallowed_strings": b"a\x1bP1$r0m\x1b\\b\x1b_Gk\x1b\\c\x1b[<0;1;1Md\x1b[=5ue\x1b[!pf",
    "cjk_wrap": ("中" * 15).encode(),
    "control_inside_csi": b"ab\x1b[1\rX",
    "cursor_past_edges": b"\x1b[100Cx\x1b[1;1H\x1b[100By",
    "flood": b"".join(b"%d\r\n" % i for i in range(3000)),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case_same_as_tmux(name: str, panes: dict[tuple[int, int], TmuxPane]) -> None:
    data = EDGE_CASES[name]
    pane = panes.get((20, 6))
    if pane is None:
        pane = panes[(20, 6)] = TmuxPane(20, 6, HISTORY)
    pane.replay(data)
    emu = TerminalEmulator(20, 6, HISTORY)
    emu.feed(data)
    assert emu.lines() == pane.lines()
    assert emu.cursor == pane.cursor()
    history = pane.history()
    # A full tmux history drops its oldest tenth at once: compare what it kept.
    assert len(history) >= HISTORY * 9 // 10 or len(history) == emu.scrollback_len
    assert emu.scrollback_lines()[len(emu.scrollback_lines()) - len(history) :] == history
