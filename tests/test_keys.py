"""synk_tui.keys: Textual key/paste/mouse events -> the bytes xterm would send.

Three independent references keep the encoder honest: the xterm-256color
terminfo entry the children run under (what ncurses programs look up),
Textual's own input parser (a decoder of real terminal input: what we send
must decode back to the same key), and xterm's documented control codes.
"""

from __future__ import annotations

import curses
import subprocess
import sys
import time

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from synk_tui.keys import (
    encode_focus,
    encode_key,
    encode_mouse,
    encode_paste,
    keep_alt_in_legacy_input,
    xterm_modifier,
)


@pytest.fixture(scope="module")
def terminfo() -> None:
    curses.setupterm("xterm-256color")


def cap(name: str) -> bytes:
    value = curses.tigetstr(name)
    assert value is not None, name
    return value


# Application mode (DECCKM on) is what terminfo describes: ncurses sends smkx.
TERMINFO_APP_MODE = {
    "up": "kcuu1",
    "down": "kcud1",
    "right": "kcuf1",
    "left": "kcub1",
    "home": "khome",
    "end": "kend",
    "insert": "kich1",
    "delete": "kdch1",
    "pageup": "kpp",
    "pagedown": "knp",
    "shift+tab": "kcbt",
    "backspace": "kbs",
    **{f"f{n}": f"kf{n}" for n in range(1, 13)},
    **{f"shift+f{n}": f"kf{n + 12}" for n in range(1, 13)},
    **{f"ctrl+f{n}": f"kf{n + 24}" for n in range(1, 13)},
    "ctrl+up": "kUP5",
    "ctrl+home": "kHOM5",
    "alt+right": "kRIT3",
    "ctrl+delete": "kDC5",
    "shift+delete": "kDC",
    "shift+home": "kHOM",
    "shift+end": "kEND",
}


@pytest.mark.parametrize(("key", "capname"), sorted(TERMINFO_APP_MODE.items()))
def test_app_mode_keys_match_xterm_terminfo(terminfo: None, key: str, capname: str) -> None:
    assert encode_key(key, None, app_cursor_keys=True) == cap(capname)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("up", b"\x1b[A"),
        ("down", b"\x1b[B"),
        ("right", b"\x1b[C"),
        ("left", b"\x1b[D"),
        ("home", b"\x1b[H"),
        ("end", b"\x1b[F"),
    ],
)
def test_cursor_keys_normal_mode_use_csi(key: str, expected: bytes) -> None:
    assert encode_key(key) == expected
    # and DECCKM switches them to SS3
    assert encode_key(key, app_cursor_keys=True) == b"\x1bO" + expected[2:]


def test_modified_cursor_keys_ignore_decckm() -> None:
    for app in (False, True):
        assert encode_key("ctrl+left", app_cursor_keys=app) == b"\x1b[1;5D"
        assert encode_key("shift+up", app_cursor_keys=app) == b"\x1b[1;2A"
        assert encode_key("ctrl+shift+right", app_cursor_keys=app) == b"\x1b[1;6C"
        assert encode_key("alt+ctrl+up", app_cursor_keys=app) == b"\x1b[1;7A"


def test_xterm_modifier_parameter() -> None:
    assert xterm_modifier(False, False, False) == 1
    assert xterm_modifier(True, False, False) == 2
    assert xterm_modifier(False, True, False) == 3
    assert xterm_modifier(True, True, True) == 8
    assert xterm_modifier(False, False, False, meta=True) == 9


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("ctrl+a", "\x01", b"\x01"),
        ("ctrl+a", None, b"\x01"),  # kitty protocol: no character
        ("ctrl+c", None, b"\x03"),
        ("ctrl+d", "\x04", b"\x04"),
        ("ctrl+z", None, b"\x1a"),
        ("ctrl+shift+a", None, b"\x01"),
        ("ctrl+at", None, b"\x00"),
        ("ctrl+@", "\x00", b"\x00"),
        ("ctrl+space", None, b"\x00"),
        ("ctrl+left_square_bracket", None, b"\x1b"),
        ("ctrl+backslash", "\x1c", b"\x1c"),
        ("ctrl+right_square_bracket", "\x1d", b"\x1d"),
        ("ctrl+circumflex_accent", "\x1e", b"\x1e"),
        ("ctrl+underscore", "\x1f", b"\x1f"),
        ("ctrl+slash", None, b"\x1f"),
        ("ctrl+2", None, b"\x00"),
        ("ctrl+8", None, b"\x7f"),
        ("ctrl+1", None, b"1"),
        ("ctrl+j", "\n", b"\n"),
        ("alt+ctrl+a", None, b"\x1b\x01"),
    ],
)
def test_ctrl_combinations(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("alt+x", "x", b"\x1bx"),  # legacy: ESC x arrives as alt+x with x
        ("alt+x", None, b"\x1bx"),  # kitty
        ("alt+shift+x", "X", b"\x1bX"),
        ("alt+shift+x", None, b"\x1bX"),
        ("alt+full_stop", None, b"\x1b."),
        ("alt+backspace", None, b"\x1b\x7f"),
        ("alt+space", None, b"\x1b "),
        ("alt+escape", None, b"\x1b\x1b"),
        ("alt+tab", None, b"\x1b\t"),
        ("alt+1", None, b"\x1b1"),
    ],
)
def test_alt_prefixes_escape(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("enter", "\r", b"\r"),
        ("enter", None, b"\r"),
        ("shift+enter", None, b"\x1b\r"),  # what Claude Code reads as newline
        ("alt+enter", None, b"\x1b\r"),
        ("tab", "\t", b"\t"),
        ("shift+tab", None, b"\x1b[Z"),
        ("escape", "\x1b", b"\x1b"),
        ("escape", None, b"\x1b"),
        ("backspace", "\x7f", b"\x7f"),
        ("backspace", "\x08", b"\x08"),  # terminal set to send ^H: pass it on
        ("backspace", None, b"\x7f"),
        ("ctrl+backspace", None, b"\x08"),
        ("space", " ", b" "),
        ("space", None, b" "),
        ("pageup", None, b"\x1b[5~"),
        ("pagedown", None, b"\x1b[6~"),
        ("shift+pageup", None, b"\x1b[5;2~"),
        ("ctrl+pagedown", None, b"\x1b[6;5~"),
        ("f1", None, b"\x1bOP"),
        ("f4", None, b"\x1bOS"),
        ("f5", None, b"\x1b[15~"),
        ("f12", None, b"\x1b[24~"),
        ("f13", None, b"\x1b[1;2P"),
        ("shift+f5", None, b"\x1b[15;2~"),
        ("alt+f2", None, b"\x1b[1;3Q"),
    ],
)
def test_special_keys(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("shift+a", None, b"A"),
        ("1", "1", b"1"),
        ("exclamation_mark", "!", b"!"),
        ("exclamation_mark", None, b"!"),
        ("less_than_sign", None, b"<"),
        ("slash", None, b"/"),
        ("plus", None, b"+"),
        ("e_acute", "é", "é".encode()),
        ("grinning_face", "😀", "😀".encode()),
        ("i", "i\u0301", "i\u0301".encode()),  # kitty associated text: several code points
    ],
)
def test_printable_keys_send_their_text(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


def test_keypad_keys_follow_deckpam() -> None:
    assert encode_key("divide") == b"/"
    assert encode_key("divide", app_keypad=True) == b"\x1bOo"
    assert encode_key("add", app_keypad=True) == b"\x1bOk"


@pytest.mark.parametrize("key", ["left_shift", "caps_lock", "media_play", "f49", "<scroll-up>"])
def test_keys_without_bytes_return_none(key: str) -> None:
    assert encode_key(key) is None


ROUND_TRIP_KEYS = [
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "insert",
    "delete",
    "pageup",
    "pagedown",
    "shift+tab",
    "tab",
    "enter",
    "backspace",
    *[f"f{n}" for n in range(1, 13)],
    # ctrl+f3 is `CSI 1;5R`, which Textual reads as a cursor position report
    *[f"ctrl+f{n}" for n in range(1, 13) if n != 3],
    "ctrl+up",
    "ctrl+left",
    "shift+up",
    "shift+home",
    "ctrl+shift+right",
    "ctrl+delete",
    "shift+pageup",
    "ctrl+pageup",
    # ctrl+h, ctrl+i and ctrl+m are the same bytes as backspace, tab and enter
    *[f"ctrl+{c}" for c in "abcdefgjklnopqrstuvwxyz"],
    "ctrl+backslash",
    "ctrl+right_square_bracket",
]


@pytest.mark.parametrize("app_mode", [False, True])
@pytest.mark.parametrize("key", ROUND_TRIP_KEYS)
def test_textual_parser_decodes_our_bytes_to_the_same_key(key: str, app_mode: bool) -> None:
    """Textual decodes real terminals' input: our output must mean the same key."""
    data = encode_key(key, app_cursor_keys=app_mode)
    assert data is not None
    parsed = [event.key for event in XTermParser().feed(data.decode())]
    assert parsed == [key]


# --- paste -----------------------------------------------------------------


def test_paste_plain_turns_newlines_into_cr() -> None:
    assert encode_paste("echo a\necho b\r\n", bracketed=False) == b"echo a\recho b\r"


def test_paste_bracketed_wraps_text() -> None:
    assert encode_paste("x\ny", bracketed=True) == b"\x1b[200~x\ry\x1b[201~"


def test_paste_bracketed_drops_every_escape_so_no_marker_survives() -> None:
    evil = "safe\x1b[201~rm -rf ~\r"
    assert encode_paste(evil, bracketed=True) == b"\x1b[200~safe[201~rm -rf ~\r\x1b[201~"
    # a marker rebuilt by removing an inner one, nested and split markers
    for hostile in ("a\x1b[20\x1b[201~1~b", "\x1b\x1b[201~[201~", "x\x1b[200~\x1b[201~y"):
        out = encode_paste(hostile, bracketed=True)
        assert out.count(b"\x1b") == 2
        assert out.startswith(b"\x1b[200~") and out.endswith(b"\x1b[201~")


def test_paste_bracketed_drops_c1_csi() -> None:
    out = encode_paste("a\x9b201~b", bracketed=True)
    assert "\x9b" not in out.decode()


def test_paste_bracketed_costs_linear_time_for_deeply_nested_markers() -> None:
    depth = 200_000
    nested = "\x1b[20" * depth + "\x1b[201~" + "1~" * depth
    started = time.perf_counter()
    out = encode_paste(nested, bracketed=True)
    assert time.perf_counter() - started < 1.0
    assert out.count(b"\x1b") == 2


def test_paste_utf8() -> None:
    assert encode_paste("héllo ✓", bracketed=False) == "héllo ✓".encode()


# --- mouse -----------------------------------------------------------------


def test_mouse_off_sends_nothing() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=0, sgr=True) is None
    assert encode_mouse("scroll_up", 0, 0, 0, mode=0, sgr=False) is None


def test_mouse_sgr_press_release_wheel() -> None:
    assert encode_mouse("press", 1, 4, 2, mode=1000, sgr=True) == b"\x1b[<0;5;3M"
    assert encode_mouse("release", 1, 4, 2, mode=1000, sgr=True) == b"\x1b[<0;5;3m"
    assert encode_mouse("press", 3, 0, 0, mode=1000, sgr=True) == b"\x1b[<2;1;1M"
    assert encode_mouse("scroll_up", 0, 9, 9, mode=1000, sgr=True) == b"\x1b[<64;10;10M"
    assert encode_mouse("scroll_down", 0, 9, 9, mode=1000, sgr=True) == b"\x1b[<65;10;10M"
    assert encode_mouse("press", 1, 300, 1, mode=1000, sgr=True) == b"\x1b[<0;301;2M"


def test_mouse_modifiers() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=1000, sgr=True, ctrl=True) == b"\x1b[<16;1;1M"
    assert encode_mouse("press", 2, 0, 0, mode=1000, sgr=True, alt=True) == b"\x1b[<9;1;1M"
    assert encode_mouse("press", 1, 0, 0, mode=1000, sgr=True, shift=True) == b"\x1b[<4;1;1M"


def test_mouse_legacy_encoding() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=1000, sgr=False) == b"\x1b[M !!"
    assert encode_mouse("release", 1, 1, 2, mode=1000, sgr=False) == b'\x1b[M#"#'
    assert encode_mouse("scroll_up", 0, 0, 0, mode=1000, sgr=False) == b"\x1b[M`!!"
    # the legacy form cannot carry column 224+: dropped, as xterm does
    assert encode_mouse("press", 1, 223, 0, mode=1000, sgr=False) is None


def test_mouse_motion_depends_on_mode() -> None:
    assert encode_mouse("motion", 1, 1, 1, mode=1000, sgr=True) is None
    assert encode_mouse("motion", 1, 1, 1, mode=1002, sgr=True) == b"\x1b[<32;2;2M"
    assert encode_mouse("motion", 0, 1, 1, mode=1002, sgr=True) is None
    assert encode_mouse("motion", 0, 1, 1, mode=1003, sgr=True) == b"\x1b[<35;2;2M"


def test_mouse_x10_reports_presses_only() -> None:
    assert encode_mouse("press", 1, 0, 0, mode=9, sgr=False, ctrl=True) == b"\x1b[M !!"
    assert encode_mouse("release", 1, 0, 0, mode=9, sgr=False) is None


def test_mouse_reports_decode_as_the_same_event_in_textual() -> None:
    """Textual's parser reads SGR reports from real terminals: ours must match."""
    data = encode_mouse("press", 1, 6, 3, mode=1000, sgr=True)
    assert data is not None
    (event,) = list(XTermParser().feed(data.decode()))
    assert type(event).__name__ == "MouseDown"
    assert (event.x, event.y, event.button) == (6, 3, 1)


def test_focus_reports() -> None:
    assert encode_focus(True) == b"\x1b[I"
    assert encode_focus(False) == b"\x1b[O"


# --- kitty keyboard protocol (the child pushed flags with CSI > flags u) -----

DISAMBIGUATE = 1
ALL_KEYS = 8
TEXT = 16


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("escape", None, b"\x1b[27u"),
        ("alt+escape", None, b"\x1b[27;3u"),
        ("ctrl+a", "\x01", b"\x1b[97;5u"),
        ("ctrl+c", None, b"\x1b[99;5u"),
        ("alt+x", "x", b"\x1b[120;3u"),
        ("ctrl+shift+a", None, b"\x1b[97;6u"),
        ("ctrl+left_square_bracket", None, b"\x1b[91;5u"),
        ("ctrl+space", None, b"\x1b[32;5u"),
        ("shift+enter", None, b"\x1b[13;2u"),
        ("shift+tab", None, b"\x1b[9;2u"),
        ("alt+backspace", None, b"\x1b[127;3u"),
        # unmodified enter/tab/backspace and text stay as they were
        ("enter", "\r", b"\r"),
        ("tab", "\t", b"\t"),
        ("backspace", "\x7f", b"\x7f"),
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("space", " ", b" "),
        ("e_acute", "é", "é".encode()),
        # cursor and function keys keep xterm's forms
        ("up", None, b"\x1b[A"),
        ("ctrl+up", None, b"\x1b[1;5A"),
        ("f1", None, b"\x1bOP"),
        ("pageup", None, b"\x1b[5~"),
    ],
)
def test_kitty_disambiguate(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character, kitty_flags=DISAMBIGUATE) == expected


@pytest.mark.parametrize(
    ("key", "character", "flags", "expected"),
    [
        ("a", "a", DISAMBIGUATE | ALL_KEYS, b"\x1b[97u"),
        ("A", "A", DISAMBIGUATE | ALL_KEYS, b"\x1b[97;2u"),
        ("enter", "\r", ALL_KEYS, b"\x1b[13u"),
        ("tab", "\t", ALL_KEYS, b"\x1b[9u"),
        ("a", "a", ALL_KEYS | TEXT, b"\x1b[97;1;97u"),
        ("A", "A", ALL_KEYS | TEXT, b"\x1b[97;2;65u"),
        ("ctrl+a", None, ALL_KEYS | TEXT, b"\x1b[97;5u"),
    ],
)
def test_kitty_report_all_keys(
    key: str, character: str | None, flags: int, expected: bytes
) -> None:
    assert encode_key(key, character, kitty_flags=flags) == expected


@pytest.mark.parametrize(
    "key", ["escape", "ctrl+a", "alt+x", "shift+enter", "ctrl+space", "alt+ctrl+b"]
)
def test_kitty_sequences_decode_as_the_same_key_in_textual(key: str) -> None:
    """Textual decodes the kitty protocol from real terminals: ours must agree."""
    data = encode_key(key, None, kitty_flags=DISAMBIGUATE)
    assert data is not None and data.startswith(b"\x1b[")
    assert [event.key for event in XTermParser().feed(data.decode())] == [key]


# --- legacy input from the outer terminal passes through unchanged -----------

LEGACY_INPUT = [
    # ESC + key: alt (meta) in every terminal without the kitty protocol
    "\x1bx",
    "\x1bX",
    "\x1b\r",  # alt+enter, and shift+enter as Claude Code's /terminal-setup maps it
    "\x1b\x18",  # ctrl+alt+x
    "\x1b.",  # readline: yank last argument
    "\x1b<",
    "\x1b ",
    "\x1bb",  # Textual alone would say ctrl+left
    "\x1bf",
    "\x1b1",  # Textual alone would say "¡"
    "\x1b\x7f",  # Textual alone would say ctrl+w
    "\x1b\t",  # Textual alone would say shift+tab
    # control keys
    *[chr(code) for code in range(1, 27) if chr(code) not in "\x08\x09\x0a\x0d"],
    "\x08",
    "\t",
    "\r",
    "\x7f",
    "\x1b",
    # xterm's modified cursor, editing and function keys
    "\x1b[1;6A",
    "\x1b[1;3A",
    "\x1b[1;2H",
    "\x1b[1;5F",
    "\x1b[1;7C",
    "\x1b[1;4B",
    "\x1b[15;2~",
    "\x1b[5;5~",
    "\x1b[6;3~",
    "\x1b[3;5~",
    "\x1b[2~",
    "\x1b[1;2P",
    "\x1b[24;5~",
    "\x1b[Z",
]


@pytest.mark.parametrize("raw", LEGACY_INPUT)
def test_legacy_terminal_input_reaches_the_child_unchanged(raw: str) -> None:
    """What the outer terminal sent for a key is what the child gets."""
    keep_alt_in_legacy_input()
    parser = XTermParser()
    key_events = [e for e in [*parser.feed(raw), *parser.feed("")] if isinstance(e, events.Key)]
    assert len(key_events) == 1, key_events
    event = key_events[0]
    assert encode_key(event.key, event.character) == raw.encode()


@pytest.mark.parametrize(
    ("raw", "kitty"),
    [
        ("\x1b\r", b"\x1b[13;3u"),
        ("\x1b\x18", b"\x1b[120;7u"),
        ("\x1b.", b"\x1b[46;3u"),
        ("\x1bb", b"\x1b[98;3u"),
        ("\x1b\x7f", b"\x1b[127;3u"),
    ],
)
def test_legacy_alt_keys_in_kitty_mode(raw: str, kitty: bytes) -> None:
    """A child that pushed kitty flags gets alt keys from a legacy terminal as CSI u."""
    keep_alt_in_legacy_input()
    parser = XTermParser()
    (event,) = [e for e in [*parser.feed(raw), *parser.feed("")] if isinstance(e, events.Key)]
    assert encode_key(event.key, event.character, kitty_flags=DISAMBIGUATE) == kitty


def test_importing_the_terminal_pane_keeps_alt_in_textual_input() -> None:
    """An app that uses panes gets the parser fix before its driver starts."""
    code = (
        "import synk_tui.widgets.terminal_pane\n"
        "from textual._xterm_parser import XTermParser\n"
        "p = XTermParser()\n"
        "print([e.key for e in [*p.feed('\\x1b\\r'), *p.feed('')]])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "['alt+enter']"
