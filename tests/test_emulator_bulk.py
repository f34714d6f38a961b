"""The bulk shortcuts give exactly the state that feeding byte by byte gives.

Feeding one byte at a time never takes a shortcut (a one-byte feed holds no
whole line, let alone ``scrollback + rows`` of them), so it is the reference.
The same random stream is also fed whole and in random chunks, which takes the
bulk skip, the plain-lines and the styled-lines paths (whose scrollback rows
are kept undecoded until read) wherever they apply; every observable part of
the state must come out the same, also when the scrollback is read at random
points in between (which decodes some rows and leaves others undecoded).
"""

from __future__ import annotations

import random

import pytest

from synk_tui.emulator import TerminalEmulator
from tests.emu_helpers import snapshot

WORDS = ["seq", "12345", "hello world", "x" * 30, "中文字", "e\u0301", "❤\ufe0f", "🇺🇸", "-"]
SGRS = ["\x1b[0m", "\x1b[31m", "\x1b[1;4m", "\x1b[38;5;202m", "\x1b[48;2;1;2;3m", "\x1b[m"]
SGRS += ["\x1b[38:2::9:8:7m", "\x1b[22m", "\x1b[7m", "\x1b[44m"]
MOVES = ["\x1b[H", "\x1b[3;4H", "\x1b[2A", "\x1b[B", "\x1b[5C", "\x1b[2D", "\x1b[K", "\x1b[1K"]
MOVES += ["\x1b[2J", "\x1b[3X", "\x1b[2@", "\x1b[P", "\x1b[L", "\x1b[M", "\x1b[S", "\x1b[T"]
MOVES += ["\x1bM", "\x1b7", "\x1b8", "\b", "\t", "\x07", "\x1b[10G", "\x1b[4b", "\x0b"]
RARE = ["\x1b[2;4r", "\x1b[r", "\x1b[?1049h", "\x1b[?1049l", "\x1b[4h", "\x1b[4l"]
RARE += ["\x1b[?7l", "\x1b[?7h", "\x1b(0", "\x1b(B", "\x0e", "\x0f", "\x1b]0;t\x07", "\x1b[20h"]
RARE += ["\x1b[20l", "\x1b[?6h", "\x1b[?6l", "\x1b[5S", "\x1bc"]
# SGR-heavy floods: 256 colours, truecolour, resets that also set, partial
# resets, backgrounds (which the scroll paints new rows with), junk params.
COLOURS = ["\x1b[38;5;%dm", "\x1b[48;5;%dm", "\x1b[38;5;%d;48;5;17m", "\x1b[0;38;5;%dm"]
COLOURS += ["\x1b[38;2;%d;0;255m", "\x1b[48:2::%d:1:2m", "\x1b[3%dm", "\x1b[1;9%dm"]
RESETS = ["\x1b[0m", "\x1b[m", "\x1b[39m", "\x1b[49m", "\x1b[22;23m", "\x1b[0;1;2;4m"]
RESETS += ["\x1b[;7m", "\x1b[x;2m", "\x1b[38;5m", "\x1b[7;27m"]
NARROW_TEXT = ["box─│┌", "café", "naïve", "ÿ", "¬", "Ωμ", "x" * 7, "  ", "w", "⏺✻⎿…↑"]
NARROW_TEXT += ["\u0600x", "\u0e33", "\U0001f1fa\U0001f1f8", "\u00ad"]  # one cell, as rich says
# Before a flood: leave the bottom row blank in a colour other than the one
# the current SGR state would paint it with, or just reset.
PRE_FLOOD = ["\x1b[44m\x1b[2J\x1b[m\x1b[255;1H\x1b[A", "\x1b[41m\x1b[2J\x1b[49;32m\x1b[255H\x1bM"]
PRE_FLOOD += ["\x1b[0m", "\x1b[44m"]


def coloured_line(rng: random.Random, cols: int) -> str:
    """Words in colours, as ``ls --color`` or a 256-colour cat writes them;
    sometimes exactly as wide as the screen or one wider."""
    parts = []
    width = 0
    limit = rng.choice([cols, cols, cols + 1, rng.randrange(cols + 2)])
    plain = rng.random() < 0.2  # no SGR: non-ASCII text, trailing blanks
    while width < limit:
        r = 1.0 if plain else rng.random()
        if r < 0.45:
            parts.append(rng.choice(COLOURS).replace("%d", str(rng.randrange(8))))
        elif r < 0.6:
            parts.append(rng.choice(RESETS))
        elif r < 0.63:
            parts.append(rng.choice(WORDS))  # wide and zero-width too
            width += 2
        else:
            word = rng.choice(NARROW_TEXT)[: limit - width]
            parts.append(word)
            width += len(word) or 1
    return "".join(parts)


def random_line(rng: random.Random, cols: int, colour: float) -> str:
    kind = rng.random()
    if kind < colour:
        return coloured_line(rng, cols)
    if kind < 0.45:  # plain ASCII, the flood case
        return str(rng.randrange(10 ** rng.randrange(1, 9)))[: cols + 2]
    parts = []
    for _ in range(rng.randrange(1, 6)):
        r = rng.random()
        if r < 0.5:
            parts.append(rng.choice(WORDS))
        elif r < 0.8:
            parts.append(rng.choice(SGRS))
        else:
            parts.append(rng.choice(MOVES[6:9]))  # in-line erases only
    return "".join(parts)


def random_stream(rng: random.Random, cols: int, rows: int, scrollback: int) -> bytes:
    out: list[str] = []
    for _ in range(rng.randrange(1, 8)):
        block = rng.random()
        if block < 0.55:  # a flood of lines, long enough for the shortcuts
            n = rng.randrange(1, 3 * (scrollback + 2 * rows) + 10)
            nl = rng.choice(["\r\n", "\r\n", "\r\n", "\n", "\r\r\n"])
            colour = rng.choice([0.0, 0.3, 0.9, 1.0])
            if colour and rng.random() < 0.5:
                out.append(rng.choice(PRE_FLOOD))
            out.append("".join(random_line(rng, cols, colour) + nl for _ in range(n)))
        elif block < 0.9:  # a full-screen program repainting
            for _ in range(rng.randrange(1, 40)):
                r = rng.random()
                if r < 0.35:
                    out.append(rng.choice(MOVES))
                elif r < 0.6:
                    out.append(rng.choice(SGRS))
                elif r < 0.95:
                    out.append(rng.choice(WORDS))
                else:
                    out.append(rng.choice(RARE))
        else:
            out.append("".join(rng.choice(RARE) for _ in range(rng.randrange(1, 4))))
    data = "".join(out).encode()
    if rng.random() < 0.2:  # some invalid UTF-8 and stray bytes too
        i = rng.randrange(len(data) + 1)
        data = data[:i] + bytes([rng.choice([0x80, 0xC3, 0xE4, 0x1B, 0x9B, 0xFF])]) + data[i:]
    return data


def chunked(rng: random.Random, data: bytes) -> list[bytes]:
    pieces = []
    i = 0
    while i < len(data):
        n = rng.choice([1, 2, 3, 7, 64, 500, 4096, 10**9])
        pieces.append(data[i : i + n])
        i += n
    return pieces


def peek(rng: random.Random, e: TerminalEmulator) -> list[object]:
    """Read a few random scrollback rows (decoding just those), all its text
    and, half the time, the screen (which builds the cells a flood left as
    lines); sometimes resize. The feeding then goes on from a mix of decoded
    and undecoded rows."""
    n = e.scrollback_len
    picks = [rng.randrange(1, n + 1) for _ in range(3)] if n else []
    seen: list[object] = [e.scrollback_lines(), [(i, e.row_runs(-i)) for i in picks]]
    if rng.random() < 0.5:
        seen.append(e.lines())
    if rng.random() < 0.2:
        e.resize(max(1, e.cols + rng.randrange(-3, 4)), max(1, e.rows + rng.randrange(-2, 3)))
    return seen


@pytest.mark.parametrize("seed", range(400))
def test_shortcuts_match_byte_by_byte(seed: int) -> None:
    rng = random.Random(seed)
    cols = rng.choice([1, 2, 5, 10, 20, 33])
    rows = rng.choice([1, 2, 3, 5, 8])
    scrollback = rng.choice([0, 1, 3, 10, 40])
    data = random_stream(rng, cols, rows, scrollback)
    pieces = chunked(rng, data)
    # Points between pieces where the chunked feed is looked at (and resized).
    checks: set[int] = set()
    offset = 0
    for piece in pieces[:-1]:
        offset += len(piece)
        if rng.random() < 0.3:
            checks.add(offset)

    ref = TerminalEmulator(cols, rows, scrollback)
    for i in range(len(data)):
        ref.feed(data[i : i + 1])
    whole = TerminalEmulator(cols, rows, scrollback)
    whole.feed(data)
    assert snapshot(whole) == snapshot(ref)

    ref = TerminalEmulator(cols, rows, scrollback)
    seen: dict[int, list[object]] = {}
    for i in range(len(data)):
        ref.feed(data[i : i + 1])
        if i + 1 in checks:
            seen[i + 1] = peek(random.Random(i), ref)
    parts = TerminalEmulator(cols, rows, scrollback)
    offset = 0
    for piece in pieces:
        parts.feed(piece)
        offset += len(piece)
        if offset in seen:
            assert peek(random.Random(offset - 1), parts) == seen[offset], offset
    assert snapshot(parts) == snapshot(ref)


def test_shortcuts_are_taken() -> None:
    """The equivalence above is not vacuous: both shortcuts fire on a flood."""
    e = TerminalEmulator(20, 5, 10)
    calls = {"skip": 0, "plain": 0}
    skip, plain = e._bulk_skip, e._plain_lines

    def counting_skip(text: str, pos: int) -> tuple[int, int]:
        got = skip(text, pos)
        calls["skip"] += got[0] != pos
        return got

    def counting_plain(text: str, pos: int) -> int:
        got = plain(text, pos)
        calls["plain"] += got != pos
        return got

    e._bulk_skip = counting_skip  # type: ignore[method-assign]
    e._plain_lines = counting_plain  # type: ignore[method-assign]
    e.feed(b"".join(b"%d\r\n" % i for i in range(1000)))
    assert calls["skip"] >= 1 and calls["plain"] >= 1
    assert e.lines() == ["996", "997", "998", "999", ""]
    assert e.scrollback_lines() == [str(i) for i in range(986, 996)]
    calls["plain"] = 0
    e.feed(b"".join(b"\x1b[3%dm%d\x1b[0m\r\n" % (i % 8, i) for i in range(30)))
    assert calls["plain"] >= 1  # the styled-lines path
    assert e.row_runs(-1) == [("25", (1, -1, 0))]


def test_huge_backlog_is_skipped() -> None:
    """A 23 MB backlog costs about a scan, not 3 million lines of emulation:
    all but the last ``scrollback + rows`` lines are skipped in one step."""
    data = b"".join(b"%d\r\n" % i for i in range(1, 3_000_001))
    e = TerminalEmulator(80, 24, 10_000)
    skip = e._bulk_skip
    cuts: list[int] = []

    def recording_skip(text: str, pos: int) -> tuple[int, int]:
        got = skip(text, pos)
        cuts.append(got[0] - pos)
        return got

    e._bulk_skip = recording_skip  # type: ignore[method-assign]
    e.feed(data)
    assert e.lines()[-2] == "3000000"
    assert e.scrollback_lines()[0] == str(3_000_000 - 23 - 10_000 + 1)
    assert max(cuts) > len(data) - 20_000 * 9


def test_styled_flood_onto_a_row_painted_before() -> None:
    """The first line of a flood keeps the background its row already had
    (not the one the current SGR state would paint), also undecoded."""
    data = b"\x1b[44m\x1b[2J\x1b[m\x1b[3;1H\x1b[Atop\r\n"
    data += b"".join(b"\x1b[31mr%d\x1b[m\r\n" % i for i in range(6))
    ref = TerminalEmulator(10, 3, 10)
    for i in range(len(data)):
        ref.feed(data[i : i + 1])
    e = TerminalEmulator(10, 3, 10)
    e.feed(data)
    assert any(type(row).__name__ == "LazyRow" for row in e._scrollback)
    assert snapshot(e) == snapshot(ref)
    assert e.row_runs(-4) == [("r0", (1, -1, 0)), (" " * 8, (-1, 4, 0))]
