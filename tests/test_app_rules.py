"""Pure rules behind the UI: session state, cost parsing, @ targets, prompts, history."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from synk_tui.config import CostSettings
from synk_tui.paste import encode_paste
from synk_tui.prompting import (
    MAX_HISTORY_BYTES,
    NEWLINE_MARK,
    PromptHistory,
    TargetError,
    encode_prompt,
    parse_prompt,
    prompt_line,
)
from synk_tui.status import CostPatterns, format_cost, parse_cost, session_state


@pytest.mark.parametrize(
    ("status", "last", "now", "expected"),
    [
        ("starting", None, 10.0, "starting"),
        ("starting", 9.9, 10.0, "starting"),
        ("running", None, 10.0, "idle"),
        ("running", 9.0, 10.0, "busy"),
        ("running", 7.9, 10.0, "idle"),
        ("exited", 9.9, 10.0, "exited"),
    ],
)
def test_session_state(status: str, last: float | None, now: float, expected: str) -> None:
    assert session_state(status, last, now, busy_seconds=2.0) == expected


def test_cost_is_the_bottom_most_figure_the_agent_printed() -> None:
    pattern = re.compile(r"\$\s?(\d+(?:\.\d+)?)")
    screen = ["> fix the bug", "spent $0.10 so far", "", "Total cost: $1.25", "? for shortcuts"]
    assert parse_cost(screen, pattern) == 1.25
    assert parse_cost(["no money here"], pattern) is None
    assert parse_cost(screen, None) is None


def test_cost_patterns_come_from_config_and_bad_ones_warn() -> None:
    settings = CostSettings(claude_code=r"cost (\d+\.\d+)", gemini_cli="([", codex="no group")
    patterns = CostPatterns.from_settings(settings)
    assert patterns.for_agent("terminal") is None
    assert patterns.for_agent("gemini_cli") is None
    assert patterns.for_agent("codex") is None
    claude = patterns.for_agent("claude_code")
    assert claude is not None and parse_cost(["cost 0.42"], claude) == 0.42
    assert len(patterns.warnings) == 2
    assert any("cost.gemini_cli" in w for w in patterns.warnings)
    assert any("cost.codex" in w for w in patterns.warnings)


def test_format_cost() -> None:
    assert format_cost(None) == ""
    assert format_cost(0.4) == "$0.40"
    assert format_cost(12345.6) == "$12,346"


@pytest.mark.parametrize(
    ("line", "text", "targets"),
    [
        ("fix the tests", "fix the tests", None),
        ("@2,5 fix it", "fix it", (2, 5)),
        ("@all   run make", "run make", (1, 2, 3, 5)),
        ("@ALL x", "x", (1, 2, 3, 5)),
        ("@1-3 ls", "ls", (1, 2, 3)),
        ("@3,1,3 ls", "ls", (3, 1)),
        ("@2", "", (2,)),
        ("@al", "", None),
        ("@all", "", (1, 2, 3, 5)),
        ("@1-3", "", (1, 2, 3)),
        ("@", "", None),
        ("email@example.com", "email@example.com", None),
    ],
)
def test_parse_prompt_targets(line: str, text: str, targets: tuple[int, ...] | None) -> None:
    parsed = parse_prompt(line, [1, 2, 3, 5])
    assert parsed.text == text
    assert parsed.targets == targets


@pytest.mark.parametrize(
    ("line", "error"),
    [("@4 hi", "no pane 4"), ("@4,9 hi", "no panes 4, 9"), ("@x hi", "'x' is not a pane number")],
)
def test_parse_prompt_rejects_missing_panes(line: str, error: str) -> None:
    with pytest.raises(TargetError, match=re.escape(error)):
        parse_prompt(line, [1, 2, 3, 5])


def test_encode_one_line_adds_a_carriage_return() -> None:
    assert encode_prompt("ls -l", bracketed_paste=True) == "ls -l\r"
    assert encode_prompt("", bracketed_paste=False) == "\r"


def test_encode_several_lines_as_one_bracketed_paste() -> None:
    text = f"first{NEWLINE_MARK}second\x1b[201~\nthird"
    assert encode_prompt(text, bracketed_paste=True) == (
        "\x1b[200~first\rsecond[201~\rthird\x1b[201~\r"
    )


def test_encode_prompt_cannot_leave_the_paste_with_nested_or_split_markers() -> None:
    hostile = "a\nb\x1b[20\x1b[201~1~rm -rf x"
    sent = encode_prompt(hostile, bracketed_paste=True)
    assert sent.count("\x1b") == 2
    assert sent.startswith("\x1b[200~") and sent.endswith("rm -rf x\x1b[201~\r")


def test_prompt_line_keeps_text_and_drops_controls() -> None:
    hostile = "a\x1b]52;c;aGk=\x07\tb\r\nc\x9b2J"
    assert prompt_line(hostile) == f"a]52;c;aGk= b{NEWLINE_MARK}c2J"


def test_encode_prompt_and_a_paste_encode_the_same_way() -> None:
    text = "one\ntwo\x1b[201~three"
    for bracketed in (True, False):
        assert encode_prompt(text, bracketed) == encode_paste(text, bracketed).decode() + "\r"


def test_encode_several_lines_without_bracketed_paste_line_by_line() -> None:
    assert encode_prompt("a\nb", bracketed_paste=False) == "a\rb\r"


def test_history_walks_back_and_forth_and_keeps_the_draft(tmp_path: Path) -> None:
    history = PromptHistory(tmp_path / "h")
    for prompt in ("one", "two", "two", "three"):
        history.add(prompt)
    assert history.entries == ["one", "two", "three"]
    assert history.older("draft") == "three"
    assert history.older("three") == "two"
    assert history.older("two") == "one"
    assert history.older("one") == "one"
    assert history.newer() == "two"
    assert history.newer() == "three"
    assert history.newer() == "draft"


def test_history_survives_a_restart_with_multi_line_prompts(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history"
    PromptHistory(path).add("line 1\nline 2")
    (path.parent / "junk").write_text("")
    with path.open("a") as handle:
        handle.write("not json\n")
    assert PromptHistory(path).entries == ["line 1\nline 2"]


def test_history_limit(tmp_path: Path) -> None:
    history = PromptHistory(tmp_path / "h", limit=3)
    for n in range(5):
        history.add(str(n))
    assert history.entries == ["2", "3", "4"]
    assert PromptHistory(tmp_path / "h", limit=3).entries == ["2", "3", "4"]


def test_history_file_is_compacted_when_it_grows(tmp_path: Path) -> None:
    path = tmp_path / "h"
    path.write_text("".join(f'"{n}"\n' for n in range(25)))
    assert PromptHistory(path, limit=10).entries == [str(n) for n in range(15, 25)]
    assert path.read_text().splitlines() == [f'"{n}"' for n in range(15, 25)]


def test_history_file_is_private_even_if_it_was_not(tmp_path: Path) -> None:
    path = tmp_path / "config" / "prompt_history"
    PromptHistory(path).add("secret prompt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # as older synk versions wrote it
    PromptHistory(path).add("another")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("".join(f'"{n}"\n' for n in range(25)))
    path.chmod(0o644)
    PromptHistory(path, limit=10)  # compaction rewrites the file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().splitlines()) == 10


def test_a_hostile_history_file_only_loses_history(tmp_path: Path) -> None:
    path = tmp_path / "prompt_history"
    path.write_bytes(
        b'"kept 1"\n' + b"[" * 100_000 + b"\n" + b"7" * 5000 + b'\n"\xff\xfe not utf-8"\n"kept 2"\n'
    )
    assert PromptHistory(path).entries == ["kept 1", "kept 2"]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert PromptHistory(fifo).entries == []  # answered at once, never blocks


def test_a_huge_history_file_is_read_from_its_tail_only(tmp_path: Path) -> None:
    path = tmp_path / "prompt_history"
    line = json.dumps("x" * 1000) + "\n"
    count = 3 * MAX_HISTORY_BYTES // len(line)
    path.write_text(line * count + '"newest"\n')
    history = PromptHistory(path, limit=10_000)
    assert history.entries[-1] == "newest"
    assert len(history.entries) <= MAX_HISTORY_BYTES // len(line) + 1
    assert all(entry in ("x" * 1000, "newest") for entry in history.entries)
