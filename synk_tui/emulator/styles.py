"""Styles: the StyleKey of a cell, its attribute bits, and SGR sequences
compiled to style transitions (memoised, so a flood of colours costs a dict
look-up per sequence)."""

from __future__ import annotations

from synk_tui.emulator.tokens import MAX_SEQUENCE, SGR_SEQUENCE, clamped_number, csi_int

StyleKey = tuple[int, int, int]
"""(fg, bg, attrs): colour -1 default, 0..255 palette, 0x1000000|0xRRGGBB truecolor."""

ATTR_BOLD = 1
ATTR_DIM = 2
ATTR_ITALIC = 4
ATTR_UNDERLINE = 8
ATTR_BLINK = 16
ATTR_REVERSE = 32
ATTR_HIDDEN = 64
ATTR_STRIKE = 128
ATTR_OVERLINE = 256

TRUECOLOR = 0x1000000
DEFAULT_STYLE: StyleKey = (-1, -1, 0)


STYLES: dict[StyleKey, StyleKey] = {DEFAULT_STYLE: DEFAULT_STYLE}


def intern_style(style: StyleKey) -> StyleKey:
    """Share one tuple per distinct style, so rows compare by identity cheaply."""
    got = STYLES.get(style)
    if got is None:
        if len(STYLES) > 30_000:  # a pathological stream of truecolours
            STYLES.clear()
            STYLES[DEFAULT_STYLE] = DEFAULT_STYLE
        STYLES[style] = style
        got = style
    return got


def xterm_palette(index: int) -> tuple[int, int, int]:
    """The RGB of an xterm 256-colour palette entry (for OSC 4 replies)."""
    base = (
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
        (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
        (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    )  # fmt: skip
    if index < 16:
        return base[index]
    if index < 232:
        index -= 16
        steps = (0, 95, 135, 175, 215, 255)
        return steps[index // 36], steps[(index // 6) % 6], steps[index % 6]
    level = 8 + (index - 232) * 10
    return level, level, level


def osc_rgb(rgb: tuple[int, int, int]) -> str:
    """A colour as an OSC reply spells it (rgb:rrrr/gggg/bbbb)."""
    return "rgb:" + "/".join(f"{c:02x}{c:02x}" for c in rgb)


_SGR_ON = {
    1: ATTR_BOLD,
    2: ATTR_DIM,
    3: ATTR_ITALIC,
    4: ATTR_UNDERLINE,
    5: ATTR_BLINK,
    6: ATTR_BLINK,
    7: ATTR_REVERSE,
    8: ATTR_HIDDEN,
    9: ATTR_STRIKE,
    21: ATTR_UNDERLINE,
    53: ATTR_OVERLINE,
}
_SGR_OFF = {
    22: ATTR_BOLD | ATTR_DIM,
    23: ATTR_ITALIC,
    24: ATTR_UNDERLINE,
    25: ATTR_BLINK,
    27: ATTR_REVERSE,
    28: ATTR_HIDDEN,
    29: ATTR_STRIKE,
    55: ATTR_OVERLINE,
}
SGR_OPS: dict[str, tuple[int | None, int | None, int, int]] = {}
SGR_TRANSITIONS: dict[tuple[StyleKey, str], StyleKey] = {}


def sgr_transition(style: StyleKey, params: str) -> StyleKey:
    """The style after an SGR sequence (memoised per style and parameters)."""
    if len(params) > MAX_SEQUENCE:
        return style  # ignored, and never memoised
    op = SGR_OPS.get(params)
    if op is None:
        op = compile_sgr(params)
    fg, bg, keep, add = op
    nxt = intern_style(
        (style[0] if fg is None else fg, style[1] if bg is None else bg, (style[2] & keep) | add)
    )
    if len(SGR_TRANSITIONS) > 30_000:
        SGR_TRANSITIONS.clear()
    SGR_TRANSITIONS[(style, params)] = nxt
    return nxt


def compile_sgr(params: str) -> tuple[int | None, int | None, int, int]:
    """An SGR sequence as (fg or None, bg or None, attrs kept mask, attrs added).

    Colon sub-parameters and junk are tolerated; a sequence longer than
    ``MAX_SEQUENCE`` changes nothing and is not memoised.
    """
    if len(params) > MAX_SEQUENCE:
        return (None, None, -1, 0)
    fg: int | None = None
    bg: int | None = None
    keep, add = -1, 0
    parts = params.split(";")
    i = 0
    n = len(parts)
    while i < n:
        part = parts[i]
        i += 1
        if ":" in part:
            sub = part.split(":")
            head = csi_int(sub[0], 0)
            if head in (38, 48, 58):
                color = _colon_color(sub[1:])
                if head == 38 and color is not None:
                    fg = color
                elif head == 48 and color is not None:
                    bg = color
            elif head == 4:
                if len(sub) < 2 or csi_int(sub[1], 1):
                    add |= ATTR_UNDERLINE
                else:
                    keep &= ~ATTR_UNDERLINE
                    add &= ~ATTR_UNDERLINE
            continue
        if not part:
            code = 0
        elif part.isdigit() and part.isascii():
            code = clamped_number(part)
        else:
            continue
        if code == 0:
            fg, bg, keep, add = -1, -1, 0, 0
        elif 30 <= code <= 37:
            fg = code - 30
        elif 40 <= code <= 47:
            bg = code - 40
        elif code == 38 or code == 48 or code == 58:
            color, i = _semicolon_color(parts, i)
            if code == 38 and color is not None:
                fg = color
            elif code == 48 and color is not None:
                bg = color
        elif code == 39:
            fg = -1
        elif code == 49:
            bg = -1
        elif 90 <= code <= 97:
            fg = code - 82
        elif 100 <= code <= 107:
            bg = code - 92
        elif code in _SGR_ON:
            add |= _SGR_ON[code]
        elif code in _SGR_OFF:
            keep &= ~_SGR_OFF[code]
            add &= ~_SGR_OFF[code]
    if len(SGR_OPS) > 20_000:
        SGR_OPS.clear()
    op = (fg, bg, keep, add)
    SGR_OPS[params] = op
    return op


def _semicolon_color(parts: list[str], i: int) -> tuple[int | None, int]:
    """``5;n`` or ``2;r;g;b`` after a 38/48/58; returns (colour, next index)."""
    if i >= len(parts):
        return None, i
    kind = csi_int(parts[i], -1)
    if kind == 5 and i + 1 < len(parts):
        n = csi_int(parts[i + 1], -1)
        return (n if 0 <= n <= 255 else None), i + 2
    if kind == 2 and i + 3 < len(parts):
        r, g, b = (csi_int(parts[i + k], 0) for k in (1, 2, 3))
        return TRUECOLOR | (min(r, 255) << 16) | (min(g, 255) << 8) | min(b, 255), i + 4
    return None, i + 1


def _colon_color(sub: list[str]) -> int | None:
    """``5:n``, ``2:r:g:b`` or ``2:cs:r:g:b`` after a colon-form 38/48/58."""
    if not sub:
        return None
    kind = csi_int(sub[0], -1)
    if kind == 5 and len(sub) >= 2:
        n = csi_int(sub[1], -1)
        return n if 0 <= n <= 255 else None
    if kind == 2 and len(sub) >= 3:
        rgb = sub[-3:] if len(sub) >= 4 else sub[1:]
        if len(rgb) < 3:
            return None
        r, g, b = (min(csi_int(v, 0), 255) for v in rgb)
        return TRUECOLOR | (r << 16) | (g << 8) | b
    return None


def bg_blank(style: StyleKey) -> StyleKey:
    """What a scroll or erase fills new cells with under ``style`` (BCE)."""
    return DEFAULT_STYLE if style[1] == -1 else intern_style((-1, style[1], 0))


def decode_line(line: str, style: StyleKey) -> tuple[list[tuple[str, StyleKey]], int, StyleKey]:
    """A line of one-cell characters and SGR as (runs, width, final style)."""
    trans = SGR_TRANSITIONS
    segs: list[tuple[str, StyleKey]] = []
    width = 0
    odd = False
    for part in SGR_SEQUENCE.split(line):
        if odd:
            nxt = trans.get((style, part))
            if nxt is None:
                nxt = sgr_transition(style, part)
            style = nxt
        elif part:
            width += len(part)
            if segs and segs[-1][1] == style:
                segs[-1] = (segs[-1][0] + part, style)
            else:
                segs.append((part, style))
        odd = not odd
    return segs, width, style


def line_end_style(line: str, style: StyleKey) -> StyleKey:
    """The SGR state after a line of one-cell characters and SGR: only the
    sequences from the last one that sets every attribute on count."""
    i = line.rfind("\x1b[")
    if i < 0:
        return style
    ops = SGR_OPS
    found: list[str] = []
    while i >= 0:
        params = line[i + 2 : line.index("m", i)]
        found.append(params)
        op = ops.get(params)
        if op is None:
            op = compile_sgr(params)
        if op[2] == 0 and op[0] is not None and op[1] is not None:
            break  # absolute: what came before no longer matters
        i = line.rfind("\x1b[", 0, i)
    trans = SGR_TRANSITIONS
    for params in reversed(found):
        nxt = trans.get((style, params))
        if nxt is None:
            nxt = sgr_transition(style, params)
        style = nxt
    return style
