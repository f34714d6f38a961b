"""Copy mode: a keyboard cursor over a session's screen and scrollback.

Core, no Textual: the pane routes keys here and draws what this reports
(cursor, selection, matches). Positions are `(line, column)`: `line` is an
emulator row index (`0..rows-1` the screen, `-1` the newest scrollback line,
`-scrollback_len` the oldest), `column` a cell column, so a wide character
covers two columns and the cursor always sits on its first one.

Search is a plain substring, case-insensitive unless the pattern has an
upper-case letter (vi's smartcase). It joins every row's text once and lets
`str.find` / `str.rfind` do the scan, so a search costs time linear in the
scrollback, at C speed. The joined text is kept until the screen changes
(`screen_changed()`, which the pane calls on every update of the session),
so `n` / `N` and the count of matches cost no row reading at all. The
emulator does not expose which rows were soft wrapped, so a match never
spans two rows.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len

from synk_tui.emulator import StyleKey

__all__ = ["SEARCH_PATTERN_LIMIT", "CopyMode", "CopyScreen", "Match"]

SEARCH_PATTERN_LIMIT = 256
"""Characters a search pattern may have; longer typing is ignored."""

Point = tuple[int, int]


class CopyScreen(Protocol):
    """What copy mode reads of a `TerminalEmulator` (its public surface)."""

    @property
    def rows(self) -> int: ...
    @property
    def cols(self) -> int: ...
    @property
    def scrollback_len(self) -> int: ...
    @property
    def alt_screen(self) -> bool: ...
    def lines(self) -> list[str]: ...
    def scrollback_lines(self) -> list[str]: ...
    def row_runs(self, index: int) -> list[tuple[str, StyleKey]]: ...


@dataclass(frozen=True)
class Match:
    """A search hit: `line`, and the cells `[start, end)` it covers."""

    line: int
    start: int
    end: int


def _cell_offset(text: str, index: int) -> int:
    """The cell column where character `index` of `text` starts."""
    return cell_len(text[:index])


def _char_starts(text: str) -> list[int]:
    """The cell column of each printed character's first cell (combining marks skipped)."""
    starts: list[int] = []
    position = 0
    for char in text:
        width = cell_len(char)
        if width == 0:
            continue
        starts.append(position)
        position += width
    return starts


def _lower(text: str) -> str:
    """`text` lower-cased, one character for one (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _fold(text: str, pattern: str) -> tuple[str, str]:
    """Smartcase: both lower-cased unless the pattern has an upper-case letter."""
    if pattern.lower() == pattern:
        return _lower(text), pattern
    return text, pattern


class CopyMode:
    """The cursor, the selection and the last search of one pane in copy mode."""

    def __init__(self, screen: CopyScreen, cursor: Point | None = None) -> None:
        """Start at `cursor` (default: the bottom-left of the screen)."""
        self.screen = screen
        self.cursor: Point = self._clamp(cursor if cursor is not None else (screen.rows - 1, 0))
        self.anchor: Point | None = None
        """Where the selection started (`v` / space), or None."""
        self.pattern = ""
        """The last search pattern (`n` / `N` repeat it)."""
        self.forward = True
        """The direction of the last `/` (True) or `?` (False) search."""
        self.match: Match | None = None
        """The match the cursor was last moved to."""
        self._haystack: tuple[list[str], list[int], str, str] | None = None
        """Rows' texts, where each starts, joined, and joined lower-cased (kept)."""

    # -- the rows --------------------------------------------------------------

    @property
    def first_line(self) -> int:
        """The oldest line reachable: no scrollback in the alternate screen."""
        return 0 if self.screen.alt_screen else -self.screen.scrollback_len

    @property
    def last_line(self) -> int:
        """The bottom row of the screen."""
        return self.screen.rows - 1

    def screen_changed(self) -> None:
        """The emulator was fed: the rows' texts kept for searching are stale."""
        self._haystack = None

    def _texts(self) -> tuple[list[str], list[int], str, str]:
        """Every reachable row's text oldest first (index 0 is `first_line`),
        where each starts in the joined text, the joined text and its lower case."""
        if self._haystack is None:
            if self.screen.alt_screen:
                texts = self.screen.lines()
            else:
                texts = self.screen.scrollback_lines() + self.screen.lines()
            joined = "\n".join(texts)
            self._haystack = (texts, _row_offsets(texts), joined, _lower(joined))
        return self._haystack

    def row_text(self, line: int) -> str:
        """The text of one row (right-stripped, a wide character once)."""
        if not self.first_line <= line <= self.last_line:
            return ""
        return "".join(text for text, _ in self.screen.row_runs(line)).rstrip(" ")

    def _clamp(self, point: Point) -> Point:
        line = max(self.first_line, min(point[0], self.last_line))
        column = max(0, min(point[1], self.screen.cols - 1))
        return line, self._snap(line, column)

    def _snap(self, line: int, column: int) -> int:
        """`column`, moved left onto the first cell of the character it is in."""
        position = 0
        for char in self.row_text(line):
            width = cell_len(char)
            if width and position + width > column:
                return position
            position += width
        return column

    # -- movement --------------------------------------------------------------

    def move(self, lines: int = 0, columns: int = 0) -> None:
        """Move by rows and by characters (a wide character is one step)."""
        line, column = self.cursor
        line = max(self.first_line, min(line + lines, self.last_line))
        text = self.row_text(line)
        for _ in range(abs(columns)):
            column = _next_column(text, column) if columns > 0 else _previous_column(text, column)
        self.cursor = self._clamp((line, column))
        self.match = None

    def top(self) -> None:
        """`g`: the oldest line of the scrollback."""
        self.cursor = self._clamp((self.first_line, 0))
        self.match = None

    def bottom(self) -> None:
        """`G`: the bottom row of the screen."""
        self.cursor = self._clamp((self.last_line, 0))
        self.match = None

    def line_start(self) -> None:
        """`0`: the first column."""
        self.cursor = (self.cursor[0], 0)

    def line_end(self) -> None:
        """`$`: the last character of the row."""
        line = self.cursor[0]
        starts = _char_starts(self.row_text(line))
        self.cursor = (line, starts[-1] if starts else 0)

    def shift(self, lines: int) -> None:
        """Output pushed `lines` rows into the scrollback: follow the text."""
        self._haystack = None
        line, column = self.cursor
        self.cursor = self._clamp((line - lines, column))
        if self.anchor is not None:
            self.anchor = (max(self.first_line, self.anchor[0] - lines), self.anchor[1])
        if self.match is not None:
            match = self.match
            self.match = Match(match.line - lines, match.start, match.end)

    # -- selection -------------------------------------------------------------

    def toggle_selection(self) -> None:
        """`v` / space: start a selection at the cursor, or drop the one there is."""
        self.anchor = None if self.anchor is not None else self.cursor

    @property
    def selection(self) -> tuple[Point, Point] | None:
        """(start, end) in reading order, end inclusive; None without a selection."""
        if self.anchor is None:
            return None
        first, last = sorted((self.anchor, self.cursor))
        # The last cell of a wide character belongs to the selection too.
        width = cell_len(_char_at(self.row_text(last[0]), last[1]))
        return first, (last[0], last[1] + max(1, width) - 1)

    def selected_text(self) -> str:
        """The selected text: rows joined by newlines, trailing blanks removed."""
        selection = self.selection
        if selection is None:
            return ""
        (first_line, first_col), (last_line, last_col) = selection
        out: list[str] = []
        for line in range(first_line, last_line + 1):
            text = self.row_text(line)
            start = first_col if line == first_line else 0
            end = last_col + 1 if line == last_line else cell_len(text)
            out.append(_cells(text, start, end).rstrip())
        return "\n".join(out)

    # -- search ----------------------------------------------------------------

    def search(self, pattern: str, forward: bool) -> Match | None:
        """`/` (forward) or `?` (backward) from the cursor, wrapping around."""
        self.pattern = pattern[:SEARCH_PATTERN_LIMIT]
        self.forward = forward
        return self._find(forward)

    def next_match(self, reverse: bool = False) -> Match | None:
        """`n` repeats the last search; `N` (reverse) goes the other way."""
        if not self.pattern:
            return None
        return self._find(self.forward != reverse)

    def _haystack_for(self, pattern: str) -> tuple[list[str], list[int], str]:
        """(rows, their offsets, the joined text to search: lower case for smartcase)."""
        texts, starts, joined, lowered = self._texts()
        return texts, starts, (lowered if pattern.lower() == pattern else joined)

    def _find(self, forward: bool) -> Match | None:
        needle = self.pattern
        if not needle or "\n" in needle:
            return None
        texts, starts, haystack = self._haystack_for(needle)
        line, column = self.cursor
        row = line - self.first_line
        row_text = texts[row] if 0 <= row < len(texts) else ""
        here = starts[row] + _char_index(row_text, column) if 0 <= row < len(texts) else 0
        if forward:
            found = haystack.find(needle, here + 1)
            if found < 0:
                found = haystack.find(needle)
        else:
            found = haystack.rfind(needle, 0, here + len(needle) - 1) if here > 0 else -1
            if found < 0:
                found = haystack.rfind(needle)
        if found < 0:
            self.match = None
            return None
        row = bisect.bisect_right(starts, found) - 1
        text = texts[row]
        offset = found - starts[row]
        start = _cell_offset(text, offset)
        end = start + cell_len(text[offset : offset + len(needle)])
        match = Match(row + self.first_line, start, end)
        self.cursor = (match.line, match.start)
        self.match = match
        return match

    def count_matches(self) -> int:
        """How many times the last pattern occurs in the screen and scrollback."""
        needle = self.pattern
        if not needle or "\n" in needle:
            return 0
        return self._haystack_for(needle)[2].count(needle)

    def matches_in_row(self, line: int) -> list[tuple[int, int]]:
        """The cells `[start, end)` of each match of the last pattern in one row."""
        if not self.pattern:
            return []
        text = self.row_text(line)
        haystack, needle = _fold(text, self.pattern)
        spans: list[tuple[int, int]] = []
        at = haystack.find(needle)
        while at >= 0 and needle:
            start = _cell_offset(text, at)
            spans.append((start, start + cell_len(text[at : at + len(needle)])))
            at = haystack.find(needle, at + len(needle))
        return spans


def _row_offsets(texts: list[str]) -> list[int]:
    """Where each row starts in `"\\n".join(texts)`."""
    offsets: list[int] = []
    position = 0
    for text in texts:
        offsets.append(position)
        position += len(text) + 1
    return offsets


def _char_index(text: str, column: int) -> int:
    """The index in `text` of the character at cell `column` (len(text) past its end)."""
    position = 0
    for index, char in enumerate(text):
        width = cell_len(char)
        if width and position + width > column:
            return index
        position += width
    return len(text)


def _next_column(text: str, column: int) -> int:
    """The first cell of the character after the one at `column` (one cell past the text)."""
    position = 0
    for char in text:
        width = cell_len(char)
        if not width:
            continue
        if position > column:
            return position
        position += width
    return position if position > column else column + 1


def _previous_column(text: str, column: int) -> int:
    """The first cell of the character before the one at `column`."""
    position = 0
    previous = 0
    for char in text:
        width = cell_len(char)
        if not width:
            continue
        if position >= column:
            return previous
        previous = position
        position += width
    return max(0, column - 1) if column > position else previous


def _char_at(text: str, column: int) -> str:
    index = _char_index(text, column)
    return text[index] if index < len(text) else " "


def _cells(text: str, start: int, end: int) -> str:
    """The characters of `text` whose first cell falls in [start, end)."""
    out: list[str] = []
    position = 0
    for char in text:
        width = cell_len(char)
        if width == 0:
            if out and start <= position - 1 < end:
                out.append(char)
            continue
        if start <= position < end:
            out.append(char)
        position += width
        if position >= end:
            break
    return "".join(out)
