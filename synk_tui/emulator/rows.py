"""Rows: cells grouped into style runs, and the compact forms scrollback keeps
(a plain string, text plus packed runs, or the raw line of a flood)."""

from __future__ import annotations

from array import array
from itertools import groupby

from rich.cells import cell_len, split_graphemes

from synk_tui.emulator.styles import (
    DEFAULT_STYLE,
    TRUECOLOR,
    StyleKey,
    decode_line,
    intern_style,
)
from synk_tui.emulator.tokens import SGR_SEQUENCE
from synk_tui.emulator.widths import ZWJ, is_narrow


class LazyRow:
    """A scrollback row kept as the line of one-cell characters and SGR that
    wrote it on a blank row, decoded only if it is ever read: most lines of a
    flood are never looked at, and decoding costs ~50x keeping them."""

    __slots__ = ("blank", "cols", "line", "style")

    def __init__(self, line: str, style: StyleKey, blank: StyleKey, cols: int) -> None:
        self.line = line
        self.style = style  # the SGR state when the line started
        self.blank = blank  # what the row was filled with before
        self.cols = cols  # the width then


ScrollbackRow = str | tuple[str, bytes] | LazyRow
"""A plain default-style row as one string, a styled row as (text, packed
runs): each run one 64-bit word (length, attributes and palette colours), or
two when a colour is truecolour, so ~8 bytes a run instead of ~130 for a
tuple of tuples and no style table that only grows; or a ``LazyRow``."""


def is_wide_start(c: list[str], x: int) -> bool:
    """Whether cell x starts a wide character (a placeholder follows it)."""
    return x + 1 < len(c) and c[x + 1] == ""


def is_blank_row(c: list[str], s: list[StyleKey]) -> bool:
    """Whether a row is all default-style blanks."""
    return c.count(" ") == len(c) and s.count(DEFAULT_STYLE) == len(s)


def cell_runs(chars: list[str], styles: list[StyleKey]) -> list[tuple[str, StyleKey]]:
    """Group cells into (text, style) runs; placeholders vanish into the text."""
    out: list[tuple[str, StyleKey]] = []
    start = 0
    for style, group in groupby(styles):
        end = start + len(list(group))
        text = "".join(chars[start:end])
        if ZWJ in text:
            text = join_cells(chars[start:end])
        if text:
            out.append((text, style))
        start = end
    return out


def join_cells(cells: list[str]) -> str:
    """A cell ending in ZWJ would swallow the next cell when measured: drop it."""
    return "".join(c.rstrip(ZWJ) if c.endswith(ZWJ) else c for c in cells)


def compact_row(c: list[str], s: list[StyleKey]) -> ScrollbackRow:
    """A row as stored in scrollback: a string when it is all default style."""
    if s.count(DEFAULT_STYLE) == len(s):
        text = "".join(c).rstrip(" ")
        return join_cells(c).rstrip(" ") if ZWJ in text else text
    if s.count(s[0]) == len(s):  # one style: no need to look for runs
        text = "".join(c)
        return _compact_runs([(join_cells(c) if ZWJ in text else text, s[0])])
    return _compact_runs(cell_runs(c, s))


def _line_row(
    segs: list[tuple[str, StyleKey]], width: int, blank: StyleKey, cols: int
) -> str | tuple[str, bytes]:
    """The scrollback row of an ASCII line written on a blank row."""
    runs = list(segs)
    if width < cols:
        pad = " " * (cols - width)
        if runs and runs[-1][1] == blank:
            runs[-1] = (runs[-1][0] + pad, runs[-1][1])
        else:
            runs.append((pad, blank))
    return _compact_runs(runs)


def materialize(row: LazyRow) -> str | tuple[str, bytes]:
    """A lazily kept row in the form it would have been stored in."""
    segs, width, _ = decode_line(row.line, row.style)
    return _line_row(segs, width, row.blank, row.cols)


def _compact_runs(runs: list[tuple[str, StyleKey]]) -> str | tuple[str, bytes]:
    """Runs without trailing default blanks; one default run becomes a string."""
    while runs and runs[-1][1] is DEFAULT_STYLE:
        text = runs[-1][0].rstrip(" ")
        if text:
            runs[-1] = (text, DEFAULT_STYLE)
            break
        runs.pop()
    if not runs:
        return ""
    if len(runs) == 1 and runs[0][1] is DEFAULT_STYLE:
        return runs[0][0]
    return pack_runs(runs)


# A packed run: bit 0 says a second word follows with the truecolour pair;
# bits 1-20 the length, 21-32 the attributes, then (palette runs only) the
# foreground + 1 in bits 33-41 and the background + 1 in bits 42-50.
_RUN_MAX = (1 << 20) - 1
_RUN_CODES: dict[StyleKey, tuple[int, int]] = {}


def _run_code(style: StyleKey) -> tuple[int, int]:
    """(first word without the length, second word or -1) for a style."""
    code = _RUN_CODES.get(style)
    if code is None:
        fg, bg, attrs = style
        if fg < TRUECOLOR and bg < TRUECOLOR:
            code = (attrs << 21 | (fg + 1) << 33 | (bg + 1) << 42, -1)
        else:
            code = (1 | attrs << 21, (fg + 1) | (bg + 1) << 32)
        if len(_RUN_CODES) > 30_000:
            _RUN_CODES.clear()
        _RUN_CODES[style] = code
    return code


def pack_runs(runs: list[tuple[str, StyleKey]]) -> tuple[str, bytes]:
    """Runs as (text, packed words): see the bit layout above."""
    flat: list[int] = []
    for text, style in runs:
        head, extra = _run_code(style)
        n = len(text)
        while n > _RUN_MAX:  # only a row of absurdly long clusters gets here
            flat.append(head | _RUN_MAX << 1)
            if extra >= 0:
                flat.append(extra)
            n -= _RUN_MAX
        flat.append(head | n << 1)
        if extra >= 0:
            flat.append(extra)
    return ("".join([t for t, _ in runs]), array("Q", flat).tobytes())


def unpack_row(row: ScrollbackRow) -> list[tuple[str, StyleKey]]:
    """A scrollback row back as (text, style) runs."""
    if isinstance(row, LazyRow):
        row = materialize(row)
    if isinstance(row, str):
        return [(row, DEFAULT_STYLE)] if row else []
    text, blob = row
    packed = array("Q")
    packed.frombytes(blob)
    out: list[tuple[str, StyleKey]] = []
    pos = 0
    i = 0
    count = len(packed)
    split = False  # the previous run was cut at _RUN_MAX: join this one to it
    while i < count:
        word = packed[i]
        i += 1
        n = (word >> 1) & _RUN_MAX
        attrs = (word >> 21) & 0xFFF
        if word & 1:
            pair = packed[i]
            i += 1
            style = intern_style(((pair & 0xFFFFFFFF) - 1, (pair >> 32) - 1, attrs))
        else:
            style = intern_style((((word >> 33) & 0x1FF) - 1, ((word >> 42) & 0x1FF) - 1, attrs))
        if split:
            out[-1] = (out[-1][0] + text[pos : pos + n], style)
        else:
            out.append((text[pos : pos + n], style))
        split = n == _RUN_MAX
        pos += n
    return out


def row_text(row: ScrollbackRow) -> str:
    """A scrollback row as plain text, right-stripped."""
    if isinstance(row, str):
        return row
    if isinstance(row, LazyRow):
        return SGR_SEQUENCE.sub("", row.line).rstrip(" ")
    return row[0].rstrip(" ")


def expand_row(row: ScrollbackRow, cols: int) -> tuple[list[str], list[StyleKey]]:
    """A scrollback row back as cells (for a screen that grows taller)."""
    runs = unpack_row(row)
    chars: list[str] = []
    styles: list[StyleKey] = []
    for text, style in runs:
        if is_narrow(text):
            chars.extend(text)
            styles.extend([style] * len(text))
            continue
        spans, _ = split_graphemes(text)
        for start, end, width in spans:
            if width == 0:
                if chars:
                    chars[-1] += text[start:end]
                continue
            chars.append(text[start:end])
            styles.append(style)
            if width == 2:
                chars.append("")
                styles.append(style)
    return fit_row(chars, styles, cols)


def fit_row(
    chars: list[str], styles: list[StyleKey], cols: int
) -> tuple[list[str], list[StyleKey]]:
    """Cut or pad a row to ``cols`` cells, never leaving half a wide char."""
    n = len(chars)
    if n > cols:
        chars = chars[:cols]
        styles = styles[:cols]
        if cols and chars[cols - 1] != "" and n > cols and _is_cut_wide(chars, cols):
            chars[cols - 1] = " "
    elif n < cols:
        chars = chars + [" "] * (cols - n)
        styles = styles + [DEFAULT_STYLE] * (cols - n)
    return chars, styles


def _is_cut_wide(chars: list[str], cols: int) -> bool:
    """Whether the last kept cell starts a wide char whose second half was cut."""
    return cell_len(chars[cols - 1]) == 2


def crop_runs(runs: list[tuple[str, StyleKey]], cols: int) -> list[tuple[str, StyleKey]]:
    """Keep at most ``cols`` cells of a scrollback row (wider after a resize)."""
    total = 0
    out: list[tuple[str, StyleKey]] = []
    for text, style in runs:
        width = cell_len(text)
        if total + width <= cols:
            out.append((text, style))
            total += width
            continue
        room = cols - total
        kept = ""
        used = 0
        spans, _ = split_graphemes(text)
        for start, end, w in spans:
            if used + w > room:
                break
            kept += text[start:end]
            used += w
        kept += " " * (room - used)
        if kept:
            out.append((kept, style))
        break
    return out
