"""Untrusted text never reaches a terminal as control sequences."""

from __future__ import annotations

import time

from synk_tui.sanitize import ELLIPSIS, drop_controls, safe_lines, safe_text


def test_escape_and_controls_become_visible() -> None:
    hostile = "BR\x1b]52;c;aGk=\x1b\\\x07\x9b2J"
    shown = safe_text(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown == "BR\\x1b]52;c;aGk=\\x1b\\\\x07\\x9b2J"


def test_newlines_are_escaped_in_one_line_but_kept_in_lines() -> None:
    assert safe_text("a\nb") == "a\\x0ab"
    assert safe_lines("a\nb\tc\x1bd") == "a\nb\tc\\x1bd"


def test_bidi_overrides_are_escaped() -> None:
    assert safe_text("x\u202ey") == "x\\u202ey"


def test_length_is_capped_with_an_ellipsis() -> None:
    assert safe_text("x" * 500, 10) == "x" * 9 + ELLIPSIS
    assert safe_text("x" * 10, 10) == "x" * 10
    assert len(safe_text("\x1b" * 500, 10)) == 10
    assert safe_lines("y" * 50, 10) == "y" * 9 + ELLIPSIS


def test_non_strings_are_shown_as_text() -> None:
    assert safe_text(42) == "42"


def test_cost_does_not_grow_with_a_huge_input() -> None:
    huge = "\x1b" * 20_000_000
    started = time.perf_counter()
    safe_text(huge)
    safe_lines(huge)
    assert time.perf_counter() - started < 0.5


def test_drop_controls_keeps_text_and_line_breaks() -> None:
    assert drop_controls("a\x1b]52;c;aGk=\x07b\r\nc\x9b\x7fd\te") == "a]52;c;aGk=b\r\ncde"
    started = time.perf_counter()
    drop_controls("\x1b" * 5_000_000)
    assert time.perf_counter() - started < 1.0
