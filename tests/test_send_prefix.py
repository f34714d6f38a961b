"""The prefix typed twice reaches the program (tmux's `send-prefix`).

Without it no program could ever get ctrl+\\ (SIGQUIT in a shell, a key in
some editors). Esc and Enter are the ways back to input mode that send nothing.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from synk_tui.config import Config, KeySettings
from synk_tui.screens.help import key_table
from tests.test_app_helpers import make_app, screen, wait_line, wait_ready, wait_until


def child_names(pid: int) -> list[str]:
    """The command names of `pid`'s children."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    names = []
    for child in children:
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{child}/comm").read_text().strip())
    return names


async def test_prefix_twice_sends_one_prefix_to_a_raw_reader(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        # no signal keys and no echo: only cat -v shows what arrived
        # (bytes typed before cat runs wait in the terminal, unsignalled, for it)
        await pilot.press(*"stty -isig -echo; echo reading; cat -v", "enter")
        await wait_line(pilot, app, tile, "reading")
        await pilot.press("ctrl+backslash", "ctrl+backslash")
        assert app.mode == "input" and app.focused is tile.body
        await pilot.press("x", "enter")
        await wait_line(pilot, app, tile, "^\\x")
        # esc and enter go back without sending anything
        await pilot.press("ctrl+backslash", "escape", "y", "enter")
        await wait_line(pilot, app, tile, "y")
        await pilot.press("ctrl+backslash", "enter")
        assert app.mode == "input" and app.focused is tile.body
        await pilot.press("z", "enter")
        await wait_line(pilot, app, tile, "z")
        assert screen(app, tile).count("^\\") == 1


async def test_prefix_twice_is_sigquit_for_a_shell_job(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        await pilot.press(*"sleep 30; echo rc=$?", "enter")
        shell = app.manager.info(tile.session_id).pid
        assert shell is not None
        await wait_until(pilot, lambda: "sleep" in child_names(shell), what="sleep running")
        await pilot.press("ctrl+backslash", "ctrl+backslash")
        await wait_line(pilot, app, tile, "rc=131", timeout=10)


async def test_a_rebound_prefix_is_sent_as_itself(tmp_path: Path) -> None:
    config = Config()
    config.keys.prefix = "ctrl+a"
    app = make_app(tmp_path, 1, config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        await pilot.press(*"stty -isig -echo; echo reading; cat -v", "enter")
        await wait_line(pilot, app, tile, "reading")
        await pilot.press("ctrl+a", "ctrl+a", "x", "enter")
        await wait_line(pilot, app, tile, "^Ax")
        assert app.mode == "input"


def test_help_says_the_prefix_twice_sends_it() -> None:
    rows = dict(key_table(KeySettings()))
    assert "send" in rows["ctrl+\\"] and "back to input mode" in rows["ctrl+\\"]
    assert "back to input mode" in rows["enter, esc"]
