"""Cell widths as rich measures them (what Textual lays out with): which
characters are one cell, which are zero-width, and how long a cluster a cell
may hold."""

from __future__ import annotations

import re

MAX_CLUSTER = 32
"""Code points in one cell: combining characters and joins beyond are dropped."""


# One-cell characters per rich's table (everything it does not list as 0 or 2).
def _one_cell_class() -> str:
    """A regex class of every character rich measures as one cell."""
    from rich._unicode_data import load

    ranges: list[tuple[int, int]] = []
    lo = 0x20
    for start, end, _width in sorted(load("auto").widths):
        if start > lo:
            ranges.append((lo, start - 1))
        lo = max(lo, end + 1)
    ranges.append((lo, 0x10FFFF))
    out = []
    for a, b in ranges:
        for a2, b2 in ((a, min(b, 0x7E)), (max(a, 0xA0), b)):  # no DEL or C1
            if a2 <= b2:
                out.append(re.escape(chr(a2)) + "-" + re.escape(chr(b2)))
    return "".join(out)


def _zero_width_class() -> str:
    """Characters rich measures as zero cells wide (combining marks, ZWJ, VS16...)."""
    from rich._unicode_data import load

    return "".join(
        re.escape(chr(a)) + "-" + re.escape(chr(b))
        for a, b, width in load("auto").widths
        if width == 0 and a
    )


ONE_CELL_CLASS = _one_cell_class()
NOT_ONE_CELL = re.compile("[^" + ONE_CELL_CLASS + "]")
# A one-cell character that starts a new cluster (not joined by a ZWJ before it).
ONE_CELL_UNJOINED = re.compile("(?<!\u200d)[" + ONE_CELL_CLASS + "]")
# What follows the first character of a cluster: zero-width characters and
# ZWJ + the character it joins. A run of MAX_CLUSTER or more of them is cut.
LONG_TAIL = re.compile(
    "(?:\u200d.|[" + _zero_width_class() + "]){" + str(MAX_CLUSTER) + ",}", re.DOTALL
)
ZWJ_RUN = re.compile("\u200d{2,}")


NARROW = frozenset(
    chr(c)
    for lo, hi in ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482), (0x2500, 0x25FC))
    for c in range(lo, hi + 1)
)
is_narrow = NARROW.issuperset


ZWJ = "\u200d"
VS16 = "\ufe0f"


def cut_tail(m: re.Match[str]) -> str:
    """The part of an overlong cluster tail a cell keeps (whole joins only, no
    trailing ZWJ: what follows starts a cluster of its own)."""
    kept = m.group()[: MAX_CLUSTER - 1]
    return kept[:-1] if kept.endswith(ZWJ) else kept
