"""Textual input events -> the bytes a program on a PTY expects.

Pure functions, no widget state: the terminal pane passes in the modes the
child asked for (read from its emulator) and writes the result through the
session manager. The encodings are xterm's, as advertised by the
`xterm-256color` terminfo entry the children run under: a key sends what
xterm would send for it, so readline, vim, less and the agent CLIs bind it.

Why this is needed at all: Textual hands a widget decoded key *names*
(`"ctrl+up"`, `"f5"`, `"alt+x"`), and `Key.character` is only set for keys
that are a single byte (see docs NOTES §3). With the kitty keyboard protocol
(which Textual enables on terminals that support it) even `ctrl+a` and
`escape` arrive without a character. So every key is encoded from its name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Final, Literal

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser
from textual.keys import KEY_TO_UNICODE_NAME, REPLACED_KEYS, Keys

from synk_tui.paste import BRACKETED_PASTE_END, BRACKETED_PASTE_START, encode_paste

__all__ = [
    "BRACKETED_PASTE_END",
    "BRACKETED_PASTE_START",
    "KITTY_DISAMBIGUATE",
    "KITTY_REPORT_ALL_KEYS",
    "KITTY_REPORT_TEXT",
    "TERMINAL_REPLIES",
    "MouseAction",
    "TerminalReplies",
    "encode_focus",
    "encode_key",
    "encode_mouse",
    "encode_paste",
    "keep_alt_in_legacy_input",
    "xterm_modifier",
]

ESC: Final = "\x1b"
CSI: Final = "\x1b["
SS3: Final = "\x1bO"


# Keys whose unmodified form depends on DECCKM (cursor keys) - final byte.
_CURSOR_FINALS: Final[dict[str, str]] = {
    "up": "A",
    "down": "B",
    "right": "C",
    "left": "D",
    "home": "H",
    "end": "F",
    "kp_begin": "E",
}

# `CSI n ~` keys.
_TILDE_CODES: Final[dict[str, int]] = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}

# F1-F4 are `SS3 P..S` unmodified, `CSI 1;m P..S` modified.
_SS3_FKEYS: Final[dict[str, str]] = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}

# Keypad keys as the kitty protocol names them: (normal text, application-mode SS3 final).
_KEYPAD: Final[dict[str, tuple[str, str]]] = {
    "decimal": (".", "n"),
    "divide": ("/", "o"),
    "multiply": ("*", "j"),
    "subtract": ("-", "m"),
    "add": ("+", "k"),
    "equal": ("=", "X"),
    "separator": (",", "l"),
}

# ctrl + a non-letter key, as xterm (and the VT220 before it) sends it.
_CTRL_SYMBOLS: Final[dict[str, str]] = {
    "at": "\x00",
    "space": "\x00",
    "2": "\x00",
    "left_square_bracket": "\x1b",
    "3": "\x1b",
    "backslash": "\x1c",
    "4": "\x1c",
    "right_square_bracket": "\x1d",
    "5": "\x1d",
    "circumflex_accent": "\x1e",
    "tilde": "\x1e",
    "6": "\x1e",
    "underscore": "\x1f",
    "minus": "\x1f",
    "slash": "\x1f",
    "7": "\x1f",
    "question_mark": "\x7f",
    "8": "\x7f",
    "backspace": "\x08",
    "enter": "\r",
    "tab": "\t",
    "escape": "\x1b",
}

_MODIFIER_NAMES: Final = frozenset({"shift", "alt", "ctrl", "meta", "super", "hyper"})

# Kitty keyboard protocol (progressive enhancement flags the child pushes).
KITTY_DISAMBIGUATE: Final = 1
KITTY_REPORT_EVENT_TYPES: Final = 2
KITTY_REPORT_ALTERNATES: Final = 4
KITTY_REPORT_ALL_KEYS: Final = 8
KITTY_REPORT_TEXT: Final = 16

# Keys the kitty protocol sends as `CSI code ; mods u`.
_KITTY_CODES: Final[dict[str, int]] = {"escape": 27, "enter": 13, "tab": 9, "backspace": 127}
_KITTY_MOD_BITS: Final[dict[str, int]] = {
    "shift": 1,
    "alt": 2,
    "ctrl": 4,
    "super": 8,
    "hyper": 16,
    "meta": 32,
}


def xterm_modifier(shift: bool, alt: bool, ctrl: bool, meta: bool = False) -> int:
    """The `m` parameter of xterm's `CSI 1;m X` forms (1 means none)."""
    return 1 + (1 if shift else 0) + (2 if alt else 0) + (4 if ctrl else 0) + (8 if meta else 0)


def _split_key(key: str) -> tuple[frozenset[str], str]:
    """`"alt+ctrl+up"` -> ({"alt", "ctrl"}, "up").

    Textual spells `+` itself as `plus`, so splitting on `+` is safe.
    """
    parts = key.split("+")
    mods = frozenset(part for part in parts[:-1] if part in _MODIFIER_NAMES)
    return mods, parts[-1]


def _char_for_name(name: str) -> str | None:
    """The printable character a Textual key name stands for, if any."""
    if len(name) == 1:
        return name
    name = REPLACED_KEYS.get(name, name)
    unicode_name = KEY_TO_UNICODE_NAME.get(name, name.upper().replace("_", " "))
    try:
        return unicodedata.lookup(unicode_name)
    except KeyError:
        return None


def _is_text(character: str | None) -> bool:
    """True for text to send as is (no control characters in it)."""
    return bool(character) and all(c >= " " and c != "\x7f" for c in character or "")


def _kitty_text_key(
    mods: frozenset[str], base: str, character: str | None
) -> tuple[int, frozenset[str], str] | None:
    """(unshifted code point, modifiers, text typed) of a text key, else None."""
    if base == "space":
        return 32, mods, " "
    text = character if _is_text(character) else _char_for_name(base)
    if text is None or not _is_text(text):
        return None
    name_char = _char_for_name(base)
    if name_char is not None and len(name_char) == 1 and name_char.isupper():
        # Textual names shift+a "A": the key is "a", with shift held.
        return ord(name_char.lower()), mods | {"shift"}, text
    if name_char is not None and len(name_char) == 1:
        if "shift" in mods and name_char.isalpha():
            text = name_char.upper()
        return ord(name_char), mods, text
    return ord(text[0]), mods, text


def _encode_kitty(
    mods: frozenset[str], base: str, character: str | None, flags: int
) -> bytes | None:
    """Keys that the kitty protocol encodes differently from xterm, else None.

    Only `CSI code;mods u` keys are handled here; cursor, editing and function
    keys keep their xterm forms, which the protocol shares.
    """
    modifier = 1 + sum(_KITTY_MOD_BITS[m] for m in mods if m in _KITTY_MOD_BITS)
    all_keys = bool(flags & KITTY_REPORT_ALL_KEYS)
    if base in _KITTY_CODES:
        code = _KITTY_CODES[base]
        if base != "escape" and modifier == 1 and not all_keys:
            return None  # enter, tab and backspace stay legacy unless modified
        return f"{CSI}{code}{f';{modifier}' if modifier > 1 else ''}u".encode()
    text_key = _kitty_text_key(mods, base, character)
    if text_key is None:
        return None
    code, mods, text = text_key
    modifier = 1 + sum(_KITTY_MOD_BITS[m] for m in mods if m in _KITTY_MOD_BITS)
    if not all_keys and not (mods - {"shift"}):
        return text.encode()  # plain and shifted text is sent as text
    fields = str(code)
    with_text = flags & KITTY_REPORT_TEXT and all_keys and not (mods & {"ctrl", "alt", "super"})
    if with_text:
        fields += f";{modifier};" + ":".join(str(ord(c)) for c in text)
    elif modifier > 1:
        fields += f";{modifier}"
    return f"{CSI}{fields}u".encode()


@lru_cache(maxsize=4096)
def _encode(
    key: str, character: str | None, app_cursor_keys: bool, app_keypad: bool, kitty_flags: int
) -> bytes | None:
    mods, base = _split_key(key)
    functional = (
        base in _CURSOR_FINALS
        or base in _TILDE_CODES
        or base in _KEYPAD
        or (base.startswith("f") and base[1:].isdigit())
    )
    if kitty_flags & (KITTY_DISAMBIGUATE | KITTY_REPORT_ALL_KEYS) and not functional:
        kitty = _encode_kitty(mods, base, character, kitty_flags)
        if kitty is not None:
            return kitty
    shift = "shift" in mods
    alt = "alt" in mods
    ctrl = "ctrl" in mods
    meta = "meta" in mods
    prefix = ESC if (alt or meta) else ""
    modifier = xterm_modifier(shift, alt, ctrl, meta)

    # Cursor keys and Home/End: DECCKM picks SS3 or CSI when unmodified.
    if base in _CURSOR_FINALS:
        final = _CURSOR_FINALS[base]
        if modifier > 1:
            return f"{CSI}1;{modifier}{final}".encode()
        return f"{SS3 if app_cursor_keys else CSI}{final}".encode()

    if base in _TILDE_CODES:
        code = _TILDE_CODES[base]
        if modifier > 1:
            return f"{CSI}{code};{modifier}~".encode()
        return f"{CSI}{code}~".encode()

    if base in _SS3_FKEYS:
        if modifier > 1:
            return f"{CSI}1;{modifier}{_SS3_FKEYS[base]}".encode()
        return f"{SS3}{_SS3_FKEYS[base]}".encode()

    if base.startswith("f") and base[1:].isdigit() and 13 <= int(base[1:]) <= 48:
        # xterm's terminfo: F13-F24 are shift+F1-F12, F25-F36 ctrl+, F37-F48 ctrl+shift+.
        number = int(base[1:])
        group, index = divmod(number - 1, 12)
        extra = {1: "shift", 2: "ctrl", 3: "ctrl+shift"}[group]
        mod_names = "+".join(sorted(mods | set(extra.split("+"))))
        return _encode(f"{mod_names}+f{index + 1}", None, app_cursor_keys, app_keypad, 0)

    if base in _KEYPAD and not ctrl:
        text, final = _KEYPAD[base]
        if app_keypad:
            return f"{SS3}{final}".encode()
        return (prefix + text).encode()

    if base == "enter":
        # Claude Code and other readline-ish TUIs read shift+enter as ESC CR.
        return ("\x1b\r" if (shift or alt or meta) else "\r").encode()

    if base == "tab":
        if shift:
            return f"{CSI}Z".encode()
        return (prefix + "\t").encode()

    if base == "escape":
        return (prefix + ESC).encode()

    if base == "backspace":
        if ctrl:
            return (prefix + "\x08").encode()
        # The outer terminal may send ^H for backspace; pass on what it sent.
        byte = "\x08" if character == "\x08" else "\x7f"
        return (prefix + byte).encode()

    if ctrl:
        if len(base) == 1 and base.isascii() and base.isalpha():
            return (prefix + chr(ord(base.lower()) & 0x1F)).encode()
        if base in _CTRL_SYMBOLS:
            return (prefix + _CTRL_SYMBOLS[base]).encode()
        if character and len(character) == 1 and ord(character) < 0x20:
            return (prefix + character).encode()
        # ctrl + a key with no control form (ctrl+1, ctrl+é): xterm sends the key.
        ctrl_text = _char_for_name(base)
        return (prefix + ctrl_text).encode() if ctrl_text else None

    if base == "space":
        return (prefix + " ").encode()

    # Printable text: prefer what the terminal said the key typed.
    if _is_text(character):
        assert character is not None
        return (prefix + character).encode()
    if character and len(character) == 1 and not mods:
        # A lone control byte Textual gave a name we do not special-case.
        return character.encode()
    named = _char_for_name(base)
    if named is None or not _is_text(named):
        return None
    if shift:
        named = named.upper()
    return (prefix + named).encode()


def encode_key(
    key: str,
    character: str | None = None,
    *,
    app_cursor_keys: bool = False,
    app_keypad: bool = False,
    kitty_flags: int = 0,
) -> bytes | None:
    """The bytes xterm sends for a Textual key, or None for keys with none.

    `key` and `character` are `events.Key.key` and `events.Key.character`.
    `app_cursor_keys` is DECCKM (`CSI ?1h`): unmodified arrows and Home/End
    then send `SS3 x` instead of `CSI x`, which is what vim and less expect
    after they switch it on. `app_keypad` is DECKPAM, used for the keypad
    operator keys when the outer terminal reports them as keypad keys.
    `kitty_flags` are the kitty keyboard protocol flags the child pushed
    (`CSI > flags u`; Codex and Claude Code do when the terminal answers the
    `CSI ? u` query, as synk's emulator does): with "disambiguate" (1),
    escape and ctrl/alt combinations become `CSI code;mods u`; with "report
    all keys" (8) every key does, with its text when flag 16 is set.
    Modifier-only keys, media keys and the like return None.
    """
    return _encode(key, character, app_cursor_keys, app_keypad, kitty_flags)


MouseAction = Literal["press", "release", "motion", "scroll_up", "scroll_down"]
"""What happened: a button went down or up, the pointer moved, the wheel turned."""

_WHEEL_CODES: Final[dict[str, int]] = {"scroll_up": 64, "scroll_down": 65}


def encode_mouse(
    action: MouseAction,
    button: int,
    x: int,
    y: int,
    *,
    mode: int,
    sgr: bool,
    shift: bool = False,
    alt: bool = False,
    ctrl: bool = False,
) -> bytes | None:
    """A mouse report for the child, or None when its mode does not want it.

    `button` is Textual's numbering (1 left, 2 middle, 3 right, 0 none);
    `x`, `y` are 0-based cells in the child's screen. `mode` is the tracking
    mode the child enabled: 9 (X10: presses only), 1000 (press, release,
    wheel), 1002 (also motion while a button is held), 1003 (all motion);
    0 means off. `sgr` (1006) selects `CSI < b;x;y M/m`, which has no
    coordinate limit and tells which button was released; the legacy
    `CSI M cb cx cy` form cannot express columns or rows past 223, so those
    events are dropped as xterm does.
    """
    if mode == 0 or x < 0 or y < 0:
        return None
    if action == "motion" and (mode not in (1002, 1003) or (mode == 1002 and button == 0)):
        return None
    if mode == 9 and action not in ("press", "scroll_up", "scroll_down"):
        return None

    if action in _WHEEL_CODES:
        code = _WHEEL_CODES[action]
    elif button in (1, 2, 3):
        code = button - 1
    else:
        code = 3  # no button: motion in 1003
    if action == "motion":
        code += 32
    if mode != 9:
        code += (4 if shift else 0) + (8 if alt else 0) + (16 if ctrl else 0)

    if sgr:
        final = "m" if action == "release" else "M"
        return f"{CSI}<{code};{x + 1};{y + 1}{final}".encode()

    if action == "release":
        code = (code & ~3) | 3  # legacy releases do not say which button
    if x + 1 + 32 > 255 or y + 1 + 32 > 255:
        return None
    return bytes([0x1B, 0x5B, 0x4D, 32 + code, 32 + x + 1, 32 + y + 1])


def encode_focus(focused: bool) -> bytes:
    """The focus report (`?1004`) for a pane gaining or losing focus."""
    return b"\x1b[I" if focused else b"\x1b[O"


def _with_alt(key_events: Iterable[events.Key]) -> Iterator[events.Key]:
    for event in key_events:
        if event.key.startswith("alt+"):
            yield event
        else:
            # No character: an alt key types nothing into Textual's own inputs
            # (encode_key works from the name).
            yield events.Key(f"alt+{event.key}", None)


class TerminalReplies:
    """What the outer terminal answered to synk's keyboard queries (see outer_keys.py).

    Set by the input parser (the driver's input thread), read by the app:
    plain attributes, each written once.
    """

    def __init__(self) -> None:
        self.kitty_flags: int | None = None
        """The flags of a `CSI ? flags u` reply: the terminal speaks the kitty protocol."""
        self.answered = False
        """A DA1 reply arrived: every reply asked for before it has arrived too."""

    def reset(self) -> None:
        """Forget earlier answers (a new query is about to be sent)."""
        self.kitty_flags = None
        self.answered = False


TERMINAL_REPLIES = TerminalReplies()
"""The one outer terminal's answers (there is one terminal per process)."""

_KITTY_FLAGS_REPLY: Final = re.compile(r"\x1b\[\?(\d+)u")
_DA1_REPLY: Final = re.compile(r"\x1b\[\?[\d;]*c")
_XTERM_MODIFIED_KEY: Final = re.compile(r"\x1b\[27;(\d+);(\d+)~")
"""xterm's modifyOtherKeys form of a modified key: CSI 27 ; modifiers ; code ~."""


def keep_alt_in_legacy_input() -> None:
    """Patch Textual's input parser for what a pane must receive and synk must read.

    The one place synk touches a private Textual API
    (`XTermParser._sequence_to_key_events`), written for Textual 8.2; a
    different Textual may break it, and tests/test_keys.py says so.

    1. alt: a terminal without the kitty keyboard protocol sends alt+key
    (meta) as ESC followed by the key. Textual's parser drops the alt when
    the key is not a single letter or digit: ESC CR arrives as plain enter
    (so shift+enter mapped to ESC CR, which Claude Code's /terminal-setup
    installs, would submit the prompt), ESC . (readline's yank-last-arg) as
    `.`, ESC ctrl+x as ctrl+x, ESC space as space. And it turns a few into
    macOS conveniences: ESC b/f into ctrl+left/right, ESC DEL into ctrl+w,
    ESC 1 into `¡`. A pane must hand the child the key that was typed, so
    every `ESC x` becomes alt+x here, which `encode_key` turns back into
    ESC x (or the kitty form the child asked for).

    2. modifyOtherKeys: xterm (and tmux with `extended-keys`) sends a
    modified Enter, Tab or Backspace as `CSI 27 ; m ; code ~`, which Textual
    reads as `shift+\r` or, with alt, as plain enter. It is read here as the
    same key in its kitty form `CSI code ; m u` (shift+enter, alt+enter...).

    3. Replies to synk's own queries (`CSI ? u`, DA1) are recorded in
    `TERMINAL_REPLIES` and swallowed; Textual would otherwise type them
    into the focused pane as keys.

    Idempotent; it patches the class, so it must run before the app's driver
    starts its parser (importing the terminal pane does it).
    """
    original = XTermParser._sequence_to_key_events
    if getattr(original, "_synk_keeps_alt", False):
        return

    def sequence_to_key_events(
        self: XTermParser, sequence: str, alt: bool = False
    ) -> Iterable[events.Key]:
        if sequence.startswith(CSI) and sequence[-1] in "~uc":
            reply = _terminal_reply(sequence)
            if reply is not None:
                return reply
            modified = _XTERM_MODIFIED_KEY.fullmatch(sequence)
            if modified is not None:
                modifiers, code = modified.groups()
                return original(self, f"{CSI}{code};{modifiers}u", alt=alt)
        if (
            len(sequence) == 2
            and sequence[0] == ESC
            and sequence != ESC + ESC
            and sequence in ANSI_SEQUENCES_KEYS
        ):
            # One of Textual's macOS Option-key mappings: report the real key.
            return _with_alt(original(self, sequence[1]))
        key_events = original(self, sequence, alt=alt)
        # `alt` is set when Textual re-reads an unknown `ESC x` key by key.
        return _with_alt(key_events) if alt else key_events

    sequence_to_key_events._synk_keeps_alt = True  # type: ignore[attr-defined]
    XTermParser._sequence_to_key_events = sequence_to_key_events  # type: ignore[method-assign]


def _terminal_reply(sequence: str) -> list[events.Key] | None:
    """Record a reply to synk's keyboard queries; an ignored key swallows it."""
    kitty = _KITTY_FLAGS_REPLY.fullmatch(sequence)
    if kitty is not None:
        TERMINAL_REPLIES.kitty_flags = int(kitty.group(1))
    elif _DA1_REPLY.fullmatch(sequence):
        TERMINAL_REPLIES.answered = True
    else:
        return None
    return [events.Key(Keys.Ignore, sequence)]
