"""What a new user meets first, driven through Textual's pilot on real shells.

One cursor on screen, pane numbers that are the keys that pick them, a grid
mode that ends after each action, a command bar that resizes nothing, and
the messages shown where a user would otherwise be left guessing.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from textual.widgets import Label, Static

from synk_tui import paths
from synk_tui.app import RESIZE_REDRAW_SECONDS, SynkApp
from synk_tui.screens import (
    AgentPickerScreen,
    ConfirmScreen,
    HelpScreen,
    RestoreListScreen,
    SaveNameScreen,
)
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.test_app import type_burst
from tests.test_app_helpers import drawn, lines, make_app, wait_line, wait_ready, wait_until

pytestmark = pytest.mark.timeout(90)


def cursor_drawn(tile: SessionTile) -> bool:
    """Whether the pane draws a cursor cell (the default block is reverse video)."""
    pane = tile.body
    assert isinstance(pane, TerminalPane)
    for y in range(pane.size.height):
        for segment in pane.render_line(y):
            if segment.style is not None and segment.style.reverse:
                return True
    return False


def cursors(app: SynkApp) -> list[int]:
    """Pane numbers that draw a cursor."""
    return [tile.header.number for tile in app.grid.tiles if cursor_drawn(tile)]


async def test_exactly_one_cursor_in_the_focused_pane(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        await wait_until(pilot, lambda: cursors(app) == [1], what="cursor in pane 1")
        for number in (3, 2, 1):
            await pilot.press("ctrl+backslash", str(number), "enter")
            await wait_until(pilot, lambda n=number: app.focused is app.grid.tiles[n - 1].body)
            await pilot.pause(0.1)
            assert cursors(app) == [number]
        # in grid mode no pane has the keys, so none shows a cursor
        await pilot.press("ctrl+backslash")
        await pilot.pause(0.1)
        assert cursors(app) == []


async def test_panes_renumber_after_a_close_and_targets_and_saves_follow(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        third = app.grid.tiles[2]
        await pilot.press("ctrl+backslash", "2", "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 3, what="pane 2 closed")
        assert [t.header.number for t in app.grid.tiles] == [1, 2, 3]
        assert third.header.number == 2
        await pilot.press("ctrl+backslash", "2", "enter")
        assert app.focused is third.body
        await pilot.press("ctrl+backslash", "slash", *"@2 echo to-second", "enter")
        await wait_line(pilot, app, third, "to-second")
        layout, saved = app.workspace.workspace_state()
        assert [s.pane_index for s in saved] == [0, 1, 2]
        assert layout.order == (0, 1, 2) and layout.selected == 1
        # a new session goes last, and is numbered so
        await pilot.press("ctrl+backslash", "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AgentPickerScreen))
        await pilot.press("enter")
        await wait_ready(pilot, app, 4)
        assert [t.header.number for t in app.grid.tiles] == [1, 2, 3, 4]
        assert app.grid.tiles[1] is third


async def test_an_action_key_returns_to_input_mode_moving_and_marking_stay(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        tiles = app.grid.tiles

        async def typing_into(tile: SessionTile) -> None:
            await wait_until(pilot, lambda: app.focused is tile.body, what="input mode")
            assert app.mode == "input"
            await pilot.pause()
            assert app.status_bar.mode == "input"

        # moving and marking stay in grid mode
        await pilot.press("ctrl+backslash", "l", "space", "h")
        assert app.mode == "grid" and app.status_bar.mode == "grid"
        await pilot.press("space", "l")
        assert app.mode == "grid"
        # zoom: zooms, and typing goes to the zoomed pane at once
        await pilot.press("z", *"echo after-zoom", "enter")
        await wait_line(pilot, app, tiles[1], "after-zoom")
        assert app.grid.zoomed_id == tiles[1].session_id
        await typing_into(tiles[1])
        await pilot.press("ctrl+backslash", "z")
        await typing_into(tiles[1])
        # every dialog, answered or dismissed with Esc, ends in input mode
        for key, dialog in (
            ("question_mark", HelpScreen),
            ("n", AgentPickerScreen),
            ("s", SaveNameScreen),
            ("o", RestoreListScreen),
            ("q", ConfirmScreen),
            ("x", ConfirmScreen),
        ):
            await pilot.press("ctrl+backslash", key)
            await wait_until(pilot, lambda d=dialog: isinstance(app.screen, d), what=key)
            await pilot.press("escape")
            await typing_into(tiles[1])
        # x on a running pane, answered: closed, and input mode on the next one
        await pilot.press("ctrl+backslash", "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2)
        await typing_into(tiles[2])
        # x on an exited pane closes it without a question, then input mode
        await pilot.press(*"exit", "enter")
        await wait_until(pilot, lambda: app.manager.info(tiles[2].session_id).status == "exited")
        await pilot.press("ctrl+backslash", "x", *"echo typed-after-x", "enter")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 1)
        await wait_line(pilot, app, tiles[0], "typed-after-x")
        await typing_into(tiles[0])


async def test_opening_the_command_bar_resizes_no_pane(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        tiles = app.grid.tiles

        def sizes() -> list[tuple[int, int]]:
            return [tuple(t.body.size) for t in tiles]

        def pty_sizes() -> list[tuple[int, int]]:
            return [(i.cols, i.rows) for i in app.manager.list()]

        await wait_until(pilot, lambda: pty_sizes() == sizes(), what="PTYs sized")
        before, ptys = sizes(), pty_sizes()
        for key in ("slash", "b"):
            await pilot.press("ctrl+backslash", key)
            await wait_until(pilot, lambda: app.command_bar.input.region.height == 1)
            await pilot.pause(0.2)
            assert app.command_bar.region.y == 39  # the status bar's row
            assert str(app.command_bar.mode_label.render()).strip() == "PROMPT"  # mode shown
            assert sizes() == before and pty_sizes() == ptys
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.status_bar.region.height == 1)
            await pilot.pause(0.2)
            assert app.status_bar.region.y == 39
            assert sizes() == before and pty_sizes() == ptys


@pytest.mark.parametrize("line", ["@all", "@2,3", "@1-3", "", "   "])
async def test_a_target_with_an_empty_prompt_sends_nothing_and_says_why(
    tmp_path: Path, line: str
) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        written: list[tuple[int, bytes | str]] = []
        real_write = app.manager.write

        def spy(session_id: int, data: str | bytes) -> None:
            written.append((session_id, data))
            real_write(session_id, data)

        app.manager.write = spy  # type: ignore[method-assign]
        await pilot.press("ctrl+backslash", "slash", *line, "enter")
        await pilot.pause(0.2)
        assert written == []
        assert app.command_bar.is_open
        label = str(app.command_bar.targets_label.render())
        assert "nothing sent" in label and "type a prompt" in label
        # typing a prompt then sends it, and the label shows the targets again
        await pilot.press(*" echo now" if line.startswith("@") else "echo now", "enter")
        await wait_until(pilot, lambda: not app.command_bar.is_open)
        assert written


async def test_new_at_the_session_limit_says_so_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2, max_active=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        await pilot.press("ctrl+backslash", "n")
        await pilot.pause(0.2)
        assert not app.is_modal_open  # no agent picker
        messages = [str(n.message) for n in app._notifications]
        assert "Max sessions reached (2)" in messages
        assert app.mode == "input"


async def test_save_dialog_error_clears_on_input_and_ctrl_u_clears_the_field(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        error = app.screen.query_one("#save-error", Label)
        await pilot.press("ctrl+u", "enter")
        await wait_until(pilot, lambda: "empty" in str(error.render()), what="empty error")
        await pilot.press("a")
        await wait_until(pilot, lambda: str(error.render()) == "", what="error cleared")
        # ctrl+u and a name in one burst: the name is saved
        type_burst(app, "ctrl+u", *"work", "enter")
        await wait_until(pilot, lambda: (paths.sessions_dir() / "work.json").exists())
        assert not app.is_modal_open


async def test_closing_the_last_pane_says_what_to_do_next(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press(*"exit", "enter")
        await wait_until(pilot, lambda: app.grid.tiles[0].header.state == "exited")
        await pilot.press("ctrl+backslash", "x")
        await wait_until(pilot, lambda: not app.grid.tiles, what="last pane closed")
        await pilot.pause(0.1)
        shown = str(app.grid.empty_note.render())
        assert "No sessions. ctrl+\\ n opens one, ctrl+\\ q quits." in shown
        assert app.grid.empty_note.display and app.grid.empty_note.region.height > 0
        assert app.mode == "grid"
        # and it goes once a session opens again
        await pilot.press("n", "enter")
        await wait_ready(pilot, app, 1)
        await pilot.pause(0.1)
        assert not app.grid.empty_note.display


async def test_an_exited_pane_says_which_key_closes_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        await pilot.press(*"exit 127", "enter")
        await wait_until(
            pilot,
            lambda: "process exited (127) \u00b7 ctrl+\\ x closes" in drawn(tile).splitlines()[-1],
            what="exit label with its key",
        )


async def test_status_bar_keeps_mode_and_help_and_drops_pool_counts_first(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app, 2)
        bar = app.status_bar
        await pilot.press("ctrl+backslash", "space")
        await pilot.pause()
        app.grid.toggle_zoom()  # ZOOM and a mark shown, in grid mode
        await pilot.pause()
        line = bar.render().plain
        assert line.startswith(" GRID ") and "? help" in line
        assert "ZOOM" in line and "1 marked" in line
        assert "pool" not in line  # the counts go before any hint
        assert "\u2192 move" in line  # the most useful hint stays longest
        await pilot.resize_terminal(40, 10)
        await wait_until(pilot, lambda: bar.size.width == 40)
        line = bar.render().plain
        assert line.startswith(" GRID ") and "? help" in line and "pool" not in line
        await pilot.press("escape")
        await pilot.resize_terminal(160, 30)
        await wait_until(pilot, lambda: bar.size.width == 160)
        await pilot.pause()
        line = bar.render().plain
        assert line.startswith(" INPUT ") and "ctrl+\\ ? help" in line
        assert re.search(r"pool \d+/\d+$", line)


async def test_help_lists_scrollback_selection_ranges_header_states_and_config(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        shown = help_text(app)
        for needed in (
            "shift+pgup",
            "drag",
            "copied",
            "@1-3",
            "starting",
            "busy",
            "idle",
            "exited N",
            str(paths.config_file()),
        ):
            assert needed in shown, needed


def help_text(app: SynkApp) -> str:
    """The help screen's text as drawn, one string."""
    from rich.console import Console
    from rich.text import Text

    console = Console(width=200, record=True, file=io.StringIO())
    for static in app.screen.query(Static):
        content = static.content
        console.print(Text.from_markup(content) if isinstance(content, str) else content)
    return console.export_text()


async def test_help_fits_80x24_with_its_close_hint_on_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.1)
        dialog = app.screen.query_one("#dialog")
        close = app.screen.query_one("#help-close")
        assert app.screen.region.contains_region(dialog.region)
        assert close.region.height == 1 and dialog.region.contains_region(close.region)


async def test_a_redraw_after_synk_resized_the_pane_is_not_activity(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        first, second = app.grid.tiles
        program = (
            "import signal, time; "
            "signal.signal(signal.SIGWINCH, lambda *_: print('winched', flush=True)); "
            "time.sleep(60)"
        )
        app.manager.write(first.session_id, f'{sys.executable} -c "{program}"\r')
        await wait_until(pilot, lambda: first.header.state == "idle", what="idle")
        await pilot.resize_terminal(100, 30)
        await wait_until(pilot, lambda: "winched" in "\n".join(lines(app, first)))
        await pilot.pause(0.1)
        assert first.header.state == "idle" and second.header.state == "idle"
        # output of its own, once the redraw window has passed, is activity
        await pilot.pause(RESIZE_REDRAW_SECONDS)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: first.header.state == "busy", what="busy on real output")
