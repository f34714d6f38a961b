"""A fast, faithful terminal emulator for one session (no Textual imports).

The screen is kept as two parallel lists per row (cell texts and interned
style keys) so that a run of text is one slice assignment, and scrollback is
stored compactly: a plain row is one ``str``, a styled row its text plus
packed (length, style id) runs, or, for a line that scrolled in during a
flood, the line as it arrived until someone reads it. No pyte: its parser and
``Screen`` were 35x slower than tmux, needed ~174 bytes a scrollback cell and
miss too much; the one thing taken from it, the DEC special graphics table, is
a 32-character constant in ``charsets`` (tests check it against pyte's).

Widths follow ``rich.cells.split_graphemes`` (what Textual lays out with): a
grapheme cluster occupies one cell holding the whole cluster, followed by an
empty-string placeholder cell when it is two cells wide.

Two shortcuts keep floods cheap, and both give exactly the state that feeding
byte by byte gives (``tests/test_emulator_bulk.py`` checks this on random
streams):

* bulk skip: in a long stretch that only prints, erases within a line, sets
  SGR or moves the cursor horizontally, everything before the last
  ``scrollback + rows`` line feeds will be scrolled out of scrollback anyway,
  so only its final SGR state and bell count are computed;
* plain and styled lines: a run of ``one-cell characters and SGR + CRLF``
  lines that fit the width, arriving with the cursor at the bottom-left of a
  blank bottom row, goes straight into scrollback: plain ones as strings,
  styled ones as the raw line (``LazyRow``), decoded into runs only when
  the row is read; the last ``rows - 1`` lines stay lines on screen too
  until something other than printing on the bottom row, a line feed or SGR
  needs their cells (``_settle``), and only the SGR state is carried through
  the lines that fall out of scrollback.
"""

from __future__ import annotations

import base64
import codecs
from collections import deque
from collections.abc import Callable, Sequence
from urllib.parse import unquote, urlparse

from rich.cells import cell_len, get_character_cell_size, split_graphemes

from synk_tui import __version__
from synk_tui.emulator import control, escape
from synk_tui.emulator.charsets import DEC_GRAPHICS, UK_TABLE
from synk_tui.emulator.rows import (
    LazyRow,
    ScrollbackRow,
    cell_runs,
    compact_row,
    crop_runs,
    expand_row,
    fit_row,
    is_blank_row,
    is_wide_start,
    materialize,
    row_text,
    unpack_row,
)
from synk_tui.emulator.styles import (
    DEFAULT_STYLE,
    SGR_OPS,
    SGR_TRANSITIONS,
    STYLES,
    StyleKey,
    bg_blank,
    compile_sgr,
    decode_line,
    intern_style,
    line_end_style,
    osc_rgb,
    sgr_transition,
    xterm_palette,
)
from synk_tui.emulator.tokens import (
    CONTROL_OR_ESC,
    ERASE_UP,
    INCOMPLETE,
    INTER_BYTES,
    MAX_SEQUENCE,
    NOT_SIMPLE,
    PARAM_BYTES,
    SGR_SEQUENCE,
    STRING_END,
    TOKEN,
    csi_int,
    csi_params,
    plain_lines_re,
    run_end,
    styled_lines_re,
)
from synk_tui.emulator.widths import (
    LONG_TAIL,
    MAX_CLUSTER,
    NARROW,
    NOT_ONE_CELL,
    ONE_CELL_UNJOINED,
    VS16,
    ZWJ,
    ZWJ_RUN,
    cut_tail,
)

MAX_TITLE = 4096
"""Characters of a window or icon title (OSC 0/1/2) kept; the rest is cut."""
MAX_CLIPBOARD = 1 << 20
"""Characters of an OSC 52 payload (base64); a longer one is dropped whole."""
MAX_OSC = MAX_CLIPBOARD + 1024
"""Characters of an OSC string collected; the rest is read past, not kept."""
_NO_CELL = (-1, -1)


TAB_WIDTH = 8
"""Columns between the tab stops a screen starts with."""
KITTY_STACK_MAX = 64
"""Entries of the kitty keyboard stack (pushes beyond are ignored)."""
CURSOR_SHAPE_MAX = 6
"""DECSCUSR shapes 0..6 (block, underline, bar; blinking or not)."""
DA1_REPLY = "\x1b[?62;22c"
"""Primary device attributes: a VT220 with ANSI colour."""
DA2_REPLY = "\x1b[>41;0;0c"
"""Secondary device attributes: xterm-like, version 0."""
BULK_SLACK = 64
"""Characters beyond the lines a bulk skip must leave, before it is tried."""


class _Saved:
    """What DECSC / 1048 / 1049 save."""

    __slots__ = ("charsets", "origin", "shift", "style", "wrap", "x", "y")

    def __init__(
        self,
        x: int,
        y: int,
        style: StyleKey,
        wrap: bool,
        origin: bool,
        charsets: list[str],
        shift: int,
    ) -> None:
        self.x, self.y, self.style, self.wrap = x, y, style, wrap
        self.origin, self.charsets, self.shift = origin, charsets, shift


class TerminalEmulator:
    """One screen fed with a child's output bytes; see docs/ARCHITECTURE.md."""

    def __init__(
        self,
        cols: int = 80,
        rows: int = 24,
        scrollback: int = 10_000,
        on_reply: Callable[[bytes], None] | None = None,
    ) -> None:
        self._cols = max(1, cols)
        self._rows = max(1, rows)
        self._sb_max = max(0, scrollback)
        self.on_reply: Callable[[bytes], None] | None = on_reply
        """Receives answers to terminal queries (to be written to the PTY)."""
        self.on_clipboard: Callable[[str], None] | None = None
        """Receives OSC 52 clipboard text set by the child."""
        self.default_fg: tuple[int, int, int] = (229, 229, 229)
        """Reported for OSC 10 queries (the UI may set its theme's colour)."""
        self.default_bg: tuple[int, int, int] = (0, 0, 0)
        """Reported for OSC 11 queries (the UI may set its theme's colour)."""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._string_kind: str | None = None
        """The introducer of the OSC/DCS/APC/PM/SOS string being read, if any."""
        self._string_parts: list[str] = []
        self._string_size = 0
        self._scrollback: deque[ScrollbackRow] = deque(maxlen=self._sb_max or 1)
        self._sync_frames = 0  # never reset: a viewer tells frames apart by it
        self._reset_state()

    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        """Power-on state (also RIS); scrollback is kept, as xterm keeps it."""
        cols, rows = self._cols, self._rows
        self._chars: list[list[str]] = [[" "] * cols for _ in range(rows)]
        self._styles: list[list[StyleKey]] = [[DEFAULT_STYLE] * cols for _ in range(rows)]
        self._other_chars: list[list[str]] | None = None  # the inactive screen
        self._other_styles: list[list[StyleKey]] | None = None
        self._alt = False
        self._x = 0
        self._y = 0
        self._wrap_pending = False
        self._fg = -1
        self._bg = -1
        self._attrs = 0
        self._style = DEFAULT_STYLE
        self._top = 0
        self._bottom = rows - 1
        self._tabs = set(range(TAB_WIDTH, cols, TAB_WIDTH))
        self._autowrap = True
        self._insert = False
        self._origin = False
        self._charsets = [control.US_ASCII, control.US_ASCII]
        self._shift = 0
        self._charset_table: dict[int, str] | None = None
        self._saved: _Saved | None = None
        self._saved_alt: _Saved | None = None
        self._last_char: str | None = None
        self._undo: (
            tuple[int, str, StyleKey, tuple[str, StyleKey] | None, tuple[int, int]] | None
        ) = None
        self._last_pos = (0, 0)
        self._zwj_cells = False  # whether any cell may end with a ZWJ
        self._app_cursor = False
        self._app_keypad = False
        self._bracketed = False
        self._mouse = 0
        self._mouse_sgr = False
        self._focus = False
        self._sync = False
        self._cursor_visible = True
        self._cursor_shape = 0
        self._kitty: list[int] = [0]
        self._other_kitty: list[int] = [0]
        """The kitty keyboard stack of the screen not shown (the protocol keeps
        one per screen: a full-screen program's flags end with its screen)."""
        self.title = ""
        self.icon_title = ""
        self.cwd: str | None = None
        self.bell_count = 0
        self._dirty: set[int] = set()
        self._all_dirty = True
        self._raw: list[str | LazyRow | None] | None = None
        """Per screen row, the line a flood wrote there when its cells are not
        built yet (see ``_settle``); None when every row is built."""

    # ------------------------------------------------------------ public API

    @property
    def cols(self) -> int:
        return self._cols

    @property
    def rows(self) -> int:
        return self._rows

    @property
    def cursor(self) -> tuple[int, int]:
        """(x, y), 0-based; at the last column while a wrap is pending."""
        return (self._x, self._y)

    @property
    def scrollback_len(self) -> int:
        return len(self._scrollback) if self._sb_max else 0

    @property
    def app_cursor_keys(self) -> bool:
        return self._app_cursor

    @property
    def app_keypad(self) -> bool:
        return self._app_keypad

    @property
    def bracketed_paste(self) -> bool:
        return self._bracketed

    @property
    def mouse_mode(self) -> int:
        return self._mouse

    @property
    def mouse_sgr(self) -> bool:
        return self._mouse_sgr

    @property
    def focus_events(self) -> bool:
        return self._focus

    @property
    def synchronized(self) -> bool:
        return self._sync

    @property
    def sync_frame(self) -> int:
        """How many synchronized-output frames (mode 2026) the child has opened."""
        return self._sync_frames

    @property
    def alt_screen(self) -> bool:
        return self._alt

    @property
    def cursor_visible(self) -> bool:
        return self._cursor_visible

    @property
    def cursor_shape(self) -> int:
        return self._cursor_shape

    @property
    def kitty_keyboard_flags(self) -> int:
        """Flags a child pushed with ``CSI > flags u`` (reported by ``CSI ? u``)."""
        return self._kitty[-1]

    @property
    def style(self) -> StyleKey:
        """The current SGR state (what the next printed cell gets)."""
        return self._style

    def feed(self, data: bytes) -> None:
        """Apply the child's output; never raises, and skips what nobody can see."""
        text = self._decoder.decode(data)
        if self._pending:
            text = self._pending + text
            self._pending = ""
        if not text:
            return
        before = (self._x, self._y)
        try:
            self._process(text)
        except Exception:  # pragma: no cover - a bug must not kill the session
            self._pending = ""
            self._string_kind = None
            self._all_dirty = True
        if (self._x, self._y) != before:
            self._dirty.add(before[1])
            self._dirty.add(self._y)

    def lines(self) -> list[str]:
        """The visible rows as text, right-stripped, a wide char once."""
        if self._raw is not None:
            self._settle()
        return ["".join(row).rstrip(" ") for row in self._chars]

    def line(self, y: int) -> str:
        """One visible row as text, as `lines()` gives it (without building them all)."""
        if self._raw is not None:
            self._settle()
        return "".join(self._chars[y]).rstrip(" ")

    def scrollback_lines(self) -> list[str]:
        """The scrollback rows as text, oldest first."""
        if not self._sb_max:
            return []
        return [row_text(r) for r in self._scrollback]

    def take_dirty(self) -> set[int]:
        """Visible rows changed since the last call (rows with the cursor before
        and after a feed count as changed), then forget them."""
        if self._all_dirty:
            self._all_dirty = False
            self._dirty.clear()
            return set(range(self._rows))
        dirty = {y for y in self._dirty if 0 <= y < self._rows}
        self._dirty.clear()
        return dirty

    def row_runs(self, index: int) -> list[tuple[str, StyleKey]]:
        """Style runs of a visible row (0..rows-1) or scrollback row (-1 newest).

        Visible rows cover exactly ``cols`` cells; scrollback rows at most that.
        """
        if index >= 0:
            if self._raw is not None:
                self._settle()
            return cell_runs(self._chars[index], self._styles[index])
        if not self._sb_max or -index > len(self._scrollback):
            raise IndexError(index)
        row = self._scrollback[index]
        if isinstance(row, LazyRow):  # decode once, keep the compact form
            row = self._scrollback[index] = materialize(row)
        runs = unpack_row(row)
        return crop_runs(runs, self._cols)

    def resize(self, cols: int, rows: int) -> None:
        """Change the size: rows that no longer fit go to scrollback (the cursor
        line is kept), a taller screen takes rows back from scrollback."""
        cols, rows = max(1, cols), max(1, rows)
        if cols == self._cols and rows == self._rows:
            return
        if self._raw is not None:
            self._settle()
        self._wrap_pending = False
        self._last_char = None
        # Height first, on the active screen, then the other screen.
        if rows != self._rows:
            self._resize_rows(rows)
        if cols != self._cols:
            for chars, styles in self._screens():
                for i in range(len(chars)):
                    chars[i], styles[i] = fit_row(chars[i], styles[i], cols)
            self._tabs = {t for t in self._tabs if t < cols} | set(
                range(-(-self._cols // TAB_WIDTH) * TAB_WIDTH, cols, TAB_WIDTH)
            )
        self._cols = cols
        self._x = min(self._x, cols - 1)
        self._top, self._bottom = 0, rows - 1
        for saved in (self._saved, self._saved_alt):
            if saved is not None:
                saved.x = min(saved.x, cols - 1)
                saved.y = min(saved.y, rows - 1)
        self._all_dirty = True

    # ---------------------------------------------------------------- resize

    def _screens(self) -> list[tuple[list[list[str]], list[list[StyleKey]]]]:
        """The main and (when it exists) the other screen, active first."""
        out = [(self._chars, self._styles)]
        if self._other_chars is not None and self._other_styles is not None:
            out.append((self._other_chars, self._other_styles))
        return out

    def _resize_rows(self, rows: int) -> None:
        """Change the height: rows go to or come back from scrollback."""
        old = self._rows
        cols = self._cols
        chars, styles = self._chars, self._styles
        if rows < old:
            need = old - rows
            # Blank rows below the cursor go first, then rows from the top.
            while need and len(chars) - 1 > self._y and is_blank_row(chars[-1], styles[-1]):
                chars.pop()
                styles.pop()
                need -= 1
            for _ in range(need):
                c, s = chars.pop(0), styles.pop(0)
                if not self._alt:
                    self._push_scrollback(c, s)
            self._y = max(0, self._y - need)
        else:
            need = rows - old
            if not self._alt and self._sb_max:
                while need and self._scrollback:
                    c, s = expand_row(self._scrollback.pop(), cols)
                    chars.insert(0, c)
                    styles.insert(0, s)
                    self._y += 1
                    need -= 1
            for _ in range(need):
                chars.append([" "] * cols)
                styles.append([DEFAULT_STYLE] * cols)
        # The inactive screen keeps its top rows (it is redrawn by its owner).
        if self._other_chars is not None and self._other_styles is not None:
            oc, os_ = self._other_chars, self._other_styles
            del oc[rows:]
            del os_[rows:]
            while len(oc) < rows:
                oc.append([" "] * cols)
                os_.append([DEFAULT_STYLE] * cols)
        self._rows = rows

    # ------------------------------------------------------------------ parse

    def _process(self, text: str) -> None:
        """Tokenize and apply ``text``; keep an incomplete sequence for later."""
        pos = 0
        n = len(text)
        if self._string_kind is not None:  # a string left open by the last feed
            pos = self._string(text, 0)
            if pos < 0:
                return
        match = TOKEN.match
        draw = self._draw
        bulk_min = 2 * (self._sb_max + 2 * self._rows) + BULK_SLACK
        next_try = 0  # the bulk skip looks at each simple stretch once
        while pos < n:
            if pos >= next_try and n - pos > bulk_min and self._bulk_ok():
                pos, next_try = self._bulk_skip(text, pos)
            m = match(text, pos)
            if m is None:
                if text.startswith("\x1b[", pos):
                    pos = self._csi_by_hand(text, pos)
                    if pos < 0:
                        return
                    continue
                if INCOMPLETE.match(text, pos):
                    # ESC and intermediates; a longer run than any sequence
                    # has is ignored when it ends, so its start is all we keep.
                    self._pending = text[pos : pos + MAX_SEQUENCE + 2]
                    return
                self._last_char = None
                pos += 1  # a lone ESC before something invalid
                continue
            pos = m.end()
            kind = m.lastindex
            if kind == 1:
                draw(m.group(1))
            elif kind == 2:
                style = SGR_TRANSITIONS.get((self._style, m.group(2)))
                if style is None:
                    style = sgr_transition(self._style, m.group(2))
                self._style = style
                self._fg, self._bg, self._attrs = style
                self._last_char = None
            elif kind == 3:
                self._x = 0
                self._wrap_pending = False
                self._last_char = None
                self._linefeed()
                if pos < n and self._x == 0:
                    pos = self._plain_lines(text, pos)
            elif kind == 6:
                if pos - m.start() > MAX_SEQUENCE + 3:
                    self._last_char = None
                    continue  # too long to be anything: ignored
                if self._raw is not None:
                    self._settle()
                self._csi(m.group(4), m.group(5), m.group(6))
                self._last_char = None
                if m.group(6) == "K" and m.group(4) == "2" and text.startswith("\x1b[1A", pos):
                    up = ERASE_UP.match(text, pos)
                    if up is not None:
                        for _ in range((up.end() - pos) // 8):
                            self._move_y(-1)
                            self._erase(self._y, 0, self._cols)
                        pos = up.end()
            elif kind == 7:
                self._string_kind = m.group(7)
                self._string_parts = []
                self._string_size = 0
                self._last_char = None
                pos = self._string(text, pos)
                if pos < 0:
                    return
            elif kind == 9:
                if self._raw is not None:
                    self._settle()
                self._esc(m.group(8), m.group(9))
                self._last_char = None
            else:
                self._control(m.group(10))
                if pos < n and self._x == 0 and text[pos - 1] == "\n":
                    pos = self._plain_lines(text, pos)

    def _csi_by_hand(self, text: str, pos: int) -> int:
        """A CSI the token regex could not take whole, read byte class by class.

        A C0 control inside it is executed and the CSI goes on (as in xterm
        and tmux); CAN, SUB, ESC or a byte out of place cancel it. Returns the
        position to go on from, or -1 when the text ended first (what is left
        of the CSI, controls taken out and at most ``MAX_SEQUENCE + 1``
        characters of each part, waits for the next feed). Each byte is looked
        at once, so a stream of such sequences costs time linear in its size.
        """
        n = len(text)
        i = pos + 2
        params: list[str] = []
        inters: list[str] = []
        p_size = i_size = 0
        while True:
            if not i_size:
                j = run_end(PARAM_BYTES, text, i)
                if j > i:
                    if p_size <= MAX_SEQUENCE:
                        params.append(text[i : min(j, i + MAX_SEQUENCE + 1 - p_size)])
                    p_size += j - i
                    i = j
            j = run_end(INTER_BYTES, text, i)
            if j > i:
                if i_size <= MAX_SEQUENCE:
                    inters.append(text[i : min(j, i + MAX_SEQUENCE + 1 - i_size)])
                i_size += j - i
                i = j
            if i >= n:
                self._pending = "\x1b[" + "".join(params) + "".join(inters)
                return -1
            ch = text[i]
            if "\x40" <= ch <= "\x7e":
                if p_size + i_size <= MAX_SEQUENCE:
                    if self._raw is not None:
                        self._settle()
                    self._csi("".join(params), "".join(inters), ch)
                self._last_char = None
                return i + 1
            if ch < "\x20" and ch not in "\x18\x1a\x1b":
                self._control(ch)
                i += 1
                continue
            self._last_char = None
            return i  # cancelled by CAN, SUB, ESC or a byte out of place

    # ------------------------------------------------------------ shortcuts

    def _bulk_ok(self) -> bool:
        """Whether line feeds at the bottom row scroll the whole screen."""
        return self._top == 0 and self._bottom == self._rows - 1

    def _bulk_skip(self, text: str, pos: int) -> tuple[int, int]:
        """Skip the part of a simple stretch that will scroll out of scrollback.

        Returns the position to continue from (``pos`` when nothing is skipped)
        and the end of the stretch (no use looking again before it).
        After the cut, which lies just after a CR, the cursor is at the bottom
        left and at least ``scrollback + rows`` line feeds follow in the same
        stretch, each scrolling the whole screen: every row and scrollback
        entry that exists at the cut is scrolled out for good.
        """
        rows = self._rows
        keep = (0 if self._alt else self._sb_max) + rows
        if text.count("\n", pos) < keep + rows:
            return pos, len(text) + 1
        # A plain character-class scan first (fast); the exact test from the
        # first ESC on.
        bad = CONTROL_OR_ESC.search(text, pos)
        if bad is not None and text[bad.start()] == "\x1b":
            bad = NOT_SIMPLE.search(text, bad.start())
        end = bad.start() if bad else len(text)
        if end - pos < 2 * keep:
            return pos, end + 1
        total = text.count("\n", pos, end)
        if total < keep + rows:
            return pos, end + 1
        # Find q with at least `keep` newlines in [q, end).
        avg = max(1, (end - pos) // max(1, total))
        q = max(pos, end - (keep + 1) * avg * 2)
        while q > pos and text.count("\n", q, end) < keep:
            q = max(pos, q - (keep + 1) * avg * 2)
        cr = text.rfind("\r", pos, q)
        if cr < 0:
            return pos, end + 1
        cut = cr + 1
        if text.count("\n", pos, cut) < rows or text.count("\n", cut, end) < keep:
            return pos, end + 1
        # The skipped text's lasting effects: SGR state and bells.
        sgrs: list[str] = []
        look = cut
        while True:
            i = text.rfind("\x1b[", pos, look)
            if i < 0:
                break
            m = SGR_SEQUENCE.match(text, i)
            look = i
            if m is None or m.end() > cut:
                continue
            params = m.group(1)
            sgrs.append(params)
            first = params.split(";", 1)[0]
            if first in ("", "0"):
                break
        for params in reversed(sgrs):
            self._sgr(params)
        self.bell_count += text.count("\x07", pos, cut)
        self._x = 0
        self._y = rows - 1
        self._wrap_pending = False
        self._last_char = None
        self._all_dirty = True
        return cut, end + 1

    def _plain_lines(self, text: str, pos: int) -> int:
        """Put whole lines of ASCII and SGR straight into rows and scrollback.

        Called right after a line feed with the cursor at column 0. Exact when
        each line fits the width and lands on a fresh blank bottom row, which
        holds while the cursor is at the bottom of a full-screen region.
        """
        rows, cols = self._rows, self._cols
        if (
            self._y != rows - 1
            or self._charset_table is not None
            or self._insert
            or self._alt
            or not self._bulk_ok()
        ):
            return pos
        last_c, last_s = self._chars[-1], self._styles[-1]
        blank = last_s[0]
        if last_c.count(" ") != cols or last_s.count(blank) != cols:
            return pos
        old = rows - 1  # rows above the blank bottom row
        sb = self._sb_max
        if self._style is DEFAULT_STYLE and blank is DEFAULT_STYLE:
            m = plain_lines_re(cols).match(text, pos)
            if m is not None:
                lines = text[pos : m.end()].split("\r\n")
                lines.pop()  # the empty string after the last CRLF
                if " \r\n" in text[pos : m.end()]:
                    lines = [line.rstrip(" ") for line in lines]
                k = len(lines)
                rest = lines[max(0, k - old - sb) : max(0, k - old)] if sb else []
                self._shift_in(lines[-old:] if old else [], k, rest)
                return m.end()
        m = styled_lines_re(cols).match(text, pos)
        if m is None:
            return pos
        lines = text[pos : m.end()].split("\r\n")
        lines.pop()
        k = len(lines)
        style = self._style
        # Lines that scroll out of scrollback within this feed: only their SGR
        # state matters. The others are kept as they arrived, in scrollback or
        # on screen (cells built when someone looks, see ``_settle``).
        lazy_from = max(0, k - old - sb)
        end_style = line_end_style
        for i in range(lazy_from):
            style = end_style(lines[i], style)
        kept: list[str | LazyRow] = []
        for i in range(lazy_from, k):
            line = lines[i]
            b = blank if i == 0 else bg_blank(style)
            if style is DEFAULT_STYLE and b is DEFAULT_STYLE and "\x1b" not in line:
                kept.append(line.rstrip(" "))
                continue
            kept.append(LazyRow(line, style, b, cols))
            style = end_style(line, style)
        self._fg, self._bg, self._attrs = style
        self._style = style
        screen_from = max(0, len(kept) - old)
        self._shift_in(kept[screen_from:], k, kept[:screen_from])
        self._chars[-1] = [" "] * cols
        self._styles[-1] = [bg_blank(style)] * cols
        return m.end()

    def _shift_in(
        self, last: Sequence[str | LazyRow], k: int, kept: Sequence[ScrollbackRow]
    ) -> None:
        """Scroll k finished lines through the bottom row.

        ``kept`` are the scrollback rows of the lines that scroll past the top
        (at least the last ``scrollback`` of them), ``last`` the final (at
        most ``rows - 1``) lines, which stay on screen with their cells not
        built yet. The bottom row stays the blank one it was.
        """
        cols = self._cols
        chars, styles = self._chars, self._styles
        old = self._rows - 1  # rows above the blank bottom row, scrolled up first
        raw = self._raw
        # A placeholder's cells are never read (`_settle` replaces the lists
        # first), so the lists of the rows scrolling out serve as placeholders:
        # a flood in small feeds allocates no rows.
        reusable = min(k, old)
        if raw is None:
            raw = [None] * (old + 1)
        if self._sb_max:
            push = self._scrollback.append
            for i in range(min(k, old)):
                entry = raw[i]
                push(compact_row(chars[i], styles[i]) if entry is None else entry)
            if kept:
                self._scrollback.extend(kept[-self._sb_max :])
        n = len(last)
        new_c = chars[k:old] if k < old else []
        new_s = styles[k:old] if k < old else []
        new_raw = raw[k:old] if k < old else []
        for i in range(n):  # placeholders until _settle builds the cells
            if i < reusable:
                new_c.append(chars[i])
                new_s.append(styles[i])
            else:
                new_c.append([" "] * cols)
                new_s.append([DEFAULT_STYLE] * cols)
        new_raw.extend(last)
        new_c.append(chars[-1])
        new_s.append(styles[-1])
        new_raw.append(None)
        self._chars, self._styles, self._raw = new_c, new_s, new_raw
        self._all_dirty = True

    def _settle(self) -> None:
        """Build the cells of rows a flood left as lines: before anything but
        printing on the bottom row, line feeds and SGR looks at the screen."""
        raw = self._raw
        self._raw = None
        if raw is None:
            return
        cols = self._cols
        for y, entry in enumerate(raw):
            if entry is None:
                continue
            if isinstance(entry, str):
                self._chars[y] = list(entry.ljust(cols))
                self._styles[y] = [DEFAULT_STYLE] * cols
                continue
            segs, width, _ = decode_line(entry.line, entry.style)
            c: list[str] = []
            s: list[StyleKey] = []
            for seg, style in segs:
                c.extend(seg)
                s.extend([style] * len(seg))
            c.extend([" "] * (cols - width))
            s.extend([entry.blank] * (cols - width))
            self._chars[y] = c
            self._styles[y] = s

    # ------------------------------------------------------------------ draw

    def _draw(self, text: str) -> None:
        """Draw a run of text: one-cell stretches in bulk, clusters one by one."""
        table = self._charset_table
        if table is not None:
            text = text.translate(table)
        if self._last_char is None:  # not right after text: no cell was just written
            self._last_pos = _NO_CELL
        self._last_char = text[-1]
        if self._zwj_cells:
            pos = self._prev_cell()
            if pos is not None and self._chars[pos[0]][pos[1]].endswith(ZWJ):
                self._draw_clusters(text)
                return
        search = NOT_ONE_CELL.search
        i = 0
        n = len(text)
        while i < n:
            m = search(text, i)
            if m is None:
                self._draw_narrow(text[i:] if i else text)
                return
            j = m.start()
            # A zero-width character belongs to the cluster of the one before.
            k = j - 1 if j > i and get_character_cell_size(text[j]) == 0 else j
            if k > i:
                self._draw_narrow(text[i:k])
            nxt = ONE_CELL_UNJOINED.search(text, j + 1)
            p = n if nxt is None else nxt.start()
            self._draw_clusters(text[k:p])
            i = p

    def _draw_narrow(self, text: str) -> None:
        """Draw one-cell characters: one slice assignment per row touched."""
        cols = self._cols
        style = self._style
        n = len(text)
        i = 0
        dirty = self._dirty
        while i < n:
            if self._wrap_pending:
                self._wrap()
            x, y = self._x, self._y
            c = self._chars[y]
            s = self._styles[y]
            take = min(n - i, cols - x)
            end = x + take
            if end >= cols:
                self._remember_last_column(x, y)
            if self._insert:
                self._insert_blanks(take)
            if c[x] == "" and x:
                c[x - 1] = " "
            if end < cols and c[end] == "":
                c[end] = " "
            c[x:end] = text[i : i + take]
            s[x:end] = [style] * take
            dirty.add(y)
            i += take
            self._last_pos = (y, end - 1)
            if end >= cols:
                self._x = cols - 1
                if self._autowrap:
                    self._wrap_pending = True
                elif i < n:
                    self._remember_last_column(cols - 1, y)
                    c[cols - 1] = text[n - 1]
                    i = n
            else:
                self._x = end

    def _draw_clusters(self, text: str) -> None:
        """Draw grapheme clusters one by one (wide and zero-width characters).

        A cell holds at most ``MAX_CLUSTER`` code points: longer runs of
        combining characters and joins are cut here, before anything walks
        them, so a flood of them costs time linear in its size.
        """
        if len(text) >= MAX_CLUSTER:
            text = LONG_TAIL.sub(cut_tail, text)
        if ZWJ + ZWJ in text:  # a second ZWJ joins nothing (and rich would mismeasure it)
            text = ZWJ_RUN.sub(ZWJ, text)
        # A run may start inside the previous cell's cluster (a split write).
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            y, x = self._prev_cell() or _NO_CELL
            cell = "" if y < 0 else self._chars[y][x]
            if cell.endswith(ZWJ) and len(cell) < MAX_CLUSTER:
                if ch != ZWJ:
                    self._chars[y][x] = cell + ch
                    self._dirty.add(y)
            elif ch not in NARROW and get_character_cell_size(ch) == 0:
                self._attach(ch)
            else:
                break
            i += 1
        if i:
            text = text[i:]
            if not text:
                return
        spans, _ = split_graphemes(text)
        for start, end, width in spans:
            cluster = text[start:end]
            if width == 0:
                for ch in cluster:
                    self._attach(ch)
            else:
                self._put(cluster, width)
            if cluster[-1] == ZWJ:
                self._zwj_cells = True

    def _remember_last_column(self, x: int, y: int) -> None:
        """Keep what a write to the last column replaces, in case a VS16 in the
        next feed turns the character written there into a wide one."""
        cols = self._cols
        c, s = self._chars[y], self._styles[y]
        left = (c[x - 1], s[x - 1]) if x == cols - 1 and x > 0 else None
        # In insert mode, the cell the shorter write would have pushed there.
        at = x if self._insert else cols - 1
        old = " " if at + 1 < cols and c[at + 1] == "" else c[at]
        prev = (y, cols - 2) if x < cols - 1 else self._last_pos
        self._undo = (y, old, s[at], left, prev)

    def _prev_cell(self) -> tuple[int, int] | None:
        """The cell a zero-width character would attach to: the last one
        written when text came just before, else the one before the cursor."""
        if self._last_char is not None:
            y, x = self._last_pos
            if 0 <= y < self._rows and x < self._cols and self._chars[y][x] != "":
                return (y, x)
        x = self._x if self._wrap_pending else self._x - 1
        if x < 0:
            return None
        c = self._chars[self._y]
        if c[x] == "" and x > 0:
            x -= 1
        if c[x] == "":
            return None
        return (self._y, x)

    def _attach(self, ch: str) -> None:
        """Add a zero-width character to the cell before the cursor."""
        pos = self._prev_cell()
        if pos is None:
            return
        y, x = pos
        row = self._chars[y]
        cell = row[x]
        if len(cell) >= MAX_CLUSTER or (ch == ZWJ and cell.endswith(ZWJ)):
            return  # a full cell takes no more; a second ZWJ joins nothing
        wide = x + 1 < self._cols and row[x + 1] == ""
        if ch == VS16 and not wide and cell_len(cell + ch) == 2:
            # VS16 arriving in a later run widens a narrow emoji: make room.
            if x + 1 >= self._cols:
                self._widen_last_column(y, x, cell + ch)
                return
            if self._insert:
                self._x, saved_x = x + 1, self._x
                self._insert_blanks(1)
                self._x = saved_x
            nxt = x + 2
            if nxt < self._cols and row[nxt] == "":
                row[nxt] = " "
            row[x] = cell + ch
            row[x + 1] = ""
            self._styles[y][x + 1] = self._styles[y][x]
            if not self._wrap_pending and self._x == x + 1:
                if x + 2 >= self._cols:
                    self._x = self._cols - 1
                    self._wrap_pending = self._autowrap
                else:
                    self._x = x + 2
        else:
            row[x] = cell + ch
            if ch == ZWJ:
                self._zwj_cells = True
        self._dirty.add(y)

    def _widen_last_column(self, y: int, x: int, cluster: str) -> None:
        """Redo the write of a cluster that a split VS16 made wide at the last
        column: as one write it would have wrapped and left this cell alone."""
        undo = self._undo
        if (
            undo is None
            or undo[0] != y
            or self._last_char is None
            or not (self._wrap_pending or not self._autowrap)
            or self._y != y
            or self._x != x
        ):
            return  # no record of the cell before: keep the character narrow
        _, old_c, old_s, left, self._last_pos = undo
        c, s = self._chars[y], self._styles[y]
        c[x], s[x] = old_c, old_s
        if left is not None:
            c[x - 1], s[x - 1] = left
        self._wrap_pending = False
        self._x = x
        self._put(cluster, 2)

    def _put(self, cluster: str, width: int) -> None:
        """Put one cluster of width 1 or 2 at the cursor."""
        if len(cluster) > MAX_CLUSTER:
            cluster = cluster[:MAX_CLUSTER]
            width = min(max(cell_len(cluster.rstrip(ZWJ)), 1), width)
        cols = self._cols
        if self._wrap_pending:
            self._wrap()
        if width == 2:
            if cols < 2:
                return
            if self._x == cols - 1:
                if not self._autowrap:
                    return
                self._wrap()
        x, y = self._x, self._y
        end = x + width
        if end >= cols:
            self._remember_last_column(x, y)
        if self._insert:
            self._insert_blanks(width)
        c = self._chars[y]
        s = self._styles[y]
        if c[x] == "" and x:
            c[x - 1] = " "
        if end < cols and c[end] == "":
            c[end] = " "
        style = self._style
        c[x] = cluster
        s[x] = style
        self._last_pos = (y, x)
        if width == 2:
            c[x + 1] = ""
            s[x + 1] = style
        self._dirty.add(y)
        if end >= cols:
            self._x = cols - 1
            self._wrap_pending = self._autowrap
        else:
            self._x = end

    def _wrap(self) -> None:
        """The pending wrap: to column 0 of the next row."""
        self._wrap_pending = False
        self._x = 0
        self._linefeed()

    # ------------------------------------------------------------- movement

    def _linefeed(self) -> None:
        """Index: down one row, scrolling the region at its bottom margin."""
        if self._y == self._bottom:
            self._scroll_up(1)
        elif self._y < self._rows - 1:
            self._y += 1

    def _reverse_index(self) -> None:
        """Up one row, scrolling the region down at its top margin."""
        if self._y == self._top:
            self._scroll_down(1)
        elif self._y > 0:
            self._y -= 1

    def _blank_style(self) -> StyleKey:
        """Erased cells get the current background colour (BCE), nothing else."""
        bg = self._bg
        return DEFAULT_STYLE if bg == -1 else intern_style((-1, bg, 0))

    def _push_scrollback(self, c: list[str], s: list[StyleKey]) -> None:
        """Keep a row that scrolled off the top, compactly."""
        if self._sb_max:
            self._scrollback.append(compact_row(c, s))

    def _scroll_up(self, n: int, top: int | None = None, history: bool = True) -> None:
        """Scroll the region (from ``top``) up n rows; the top rows go to history."""
        top = self._top if top is None else top
        bottom = self._bottom
        n = min(n, bottom - top + 1)
        if n <= 0:
            return
        cols = self._cols
        blank = self._blank_style()
        chars, styles = self._chars, self._styles
        # As tmux does, the top line of any scrolled region goes to history.
        keep = history and not self._alt and self._sb_max
        raw = self._raw  # only set while the region is the whole main screen
        for _ in range(n):
            c = chars.pop(top)
            s = styles.pop(top)
            entry = None if raw is None else raw.pop(0)
            if keep:
                self._scrollback.append(compact_row(c, s) if entry is None else entry)
            chars.insert(bottom, [" "] * cols)
            styles.insert(bottom, [blank] * cols)
            if raw is not None:
                raw.append(None)
        self._mark_rows(top, bottom)

    def _scroll_down(self, n: int, top: int | None = None) -> None:
        """Scroll the region (from ``top``) down n rows, blank rows at the top."""
        top = self._top if top is None else top
        bottom = self._bottom
        n = min(n, bottom - top + 1)
        if n <= 0:
            return
        cols = self._cols
        blank = self._blank_style()
        for _ in range(n):
            del self._chars[bottom]
            del self._styles[bottom]
            self._chars.insert(top, [" "] * cols)
            self._styles.insert(top, [blank] * cols)
        self._mark_rows(top, bottom)

    def _mark_rows(self, top: int, bottom: int) -> None:
        """Mark rows top..bottom changed (all of them when the whole screen is)."""
        if top == 0 and bottom >= self._rows - 1:
            self._all_dirty = True
        else:
            self._dirty.update(range(top, bottom + 1))

    def _goto(self, x: int, y: int) -> None:
        """Absolute move (y relative to the origin when DECOM is on)."""
        if self._origin:
            y = min(max(y + self._top, self._top), self._bottom)
        self._x = min(max(x, 0), self._cols - 1)
        self._y = min(max(y, 0), self._rows - 1)
        self._wrap_pending = False

    def _move_y(self, dy: int) -> None:
        """Relative vertical move, stopping at the margins when inside them."""
        y = self._y + dy
        if dy < 0:
            y = max(y, self._top if self._y >= self._top else 0)
        else:
            y = min(y, self._bottom if self._y <= self._bottom else self._rows - 1)
        self._y = y
        self._wrap_pending = False

    # ------------------------------------------------------------ editing

    def _erase(self, y: int, x0: int, x1: int) -> None:
        """Blank cells [x0, x1) of row y with the current background."""
        c = self._chars[y]
        s = self._styles[y]
        cols = self._cols
        x0 = max(0, x0)
        x1 = min(cols, x1)
        if x0 >= x1:
            return
        if c[x0] == "" and x0:
            c[x0 - 1] = " "
        if x1 < cols and c[x1] == "":
            c[x1] = " "
        n = x1 - x0
        c[x0:x1] = [" "] * n
        s[x0:x1] = [self._blank_style()] * n
        self._dirty.add(y)

    def _insert_blanks(self, n: int) -> None:
        """ICH: shift the rest of the row right by n (cells fall off the end)."""
        x, y = self._x, self._y
        cols = self._cols
        n = min(n, cols - x)
        c = self._chars[y]
        s = self._styles[y]
        if c[x] == "" and x:
            c[x - 1] = " "
            c[x] = " "
        blank = self._blank_style()
        c[x:x] = [" "] * n
        s[x:x] = [blank] * n
        del c[cols:]
        del s[cols:]
        if c[cols - 1] != "" and cols >= 2 and is_wide_start(c, cols - 1):
            c[cols - 1] = " "
        self._dirty.add(y)

    def _delete_chars(self, n: int) -> None:
        """DCH: remove n cells at the cursor, blanks come in at the right."""
        x, y = self._x, self._y
        cols = self._cols
        n = min(n, cols - x)
        c = self._chars[y]
        s = self._styles[y]
        if c[x] == "" and x:
            c[x - 1] = " "
        if x + n < cols and c[x + n] == "":
            c[x + n] = " "
        del c[x : x + n]
        del s[x : x + n]
        c.extend([" "] * n)
        s.extend([self._blank_style()] * n)
        self._dirty.add(y)

    def _insert_lines(self, n: int) -> None:
        """IL: n blank lines at the cursor row, inside the region only."""
        if not self._top <= self._y <= self._bottom:
            return
        self._scroll_down(n, self._y)
        self._x = 0
        self._wrap_pending = False

    def _delete_lines(self, n: int) -> None:
        """DL: remove n lines at the cursor row, inside the region only."""
        if not self._top <= self._y <= self._bottom:
            return
        # Deleting lines never feeds scrollback, even at the top of the screen.
        self._scroll_up(n, self._y, history=False)
        self._x = 0
        self._wrap_pending = False

    def _erase_display(self, mode: int) -> None:
        """ED: below (0), above (1), all (2) or the scrollback (3)."""
        rows, cols = self._rows, self._cols
        if mode == 0:
            self._erase(self._y, self._xe(), cols)
            for y in range(self._y + 1, rows):
                self._erase(y, 0, cols)
        elif mode == 1:
            for y in range(self._y):
                self._erase(y, 0, cols)
            self._erase(self._y, 0, self._xe() + 1)
        elif mode == 2:
            for y in range(rows):
                self._erase(y, 0, cols)
        elif mode == 3:
            self._scrollback.clear()

    def _xe(self) -> int:
        """The cursor column as tmux counts it: one past the end while a wrap
        is pending, so erasing "from the cursor" then spares the last cell."""
        return self._x + 1 if self._wrap_pending else self._x

    def _erase_line(self, mode: int) -> None:
        """EL: right of (0), left of (1) or all (2) of the cursor row."""
        if mode == 0:
            self._erase(self._y, self._xe(), self._cols)
        elif mode == 1:
            self._erase(self._y, 0, self._xe() + 1)
        elif mode == 2:
            self._erase(self._y, 0, self._cols)

    # --------------------------------------------------------------- screens

    def _save_cursor(self) -> None:
        """DECSC (also SCOSC, mode 1048): cursor, style, charsets, per screen."""
        saved = _Saved(
            self._x,
            self._y,
            self._style,
            self._wrap_pending,
            self._origin,
            list(self._charsets),
            self._shift,
        )
        if self._alt:
            self._saved_alt = saved
        else:
            self._saved = saved

    def _restore_cursor(self) -> None:
        """DECRC (also SCORC, mode 1048): what DECSC saved, or home and defaults."""
        saved = self._saved_alt if self._alt else self._saved
        if saved is None:
            self._goto(0, 0)
            self._origin = False
            self._set_style(-1, -1, 0)
            return
        self._x = min(saved.x, self._cols - 1)
        self._y = min(saved.y, self._rows - 1)
        self._wrap_pending = saved.wrap
        self._origin = saved.origin
        self._charsets = list(saved.charsets)
        self._shift = saved.shift
        self._update_charset()
        fg, bg, attrs = saved.style
        self._set_style(fg, bg, attrs)

    def _set_alt(self, on: bool, clear: bool) -> None:
        """Switch to or from the alternate screen (optionally clearing it)."""
        if on == self._alt:
            if on and clear:
                self._clear_screen_cells()
            return
        cols, rows = self._cols, self._rows
        if self._other_chars is None or self._other_styles is None:
            self._other_chars = [[" "] * cols for _ in range(rows)]
            self._other_styles = [[DEFAULT_STYLE] * cols for _ in range(rows)]
        self._chars, self._other_chars = self._other_chars, self._chars
        self._styles, self._other_styles = self._other_styles, self._styles
        self._kitty, self._other_kitty = self._other_kitty, self._kitty
        self._alt = on
        if on and clear:
            self._clear_screen_cells()
        self._all_dirty = True

    def _clear_screen_cells(self) -> None:
        """Blank every cell of the active screen with the current background."""
        cols = self._cols
        blank = self._blank_style()
        self._chars[:] = [[" "] * cols for _ in range(self._rows)]
        self._styles[:] = [[blank] * cols for _ in range(self._rows)]
        self._all_dirty = True

    def _update_charset(self) -> None:
        """The translation table of the character set now shifted in."""
        cs = self._charsets[self._shift]
        self._charset_table = (
            DEC_GRAPHICS
            if cs == control.DEC_SPECIAL_GRAPHICS
            else UK_TABLE
            if cs == control.UK
            else None
        )

    # -------------------------------------------------------------- controls

    def _control(self, ch: str) -> None:
        """Execute a C0 control (the ones without a handler are ignored)."""
        self._last_char = None
        handler = _CONTROLS.get(ch)
        if handler is not None:
            handler(self)

    def _line_feed(self) -> None:
        """LF, VT, FF: down one row, scrolling at the bottom margin."""
        self._wrap_pending = False
        self._linefeed()

    def _carriage_return(self) -> None:
        """CR: to column 0."""
        self._x = 0
        self._wrap_pending = False

    def _backspace(self) -> None:
        """BS: one column left (or only cancel a pending wrap)."""
        if self._wrap_pending:
            self._wrap_pending = False
        elif self._x > 0:
            self._x -= 1

    def _tab(self) -> None:
        """HT: to the next tab stop."""
        if not self._wrap_pending:
            self._tab_forward(1)

    def _bell(self) -> None:
        """BEL: counted (the widget shows it)."""
        self.bell_count += 1

    def _select_g1(self) -> None:
        """SO: print with the G1 character set."""
        self._shift = 1
        self._update_charset()

    def _select_g0(self) -> None:
        """SI: print with the G0 character set."""
        self._shift = 0
        self._update_charset()

    def _tab_forward(self, n: int) -> None:
        """CHT: to the n-th next tab stop (the last column when there are fewer)."""
        later = sorted(t for t in self._tabs if t > self._x)
        x = later[n - 1] if n <= len(later) else self._cols - 1
        self._x = min(x, self._cols - 1)
        self._wrap_pending = False

    def _tab_back(self, n: int) -> None:
        """CBT: to the n-th tab stop back (column 0 when there are fewer)."""
        earlier = sorted((t for t in self._tabs if t < self._x), reverse=True)
        self._x = earlier[n - 1] if n <= len(earlier) else 0
        self._wrap_pending = False

    # ------------------------------------------------------------------- ESC

    def _esc(self, inter: str, final: str) -> None:
        """An ESC sequence (not CSI, not a string introducer)."""
        if inter == "":
            handler = _ESCAPES.get(final)
            if handler is not None:
                handler(self)
        elif inter == control.G0_DESIGNATE or inter == control.G1_DESIGNATE:
            self._charsets[0 if inter == control.G0_DESIGNATE else 1] = final
            self._update_charset()
        elif inter == control.DEC_LINE and final == control.DECALN:
            self._screen_alignment()

    def _index(self) -> None:
        """IND: down one row, scrolling at the bottom margin."""
        self._wrap_pending = False
        self._linefeed()

    def _next_line(self) -> None:
        """NEL: to column 0 of the next row, scrolling at the bottom margin."""
        self._x = 0
        self._wrap_pending = False
        self._linefeed()

    def _reverse_index_esc(self) -> None:
        """RI: up one row, scrolling down at the top margin."""
        self._wrap_pending = False
        self._reverse_index()

    def _set_tab_stop(self) -> None:
        """HTS: a tab stop at the cursor column."""
        self._tabs.add(self._x)

    def _full_reset(self) -> None:
        """RIS: power-on state; the scrollback is kept, as xterm keeps it."""
        sb = self._scrollback
        self._reset_state()
        self._scrollback = sb

    def _keypad_application(self) -> None:
        """DECKPAM: the keypad sends application sequences."""
        self._app_keypad = True

    def _keypad_numeric(self) -> None:
        """DECKPNM: the keypad sends digits."""
        self._app_keypad = False

    def _screen_alignment(self) -> None:
        """DECALN: fill the screen with E, cursor home."""
        cols = self._cols
        self._chars[:] = [["E"] * cols for _ in range(self._rows)]
        self._styles[:] = [[DEFAULT_STYLE] * cols for _ in range(self._rows)]
        self._goto(0, 0)
        self._all_dirty = True

    # ------------------------------------------------------------------- CSI

    def _csi(self, params: str, inter: str, final: str) -> None:
        """Dispatch a CSI through the table of its final byte (private ones,
        with a ``? > < =`` lead or an intermediate, through their own)."""
        lead = params[:1]
        if lead in escape.PRIVATE_LEADS:
            params = params[1:]
        elif inter:
            lead = ""
        else:
            if params and not params[0].isdigit() and params[0] not in ";:":
                return
            handler = _CSI.get(final)
            if handler is not None:
                handler(self, params)
            return
        private = _PRIVATE_CSI.get((lead, inter, final))
        if private is not None:
            private(self, params)

    def _cup(self, params: str) -> None:
        """CUP / HVP: to row;column (1-based, origin mode aware)."""
        p = csi_params(params, 1, 2)
        self._goto(max(p[1], 1) - 1, max(p[0], 1) - 1)

    def _cuu(self, params: str) -> None:
        """CUU: up n rows, stopping at the top margin."""
        self._move_y(-max(csi_int(params, 1), 1))

    def _cud(self, params: str) -> None:
        """CUD / VPR: down n rows, stopping at the bottom margin."""
        self._move_y(max(csi_int(params, 1), 1))

    def _cuf(self, params: str) -> None:
        """CUF / HPR: right n columns."""
        self._x = min(self._x + max(csi_int(params, 1), 1), self._cols - 1)
        self._wrap_pending = False

    def _cub(self, params: str) -> None:
        """CUB: left n columns (from one past the end while a wrap is pending)."""
        self._x = max(self._xe() - max(csi_int(params, 1), 1), 0)
        self._wrap_pending = False

    def _cnl(self, params: str) -> None:
        """CNL: down n rows, to column 0."""
        self._move_y(max(csi_int(params, 1), 1))
        self._x = 0

    def _cpl(self, params: str) -> None:
        """CPL: up n rows, to column 0."""
        self._move_y(-max(csi_int(params, 1), 1))
        self._x = 0

    def _cha(self, params: str) -> None:
        """CHA / HPA: to column n."""
        self._x = min(max(csi_int(params, 1), 1), self._cols) - 1
        self._wrap_pending = False

    def _vpa(self, params: str) -> None:
        """VPA: to row n, same column."""
        self._goto(self._x, max(csi_int(params, 1), 1) - 1)

    def _ed(self, params: str) -> None:
        """ED / DECSED: erase below (0), above (1), all (2) or the scrollback (3)."""
        self._erase_display(csi_int(params, 0))

    def _el(self, params: str) -> None:
        """EL / DECSEL: erase right (0), left (1) or all (2) of the line."""
        self._erase_line(csi_int(params, 0))

    def _il(self, params: str) -> None:
        """IL: insert n blank lines at the cursor row."""
        self._insert_lines(max(csi_int(params, 1), 1))

    def _dl(self, params: str) -> None:
        """DL: delete n lines at the cursor row."""
        self._delete_lines(max(csi_int(params, 1), 1))

    def _ich(self, params: str) -> None:
        """ICH: insert n blank cells at the cursor."""
        if not self._wrap_pending:
            self._insert_blanks(max(csi_int(params, 1), 1))

    def _dch(self, params: str) -> None:
        """DCH: delete n cells at the cursor."""
        if not self._wrap_pending:
            self._delete_chars(max(csi_int(params, 1), 1))

    def _ech(self, params: str) -> None:
        """ECH: blank n cells from the cursor."""
        n = max(csi_int(params, 1), 1)
        self._erase(self._y, self._xe(), self._xe() + n)

    def _su(self, params: str) -> None:
        """SU: scroll the region up n rows."""
        if ";" not in params:
            self._scroll_up(max(csi_int(params, 1), 1))

    def _sd(self, params: str) -> None:
        """SD: scroll the region down n rows."""
        if ";" not in params:
            self._scroll_down(max(csi_int(params, 1), 1))

    def _rep(self, params: str) -> None:
        """REP: the last printed character n times, at most a screenful (as in
        tmux), so 6 bytes cannot ask for more work than a screen of text."""
        ch = self._last_char
        if ch is not None:
            n = min(max(csi_int(params, 1), 1), self._cols * self._rows)
            self._draw(ch * n)

    def _decstbm(self, params: str) -> None:
        """DECSTBM: the scrolling region top;bottom, cursor home."""
        p = csi_params(params, 0, 2)
        top = max(p[0], 1) - 1
        bottom = min((p[1] or self._rows) - 1, self._rows - 1)
        if top < bottom:
            self._top, self._bottom = top, bottom
            self._goto(0, 0)

    def _scosc(self, params: str) -> None:
        """SCOSC: save the cursor."""
        self._save_cursor()

    def _scorc(self, params: str) -> None:
        """SCORC: restore the cursor."""
        self._restore_cursor()

    def _cht(self, params: str) -> None:
        """CHT: forward n tab stops."""
        self._tab_forward(max(csi_int(params, 1), 1))

    def _cbt(self, params: str) -> None:
        """CBT: back n tab stops."""
        self._tab_back(max(csi_int(params, 1), 1))

    def _tbc(self, params: str) -> None:
        """TBC: clear the tab stop at the cursor (0) or all of them (3)."""
        mode = csi_int(params, 0)
        if mode == 0:
            self._tabs.discard(self._x)
        elif mode == 3:
            self._tabs.clear()

    def _sm(self, params: str) -> None:
        """SM: set ANSI modes (only IRM, insert, is kept)."""
        if escape.IRM in csi_params(params, -1):
            self._insert = True

    def _rm(self, params: str) -> None:
        """RM: reset ANSI modes."""
        if escape.IRM in csi_params(params, -1):
            self._insert = False

    def _da(self, params: str) -> None:
        """DA1: a VT220 with ANSI colour."""
        if csi_int(params, 0) == 0:
            self._reply(DA1_REPLY)

    def _dsr(self, params: str) -> None:
        """DSR: status (5) or the cursor position (6, CPR)."""
        mode = csi_int(params, 0)
        if mode == 5:
            self._reply("\x1b[0n")
        elif mode == 6:
            y = self._y - (self._top if self._origin else 0)
            self._reply(f"\x1b[{y + 1};{self._x + 1}R")

    def _xtwinops(self, params: str) -> None:
        """XTWINOPS: only 18, the size of the text area in characters."""
        p = csi_params(params, 0)
        if p and p[0] == 18:
            self._reply(f"\x1b[8;{self._rows};{self._cols}t")

    def _sgr_csi(self, params: str) -> None:
        """SGR: through the general CSI path (a C0 inside it, say)."""
        self._sgr(params)

    # ----------------------------------------------------------- private CSI

    def _decset(self, params: str) -> None:
        """DECSET: set DEC private modes."""
        for p in csi_params(params, -1):
            self._set_private_mode(p, True)

    def _decrst(self, params: str) -> None:
        """DECRST: reset DEC private modes."""
        for p in csi_params(params, -1):
            self._set_private_mode(p, False)

    def _decxcpr(self, params: str) -> None:
        """DECXCPR: the cursor position, answered as CSI ? row ; column R."""
        if csi_int(params, 0) == 6:
            y = self._y - (self._top if self._origin else 0)
            self._reply(f"\x1b[?{y + 1};{self._x + 1}R")

    def _kitty_query(self, params: str) -> None:
        """CSI ? u: the kitty keyboard flags in force."""
        self._reply(f"\x1b[?{self._kitty[-1]}u")

    def _decrqm_private(self, params: str) -> None:
        """DECRQM (private): whether a DEC mode is set, reset or unknown."""
        mode = csi_int(params, 0)
        self._reply(f"\x1b[?{mode};{self._private_mode_state(mode)}$y")

    def _decrqm_ansi(self, params: str) -> None:
        """DECRQM (ANSI): whether IRM or LNM is set; others unknown."""
        mode = csi_int(params, 0)
        known = {escape.IRM: escape.MODE_SET if self._insert else escape.MODE_RESET}
        state = known.get(mode, escape.MODE_RESET if mode == escape.LNM else escape.MODE_UNKNOWN)
        self._reply(f"\x1b[{mode};{state}$y")

    def _da2(self, params: str) -> None:
        """DA2: xterm-like secondary device attributes."""
        if csi_int(params, 0) == 0:
            self._reply(DA2_REPLY)

    def _xtversion(self, params: str) -> None:
        """XTVERSION: synk and its version."""
        if csi_int(params, 0) == 0:
            self._reply(f"\x1bP>|synk({__version__})\x1b\\")

    def _kitty_push(self, params: str) -> None:
        """CSI > flags u: push kitty keyboard flags (the stack is bounded)."""
        if len(self._kitty) < KITTY_STACK_MAX:
            self._kitty.append(csi_int(params, 0))

    def _kitty_pop(self, params: str) -> None:
        """CSI < n u: pop n kitty keyboard entries; past the bottom resets it."""
        depth = len(self._kitty)
        pops = min(max(csi_int(params, 1), 1), depth)
        if pops >= depth:
            del self._kitty[1:]
            self._kitty[0] = 0
        else:
            del self._kitty[depth - pops :]

    def _kitty_set(self, params: str) -> None:
        """CSI = flags ; how u: set (1), add (2) or remove (3) kitty flags."""
        kp = csi_params(params, 0, 2)
        flags, how = kp[0], kp[1] or 1
        cur = self._kitty[-1]
        self._kitty[-1] = flags if how == 1 else cur | flags if how == 2 else cur & ~flags

    def _decscusr(self, params: str) -> None:
        """DECSCUSR: the cursor shape (0..6)."""
        shape = csi_int(params, 0)
        if 0 <= shape <= CURSOR_SHAPE_MAX:
            self._cursor_shape = shape

    def _decstr(self, params: str) -> None:
        """DECSTR: soft reset."""
        self._soft_reset()

    def _soft_reset(self) -> None:
        """DECSTR: modes and SGR back to defaults, screen contents kept."""
        self._cursor_visible = True
        self._insert = False
        self._origin = False
        self._autowrap = True
        self._app_cursor = False
        self._app_keypad = False
        self._top, self._bottom = 0, self._rows - 1
        self._charsets = [control.US_ASCII, control.US_ASCII]
        self._shift = 0
        self._update_charset()
        self._set_style(-1, -1, 0)
        self._saved = None
        self._wrap_pending = False

    def _private_mode_state(self, mode: int) -> int:
        """DECRQM answer: 1 set, 2 reset, 0 unknown."""
        values: dict[int, bool] = {
            escape.DECCKM: self._app_cursor,
            escape.DECOM: self._origin,
            escape.DECAWM: self._autowrap,
            escape.DECTCEM: self._cursor_visible,
            escape.ALT_SCREEN: self._alt,
            escape.ALT_SCREEN_CLEARED: self._alt,
            escape.ALT_SCREEN_SAVED: self._alt,
            escape.MOUSE_X10: self._mouse == escape.MOUSE_X10,
            escape.MOUSE_NORMAL: self._mouse == escape.MOUSE_NORMAL,
            escape.MOUSE_BUTTON_EVENT: self._mouse == escape.MOUSE_BUTTON_EVENT,
            escape.MOUSE_ANY_EVENT: self._mouse == escape.MOUSE_ANY_EVENT,
            escape.FOCUS_EVENTS: self._focus,
            escape.MOUSE_SGR: self._mouse_sgr,
            escape.BRACKETED_PASTE: self._bracketed,
            escape.SYNCHRONIZED_OUTPUT: self._sync,
            escape.CURSOR_BLINK: False,
            escape.SAVE_CURSOR: False,
        }
        if mode not in values:
            return escape.MODE_UNKNOWN
        return escape.MODE_SET if values[mode] else escape.MODE_RESET

    def _set_private_mode(self, mode: int, on: bool) -> None:
        """DECSET / DECRST of one DEC private mode."""
        if mode == escape.DECCKM:
            self._app_cursor = on
        elif mode == escape.DECOM:
            self._origin = on
            self._goto(0, 0)
        elif mode == escape.DECAWM:
            self._autowrap = on
            if not on:
                self._wrap_pending = False
        elif mode == escape.DECTCEM:
            self._cursor_visible = on
        elif mode in escape.MOUSE_MODES:
            self._mouse = mode if on else 0
        elif mode == escape.FOCUS_EVENTS:
            self._focus = on
        elif mode == escape.MOUSE_SGR:
            self._mouse_sgr = on
        elif mode == escape.BRACKETED_PASTE:
            self._bracketed = on
        elif mode == escape.SYNCHRONIZED_OUTPUT:
            if on and not self._sync:
                self._sync_frames += 1
            self._sync = on
        elif mode == escape.ALT_SCREEN:
            self._set_alt(on, clear=False)
        elif mode == escape.ALT_SCREEN_CLEARED:
            if not on and self._alt:
                self._clear_screen_cells()
            self._set_alt(on, clear=False)
        elif mode == escape.SAVE_CURSOR:
            if on:
                self._save_cursor()
            else:
                self._restore_cursor()
        elif mode == escape.ALT_SCREEN_SAVED:
            if on:
                if not self._alt:
                    self._save_cursor()
                self._set_alt(True, clear=True)
            elif self._alt:
                self._set_alt(False, clear=False)
                self._restore_cursor()

    # ------------------------------------------------------------------- SGR

    def _set_style(self, fg: int, bg: int, attrs: int) -> None:
        """Set the SGR state (interned)."""
        self._fg, self._bg, self._attrs = fg, bg, attrs
        self._style = intern_style((fg, bg, attrs))

    def _sgr(self, params: str) -> None:
        """Apply one SGR sequence (compiled once per distinct parameter string)."""
        op = SGR_OPS.get(params)
        if op is None:
            op = compile_sgr(params)
        fg, bg, keep, add = op
        if fg is None:
            fg = self._fg
        if bg is None:
            bg = self._bg
        attrs = (self._attrs & keep) | add
        self._fg, self._bg, self._attrs = fg, bg, attrs
        key = (fg, bg, attrs)
        style = STYLES.get(key)
        self._style = style if style is not None else intern_style(key)

    # --------------------------------------------------------------- strings

    def _string(self, text: str, pos: int) -> int:
        """Consume (more of) the OSC/DCS/APC/PM/SOS body being read, from ``pos``.

        Returns the position after its terminator, or -1 when the text ended
        first: the string stays open and the next feed goes on from there, so
        a string is scanned once however many feeds it spans. ESC not followed
        by backslash, CAN and SUB abort it. Only OSC bodies are kept, at most
        ``MAX_OSC`` characters of them.
        """
        kind = self._string_kind
        search = STRING_END.search
        i = pos
        n = len(text)
        while True:
            m = search(text, i)
            if m is None:
                self._keep_string(text, pos, n)
                return -1
            j = m.start()
            ch = text[j]
            if ch == "\x07":
                if kind != "]":
                    i = j + 1  # BEL ends only OSC strings
                    continue
                self._end_string(text, pos, j, "\x07")
                return j + 1
            if ch == "\x1b":
                if j + 1 >= n:
                    self._keep_string(text, pos, j)
                    self._pending = "\x1b"  # ST or a new sequence: the next feed tells
                    return -1
                if text[j + 1] == "\\":
                    self._end_string(text, pos, j, "\x1b\\")
                    return j + 2
                self._string_kind = None
                self._string_parts = []
                return j  # aborted: the ESC starts a new sequence
            self._string_kind = None
            self._string_parts = []
            return j + 1  # CAN / SUB cancel

    def _keep_string(self, text: str, start: int, end: int) -> None:
        """Keep ``text[start:end]`` of an open OSC body, up to ``MAX_OSC`` in all."""
        if self._string_kind != "]":
            return
        room = MAX_OSC - self._string_size
        if room > 0 and end > start:
            self._string_parts.append(text[start : min(end, start + room)])
        self._string_size += end - start

    def _end_string(self, text: str, start: int, end: int, term: str) -> None:
        """The terminator of a string arrived: act on an OSC body."""
        self._keep_string(text, start, end)
        kind = self._string_kind
        self._string_kind = None
        if kind == "]":
            body = "".join(self._string_parts)
            self._string_parts = []
            self._osc(body, term, self._string_size <= MAX_OSC)

    def _osc(self, body: str, term: str, whole: bool) -> None:
        """Act on a finished OSC string; ``whole`` is False when it was longer
        than ``MAX_OSC`` and only its start was kept."""
        code, _, arg = body.partition(";")
        if code in ("0", "1", "2"):
            arg = arg[:MAX_TITLE]
            if code != "1":
                self.title = arg
            if code != "2":
                self.icon_title = arg
        elif not whole:
            return  # a cut string means nothing else
        elif code == "7":
            if len(arg) > MAX_TITLE:
                return  # no path is that long
            try:
                url = urlparse(arg)
                cwd = unquote(url.path) if url.scheme == "file" else arg
            except ValueError:
                cwd = arg
            self.cwd = cwd
        elif code in ("10", "11") and arg == "?":
            rgb = self.default_fg if code == "10" else self.default_bg
            self._reply(f"\x1b]{code};{osc_rgb(rgb)}{term}")
        elif code == "4":
            items = arg.split(";")
            # At most one answer per palette entry: a long query is no amplifier.
            for k in range(0, min(len(items) - 1, 2 * 256), 2):
                index = items[k]
                if items[k + 1] == "?" and len(index) <= 3 and index.isdigit() and index.isascii():
                    idx = int(index)
                    if idx > 255:
                        continue
                    self._reply(f"\x1b]4;{idx};{osc_rgb(xterm_palette(idx))}{term}")
        elif code == "52":
            _, _, data = arg.partition(";")
            if len(data) > MAX_CLIPBOARD:
                return  # dropped whole, never cut
            if data and data != "?" and self.on_clipboard is not None:
                try:
                    decoded = base64.b64decode(data, validate=False).decode("utf-8", "replace")
                except (ValueError, TypeError):
                    return
                self.on_clipboard(decoded)

    def _reply(self, text: str) -> None:
        """Send an answer to a query to the child (through ``on_reply``)."""
        if self.on_reply is not None:
            self.on_reply(text.encode())


_Handler = Callable[[TerminalEmulator, str], None]

_CONTROLS: dict[str, Callable[[TerminalEmulator], None]] = {
    control.LF: TerminalEmulator._line_feed,
    control.VT: TerminalEmulator._line_feed,
    control.FF: TerminalEmulator._line_feed,
    control.CR: TerminalEmulator._carriage_return,
    control.BS: TerminalEmulator._backspace,
    control.HT: TerminalEmulator._tab,
    control.BEL: TerminalEmulator._bell,
    control.SO: TerminalEmulator._select_g1,
    control.SI: TerminalEmulator._select_g0,
}
"""C0 controls by character; the others are ignored."""

_ESCAPES: dict[str, Callable[[TerminalEmulator], None]] = {
    control.DECSC: TerminalEmulator._save_cursor,
    control.DECRC: TerminalEmulator._restore_cursor,
    control.IND: TerminalEmulator._index,
    control.NEL: TerminalEmulator._next_line,
    control.RI: TerminalEmulator._reverse_index_esc,
    control.HTS: TerminalEmulator._set_tab_stop,
    control.RIS: TerminalEmulator._full_reset,
    control.DECKPAM: TerminalEmulator._keypad_application,
    control.DECKPNM: TerminalEmulator._keypad_numeric,
}
"""ESC sequences without an intermediate, by final."""

_CSI: dict[str, _Handler] = {
    escape.CUP: TerminalEmulator._cup,
    escape.HVP: TerminalEmulator._cup,
    escape.CUU: TerminalEmulator._cuu,
    escape.CUD: TerminalEmulator._cud,
    escape.VPR: TerminalEmulator._cud,
    escape.CUF: TerminalEmulator._cuf,
    escape.HPR: TerminalEmulator._cuf,
    escape.CUB: TerminalEmulator._cub,
    escape.CNL: TerminalEmulator._cnl,
    escape.CPL: TerminalEmulator._cpl,
    escape.CHA: TerminalEmulator._cha,
    escape.HPA: TerminalEmulator._cha,
    escape.VPA: TerminalEmulator._vpa,
    escape.ED: TerminalEmulator._ed,
    escape.EL: TerminalEmulator._el,
    escape.SGR: TerminalEmulator._sgr_csi,
    escape.IL: TerminalEmulator._il,
    escape.DL: TerminalEmulator._dl,
    escape.ICH: TerminalEmulator._ich,
    escape.DCH: TerminalEmulator._dch,
    escape.ECH: TerminalEmulator._ech,
    escape.SU: TerminalEmulator._su,
    escape.SD: TerminalEmulator._sd,
    escape.REP: TerminalEmulator._rep,
    escape.DECSTBM: TerminalEmulator._decstbm,
    escape.SCOSC: TerminalEmulator._scosc,
    escape.SCORC: TerminalEmulator._scorc,
    escape.CHT: TerminalEmulator._cht,
    escape.CBT: TerminalEmulator._cbt,
    escape.TBC: TerminalEmulator._tbc,
    escape.SM: TerminalEmulator._sm,
    escape.RM: TerminalEmulator._rm,
    escape.DA: TerminalEmulator._da,
    escape.DSR: TerminalEmulator._dsr,
    escape.XTWINOPS: TerminalEmulator._xtwinops,
}
"""Plain CSI sequences by final byte."""

_PRIVATE_CSI: dict[tuple[str, str, str], _Handler] = {
    ("?", "", escape.SM): TerminalEmulator._decset,
    ("?", "", escape.RM): TerminalEmulator._decrst,
    ("?", "", escape.ED): TerminalEmulator._ed,
    ("?", "", escape.EL): TerminalEmulator._el,
    ("?", "", escape.DSR): TerminalEmulator._decxcpr,
    ("?", "", escape.KITTY_KEYBOARD): TerminalEmulator._kitty_query,
    ("?", "$", escape.DECRQM): TerminalEmulator._decrqm_private,
    ("", "$", escape.DECRQM): TerminalEmulator._decrqm_ansi,
    (">", "", escape.DA): TerminalEmulator._da2,
    (">", "", escape.XTVERSION): TerminalEmulator._xtversion,
    (">", "", escape.KITTY_KEYBOARD): TerminalEmulator._kitty_push,
    ("<", "", escape.KITTY_KEYBOARD): TerminalEmulator._kitty_pop,
    ("=", "", escape.KITTY_KEYBOARD): TerminalEmulator._kitty_set,
    ("", " ", escape.DECSCUSR): TerminalEmulator._decscusr,
    ("", "!", escape.DECSTR): TerminalEmulator._decstr,
}
"""Private CSI sequences by (lead, intermediates, final)."""
