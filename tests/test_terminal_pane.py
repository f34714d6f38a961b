"""TerminalPane drawing a real shell's screen: rendering, dirty rows, resize,
scrollback, synchronized output, visibility, exit. Real shells on real PTYs
through the real SessionManager; no mocks."""

from __future__ import annotations

from pathlib import Path

from tests.test_terminal_pane_harness import (
    PaneApp,
    pane_rows,
    screen_rows,
    wait_until,
)


async def test_pane_shows_the_shell_and_what_is_typed(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await app.open_pane()
        await wait_until(pilot, lambda: any(r.startswith("test$") for r in pane_rows(pane)))
        await pilot.press(*"echo hel", "l", "o", "enter")
        await wait_until(pilot, lambda: "hello" in pane_rows(pane), what="echo output drawn")
        assert pane_rows(pane)[: len(screen_rows(pane))] == screen_rows(pane)[: pane.size.height]
        await app.shutdown_manager()
