"""A program cannot set the user's clipboard unless the config allows it.

Any child can print OSC 52; forwarding it silently would let a program (or
a file it prints) replace what the person pastes next. Default: blocked,
with one notice per session; `[clipboard] allow_programs = true` forwards
it. synk's own copy (a mouse selection) keeps using OSC 52: see
tests/test_terminal_pane.py, which copies under the default config.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from synk_tui.app import SynkApp
from synk_tui.config import Config, parse_config
from tests.test_app_helpers import make_app, wait_line, wait_ready, wait_until

pytestmark = pytest.mark.timeout(60)

SET_CLIPBOARD = r"printf '\033]52;c;aGk=\007'"
"""A shell command that asks the terminal to put `hi` on the clipboard."""

BLOCKED = "pane 1 wanted to set the clipboard (blocked)"


def clipboard_notices(app: SynkApp) -> list[str]:
    """The clipboard notices shown so far."""
    return [n.message for n in app._notifications if "clipboard" in n.message]


def test_the_clipboard_section_is_parsed_and_checked() -> None:
    assert Config().clipboard.allow_programs is False
    assert parse_config({"clipboard": {"allow_programs": True}}).clipboard.allow_programs is True
    config = parse_config({"clipboard": {"allow_programs": "yes", "bogus": 1}})
    assert config.clipboard.allow_programs is False
    assert any("clipboard.allow_programs: expected bool" in w for w in config.warnings)
    assert any("unknown key clipboard.bogus ignored" in w for w in config.warnings)


async def test_a_program_setting_the_clipboard_is_blocked_with_one_notice(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        tile = app.grid.tiles[0]
        command = f"{SET_CLIPBOARD}; {SET_CLIPBOARD}; echo one''done"
        await pilot.press(*command, "enter")
        await wait_line(pilot, app, tile, "onedone")
        await wait_until(pilot, lambda: clipboard_notices(app), what="the notice")
        await pilot.press(*f"{SET_CLIPBOARD}; echo two''done", "enter")
        await wait_line(pilot, app, tile, "twodone")
        await pilot.pause(0.1)
        assert clipboard_notices(app) == [BLOCKED]
        assert app.clipboard != "hi"


async def test_allow_programs_forwards_the_clipboard(tmp_path: Path) -> None:
    config = Config()
    config.clipboard.allow_programs = True
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press(*SET_CLIPBOARD, "enter")
        await wait_until(pilot, lambda: app.clipboard == "hi", what="the clipboard set")
        assert clipboard_notices(app) == []
