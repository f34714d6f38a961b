"""Snapshots pinning the look of a 1, 3, 4 and 12 pane grid (pytest-textual-snapshot).

With 3 panes the last row's one pane takes the whole width (no empty cell).

Deterministic on purpose: bash in a temp HOME whose .profile sets
PS1='test$ ', a config dir in a temp dir, a project dir outside git (no
branch), and the screenshot is taken only once every pane shows its prompt,
every header says idle and the pool's counts have settled.
Update with `pytest tests/test_snapshots.py --snapshot-update` after checking
the new look by eye (the SVGs open in a browser).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from synk_tui.app import SynkApp
from tests.test_app_helpers import make_app, wait_ready, wait_until

pytestmark = pytest.mark.timeout(120)


def settled(app: SynkApp, count: int) -> Any:
    """Wait for a still screen: prompts, idle headers, a refilled pool."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot, app, count, timeout=30)
        bar = app.status_bar
        try:
            await wait_until(
                pilot,
                lambda: (
                    all(t.header.state == "idle" for t in app.grid.tiles)
                    and bar.active == count
                    and bar.idle == app.pool.config.initial_pool_size
                ),
                timeout=30,
                what="idle headers and a refilled pool",
            )
        except AssertionError as error:
            headers = [t.header.state for t in app.grid.tiles]
            state = f"headers {headers}, bar {bar.render().plain!r}, pool {app.pool.status()}"
            raise AssertionError(f"{error}: {state}") from None
        # nothing changes for a moment (no late redraw, no toast)
        last = None
        stable_since = time.monotonic()
        while time.monotonic() - stable_since < 0.6:
            state = (
                tuple(t.header.render().plain for t in app.grid.tiles),
                bar.render().plain,
                len(app._notifications),
            )
            if state != last:
                last, stable_since = state, time.monotonic()
            await pilot.pause(0.05)

    return run_before


@pytest.mark.parametrize(
    ("count", "size"),
    [(1, (80, 24)), (3, (100, 30)), (4, (120, 36)), (12, (160, 48))],
    ids=["1", "3", "4", "12"],
)
def test_grid_look(snap_compare: Any, tmp_path: Path, count: int, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, count)
    assert snap_compare(app, terminal_size=size, run_before=settled(app, count))
