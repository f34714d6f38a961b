"""Helpers for the app's pilot tests: a SynkApp on real shells in a temp HOME.

No test here; the other test_app*/test_snapshots modules import these.
Shells are bash with a HOME holding only a `.profile` that sets
PS1='test$ ', so screens are the same on every machine and the real home
is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from synk_tui.app import SynkApp
from synk_tui.config import Config
from synk_tui.launch_options import LaunchOptions
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.core_helpers import alive, pool_config, wait_for

PROMPT = "test$"


def make_app(
    tmp_path: Path,
    sessions: int = 1,
    *,
    agent: str = "terminal",
    config: Config | None = None,
    restore: str | None = None,
    **pool_overrides: Any,
) -> SynkApp:
    """A SynkApp opening `sessions` bash sessions in a fresh project dir."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    config = config or Config()
    config.ui.busy_seconds = min(config.ui.busy_seconds, 0.5)
    options = LaunchOptions(project, sessions, agent, restore)
    return SynkApp(options, config, pool_config=pool_config(tmp_path, **pool_overrides))


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0, what: str = ""
) -> Any:
    """Let the app run until `condition()` is truthy; fail after `timeout` seconds."""
    return await wait_for(condition, timeout, what, pause=lambda: pilot.pause(0.02))


def screen(app: SynkApp, tile: SessionTile) -> str:
    """The session's visible screen, one string."""
    return "\n".join(app.manager.screen(tile.session_id).lines())


def drawn(tile: SessionTile) -> str:
    """What the pane actually rendered (its Strips), one string."""
    pane = tile.body
    assert isinstance(pane, TerminalPane)
    lines = []
    for y in range(pane.size.height):
        lines.append("".join(segment.text for segment in pane.render_line(y)).rstrip())
    return "\n".join(lines)


async def wait_ready(pilot: Pilot[Any], app: SynkApp, count: int, timeout: float = 15.0) -> None:
    """Until `count` tiles exist and each shows its prompt."""

    def ready() -> bool:
        tiles = app.grid.tiles
        return len(tiles) == count and all(PROMPT in screen(app, t) for t in tiles)

    await wait_until(pilot, ready, timeout, f"{count} sessions at their prompt")


async def wait_output(
    pilot: Pilot[Any], app: SynkApp, tile: SessionTile, text: str, timeout: float = 10.0
) -> None:
    """Until `text` is on the tile's screen."""
    await wait_until(
        pilot, lambda: text in screen(app, tile), timeout, f"{text!r} in pane {tile.number}"
    )


def lines(app: SynkApp, tile: SessionTile) -> list[str]:
    """The session's visible rows, right-stripped."""
    return [line.rstrip() for line in app.manager.screen(tile.session_id).lines()]


async def wait_line(
    pilot: Pilot[Any], app: SynkApp, tile: SessionTile, line: str, timeout: float = 10.0
) -> None:
    """Until a row of the tile's screen is exactly `line` (output, not the typed command)."""
    await wait_until(
        pilot, lambda: line in lines(app, tile), timeout, f"row {line!r} in pane {tile.number}"
    )


def session_pids(app: SynkApp) -> list[int]:
    """Pids of every session's process."""
    return [info.pid for info in app.manager.list() if info.pid is not None]


def none_alive(pids: list[int]) -> bool:
    """True when none of `pids` runs any more."""
    return not any(alive(pid) for pid in pids)
