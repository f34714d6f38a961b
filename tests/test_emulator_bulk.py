"""The bulk shortcuts give exactly the state that feeding byte by byte gives.

Feeding one byte at a time never takes a shortcut (a one-byte feed holds no
whole line, let alone ``scrollback + rows`` of them), so it is the reference.
The same random stream is also fed whole and in random chunks, which takes the
bulk skip and the plain-lines path wherever they apply; every observable part
of the state must come out the same.
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


def random_line(rng: random.Random, cols: int) -> str:
    kind = rng.random()
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
            out.append("".join(random_line(rng, cols) + nl for _ in range(n)))
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


@pytest.mark.parametrize("seed", range(300))
def test_shortcuts_match_byte_by_byte(seed: int) -> None:
    rng = random.Random(seed)
    cols = rng.choice([1, 2, 5, 10, 20, 33])
    rows = rng.choice([1, 2, 3, 5, 8])
    scrollback = rng.choice([0, 1, 3, 10, 40])
    data = random_stream(rng, cols, rows, scrollback)

    ref = TerminalEmulator(cols, rows, scrollback)
    for i in range(len(data)):
        ref.feed(data[i : i + 1])
    want = snapshot(ref)

    whole = TerminalEmulator(cols, rows, scrollback)
    whole.feed(data)
    assert snapshot(whole) == want

    parts = TerminalEmulator(cols, rows, scrollback)
    for piece in chunked(rng, data):
        parts.feed(piece)
    assert snapshot(parts) == want


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


def test_huge_backlog_is_fast() -> None:
    """A 23 MB backlog costs about a scan, not 3 million lines of emulation."""
    import time

    data = b"".join(b"%d\r\n" % i for i in range(1, 3_000_001))
    e = TerminalEmulator(80, 24, 10_000)
    t0 = time.perf_counter()
    e.feed(data)
    elapsed = time.perf_counter() - t0
    assert e.lines()[-2] == "3000000"
    assert e.scrollback_lines()[0] == str(3_000_000 - 23 - 10_000 + 1)
    assert elapsed < 2.0, elapsed
