"""Unit tests of TerminalEmulator: each gap pyte left and the public surface."""

from __future__ import annotations

import base64
import re

import pytest
from rich.cells import cell_len

from synk_tui.emulator import (
    ATTR_BOLD,
    ATTR_DIM,
    ATTR_HIDDEN,
    ATTR_ITALIC,
    ATTR_OVERLINE,
    ATTR_REVERSE,
    ATTR_STRIKE,
    ATTR_UNDERLINE,
    DEFAULT_STYLE,
    TRUECOLOR,
    TerminalEmulator,
)


def emu(cols: int = 20, rows: int = 5, scrollback: int = 100) -> TerminalEmulator:
    return TerminalEmulator(cols=cols, rows=rows, scrollback=scrollback)


def fed(data: bytes | str, cols: int = 20, rows: int = 5) -> TerminalEmulator:
    e = emu(cols, rows)
    e.feed(data.encode() if isinstance(data, str) else data)
    return e


def replies(data: str, e: TerminalEmulator | None = None) -> list[bytes]:
    e = e or emu()
    got: list[bytes] = []
    e.on_reply = got.append
    e.feed(data.encode())
    return got


def assert_widths(e: TerminalEmulator) -> None:
    """Every visible row's runs add up to exactly cols cells."""
    for y in range(e.rows):
        assert sum(cell_len(t) for t, _ in e.row_runs(y)) == e.cols, (y, e.row_runs(y))


# ------------------------------------------------------------------ basics


def test_text_wrap_and_cursor() -> None:
    e = fed("abcdefghij" * 3, cols=20)
    assert e.lines()[:2] == ["abcdefghijabcdefghij", "abcdefghij"]
    assert e.cursor == (10, 1)


def test_pending_wrap_at_last_column_then_cr() -> None:
    e = fed("x" * 20 + "\r", cols=20)
    assert e.cursor == (0, 0)
    assert e.lines()[1] == ""


def test_scrollback_oldest_first_and_capped() -> None:
    e = TerminalEmulator(cols=10, rows=3, scrollback=4)
    e.feed(b"".join(b"l%d\r\n" % i for i in range(10)))
    assert e.lines() == ["l8", "l9", ""]
    assert e.scrollback_lines() == ["l4", "l5", "l6", "l7"]
    assert e.scrollback_len == 4
    assert e.row_runs(-1) == [("l7", DEFAULT_STYLE)]
    assert e.row_runs(-4) == [("l4", DEFAULT_STYLE)]
    with pytest.raises(IndexError):
        e.row_runs(-5)


def test_no_scrollback() -> None:
    e = TerminalEmulator(cols=10, rows=2, scrollback=0)
    e.feed(b"a\r\nb\r\nc")
    assert e.lines() == ["b", "c"]
    assert e.scrollback_lines() == []
    assert e.scrollback_len == 0


def test_never_raises_on_garbage() -> None:
    import random

    rng = random.Random(1)
    e = emu()
    for _ in range(300):
        e.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 50))))
        e.feed(b"\x1b[" + bytes(rng.choice(b"0123456789;:?>=<!$ ") for _ in range(6)) + b"m")
    assert len(e.lines()) == 5
    assert_widths(e)


# ------------------------------------------------------- split sequences


def test_utf8_and_escape_split_across_feeds() -> None:
    e = emu()
    data = "中\x1b[31mé\x1b]0;title\x07x".encode()
    for i in range(len(data)):
        e.feed(data[i : i + 1])
    assert e.lines()[0] == "中éx"
    assert e.title == "title"
    assert e.row_runs(0)[1] == ("éx", (1, -1, 0))


# ------------------------------------------------------------------ widths


@pytest.mark.parametrize(
    "text",
    ["中文", "❤\ufe0f", "👨\u200d👩\u200d👧", "🇺🇸", "1\ufe0f\u20e3", "e\u0301", "a\u200bb"],
)
def test_grapheme_widths_match_rich(text: str) -> None:
    e = fed(text + "|")
    assert e.lines()[0] == text + "|"
    assert e.cursor == (cell_len(text) + 1, 0)
    assert_widths(e)


def test_text_after_zero_width_is_kept() -> None:
    e = fed("a\u200dZ after")
    assert e.lines()[0].endswith("after")


def test_vs16_in_a_later_feed_still_widens() -> None:
    e = emu()
    e.feed("❤".encode())
    e.feed("\ufe0f|".encode())
    assert e.lines()[0] == "❤\ufe0f|"
    assert e.cursor == (3, 0)
    assert_widths(e)


def test_wide_char_at_last_column_wraps() -> None:
    e = fed("x" * 19 + "中", cols=20)
    assert e.lines()[:2] == ["x" * 19, "中"]
    assert e.cursor == (2, 1)
    assert_widths(e)


def test_overwriting_half_a_wide_char_leaves_no_orphan() -> None:
    e = fed("中文\x1b[1;2HX")
    assert e.lines()[0] == " X文"
    e.feed(b"\x1b[1;4HY")
    assert e.lines()[0] == " X Y"
    assert_widths(e)


def test_combining_at_start_of_line_is_dropped() -> None:
    e = fed("\u0301abc")
    assert e.lines()[0] == "abc"


def test_dec_line_drawing() -> None:
    e = fed("\x1b(0lqk\x1b(B q")
    assert e.lines()[0] == "┌─┐ q"


def test_dec_special_graphics_table() -> None:
    """The whole set, as xterm draws it, and as pyte's table has it."""
    from pyte.charsets import VT100_MAP

    e = TerminalEmulator(40, 2, 0)
    e.feed(b"\x1b(0" + bytes(range(0x60, 0x7F)) + b"\x1b(B~")
    assert e.lines()[0] == "◆▒␉␌␍␊°±░␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·~"
    assert e.lines()[0][:-1] == "".join(VT100_MAP[code] for code in range(0x60, 0x7F))


# ----------------------------------------------------------------- screens


def test_alternate_screen_restores_main_and_cursor() -> None:
    e = fed("$ vim\r\n")
    e.feed(b"\x1b[?1049h\x1b[Hfull screen app\x1b[5;1Hstatus")
    assert e.alt_screen
    assert e.lines()[0] == "full screen app"
    e.feed(b"\x1b[?1049l")
    assert not e.alt_screen
    assert e.lines()[:2] == ["$ vim", ""]
    assert e.cursor == (0, 1)


def test_alt_screen_does_not_feed_scrollback() -> None:
    e = fed("\x1b[?1049h" + "x\r\n" * 20 + "\x1b[?1049l")
    assert e.scrollback_len == 0


def test_47_and_1047() -> None:
    e = fed("main")
    e.feed(b"\x1b[?47halt")
    assert e.lines()[0] == "    alt"
    e.feed(b"\x1b[?47l")
    assert e.lines()[0] == "main"
    e.feed(b"\x1b[?1047h\x1b[Hzz\x1b[?1047l\x1b[?1047h")
    assert e.lines()[0] == ""


# --------------------------------------------------------- cursor & scroll


def test_scroll_up_down_and_region() -> None:
    e = fed("1\r\n2\r\n3\r\n4\r\n5")
    e.feed(b"\x1b[2S")
    assert e.lines() == ["3", "4", "5", "", ""]
    assert e.scrollback_lines() == ["1", "2"]
    e.feed(b"\x1b[T")
    assert e.lines() == ["", "3", "4", "5", ""]
    e.feed(b"\x1b[2;4r\x1b[4;1H\n")
    assert e.lines() == ["", "4", "5", "", ""]
    # As in tmux, the line scrolled off the top of a region goes to history.
    assert e.scrollback_lines() == ["1", "2", "3"]


def test_insert_delete_lines_and_chars() -> None:
    e = fed("a\r\nb\r\nc\x1b[2;1H\x1b[L")
    assert e.lines()[:4] == ["a", "", "b", "c"]
    e.feed(b"\x1b[M")
    assert e.lines()[:3] == ["a", "b", "c"]
    e.feed(b"\x1b[1;1Habcdef\x1b[1;2H\x1b[2P")
    assert e.lines()[0] == "adef"
    e.feed(b"\x1b[2@")
    assert e.lines()[0] == "a  def"
    e.feed(b"\x1b[3X")
    assert e.lines()[0] == "a   ef"


def test_rep_repeats_last_char() -> None:
    assert fed("-\x1b[5b|").lines()[0] == "------|"
    assert fed("\x1b[5b|").lines()[0] == "|"


def test_save_restore_cursor_csi_and_esc() -> None:
    e = fed("\x1b[2;3H\x1b[s\x1b[5;5H\x1b[uX")
    assert e.lines()[1] == "  X"
    e = fed("\x1b[3;4H\x1b[1m\x1b7\x1b[0m\x1b[1;1H\x1b8Y")
    assert e.lines()[2] == "   Y"
    assert e.row_runs(2)[1] == ("Y", (-1, -1, ATTR_BOLD))


def test_hpa_vpa_cha_and_tabs() -> None:
    e = fed("\x1b[3`a\x1b[2db\x1b[10Gc\tz")
    assert e.lines()[0] == "  a"
    assert e.lines()[1] == "   b     c      z"


def test_private_and_unknown_sequences_are_swallowed() -> None:
    seqs = [
        "\x1bP1$r0m\x1b\\",  # DCS
        "\x1b_Gkitty\x1b\\",  # APC
        "\x1b[<0;1;1M",
        "\x1b[=5u",
        "\x1b[!p",
        "\x1b[>4;1m",
        "\x1b[38:2::10:20:30m",
        "\x1b[?4m",
        "\x1b[1;2d",
        "\x1b[?6n",
        "\x1b]8;;http://x\x1b\\",
        "\x1b]133;A\x07",
        "\x1b[>1u\x1b[<u",
        "\x1b[?1;2c",
        "\x1b[z",
    ]
    for seq in seqs:
        e = fed("a" + seq + "b")
        assert e.lines()[0].replace(" ", "") in ("ab", "a", "b"), (seq, e.lines())
        assert "[" not in e.lines()[0] and "\\" not in e.lines()[0], seq


def test_csi_gt_4_m_is_not_underline_bold() -> None:
    e = fed("\x1b[>4;1mX")
    assert e.row_runs(0) == [("X" + " " * 19, DEFAULT_STYLE)]


# ------------------------------------------------------------------ styles


def test_sgr_attributes() -> None:
    e = fed("\x1b[1;2;3;4;7;8;9;53mA\x1b[22;23;24;27;28;29;55mB")
    want = ATTR_BOLD | ATTR_DIM | ATTR_ITALIC | ATTR_UNDERLINE
    want |= ATTR_REVERSE | ATTR_HIDDEN | ATTR_STRIKE | ATTR_OVERLINE
    assert e.row_runs(0)[0] == ("A", (-1, -1, want))
    assert e.row_runs(0)[1][1] == DEFAULT_STYLE


def test_sgr_colours_256_truecolor_and_colon_forms() -> None:
    e = fed(
        "\x1b[31;42ma\x1b[38;5;200;48;2;1;2;3mb\x1b[38:2::10:20:30mc"
        "\x1b[38:5:9md\x1b[93;104me\x1b[39;49mf\x1b[4:3mg\x1b[4:0mh"
    )
    runs = e.row_runs(0)
    assert runs[0] == ("a", (1, 2, 0))
    assert runs[1] == ("b", (200, TRUECOLOR | 0x010203, 0))
    assert runs[2] == ("c", (TRUECOLOR | 0x0A141E, TRUECOLOR | 0x010203, 0))
    assert runs[3] == ("d", (9, TRUECOLOR | 0x010203, 0))
    assert runs[4] == ("e", (11, 12, 0))
    assert runs[5] == ("f", DEFAULT_STYLE)
    assert runs[6] == ("g", (-1, -1, ATTR_UNDERLINE))
    assert runs[7][0].startswith("h") and runs[7][1] == DEFAULT_STYLE


def test_underline_colour_does_not_set_bold_italic() -> None:
    e = fed("\x1b[58;2;255;0;0mX\x1b[58:5:3mY")
    assert e.row_runs(0)[0] == ("XY", DEFAULT_STYLE) or e.row_runs(0)[0][1] == DEFAULT_STYLE


def test_background_colour_erase() -> None:
    e = fed("\x1b[44m\x1b[2J\x1b[1;5H\x1b[K", cols=10, rows=2)
    assert e.row_runs(1) == [(" " * 10, (-1, 4, 0))]
    e.feed(b"\x1b[0m\r\n\x1b[41m\n")
    # Lines scrolled in get the current background too.
    assert e.row_runs(1) == [(" " * 10, (-1, 1, 0))]


def test_row_runs_cover_full_width_with_trailing_blanks() -> None:
    e = fed("\x1b[31mab\x1b[0m", cols=6)
    assert e.row_runs(0) == [("ab", (1, -1, 0)), ("    ", DEFAULT_STYLE)]
    assert_widths(e)


def test_styled_scrollback_is_runs() -> None:
    e = TerminalEmulator(cols=10, rows=1, scrollback=5)
    e.feed(b"\x1b[1mA\x1b[0mb\r\n")
    assert e.row_runs(-1) == [("A", (-1, -1, ATTR_BOLD)), ("b", DEFAULT_STYLE)]
    assert e.scrollback_lines() == ["Ab"]


def test_scrollback_keeps_every_colour_kind_and_attribute() -> None:
    """Palette, truecolour (either side) and all attributes survive packing."""
    e = TerminalEmulator(cols=30, rows=1, scrollback=5)
    e.feed(
        b"\x1b[1;2;3;4;5;7;8;9;53;38;5;255;48;5;0mA"
        b"\x1b[0;38;2;255;254;253mB\x1b[48;2;0;0;1;39mC\x1b[0;97;41mD\x1b[m  \r\n"
    )
    assert e.row_runs(-1) == [
        ("A", (255, 0, 511)),
        ("B", (TRUECOLOR | 0xFFFEFD, -1, 0)),
        ("C", (-1, TRUECOLOR | 1, 0)),
        ("D", (15, 1, 0)),
    ]


def test_packed_rows_hold_runs_longer_than_a_word_can_count() -> None:
    from synk_tui.emulator.rows import pack_runs as _pack
    from synk_tui.emulator.rows import unpack_row as _unpack

    runs = [
        ("x" * 1_100_000, (1, TRUECOLOR | 5, 8)),
        ("y" * 2_100_000, (3, 4, 0)),
        ("z", (5, 6, 0)),
    ]
    assert _unpack(_pack(runs)) == runs


# ------------------------------------------------------------------ resize


def test_shrink_keeps_cursor_line_and_moves_top_to_scrollback() -> None:
    e = fed("1\r\n2\r\n3\r\n4\r\n$ ", cols=10, rows=5)
    e.resize(10, 2)
    assert e.lines() == ["4", "$"]
    assert e.cursor == (2, 1)
    assert e.scrollback_lines() == ["1", "2", "3"]
    e.resize(10, 5)
    assert e.lines() == ["1", "2", "3", "4", "$"]
    assert e.cursor == (2, 4)


def test_shrink_drops_blank_rows_below_cursor_first() -> None:
    e = fed("$ ", cols=10, rows=5)
    e.resize(10, 2)
    assert e.lines() == ["$", ""]
    assert e.cursor == (2, 0)
    assert e.scrollback_len == 0


def test_resize_width_cuts_wide_char_cleanly() -> None:
    e = fed("abc中", cols=10, rows=2)
    e.resize(4, 2)
    assert e.lines()[0] == "abc"
    assert e.cols == 4
    assert_widths(e)
    e.resize(12, 3)
    assert e.rows == 3 and e.cols == 12
    assert_widths(e)


def test_scrollback_rows_are_cropped_to_a_narrower_screen() -> None:
    e = TerminalEmulator(cols=10, rows=1, scrollback=5)
    e.feed("0123456中\r\n".encode())
    e.resize(8, 1)
    assert sum(cell_len(t) for t, _ in e.row_runs(-1)) <= 8


# ----------------------------------------------------------------- replies


def test_replies_to_terminal_queries() -> None:
    e = fed("\x1b[3;7H")
    assert replies("\x1b[c", e) == [b"\x1b[?62;22c"]
    assert replies("\x1b[0c", e) == [b"\x1b[?62;22c"]
    assert replies("\x1b[>c", e) == [b"\x1b[>41;0;0c"]
    assert replies("\x1b[5n", e) == [b"\x1b[0n"]
    assert replies("\x1b[6n", e) == [b"\x1b[3;7R"]
    assert replies("\x1b[?6n", e) == [b"\x1b[?3;7R"]
    assert replies("\x1b]10;?\x1b\\", e) == [b"\x1b]10;rgb:e5e5/e5e5/e5e5\x1b\\"]
    assert replies("\x1b]11;?\x07", e) == [b"\x1b]11;rgb:0000/0000/0000\x07"]
    assert replies("\x1b]4;1;?;255;?\x07", e) == [
        b"\x1b]4;1;rgb:cdcd/0000/0000\x07",
        b"\x1b]4;255;rgb:eeee/eeee/eeee\x07",
    ]
    assert replies("\x1b[>0q", e)[0].startswith(b"\x1bP>|synk")
    assert replies("\x1b[?2004$p", e) == [b"\x1b[?2004;2$y"]
    assert replies("\x1b[?2004h\x1b[?2004$p", e) == [b"\x1b[?2004;1$y"]
    assert replies("\x1b[?9999$p", e) == [b"\x1b[?9999;0$y"]
    assert replies("\x1b[?u", e) == [b"\x1b[?0u"]
    assert replies("\x1b[>5u\x1b[?u\x1b[<u\x1b[?u", e) == [b"\x1b[?5u", b"\x1b[?0u"]
    assert replies("\x1b[18t", e) == [b"\x1b[8;5;20t"]


def test_reply_to_codex_startup_burst_in_order() -> None:
    got = replies("\x1b[?u\x1b[c\x1b[6n\x1b]10;?\x1b\\\x1b]11;?\x1b\\")
    assert [g[:3] for g in got] == [b"\x1b[?", b"\x1b[?", b"\x1b[1", b"\x1b]1", b"\x1b]1"]


def test_cpr_at_pending_wrap_reports_last_column() -> None:
    e = fed("x" * 20)
    assert replies("\x1b[6n", e) == [b"\x1b[1;20R"]


# ------------------------------------------------------------------- modes


def test_modes() -> None:
    e = emu()
    assert not e.app_cursor_keys and e.cursor_visible and e.mouse_mode == 0
    e.feed(b"\x1b[?1h\x1b=\x1b[?2004h\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?1004h\x1b[?2026h")
    e.feed(b"\x1b[?25l\x1b[5 q")
    assert e.app_cursor_keys and e.app_keypad and e.bracketed_paste
    assert e.mouse_mode == 1002 and e.mouse_sgr and e.focus_events and e.synchronized
    assert not e.cursor_visible and e.cursor_shape == 5
    e.feed(b"\x1b[?1l\x1b>\x1b[?2004l\x1b[?1002l\x1b[?1006l\x1b[?1004l\x1b[?2026l\x1b[?25h")
    assert not (e.app_cursor_keys or e.app_keypad or e.bracketed_paste)
    assert e.mouse_mode == 0 and not (e.mouse_sgr or e.focus_events or e.synchronized)
    assert e.cursor_visible
    e.feed(b"\x1b[?1003h")
    assert e.mouse_mode == 1003


def test_sync_frames_are_counted_across_a_reset() -> None:
    """A viewer holds each frame on its own, even when one ends and the next
    opens in the same read: the frame count tells them apart."""
    e = emu()
    assert e.sync_frame == 0
    e.feed(b"\x1b[?2026hA\x1b[?2026h")  # setting it again is the same frame
    assert e.sync_frame == 1 and e.synchronized
    e.feed(b"\x1b[?2026l\x1b[?2026hB")
    assert e.sync_frame == 2 and e.synchronized
    e.feed(b"\x1bc\x1b[?2026h")  # RIS ends the frame but not the count
    assert e.sync_frame == 3


def test_osc_title_cwd_clipboard_bell() -> None:
    e = emu()
    clips: list[str] = []
    e.on_clipboard = clips.append
    data = base64.b64encode("héllo".encode()).decode()
    e.feed(b"\x1b]0;t1\x07\x1b]2;t2\x1b\\\x1b]7;file://host/tmp/a%20b\x07")
    e.feed(f"\x1b]52;c;{data}\x07\x07\x1b]52;c;?\x07".encode())
    assert e.title == "t2"
    assert e.cwd == "/tmp/a b"
    assert clips == ["héllo"]
    assert e.bell_count == 1


def test_insert_mode_and_autowrap_off() -> None:
    e = fed("abc\r\x1b[4hX\x1b[4l")
    assert e.lines()[0] == "Xabc"
    e = fed("\x1b[?7l" + "y" * 25, cols=20)
    assert e.lines()[0] == "y" * 20
    assert e.lines()[1] == ""


def test_ris_resets_screen_and_modes() -> None:
    e = fed("junk\x1b[?1h\x1b[31m\x1bc")
    assert e.lines()[0] == ""
    assert not e.app_cursor_keys
    assert e.style == DEFAULT_STYLE


# ------------------------------------------------------------------- dirty


def test_take_dirty_tracks_changed_rows() -> None:
    e = emu()
    assert e.take_dirty() == set(range(5))  # a new screen must be painted
    assert e.take_dirty() == set()
    e.feed(b"\x1b[3;1Hx")
    assert e.take_dirty() == {0, 2}  # old and new cursor rows, and the text
    e.feed(b"\x1b[5;1H\n")
    assert e.take_dirty() == set(range(5))  # a scroll moves every row
    e.resize(30, 5)
    assert e.take_dirty() == set(range(5))


def test_kitty_keyboard_flags_are_kept_per_screen() -> None:
    """The protocol keeps a stack per screen: what a full-screen program
    pushes ends with its alternate screen, and the shell's flags come back."""
    e = TerminalEmulator(20, 5, 0)
    e.feed(b"\x1b[>1u")
    assert e.kitty_keyboard_flags == 1
    e.feed(b"\x1b[?1049h")
    assert e.kitty_keyboard_flags == 0
    e.feed(b"\x1b[>7u")
    assert e.kitty_keyboard_flags == 7
    e.feed(b"\x1b[?1049l")  # leaves without popping
    assert e.kitty_keyboard_flags == 1
    e.feed(b"\x1b[?1049h")
    assert e.kitty_keyboard_flags == 7


def test_xtversion_reports_the_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import synk_tui
    from synk_tui.emulator import screen

    assert replies("\x1b[>q") == [f"\x1bP>|synk({synk_tui.__version__})\x1b\\".encode()]
    monkeypatch.setattr(screen, "__version__", "9.8.7")
    assert replies("\x1b[>0q") == [b"\x1bP>|synk(9.8.7)\x1b\\"]


def test_csi_dispatch_table_names_every_handler() -> None:
    """Each CSI handler says which sequence it is, in its first docstring line."""
    from synk_tui.emulator import screen

    tables = (screen._CSI, screen._PRIVATE_CSI, screen._CONTROLS, screen._ESCAPES)
    for table in tables:
        for handler in table.values():  # type: ignore[attr-defined]
            first = (handler.__doc__ or "").strip().split("\n", 1)[0]
            assert re.match(r"[^:]*\b[A-Z][A-Z0-9]+\b[^:]*:", first), handler.__name__
