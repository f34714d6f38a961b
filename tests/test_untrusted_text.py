"""Outside text is shown literally: never a control sequence, never markup.

Branch names, paths, names from config and saved files, and error messages
that quote them go through every place synk shows text: the pane header,
notifications, the dialogs, the status bar and help, the message pane and
the command line. Each test feeds `[bold]`, `[@click=app.quit]` and ESC /
BEL / C1 through one of them and checks what would reach the user's
terminal (the screen rendered as the driver would write it) and what the
widget shows.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets._toast import Toast

from synk_tui import paths, persistence
from synk_tui.cli import print_saved
from synk_tui.config import Config
from synk_tui.errors import PersistenceError
from synk_tui.git import current_branch
from synk_tui.persistence import GridLayout, SavedEntry, SavedSession, Workspace
from synk_tui.prompting import NEWLINE_MARK
from synk_tui.screens import (
    AgentPickerScreen,
    ConfirmScreen,
    HelpScreen,
    RestoreListScreen,
    SaveNameScreen,
)
from synk_tui.widgets.message_pane import MessagePane
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.test_app_helpers import make_app, wait_ready, wait_until

pytestmark = pytest.mark.timeout(90)

HOSTILE = "[bold]B[@click=app.quit]Q\x1b]52;c;aGk=\x07\x1b\\\x9b2J"
"""Markup, a click action, an OSC 52 ended by BEL and by ST, and an 8-bit CSI."""

SHOWN = "[bold]B[@click=app.quit]Q\\x1b]52;c;aGk=\\x07\\x1b\\\\x9b2J"
"""How HOSTILE must read on screen: every character visible, nothing interpreted."""

_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")


def terminal_output(app: App[Any]) -> str:
    """The whole screen as the driver would write it to the user's terminal."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return str(update.render_segments(app.console))


def assert_no_sequences(output: str) -> None:
    """Only SGR/cursor CSIs (synk's own styling) may reach the terminal: no OSC, BEL, C1."""
    assert "\x1b]" not in output and "\x1bP" not in output and "\x1b\\" not in output
    assert "\x07" not in output and "\x9b" not in output
    assert "\x1b" not in _CSI.sub("", output)


def assert_shown_literally(text: str) -> None:
    """`text` holds HOSTILE's visible form, and no raw control character."""
    assert SHOWN in text, text
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


def plain(widget: Static) -> str:
    """What a Label/Static shows, as text."""
    return str(widget.render())


def toasts(app: App[Any]) -> list[str]:
    """The text of every notification on screen."""
    return [str(toast.render()) for toast in app.screen.query(Toast)]


# ---- the pane header: git branch ------------------------------------------------


async def test_a_hostile_branch_name_is_shown_escaped_and_never_reaches_the_terminal(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/BR\x1b]52;c;aGk=\x1b\\\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        header = app.grid.tiles[0].header
        await wait_until(pilot, lambda: header.branch is not None, what="the branch read")
        await pilot.pause()
        shown = header.render().plain
        assert "BR\\x1b]52;c;aGk=\\x1b\\ " in shown
        assert "\x1b" not in shown
        output = terminal_output(app)
        assert "\x1b]52" not in output
        assert_no_sequences(output)


def test_a_huge_or_undecodable_head_file_costs_little_and_never_raises(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    head = tmp_path / ".git" / "HEAD"
    head.write_bytes(b"ref: refs/heads/\xff\xfebad\n")
    assert current_branch(str(tmp_path)) == "\ufffd\ufffdbad"
    head.write_bytes(b"ref: refs/heads/" + b"x" * 50_000_000)
    branch = current_branch(str(tmp_path))
    assert branch is not None and len(branch) < 10_000


# ---- restore: notifications, the message pane, its header ------------------------


async def test_a_hostile_saved_workspace_shows_as_text_in_notifications_and_message_pane(
    tmp_path: Path,
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    saved = SavedSession(
        0,
        "terminal",
        str(here),
        str(tmp_path / HOSTILE),  # a working dir that no longer exists
        branch=HOSTILE,
        agent_args=(HOSTILE,),
        env_names=(HOSTILE,),
    )
    unknown_agent = SavedSession(1, HOSTILE, str(here), str(here))
    workspace = Workspace(
        "w", datetime.now().astimezone(), GridLayout((0, 1), selected=0), (saved, unknown_agent)
    )
    source = tmp_path / f"{HOSTILE}.json"
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 60), notifications=True) as pilot:
        await wait_ready(pilot, app, 1)
        await app.workspace.restore_workspace(workspace, source)
        await wait_until(pilot, lambda: len(toasts(app)) >= 3, what="the restore notifications")
        await pilot.pause()
        assert app.is_running
        tile = app.grid.tiles[0]
        assert isinstance(tile.body, MessagePane)
        body = tile.body.render().plain
        assert body.count(SHOWN) == 3  # message, working dir, agent arguments
        assert "\x1b" not in body
        assert_shown_literally(tile.header.render().plain)
        badge = app.grid.tiles[1].header.render().plain  # the agent name, cut short
        assert "[bold]B[@click=app.quit]Q" in badge and "\x1b" not in badge
        for notification in app._notifications:
            assert notification.markup is False
            assert "\x1b" not in notification.message + notification.title
        shown = "\n".join(toasts(app))
        assert "Environment" in shown and "[@click=app.quit]Q" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        assert_no_sequences(terminal_output(app))


async def test_a_notification_with_markup_and_escapes_is_plain_text(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await wait_ready(pilot, app, 1)
        app.notify(HOSTILE, title=HOSTILE, severity="error")
        await wait_until(pilot, lambda: toasts(app), what="the toast")
        await pilot.pause()
        (shown,) = toasts(app)
        assert shown.count(SHOWN) == 2
        assert_no_sequences(terminal_output(app))
        assert app.is_running


# ---- dialogs ------------------------------------------------------------------


async def test_the_confirm_dialog_shows_its_question_literally(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        app.push_screen(ConfirmScreen(f"Replace {HOSTILE}?", HOSTILE))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert_shown_literally(plain(app.screen.query_one("#question", Label)))
        assert_shown_literally(plain(app.screen.query_one("#detail", Label)))
        assert_no_sequences(terminal_output(app))


async def test_the_restore_list_shows_hostile_names_and_errors_literally(tmp_path: Path) -> None:
    workspace = Workspace("w", datetime.now().astimezone(), GridLayout((0,)), ())
    entries = [
        SavedEntry(HOSTILE, tmp_path / "a.json", workspace),
        SavedEntry(HOSTILE, tmp_path / "b.json", None, PersistenceError(f"bad {HOSTILE}")),
    ]
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        app.push_screen(RestoreListScreen(entries, tmp_path / HOSTILE, 1))
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreListScreen))
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert_shown_literally(texts[0])
        assert texts[1].count(SHOWN) == 2
        assert_no_sequences(terminal_output(app))
        app.pop_screen()
        app.push_screen(RestoreListScreen([], tmp_path / HOSTILE))
        await wait_until(pilot, lambda: app.screen.query("#restore-empty"))
        await pilot.pause()
        assert_shown_literally(plain(app.screen.query_one("#restore-empty", Label)))
        assert_no_sequences(terminal_output(app))


async def test_the_save_dialog_shows_its_folder_and_errors_literally(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        app.push_screen(SaveNameScreen("name", detail=f"in {HOSTILE}"))
        await wait_until(pilot, lambda: app.screen.query("#save-detail"))
        assert_shown_literally(plain(app.screen.query_one("#save-detail", Label)))
        # a paste loses its control characters
        name_input = app.screen.query_one(Input)
        name_input.value = ""
        name_input.post_message(events.Paste(f"n{HOSTILE}"))
        await wait_until(pilot, lambda: name_input.value.startswith("n["))
        assert "\x1b" not in name_input.value and "\x07" not in name_input.value
        assert_no_sequences(terminal_output(app))
        # a name that is refused is quoted in the error line: as text
        app.screen.query_one(Input).value = ""
        await pilot.press(*"[@click=app.quit]Q/x", "enter")
        error = app.screen.query_one("#save-error", Label)
        await wait_until(pilot, lambda: plain(error))
        assert "'[@click=app.quit]Q/x'" in plain(error)
        assert isinstance(app.screen, SaveNameScreen) and app.is_running
        assert_no_sequences(terminal_output(app))


async def test_the_agent_picker_shows_a_hostile_command_literally(tmp_path: Path) -> None:
    program = tmp_path / f"agent{HOSTILE}"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    config = Config()
    config.agents.codex = shlex.quote(f"no-such-{HOSTILE}")  # unavailable: the reason quotes it
    config.agents.gemini_cli = shlex.quote(str(program))  # available: its command is shown
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AgentPickerScreen))
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert_shown_literally(next(t for t in texts if "agent[" in t))
        missing = next(t for t in texts if "no-such-" in t)
        assert "no-such-[bold]B[@click=app.quit]Q" in missing and "\x1b" not in missing
        assert all("\x1b" not in t and "\x07" not in t for t in texts)
        assert_no_sequences(terminal_output(app))


async def test_status_bar_and_help_show_hostile_keys_literally(tmp_path: Path) -> None:
    config = Config()
    config.keys.zoom = "[@click=app.quit]Z\x1b]52;c;aGk=\x07"
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(300, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash")
        await wait_until(pilot, lambda: app.mode == "grid")
        await pilot.pause()
        bar = app.status_bar.render().plain
        assert "[@click=app.quit]Z\\x1b]52;c;aGk=\\x07" in bar and "\x1b" not in bar
        assert_no_sequences(terminal_output(app))
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        output = terminal_output(app)
        assert_no_sequences(output)
        assert "[@click=app.quit]Z" in _CSI.sub("", output)
        assert app.is_running


# ---- the command line --------------------------------------------------------------


def test_list_saved_prints_hostile_file_names_and_errors_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = paths.sessions_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = "n\x1b]52;c;aGk=\x07\t[b]"  # a file name the saver would refuse, put there by hand
    workspace = Workspace("plain", datetime.now().astimezone(), GridLayout((0,)), ())
    persistence.save_workspace(workspace).rename(directory / f"{name}.json")
    (directory / "bad\x1b]0;owned\x07.json").write_text("{")
    assert print_saved() == 0
    out, err = capsys.readouterr()
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text
    # a name the saver would refuse is a warning line of its own, escaped (a tab
    # in it cannot add a column), never a listed workspace
    assert not out
    line = next(line for line in err.splitlines() if "n\\x1b]52" in line)
    assert "n\\x1b]52;c;aGk=\\x07\\x09[b].json" in line and "\t" not in line
    assert "bad\\x1b]0;owned\\x07" in err


def test_command_line_errors_escape_what_they_quote(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("synk")), "--bogus\x1b]52;c;aGk=\x07[b]"],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "--bogus\\x1b]52;c;aGk=\\x07[b]" in result.stderr


def test_a_fifo_as_head_does_not_block(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".git" / "HEAD")
    assert current_branch(str(tmp_path)) is None


# ---- the command bar -----------------------------------------------------------------


async def test_the_command_bar_shows_pasted_and_recalled_text_and_target_errors_as_text(
    tmp_path: Path,
) -> None:
    history = paths.prompt_history_file()
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text(json.dumps(f"old {HOSTILE}") + "\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "slash")
        bar = app.command_bar
        await wait_until(pilot, lambda: bar.is_open and app.focused is bar.input)
        # a prompt recalled from the history file
        await pilot.press("up")
        await wait_until(pilot, lambda: bar.input.value.startswith("old "))
        assert "\x1b" not in bar.input.value and "\x07" not in bar.input.value
        assert "[@click=app.quit]Q" in bar.input.value
        assert_no_sequences(terminal_output(app))
        # a paste
        bar.input.value = ""
        bar.input.post_message(events.Paste(f"new {HOSTILE}\nline two"))
        await wait_until(pilot, lambda: bar.input.value.startswith("new "))
        assert "\x1b" not in bar.input.value and "\x9b" not in bar.input.value
        assert bar.input.value.endswith(f"{NEWLINE_MARK}line two")
        assert_no_sequences(terminal_output(app))
        # targets that name no pane: the reason quotes them, as text
        bar.input.value = ""
        await pilot.press(*"@[@click=app.quit]Q hi")
        await wait_until(pilot, lambda: "[@click=app.quit]Q" in plain(bar.targets_label))
        label = plain(bar.targets_label)
        assert "'[@click=app.quit]Q' is not a pane number" in label
        assert app.is_running


async def test_a_window_title_set_by_a_program_is_handed_on_escaped(tmp_path: Path) -> None:
    titles: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, TerminalPane.TitleChanged):
            titles.append(message.title)

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await wait_ready(pilot, app, 1)
        # a tab, a bidi override and an 8-bit CSI in the title (ESC would end the OSC)
        await pilot.press(*r"printf '\033]2;T[b]\tX\342\200\256\302\233Y\007'", "enter")
        await wait_until(pilot, lambda: titles, what="the title")
        assert set(titles) == {"T[b]\\x09X\\u202e\\x9bY"}  # seen at each bubbling step
        assert_no_sequences(terminal_output(app))
