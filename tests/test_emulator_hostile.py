"""Hostile output: no input makes the emulator slow, keeps unbounded state or
loses what follows it."""

from __future__ import annotations

import base64

import pytest
from rich.cells import cell_len

from synk_tui.emulator import (
    MAX_CLIPBOARD,
    MAX_CLUSTER,
    MAX_OSC,
    MAX_TITLE,
    TerminalEmulator,
)
from tests.emu_helpers import HOSTILE_INPUTS, PLAIN_UNBROKEN, HostileInput, feed_seconds

ZWJ = "\u200d"


def widths(e: TerminalEmulator) -> list[int]:
    """Each visible row's width as rich measures its runs (must be ``cols``)."""
    return [sum(cell_len(text) for text, _ in e.row_runs(y)) for y in range(e.rows)]


@pytest.mark.perf
@pytest.mark.parametrize("kind", HOSTILE_INPUTS, ids=lambda k: k.name)
def test_hostile_input_costs_time_linear_in_its_size(kind: HostileInput) -> None:
    """Twice the input takes under three times as long, and no kind costs more
    than a bounded multiple of plain text of the same size (a screenful of
    work per REP is the most any 12 bytes may ask for)."""
    n = kind.size
    single = double = float("inf")
    for _ in range(4):  # a busy machine: look again before believing a slow run
        single = min(single, feed_seconds(kind, n))
        double = min(double, feed_seconds(kind, 2 * n))
        if double < 3 * single:
            break
    assert double < 3 * single, (kind.name, single, double)
    plain = feed_seconds(PLAIN_UNBROKEN, n)
    assert single < 1000 * plain, (kind.name, single, plain)


def test_lines_after_a_huge_parameter_are_all_kept() -> None:
    e = TerminalEmulator(80, 24, 10_000)
    seq = "".join(f"{i}\r\n" for i in range(1, 2001))
    e.feed(b"\x1b[" + b"5" * 5000 + b"H" + seq.encode())
    shown = [line for line in e.scrollback_lines() + e.lines() if line]
    assert shown == [str(i) for i in range(1, 2001)]


def test_an_overlong_sequence_is_ignored_whole() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"ab\x1b[" + b"1;" * 200 + b"31mcd\x1b[" + b"9" * 300 + b"Hef")
    assert e.lines()[0] == "abcdef"
    assert e.style == (-1, -1, 0)
    assert e.cursor == (6, 0)


def test_an_overlong_sequence_split_over_feeds_is_ignored_whole() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"ab\x1b[")
    for _ in range(100):
        e.feed(b"1" * 1000)
    e.feed(b"Bcd")
    assert e.lines()[0] == "abcd"
    assert len(e._pending) == 0


def test_counts_are_clamped_to_the_screen() -> None:
    e = TerminalEmulator(10, 3, 100)
    e.feed(b"\x1b[99999999I")
    assert e.cursor == (9, 0)
    e.feed(b"\r\x1b[99999999Z\x1b[99999999C")
    assert e.cursor == (9, 0)
    # REP draws at most a screenful: 1 + 30 characters make 4 rows, one scrolled out.
    e = TerminalEmulator(10, 3, 100)
    e.feed(b"a\x1b[99999999b")
    assert e.scrollback_lines() == ["a" * 10]
    assert e.lines() == ["a" * 10, "a" * 10, "a"]


def test_kitty_pop_past_the_bottom_resets_the_flags() -> None:
    e = TerminalEmulator(10, 3)
    e.feed(b"\x1b[>1u\x1b[>3u\x1b[>7u\x1b[<2u")
    assert e.kitty_keyboard_flags == 1
    e.feed(b"\x1b[<99999999u")
    assert e.kitty_keyboard_flags == 0


def test_control_inside_a_csi_is_executed_and_the_csi_goes_on() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"abc\x1b[3\b1m" + b"x")
    assert e.lines()[0] == "abx"
    assert e.style == (1, -1, 0)
    e.feed(b"\x1b[2\r")
    e.feed(b"\n;5H")
    assert e.cursor == (4, 1)


@pytest.mark.parametrize(
    "writes",
    [
        [ZWJ * 2],
        [ZWJ, ZWJ],
        [ZWJ * 2 + "x"],
        ["\r\n" + ZWJ * 2 + "abc"],
        ["\x1b[31m" + ZWJ * 2 + "\x1b[0mabc"],
        ["a\rb" + ZWJ * 2 + "c"],
        ["b" + ZWJ, ZWJ, "c", "d"],
        ["\U0001f468" + ZWJ * 3 + "\U0001f469" + ZWJ + ZWJ + "\U0001f467xyz"],
    ],
)
def test_zero_width_joiners_keep_every_row_as_wide_as_the_screen(writes: list[str]) -> None:
    e = TerminalEmulator(80, 3)
    for w in writes:
        e.feed(w.encode())
    assert widths(e) == [80, 80, 80]
    text = "".join(writes).replace(ZWJ, "")
    for word in ("abc", "xyz"):
        if word in text:
            assert word in e.lines()[0] + e.lines()[1]


@pytest.mark.parametrize("write", [1, 7, 4096, 1 << 30])
def test_a_cell_holds_at_most_max_cluster_code_points(write: int) -> None:
    e = TerminalEmulator(80, 24, 100)
    flood = ("a" + "\u0301" * 5000 + "b" + "c\u200d" * 5000 + "d" + "\u0302" * 5000).encode()
    for i in range(0, len(flood), write):
        e.feed(flood[i : i + write])
    e.feed(b"\r\nend")
    cells = [cell for row in e._chars for cell in row]
    assert max(len(cell) for cell in cells) <= MAX_CLUSTER
    assert widths(e) == [80] * 24
    assert "end" in e.lines()


def test_title_is_capped() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"\x1b]0;" + b"t" * 10_000_000 + b"\x07ok")
    assert e.title == "t" * MAX_TITLE
    assert e.icon_title == "t" * MAX_TITLE
    assert e.lines()[0] == "ok"


def test_an_unterminated_string_is_not_kept_whole() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"\x1b]2;")
    chunk = b"y" * 65536
    for _ in range(320):  # 20 MB
        e.feed(chunk)
        assert sum(len(p) for p in e._string_parts) <= MAX_OSC
        assert len(e._pending) <= 1
    e.feed(b"\x1b\\ok")
    assert e.lines()[0] == "ok"
    assert e.title == "y" * MAX_TITLE
    assert e._string_parts == []


def test_a_dcs_string_is_read_past_in_any_number_of_feeds() -> None:
    e = TerminalEmulator(20, 5)
    e.feed(b"\x1bPq")
    for _ in range(100):
        e.feed(b"#0;2;0;0;0" * 100 + b"\x07")  # BEL does not end a DCS
    e.feed(b"\x1b")
    e.feed(b"\\ok")
    assert e.lines()[0] == "ok"


def test_osc52_payload_over_the_limit_is_dropped_whole() -> None:
    e = TerminalEmulator(20, 5)
    got: list[str] = []
    e.on_clipboard = got.append
    fits = base64.b64encode(b"z" * (MAX_CLIPBOARD // 4 * 3))
    assert len(fits) == MAX_CLIPBOARD
    e.feed(b"\x1b]52;c;" + fits + b"\x07")
    assert got == ["z" * (MAX_CLIPBOARD // 4 * 3)]
    e.feed(b"\x1b]52;c;" + fits + b"QUJD\x07after")
    assert len(got) == 1
    assert e.lines()[0] == "after"


def test_osc4_answers_at_most_one_query_per_palette_entry() -> None:
    e = TerminalEmulator(20, 5)
    got: list[bytes] = []
    e.on_reply = got.append
    e.feed(b"\x1b]4;" + b"1;?;" * 10_000 + b"9" * 5000 + b";?\x07")
    assert 1 <= len(got) <= 256
