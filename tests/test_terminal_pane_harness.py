"""A tiny App hosting TerminalPanes over real shells, for the pane's pilot tests.

No test lives here; the pane tests import it. The app wires the core's
events to the panes exactly as synk's App must: `ScreenUpdated` ->
`pane.screen_updated()`, `SessionExit` -> `pane.session_exited(code)`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.segment import Segment
from textual._xterm_parser import XTermParser
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot
from textual.strip import Strip

from synk_tui.events import ScreenUpdated, SessionExit
from synk_tui.pool import ProcessPool
from synk_tui.session_manager import SessionManager
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.core_helpers import pool_config, wait_for


class CountingPane(TerminalPane):
    """A TerminalPane that counts the rows it renders (to prove dirty-row refresh)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rendered: list[int] = []
        self.drawn: dict[int, str] = {}
        self.drawn_at: dict[int, float] = {}

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.rendered.append(y)
        self.drawn[y] = row_text(strip).rstrip()
        self.drawn_at[y] = time.perf_counter()
        return strip

    def drawn_rows(self) -> list[str]:
        """The text of every row as last rendered (what the terminal shows)."""
        return [self.drawn.get(y, "") for y in range(self.size.height)]


class PaneApp(App[None], inherit_bindings=False):
    """Hosts panes side by side; the App keeps only synk's prefix key."""

    CSS = """
    #panes { height: 1fr; }
    TerminalPane { width: 1fr; height: 1fr; }
    """
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, tmp_path: Path, **manager_overrides: Any) -> None:
        super().__init__()
        self.tmp_path = tmp_path
        self.manager_overrides = manager_overrides
        self.manager: SessionManager | None = None
        self.panes: dict[int, TerminalPane] = {}
        self.pane_messages: list[Any] = []
        self.screen_updates: list[int] = []  # session ids, one per ScreenUpdated

    def compose(self) -> ComposeResult:
        yield Horizontal(id="panes")

    async def on_mount(self) -> None:
        pool = ProcessPool(pool_config(self.tmp_path, **self.manager_overrides))
        self.manager = SessionManager(pool, post=self.post_message)  # as synk's App does
        await self.manager.start()

    async def open_pane(
        self, pane_class: type[TerminalPane] = TerminalPane, focus: bool = True, **create: Any
    ) -> TerminalPane:
        """Create a session, mount a pane for it, wait until its prompt is up."""
        assert self.manager is not None
        create.setdefault("agent_type", "terminal")
        create.setdefault("project_path", str(self.tmp_path))
        created = await self.manager.create(**create)
        pane = pane_class(self.manager, created.session_id)
        self.panes[created.session_id] = pane
        await self.query_one("#panes").mount(pane)
        assert await self.manager.wait_ready(created.session_id)
        # The pane's first size reaches the PTY once Textual has laid it out.
        manager = self.manager
        deadline = time.monotonic() + 5
        while (manager.info(pane.session_id).cols, manager.info(pane.session_id).rows) != (
            pane.size.width,
            pane.size.height,
        ) or pane.size.width == 0:
            assert time.monotonic() < deadline, "the pane's size never reached the session"
            await asyncio.sleep(0.01)
        if focus:
            pane.focus()
        return pane

    def on_screen_updated(self, event: ScreenUpdated) -> None:
        self.screen_updates.append(event.session_id)
        pane = self.panes.get(event.session_id)
        if pane is not None:
            pane.screen_updated()

    def on_session_exit(self, event: SessionExit) -> None:
        pane = self.panes.get(event.session_id)
        if pane is not None:
            pane.session_exited(event.exit_code)

    def on_terminal_pane_focused(self, message: TerminalPane.Focused) -> None:
        self.pane_messages.append(message)

    def on_terminal_pane_clicked(self, message: TerminalPane.Clicked) -> None:
        self.pane_messages.append(message)

    def on_terminal_pane_selection_copied(self, message: TerminalPane.SelectionCopied) -> None:
        self.pane_messages.append(message)

    async def shutdown_manager(self) -> None:
        if self.manager is not None:
            await self.manager.shutdown()


def row_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def pane_rows(pane: TerminalPane) -> list[str]:
    """What the pane draws, row by row (right-stripped), as its render_line gives it."""
    return [row_text(TerminalPane.render_line(pane, y)).rstrip() for y in range(pane.size.height)]


def screen_rows(pane: TerminalPane) -> list[str]:
    """The session's screen as the emulator holds it."""
    emulator = pane.emulator
    assert emulator is not None
    return emulator.lines()


def drawn_segments(pane: TerminalPane, y: int) -> list[Segment]:
    return list(TerminalPane.render_line(pane, y))


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0, what: str = ""
) -> Any:
    """Let the app run until `condition()` is truthy; fail after `timeout`."""
    return await wait_for(condition, timeout, what, pause=lambda: pilot.pause(0.01))


async def run(pilot: Pilot[Any], pane: TerminalPane, command: str, ready: str) -> None:
    """Type `command` into the shell and wait until a row reads exactly `ready`."""
    pane.send(command + "\r")
    await wait_until(pilot, lambda: ready in screen_rows(pane), what=f"{ready!r} on screen")


async def start_cat_v(pilot: Pilot[Any], pane: TerminalPane) -> None:
    """Run `cat -v` on a raw tty: every byte the pane sends shows up visibly."""
    await run(pilot, pane, "stty raw -echo opost; echo CAT''READY; cat -vT", "CATREADY")


def screen_text(pane: TerminalPane) -> str:
    return "\n".join(screen_rows(pane))


async def shown_after_ready(pilot: Pilot[Any], pane: TerminalPane, expected: str) -> str:
    """Wait until cat -v shows `expected` after the READY line; returns that text."""

    def after() -> str:
        text = screen_text(pane)
        return text.split("CATREADY", 1)[-1].replace("\n", "")

    await wait_until(
        pilot, lambda: expected in after(), timeout=5, what=f"{expected!r} from cat -v"
    )
    return after()


async def terminal_input(pilot: Pilot[Any], *chunks: str) -> None:
    """Input as an outer terminal sends it, through Textual's own parser and
    driver (the path real keys and mouse reports take). Each chunk is one
    read: a lone ESC prefix is resolved at its end, as the escape delay does."""
    driver = pilot.app._driver
    assert driver is not None
    for raw in chunks:
        parser = XTermParser()
        for message in [*parser.feed(raw), *parser.feed("")]:
            driver.process_message(message)
        await pilot.pause()


async def settle(pilot: Pilot[Any], seconds: float = 0.1) -> None:
    """Let the core post and the app paint what is pending."""
    await pilot.pause(seconds)
    await asyncio.sleep(0)
