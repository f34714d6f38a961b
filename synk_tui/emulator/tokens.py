"""The tokenizer: one regex that splits output into text runs and control
sequences, the regexes of the flood shortcuts, and CSI parameter parsing
that never costs more than linear time."""

from __future__ import annotations

import re

from synk_tui.emulator.widths import ONE_CELL_CLASS

MAX_PARAM = 65535
"""A numeric parameter larger than this counts as this (as xterm clamps them)."""
MAX_SEQUENCE = 256
"""Parameter and intermediate characters of one CSI or ESC sequence; a longer
sequence is consumed and ignored (tmux ignores one over 64), so no sequence is
kept, parsed or memoised at more than this size."""


# One token per match: text run, SGR, CRLF, CSI, ESC sequence, control char.
# Strings (OSC, DCS, APC, PM, SOS) start with group 9 and are scanned by hand.
TOKEN = re.compile(
    r"([^\x00-\x1f\x7f-\x9f]+)"  # 1 text
    r"|\x1b\[([0-9;:]*)m"  # 2 plain SGR
    r"|(\r\n)"  # 3 CRLF
    r"|\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])"  # 4 params 5 inter 6 final
    r"|\x1b([\]P_^X])"  # 7 string introducer
    r"|\x1b([\x20-\x2f]*)([\x30-\x5a\x5c-\x7e])"  # 8 inter 9 final (not CSI)
    r"|([\x00-\x1a\x1c-\x1f\x7f-\x9f])"  # 10 control (not ESC)
)
INCOMPLETE = re.compile(r"\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|[\x20-\x2f]*)\Z")
PARAM_BYTES = re.compile(r"[\x30-\x3f]+")
INTER_BYTES = re.compile(r"[\x20-\x2f]+")
STRING_END = re.compile(r"[\x07\x18\x1a\x1b]")

# What a bulk-skipped stretch may contain (see the module docstring).
NOT_SIMPLE = re.compile(r"[\x00-\x06\x0e-\x1a\x1c-\x1f\x7f-\x9f]|\x1b(?!\[[0-9;:]*[mKXGCD`@Pa])")
CONTROL_OR_ESC = re.compile(r"[\x00-\x06\x0e-\x1f\x7f-\x9f]")
SGR_SEQUENCE = re.compile(r"\x1b\[([0-9;:]*)m")
_STYLED_LINES: dict[int, re.Pattern[str]] = {}


# Ink's eraseLines: erase the line, go up, erase, ...
ERASE_UP = re.compile(r"(?:\x1b\[1A\x1b\[2K)+")
_LF_CHARS = "\n\x0b\x0c"

_PLAIN_LINES: dict[int, re.Pattern[str]] = {}


def plain_lines_re(cols: int) -> re.Pattern[str]:
    """Lines of printable ASCII that fit the width, each ending in CRLF."""
    pat = _PLAIN_LINES.get(cols)
    if pat is None:
        pat = re.compile(r"(?:[\x20-\x7e]{0,%s}\r\n)+".replace("%s", str(cols)))
        _PLAIN_LINES[cols] = pat
    return pat


def styled_lines_re(cols: int) -> re.Pattern[str]:
    """Lines of one-cell characters (as rich measures them) and SGR that fit
    the width, each ending in CRLF (counting in the regex costs next to
    nothing; stripping the SGR to measure would cost more than the match)."""
    pat = _STYLED_LINES.get(cols)
    if pat is None:
        sgr = r"(?:\x1b\[[0-9;:]*+m)*+"
        one = "(?:" + sgr + "[" + ONE_CELL_CLASS + "])"
        pat = re.compile("(?:" + one + "{0," + str(cols) + "}+" + sgr + r"\r\n)+")
        _STYLED_LINES[cols] = pat
    return pat


def run_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where the run of ``pattern`` starting at ``pos`` ends (``pos`` if none)."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()


def clamped_number(digits: str) -> int:
    """ASCII digits as an int clamped to ``MAX_PARAM``, in time linear in their
    length (``int()`` of a long string is quadratic and refuses 4,300 digits)."""
    if len(digits) > 5:
        digits = digits.lstrip("0")
        if len(digits) > 5:
            return MAX_PARAM
        if not digits:
            return 0
    return min(int(digits), MAX_PARAM)


def csi_int(text: str, default: int) -> int:
    """One CSI parameter: sub-parameters dropped, junk or empty gives default."""
    if not text:
        return default
    head = text.split(":", 1)[0]
    if head.isdigit() and head.isascii():
        return clamped_number(head)
    return default


def csi_params(text: str, default: int, count: int = 0) -> list[int]:
    """CSI parameters as ints (0 also means default, as xterm treats it)."""
    out = [csi_int(p, default) for p in text.split(";")] if text else []
    while len(out) < count:
        out.append(default)
    return out
