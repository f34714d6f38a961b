"""Copy mode in the pane and the app: keys, search highlight, the OSC 52 copy, COPY.

Real shells on real PTYs; keys through Textual's pilot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.style import Style
from textual.strip import Strip

from synk_tui.screens.help import key_table
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.test_app_helpers import make_app, wait_ready
from tests.test_app_helpers import wait_until as app_wait_until
from tests.test_terminal_pane_harness import (
    PaneApp,
    pane_rows,
    run,
    screen_rows,
    settle,
    wait_until,
)

pytestmark = pytest.mark.timeout(60)

SIZE = (80, 24)


def styled_cells(strip: Strip, style: Style) -> str:
    """The text of the segments of `strip` that carry `style`'s background."""
    return "".join(
        segment.text
        for segment in strip
        if segment.style is not None and segment.style.bgcolor == style.bgcolor
    )


async def test_keys_move_select_and_y_copies_through_osc52(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "clear; echo alpha beta gamma", "alpha beta gamma")
        prompt_before = screen_rows(pane)[1]
        assert pane.enter_copy_mode()
        copy = pane.copy_mode
        assert copy is not None and copy.cursor == (1, len(prompt_before) + 1)
        assert "COPY" in pane_rows(pane)[0]
        await pilot.press("k", "0", *["l"] * 6)  # up to the output row, onto "beta"
        assert copy.cursor == (0, 6)
        await pilot.press("v", *["right"] * 9)
        assert copy.selected_text() == "beta gamma"
        await pilot.press("y")
        await wait_until(pilot, lambda: app.clipboard == "beta gamma")
        copied = [m for m in app.pane_messages if isinstance(m, TerminalPane.SelectionCopied)]
        assert copied and copied[-1].text == "beta gamma"
        assert not pane.in_copy_mode
        await settle(pilot)
        # not one of those keys reached the shell
        assert screen_rows(pane)[1] == prompt_before
        # and keys go to the shell again
        await pilot.press("x")
        await wait_until(pilot, lambda: screen_rows(pane)[1] == prompt_before + " x")
        await app.shutdown_manager()


async def test_search_backward_scrolls_to_the_match_and_highlights_it(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            # the command line itself must not hold the word
            "w=nee; echo ${w}dle-one; seq 1 200; echo ${w}dle-two; seq 1 100; echo END",
            "END",
        )
        assert pane.enter_copy_mode()
        copy = pane.copy_mode
        assert copy is not None
        await pilot.press("question_mark", *"needle")
        assert pane_rows(pane)[-1].startswith("?needle")  # the prompt line
        await pilot.press("enter")
        assert copy.row_text(copy.cursor[0]) == "needle-two"
        view_row = copy.cursor[0] + pane.scrollback_offset
        assert pane.scrollback_offset > 0 and 0 <= view_row < SIZE[1]
        match = pane.get_component_rich_style("terminal-pane--match")
        drawn = TerminalPane.render_line(pane, view_row)
        # the match is highlighted, its first cell also shows the cursor (reversed)
        assert styled_cells(drawn, match) == "needle"
        assert "needle: 2 found" in pane_rows(pane)[0]
        await pilot.press("n")
        assert copy.row_text(copy.cursor[0]) == "needle-one"
        await pilot.press("N")
        assert copy.row_text(copy.cursor[0]) == "needle-two"
        await pilot.press("slash", *"nowhere-xyz", "enter")
        assert "nowhere-xyz: not found" in pane_rows(pane)[0]
        assert copy.row_text(copy.cursor[0]) == "needle-two"
        # escape closes an open search line first, then leaves copy mode
        await pilot.press("slash", "x", "escape")
        assert pane.in_copy_mode
        await pilot.press("escape")
        assert not pane.in_copy_mode and pane.scrollback_offset == 0
        assert "END" in pane_rows(pane)
        await app.shutdown_manager()


async def test_g_and_G_reach_the_oldest_line_and_the_bottom(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "seq 1 300", "300")
        emulator = pane.emulator
        assert emulator is not None and pane.enter_copy_mode()
        copy = pane.copy_mode
        assert copy is not None
        await pilot.press("g")
        assert copy.cursor[0] == -emulator.scrollback_len
        assert pane.scrollback_offset == emulator.scrollback_len
        await pilot.press("pagedown")
        assert copy.cursor[0] == -emulator.scrollback_len + SIZE[1] - 1
        await pilot.press("G")
        assert copy.cursor == (SIZE[1] - 1, 0) and pane.scrollback_offset == 0
        await pilot.press("q")
        assert not pane.in_copy_mode
        await app.shutdown_manager()


async def test_output_in_copy_mode_leaves_the_cursor_on_its_text(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "seq 1 100", "100")
        assert pane.enter_copy_mode()
        copy = pane.copy_mode
        assert copy is not None
        await pilot.press("slash", *"77", "enter")
        assert copy.row_text(copy.cursor[0]) == "77"
        before = pane_rows(pane)[1:]
        pane.manager.write(pane.session_id, "seq 500 600\r")  # not a key: copy mode stays
        await wait_until(pilot, lambda: "600" in screen_rows(pane))
        await settle(pilot)
        assert pane.in_copy_mode
        assert copy.row_text(copy.cursor[0]) == "77"
        assert pane_rows(pane)[1:] == before
        await app.shutdown_manager()


async def test_grid_key_enters_copy_mode_status_says_copy_and_esc_leaves(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        first = app.grid.tiles[0]
        pane = first.body
        assert isinstance(pane, TerminalPane)
        await pilot.press("ctrl+backslash", "left_square_bracket")
        await app_wait_until(pilot, lambda: app.status_bar.mode == "copy")
        assert pane.in_copy_mode and app.focused is pane
        assert "y copy" in app.status_bar.hints()
        # the prefix still reaches grid mode, and coming back is still copy mode
        await pilot.press("ctrl+backslash")
        assert app.mode == "grid"
        await pilot.press("enter")
        await app_wait_until(pilot, lambda: app.status_bar.mode == "copy")
        await pilot.press("escape")
        await app_wait_until(pilot, lambda: app.status_bar.mode == "input")
        assert not pane.in_copy_mode
        assert any("copy mode" in what for _, what in key_table(app.config.keys))
