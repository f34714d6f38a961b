"""Copy mode's core: cursor movement, selection, text and search over a real emulator."""

from __future__ import annotations

import time

from synk_tui.copy_mode import CopyMode, Match
from synk_tui.emulator import TerminalEmulator


def screen_with(lines: list[str], cols: int = 20, rows: int = 4) -> TerminalEmulator:
    """An emulator fed `lines` (CRLF each): what does not fit is in the scrollback."""
    emulator = TerminalEmulator(cols=cols, rows=rows, scrollback=1000)
    emulator.feed("\r\n".join(lines).encode())
    return emulator


def test_starts_bottom_left_and_moves_within_screen_and_scrollback() -> None:
    emulator = screen_with([f"line {n}" for n in range(10)])
    assert emulator.scrollback_len == 6
    copy = CopyMode(emulator)
    assert copy.cursor == (3, 0)
    copy.move(lines=1)
    assert copy.cursor == (3, 0)  # the bottom row is the last
    copy.move(lines=-5)
    assert copy.cursor == (-2, 0)
    assert copy.row_text(-2) == "line 4"
    copy.top()
    assert copy.cursor == (-6, 0)
    assert copy.row_text(copy.cursor[0]) == "line 0"
    copy.move(lines=-1, columns=-1)
    assert copy.cursor == (-6, 0)
    copy.move(columns=100)
    assert copy.cursor == (-6, 19)  # never past the last column
    copy.line_end()
    assert copy.cursor == (-6, 5)
    copy.line_start()
    assert copy.cursor == (-6, 0)
    copy.bottom()
    assert copy.cursor == (3, 0)


def test_a_wide_character_is_one_step_and_the_cursor_sits_on_its_first_cell() -> None:
    emulator = screen_with(["a\u4e16\u754cb"])  # a, two wide chars, b
    copy = CopyMode(emulator, (0, 0))
    copy.move(columns=1)
    assert copy.cursor == (0, 1)
    copy.move(columns=1)
    assert copy.cursor == (0, 3)
    copy.move(columns=1)
    assert copy.cursor == (0, 5)
    copy.move(columns=-1)
    assert copy.cursor == (0, 3)
    assert CopyMode(emulator, (0, 4)).cursor == (0, 3)  # the second cell snaps back


def test_selection_across_rows_gives_the_text_and_a_wide_char_whole() -> None:
    emulator = screen_with(["first row", "x\u4e16y", "third"])
    copy = CopyMode(emulator, (0, 6))
    assert copy.selected_text() == ""
    copy.toggle_selection()
    copy.move(lines=1)
    copy.line_start()
    copy.move(columns=1)  # onto the wide char
    assert copy.cursor == (1, 1)
    assert copy.selection == ((0, 6), (1, 2))  # both of its cells
    assert copy.selected_text() == "row\nx\u4e16"
    copy.toggle_selection()
    assert copy.selection is None


def test_selection_backwards_is_in_reading_order() -> None:
    emulator = screen_with(["hello world"])
    copy = CopyMode(emulator, (0, 10))
    copy.toggle_selection()
    copy.move(columns=-4)
    assert copy.selected_text() == "world"


def test_search_forward_and_backward_wrap_around_screen_and_scrollback() -> None:
    lines = [f"row {n}" + (" needle" if n in (2, 12, 25) else "") for n in range(30)]
    emulator = screen_with(lines, cols=30, rows=5)
    copy = CopyMode(emulator)
    bottom = copy.cursor
    first = copy.search("needle", forward=False)
    assert first is not None and copy.row_text(first.line) == "row 25 needle"
    assert first == Match(first.line, 7, 13) and copy.cursor == (first.line, 7)
    second = copy.next_match()
    assert second is not None and copy.row_text(second.line) == "row 12 needle"
    third = copy.next_match()
    assert third is not None and copy.row_text(third.line) == "row 2 needle"
    assert third.line == copy.first_line + 2
    wrapped = copy.next_match()  # past the oldest: wraps to the newest
    assert wrapped == first
    back = copy.next_match(reverse=True)  # N: the other way
    assert back == third
    assert copy.count_matches() == 3
    copy.cursor = bottom
    assert copy.search("needle", forward=True) == third  # forward from the bottom wraps to the top
    assert copy.search("missing", forward=True) is None
    assert copy.cursor == (third.line, third.start)  # nothing found: the cursor stays


def test_search_is_smartcase_and_columns_count_wide_cells() -> None:
    emulator = screen_with(["\u4e16\u754c Error here", "error there"], cols=30)
    copy = CopyMode(emulator, (1, 0))
    found = copy.search("error", forward=False)
    assert found == Match(0, 5, 10)  # after two wide chars and a space
    assert copy.matches_in_row(0) == [(5, 10)]
    copy.cursor = (0, 0)
    assert copy.search("Error", forward=True) == Match(0, 5, 10)  # upper case: exact
    assert copy.count_matches() == 1


def test_two_matches_in_one_row_and_next_goes_to_the_second() -> None:
    emulator = screen_with(["ab ab ab"])
    copy = CopyMode(emulator, (0, 0))
    assert copy.search("ab", forward=True) == Match(0, 3, 5)
    assert copy.next_match() == Match(0, 6, 8)
    assert copy.matches_in_row(0) == [(0, 2), (3, 5), (6, 8)]


def test_matches_never_span_rows() -> None:
    """The emulator does not mark soft wraps: each row is searched on its own."""
    emulator = screen_with(["abcdefghij" + "klm"], cols=10)
    copy = CopyMode(emulator)
    assert copy.search("jk", forward=True) is None


def test_alt_screen_reaches_no_scrollback() -> None:
    emulator = screen_with([f"old {n}" for n in range(10)])
    emulator.feed(b"\x1b[?1049h\x1b[Hfull screen")
    copy = CopyMode(emulator)
    copy.top()
    assert copy.cursor == (0, 0)
    assert copy.search("old", forward=True) is None
    assert copy.search("screen", forward=True) == Match(0, 5, 11)


def test_shift_follows_the_text_when_output_scrolls() -> None:
    emulator = screen_with([f"line {n}" for n in range(10)])
    copy = CopyMode(emulator, (1, 2))
    copy.toggle_selection()
    assert copy.row_text(1) == "line 7"
    emulator.feed(b"\r\nmore\r\nmore")
    copy.shift(2)
    assert copy.cursor == (-1, 2) and copy.row_text(-1) == "line 7"
    assert copy.anchor == (-1, 2)


def test_search_is_linear_in_the_scrollback() -> None:
    """Ten times the rows costs about ten times the time, not a hundred."""

    def cost(count: int) -> float:
        emulator = TerminalEmulator(cols=120, rows=40, scrollback=count)
        emulator.feed(b"".join(b"%08d some ordinary log text\r\n" % n for n in range(count)))
        copy = CopyMode(emulator)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            copy.search("zzz-missing", forward=False)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(2_000), cost(20_000)
    assert large < small * 30


def test_a_letter_whose_lower_case_is_longer_keeps_columns_right() -> None:
    """'\u0130'.lower() is two characters: the match after it is still where it is."""
    emulator = screen_with(["\u0130\u0130 x", "key here"], cols=20)
    copy = CopyMode(emulator, (0, 0))
    assert copy.search("here", forward=True) == Match(1, 4, 8)
    assert copy.search("x", forward=False) == Match(0, 3, 4)


def test_the_kept_text_is_read_again_after_the_screen_changed() -> None:
    emulator = screen_with(["one"], cols=20)
    copy = CopyMode(emulator, (0, 0))
    assert copy.search("two", forward=True) is None
    emulator.feed(b"\r\ntwo")
    assert copy.search("two", forward=True) is None  # the kept text, until told
    copy.screen_changed()
    assert copy.search("two", forward=True) == Match(1, 0, 3)
