"""The synk app driven through Textual's pilot, on real shells on real PTYs.

Covers the grid shapes for 1..12 sessions with PTY resizes, input and grid
modes, every grid key, the command bar with @ targets, broadcast, prompts
queued for a starting session, zoom, close, the agent picker with a missing
agent, header states and cost, and errors shown as notifications.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import OptionList

from synk_tui.app import SynkApp
from synk_tui.config import Config, load_config
from synk_tui.screens import (
    AgentPickerScreen,
    ConfirmScreen,
    HelpScreen,
    RestoreListScreen,
    SaveNameScreen,
)
from synk_tui.screens.help import key_table
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.test_app_helpers import (
    drawn,
    lines,
    make_app,
    none_alive,
    screen,
    session_pids,
    wait_line,
    wait_ready,
    wait_until,
)
from tests.test_terminal_pane_harness import terminal_input

pytestmark = pytest.mark.timeout(90)

SHAPES = {1: (1, 1), 2: (2, 1), 3: (2, 2), 4: (2, 2), 5: (3, 2), 6: (3, 2)}
SHAPES |= {7: (3, 3), 8: (3, 3), 9: (3, 3), 10: (4, 3), 11: (4, 3), 12: (4, 3)}


def notifications(app: SynkApp) -> list[str]:
    """Messages of the notifications on show."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def columns_rows(app: SynkApp) -> tuple[int, int]:
    """(most panes in a row, rows) the tiles really occupy on screen."""
    regions = [t.region for t in app.grid.tiles if t.display]
    ys = [r.y for r in regions]
    return (max(ys.count(y) for y in ys), len(set(ys)))


def pty_matches_pane(app: SynkApp) -> bool:
    """Every visible session's PTY has its pane's size."""
    for tile in app.grid.tiles:
        if not tile.display:
            continue
        info = app.manager.info(tile.session_id)
        if (info.cols, info.rows) != tuple(tile.body.size):
            return False
    return True


async def test_grid_shapes_for_1_to_12_sessions_and_every_pty_resized(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_ready(pilot, app, 1)
        for count in range(1, 13):
            if count > 1:
                await pilot.press("ctrl+backslash", "n")
                await wait_until(pilot, lambda: isinstance(app.screen, AgentPickerScreen))
                await pilot.press("enter")  # the first available agent: terminal
                await wait_ready(pilot, app, count)
            await wait_until(
                pilot, lambda c=count: columns_rows(app) == _visible_shape(c), what="layout"
            )
            assert app.grid.shape == SHAPES[count]
            await wait_until(pilot, lambda: pty_matches_pane(app), what="PTYs resized")
            # the new pane has the focus, in input mode
            assert app.mode == "input"
            assert app.focused is app.grid.tiles[-1].body
        assert [t.header.number for t in app.grid.tiles] == list(range(1, 13))
        # the child itself sees its pane's size
        tile = app.grid.tiles[0]
        await pilot.press("ctrl+backslash", "1", "enter", *"stty size", "enter")
        cols, rows = tile.body.size
        await wait_line(pilot, app, tile, f"{rows} {cols}")
        # and again after the outer terminal is resized
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: tile.body.size.width < cols, what="smaller panes")
        await wait_until(pilot, lambda: pty_matches_pane(app), what="PTYs resized")
        await pilot.press(*"clear; stty size", "enter")
        cols, rows = tile.body.size
        await wait_line(pilot, app, tile, f"{rows} {cols}")


def _visible_shape(count: int) -> tuple[int, int]:
    cols, rows = SHAPES[count]
    return (min(cols, count), min(rows, -(-count // cols)))


async def test_starts_in_input_mode_on_pane_1_and_keys_go_only_there(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        await wait_until(pilot, lambda: columns_rows(app) == (2, 2), what="a 2x2 layout")
        first = app.grid.tiles[0]
        assert app.mode == "input" and app.focused is first.body
        assert app.status_bar.mode == "input"
        # keys that are grid keys elsewhere are plain text in input mode
        await pilot.press(*"echo qxzn1 b/", "enter")
        await wait_line(pilot, app, first, "qxzn1 b/")
        for tile in app.grid.tiles[1:]:
            assert "qxzn1" not in screen(app, tile)
        assert len(app.grid.tiles) == 4 and app.grid.zoomed_id is None


async def test_prefix_toggles_modes_and_enter_esc_return_to_input(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        first, second = app.grid.tiles
        await pilot.press("ctrl+backslash")
        assert app.mode == "grid" and app.focused is app.grid
        await pilot.pause()
        assert app.status_bar.mode == "grid"
        await pilot.press("ctrl+backslash")
        assert app.mode == "input" and app.focused is first.body
        await pilot.press("ctrl+backslash", "l", "enter")
        assert app.mode == "input" and app.focused is second.body
        await pilot.press("ctrl+backslash", "h", "escape")
        assert app.mode == "input" and app.focused is first.body
        # grid-mode keys do not reach the pane
        before = screen(app, first)
        await pilot.press("ctrl+backslash", "j", "k", "h", "l", "h")
        await pilot.pause(0.2)
        assert screen(app, first) == before
        await pilot.press("escape")
        # a burst typed at once after the prefix still acts on the grid first
        await pilot.press("ctrl+backslash", "l", "escape", *"echo burst", "enter")
        await wait_line(pilot, app, second, "burst")
        assert "burst" not in screen(app, first)


async def test_mouse_click_focuses_a_pane_in_input_mode(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        third = app.grid.tiles[2]
        await pilot.press("ctrl+backslash")
        assert app.mode == "grid"
        await pilot.click(third.body, offset=(2, 2))
        await wait_until(pilot, lambda: app.focused is third.body, what="pane 3 focused")
        assert app.mode == "input" and app.grid.selected_id == third.session_id
        await pilot.press(*"echo clicked", "enter")
        await wait_line(pilot, app, third, "clicked")
        # a click on the header does the same
        await pilot.click(app.grid.tiles[0].header)
        await wait_until(pilot, lambda: app.focused is app.grid.tiles[0].body)


async def test_arrow_hjkl_and_number_keys_move_the_selection(tmp_path: Path) -> None:
    app = make_app(tmp_path, 5)
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_ready(pilot, app, 5)
        ids = [t.session_id for t in app.grid.tiles]
        await pilot.press("ctrl+backslash")
        steps = [("right", 1), ("l", 2), ("down", 4), ("left", 3), ("k", 0), ("j", 3)]
        steps += [("up", 0), ("h", 0), ("5", 4), ("2", 1), ("9", 1)]
        for key, index in steps:
            await pilot.press(key)
            assert app.grid.selected_id == ids[index], key
            assert app.grid.tiles[index].has_class("-selected")
        await pilot.press("enter")
        assert app.focused is app.grid.tiles[1].body


async def test_zoom_fills_the_grid_and_hidden_panes_keep_their_output(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        first, second = app.grid.tiles[:2]
        await pilot.press("ctrl+backslash", "z")
        await pilot.pause()
        assert app.grid.zoomed_id == first.session_id
        assert [t.display for t in app.grid.tiles] == [True, False, False, False]
        assert first.region.width == 120
        assert app.status_bar.zoomed
        await wait_until(pilot, lambda: pty_matches_pane(app), what="zoomed PTY resized")
        # a hidden pane still gets prompts and loses nothing
        assert app.mode == "input"  # zoom ends grid mode
        await pilot.press("ctrl+backslash", "slash", *"@2 echo while-hidden", "enter")
        await wait_line(pilot, app, second, "while-hidden")
        assert not second.body.display or not second.display
        await pilot.press("ctrl+backslash", "z")
        await pilot.pause()
        assert app.grid.zoomed_id is None and all(t.display for t in app.grid.tiles)
        await wait_until(
            pilot, lambda: "while-hidden" in drawn(second).splitlines(), what="drawn after zoom"
        )
        await wait_until(pilot, lambda: pty_matches_pane(app), what="PTYs back")


async def test_space_marks_targets_and_slash_prompts_the_marked_panes(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        tiles = app.grid.tiles
        await pilot.press("ctrl+backslash", "space", "4", "space", "3", "space", "space")
        assert app.grid.marked_numbers == (1, 4)
        assert tiles[0].header.marked and tiles[0].has_class("-marked")
        assert app.status_bar.marked == 2
        await pilot.press("2", "slash")
        assert app.mode == "prompt" and app.command_bar.is_open
        assert "1,4" in str(app.command_bar.targets_label.render())
        await pilot.press(*"echo to-marked", "enter")
        await wait_line(pilot, app, tiles[0], "to-marked")
        await wait_line(pilot, app, tiles[3], "to-marked")
        assert "to-marked" not in screen(app, tiles[1]) + screen(app, tiles[2])
        # focus went back to the pane that was selected, in input mode
        assert app.mode == "input" and app.focused is tiles[1].body
        assert tiles[0].header.note.endswith("sent")


async def test_command_bar_at_targets_errors_history_and_escape(tmp_path: Path) -> None:
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        tiles = app.grid.tiles
        await pilot.press("ctrl+backslash", "3", "slash")
        assert "\u2192 3" in str(app.command_bar.targets_label.render())
        await pilot.press(*"@2,4 echo at-targets")
        assert "2,4" in str(app.command_bar.targets_label.render())
        await pilot.press("enter")
        await wait_line(pilot, app, tiles[1], "at-targets")
        await wait_line(pilot, app, tiles[3], "at-targets")
        assert "at-targets" not in screen(app, tiles[0]) + screen(app, tiles[2])
        assert app.focused is tiles[2].body

        # a pane that does not exist: nothing sent, the bar stays open
        await pilot.press("ctrl+backslash", "slash", *"@7 echo nowhere")
        assert "no pane 7" in str(app.command_bar.targets_label.render())
        await pilot.press("enter")
        await pilot.pause()
        assert app.command_bar.is_open
        assert any("no pane 7" in n for n in notifications(app))
        # Esc closes without sending, focus back on pane 3
        await pilot.press("escape")
        assert not app.command_bar.is_open and app.focused is tiles[2].body
        await pilot.pause(0.2)
        assert all("nowhere" not in screen(app, t) for t in tiles)

        # up recalls earlier prompts (sent ones), down comes back to the draft
        await pilot.press("ctrl+backslash", "slash", *"draft", "up")
        assert app.command_bar.input.value == "@2,4 echo at-targets"
        await pilot.press("down")
        assert app.command_bar.input.value == "draft"
        await pilot.press("up", "enter")
        await wait_until(pilot, lambda: lines(app, tiles[1]).count("at-targets") == 2)
        await pilot.press("ctrl+backslash", "slash", *"@all echo all-of-them", "enter")
        for tile in tiles:
            await wait_line(pilot, app, tile, "all-of-them")


async def test_broadcast_b_and_ctrl_b_send_to_every_session(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        await pilot.press("ctrl+backslash", "2", "b")
        assert app.command_bar.broadcast and app.status_bar.broadcast
        assert "all \u2192 1,2,3" in str(app.command_bar.targets_label.render())
        await pilot.press(*"echo one-for-all", "enter")
        for tile in app.grid.tiles:
            await wait_line(pilot, app, tile, "one-for-all")
            assert tile.header.note == "\u2709 sent"
        assert not app.status_bar.broadcast
        assert app.focused is app.grid.tiles[1].body
        await pilot.press("ctrl+backslash", "ctrl+b", *"echo again", "enter")
        for tile in app.grid.tiles:
            await wait_line(pilot, app, tile, "again")


async def test_multi_line_prompt_is_one_bracketed_paste(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        # bash's readline enables bracketed paste: both lines arrive, then one Enter
        await wait_until(pilot, lambda: app.manager.screen(tile.session_id).bracketed_paste)
        await pilot.press("ctrl+backslash", "slash", *"echo first", "ctrl+j", *"echo second")
        await pilot.press("enter")
        await wait_line(pilot, app, tile, "second")
        assert "first" in lines(app, tile)


async def test_command_bar_alt_keys_from_a_legacy_terminal(tmp_path: Path) -> None:
    """ESC CR (shift+enter as many terminals are set up) breaks the line, ESC DEL
    deletes a word, ESC b moves back a word: typed as raw terminal input."""
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        await wait_until(pilot, lambda: app.manager.screen(tile.session_id).bracketed_paste)
        await pilot.press("ctrl+backslash", "slash", *"echo first")
        await terminal_input(pilot, "\x1b\r", "echo second junk", "\x1b\x7f", "\x1bb", "x")
        await pilot.press("enter")
        await wait_line(pilot, app, tile, "xsecond")
        assert "first" in lines(app, tile)


async def test_prompt_to_a_starting_session_is_delivered_once_ready(tmp_path: Path) -> None:
    # The shells stay `starting` until the test lets them go (a timed sleep
    # was once over before the prompt was typed on a loaded CI machine).
    go = tmp_path / "go"
    slow = f"until [ -e {go} ]; do sleep 0.05; done\nPS1='test$ '\n"
    app = make_app(tmp_path, 2, initial_pool_size=0, profile=slow, warm_timeout=30.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2, what="two tiles")
        await pilot.press("ctrl+backslash", "b", *"echo late", "enter")
        statuses = [app.manager.info(t.session_id) for t in app.grid.tiles]
        assert all(info.status == "starting" for info in statuses), statuses
        for tile in app.grid.tiles:
            assert tile.header.note == "\u2709 queued"
        go.touch()
        for tile in app.grid.tiles:
            await wait_line(pilot, app, tile, "late", timeout=30)
            await wait_until(pilot, lambda t=tile: t.header.note == "\u2709 delivered")


async def test_new_session_picker_shows_a_missing_agent_and_why(tmp_path: Path) -> None:
    config = Config()
    config.agents.claude_code = "synk-no-such-claude"
    app = make_app(tmp_path, 1, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AgentPickerScreen))
        options = app.screen.query_one(OptionList)
        claude = options.get_option("claude_code")
        assert claude.disabled
        assert "'synk-no-such-claude' not found on PATH" in str(claude.prompt)
        assert not options.get_option("terminal").disabled
        # Esc: nothing started, back to input mode
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "input" and not app.is_modal_open)
        assert len(app.grid.tiles) == 1
        # the disabled agent cannot be chosen: moving down skips it
        await pilot.press("ctrl+backslash", "n")
        await wait_until(pilot, lambda: isinstance(app.screen, AgentPickerScreen))
        options = app.screen.query_one(OptionList)
        await pilot.press("down")
        assert options.highlighted is not None
        highlighted = options.get_option_at_index(options.highlighted)
        assert highlighted.id != "claude_code"
        await pilot.press("escape", "ctrl+backslash", "n", "enter")
        await wait_ready(pilot, app, 2)
        assert app.grid.tiles[1].header.badge == "terminal"


async def test_close_asks_while_running_and_not_once_exited(tmp_path: Path) -> None:
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 3)
        first, second, third = app.grid.tiles
        pid = app.manager.info(second.session_id).pid
        assert pid is not None
        await pilot.press("ctrl+backslash", "2", "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.mode == "input" and not app.is_modal_open)
        assert len(app.grid.tiles) == 3
        await pilot.press("ctrl+backslash", "x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2, what="pane 2 closed")
        assert [t.number for t in app.grid.tiles] == [1, 2]
        assert app.grid.shape == (2, 1)
        assert app.grid.selected_id == third.session_id
        # an exited session closes without a question
        await wait_until(pilot, lambda: app.focused is third.body)
        await pilot.press(*"exit 3", "enter")
        await wait_until(pilot, lambda: third.header.state == "exited", what="pane 3 exited")
        assert third.header.exit_code == 3
        assert "exited 3" in str(third.header.render())
        await pilot.press("ctrl+backslash", "x")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 1, what="pane 3 closed")
        assert not app.is_modal_open
        # the new session goes last, numbered by its position
        await pilot.press("ctrl+backslash", "n", "enter")
        await wait_ready(pilot, app, 2)
        assert [t.number for t in app.grid.tiles] == [1, 2]
        assert first.session_id in [t.session_id for t in app.grid.tiles]


async def test_help_save_restore_and_quit_keys(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        await pilot.press("ctrl+backslash", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open and app.mode == "input")
        # save and restore open their dialogs (tests/test_app_persistence.py goes further)
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open and app.mode == "input")
        await pilot.press("ctrl+backslash", "o")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreListScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open and app.mode == "input")
        pids = session_pids(app)
        assert len(pids) == 2
        # quit asks "Save session for later?"; n quits without saving
        await pilot.press("ctrl+backslash", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")
    assert app.return_code == 0


async def test_header_shows_busy_then_idle_exit_code_and_reported_cost(tmp_path: Path) -> None:
    config = Config()
    config.cost.terminal = r"cost: \$(\d+\.\d+)"
    app = make_app(tmp_path, 1, config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        header = tile.header
        await wait_until(pilot, lambda: header.state == "idle", what="idle at the prompt")
        assert header.cost is None
        await pilot.press(*"for i in 1 2 3 4; do echo tick; sleep 0.3; done", "enter")
        await wait_until(pilot, lambda: header.state == "busy", what="busy while printing")
        await wait_until(pilot, lambda: header.state == "idle", timeout=10, what="idle again")
        await pilot.press(*"echo 'cost: $1.25'", "enter")
        await wait_until(pilot, lambda: header.cost == 1.25, what="cost parsed")
        assert "$1.25" in str(header.render())
        await pilot.press(*"exit 7", "enter")
        await wait_until(pilot, lambda: header.state == "exited")
        assert header.exit_code == 7
        assert isinstance(tile.body, TerminalPane) and tile.body.exit_code == 7


async def test_errors_and_config_warnings_become_notifications(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text("[ui]\nbogus = 1\n[pool]\nmax_active = 2\n")
    config = load_config(config_file)
    assert config.warnings
    app = make_app(tmp_path, 2, config=config, max_active=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        assert any("unknown key ui.bogus" in n for n in notifications(app))
        # the session limit is a notification, not a crash
        await pilot.press("ctrl+backslash", "n", "enter")
        await wait_until(
            pilot, lambda: any("Max sessions reached (2)" in n for n in notifications(app))
        )
        assert len(app.grid.tiles) == 2


async def test_core_app_errors_are_shown(tmp_path: Path) -> None:
    # a shell that dies before its prompt: the core posts an AppError
    app = make_app(tmp_path, 1, shell="/bin/false", initial_pool_size=0, warm_timeout=2.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: any("Session 1 could not start" in n for n in notifications(app)),
            what="AppError notification",
        )
        tile = app.grid.tiles[0]
        await wait_until(pilot, lambda: tile.header.state == "exited")
        # the shell existed and exited 1: its own status, not "not started"
        assert "exited 1" in str(tile.header.render())
        assert app.is_running


async def test_a_session_that_cannot_be_created_is_a_notification(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1, shell=str(tmp_path / "no-such-shell"), initial_pool_size=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: any("Cannot open a session" in n for n in notifications(app)),
            what="create error notification",
        )
        assert app.grid.tiles == [] and app.mode == "grid" and app.is_running


async def test_restore_of_an_unknown_name_says_so_and_opens_a_session(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1, restore="work")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot, lambda: any("No saved workspace named 'work'" in n for n in notifications(app))
        )
        await wait_ready(pilot, app, 1)


async def test_quit_by_textual_quit_action_also_ends_children(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 2)
        pids = session_pids(app)
        await app.action_quit()
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")


async def test_textual_default_keys_reach_the_pane(tmp_path: Path) -> None:
    """ctrl+q, ctrl+p, ctrl+c, escape and tab belong to the program in the pane."""
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        await pilot.press(*"stty -ixon -isig; cat -v", "enter")
        await pilot.pause(0.3)
        await pilot.press("ctrl+q", "ctrl+p", "escape", "ctrl+c", "tab", "x", "enter")
        await wait_until(
            pilot,
            lambda: lines(app, tile)[1:3] == ["^Q^P^[^C" + " " * 8 + "x"] * 2,
            what=f"keys echoed by cat -v: {lines(app, tile)}",
        )
        assert app.is_running and app.mode == "input"


async def test_keys_are_configurable(tmp_path: Path) -> None:
    config = Config()
    config.keys.prefix = "f2"
    config.keys.zoom = "m"
    config.keys.command_bar = "p"
    app = make_app(tmp_path, 2, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        first = app.grid.tiles[0]
        # the default prefix is now an ordinary key for the pane
        await pilot.press("ctrl+backslash")
        assert app.mode == "input"
        await pilot.press("f2")
        assert app.mode == "grid"
        assert "f2 grid mode" not in app.status_bar.hints()
        await pilot.press("z")
        assert app.grid.zoomed_id is None
        await pilot.press("m")
        assert app.grid.zoomed_id == first.session_id
        await pilot.press("f2", "m", "f2", "p", *"echo rebound", "enter")
        await wait_line(pilot, app, first, "rebound")
        await pilot.press("f2", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        assert key_table(app.screen.keys)[0][0] == "f2"


async def test_clicking_a_pane_closes_an_open_command_bar(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        second = app.grid.tiles[1]
        await pilot.press("ctrl+backslash", "slash", *"echo never")
        assert app.command_bar.is_open
        await pilot.click(second.body, offset=(3, 3))
        await wait_until(pilot, lambda: not app.command_bar.is_open, what="bar closed")
        await wait_until(pilot, lambda: app.focused is second.body and app.mode == "input")
        await pilot.pause(0.2)
        assert all("never" not in screen(app, t) for t in app.grid.tiles)


def type_burst(app: SynkApp, *keys: str) -> None:
    """Queue keys the way the driver does for one read: all at once, no waiting."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            character = {"enter": "\r", "escape": "\x1b", "ctrl+backslash": "\x1c"}.get(key)
            app.post_message(events.Key(key, character))


async def test_a_burst_of_keys_is_handled_in_order(tmp_path: Path) -> None:
    """prefix, grid keys, a prompt, Enter and more typing, all in one read."""
    app = make_app(tmp_path, 4)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 4)
        tiles = app.grid.tiles
        type_burst(app, "ctrl+backslash", "l", "b", *"@1,4 echo x-burst", "enter")
        type_burst(app, *"echo y-burst", "enter")
        await wait_line(pilot, app, tiles[0], "x-burst")
        await wait_line(pilot, app, tiles[3], "x-burst")
        # the keys after Enter went to the pane the bar was opened from
        await wait_line(pilot, app, tiles[1], "y-burst")
        assert "x-burst" not in screen(app, tiles[1])
        assert all("y-burst" not in screen(app, t) for t in (tiles[0], tiles[2], tiles[3]))
        assert app.mode == "input" and app.focused is tiles[1].body


async def test_leaving_the_app_any_way_ends_every_child(tmp_path: Path) -> None:
    """No quit key at all: the app's unmount still shuts the sessions down."""
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 2)
        pids = session_pids(app)
        assert len(pids) == 2 and not none_alive(pids)
    assert none_alive(pids)
