"""Keystroke -> echo drawn, in a TerminalPane over a real shell: idle, then while
11 other panes flood.

A key event enters Textual the way a real terminal's key does (through the
driver into the App's queue), the pane encodes it and writes it to the PTY,
bash's readline echoes it, the session manager parses the echo and posts
ScreenUpdated, the pane refreshes that row, and the clock stops when Textual
renders the row with the character on it (the frame being composed: what
is written to the terminal next). Twelve panes share one App in a 4x3 grid,
the way synk shows 12 sessions; the typed-into pane has focus (and so
parsing priority). Benchmarks print numbers; no test asserts on them.

    python benchmarks/input_latency.py [--samples 300] [--flood-panes 11]
        [--flood 'yes synk-flood-line' --flood-marker synk-flood-line] [--size 240x72]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Grid
from textual.strip import Strip

from synk_tui.app import TICK_SECONDS
from synk_tui.events import ScreenUpdated, SessionExit
from synk_tui.garbage import FullCollections
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.session_manager import SessionManager
from synk_tui.widgets.terminal_pane import TerminalPane


class TimedPane(TerminalPane):
    """Notes when a row is first rendered with the text being waited for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expect: tuple[int, str] | None = None
        self.drawn = asyncio.Event()
        self.drawn_at = 0.0
        self.rendered_rows = 0

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.rendered_rows += 1
        if self.expect is not None and y == self.expect[0]:
            text = "".join(segment.text for segment in strip).rstrip()
            if text.endswith(self.expect[1]):
                self.drawn_at = time.perf_counter()
                self.expect = None
                self.drawn.set()
        return strip


class LatencyApp(App[None], inherit_bindings=False):
    CSS = """
    Grid { grid-size: 4 3; }
    """
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, manager_factory: Any) -> None:
        super().__init__()
        self.manager_factory = manager_factory
        self.manager: SessionManager | None = None
        self.panes: dict[int, TimedPane] = {}

    def compose(self) -> ComposeResult:
        yield Grid(id="grid")

    async def on_mount(self) -> None:
        self.manager = self.manager_factory(self.post_message)
        manager = self.manager
        self.collections = FullCollections(lambda: manager.typing)
        await self.manager.start()
        self.set_interval(TICK_SECONDS, self.collections.tick)  # as SynkApp does

    def on_unmount(self) -> None:
        self.collections.stop()

    async def add_pane(self, cwd: str) -> TimedPane:
        assert self.manager is not None
        created = await self.manager.create(agent_type="terminal", project_path=cwd)
        pane = TimedPane(self.manager, created.session_id)
        self.panes[created.session_id] = pane
        await self.query_one("#grid").mount(pane)
        await self.manager.wait_ready(created.session_id)
        return pane

    def on_screen_updated(self, event: ScreenUpdated) -> None:
        pane = self.panes.get(event.session_id)
        if pane is not None:
            pane.screen_updated()

    def on_session_exit(self, event: SessionExit) -> None:
        pane = self.panes.get(event.session_id)
        if pane is not None:
            pane.session_exited(event.exit_code)


async def wait_screen(pane: TimedPane, needle: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        emulator = pane.emulator
        if emulator is not None and any(needle in line for line in emulator.lines()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{needle!r} never appeared")
        await asyncio.sleep(0.02)


async def measure(app: LatencyApp, pane: TimedPane, samples: int) -> list[float]:
    """Type `samples` characters one at a time; seconds from key to echo drawn each."""
    driver = app._driver
    assert driver is not None and pane.emulator is not None
    results: list[float] = []
    typed = ""
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(results) < samples:
        if len(typed) >= 30:
            pane.send("\x15")  # ctrl+u: start a fresh line (not measured)
            typed = ""
            await asyncio.sleep(0.05)
        await asyncio.sleep(random.uniform(0.02, 0.06))  # a person's typing gaps
        char = letters[len(results) % len(letters)]
        row = pane.emulator.cursor[1]
        typed += char
        pane.drawn.clear()
        pane.expect = (row, "$ " + typed)
        started = time.perf_counter()
        driver.send_message(events.Key(char, char))
        try:
            await asyncio.wait_for(pane.drawn.wait(), 5.0)
        except TimeoutError:
            results.append(5.0)
            pane.expect = None
            continue
        results.append(pane.drawn_at - started)
    pane.send("\x15")
    return results


def report(label: str, values: list[float]) -> None:
    ms = sorted(v * 1000 for v in values)
    quantiles = statistics.quantiles(ms, n=100, method="inclusive")
    print(
        f"{label:<28} n={len(ms):<4} p50={statistics.median(ms):6.1f} ms  "
        f"p90={quantiles[89]:6.1f} ms  p99={quantiles[98]:6.1f} ms  max={ms[-1]:6.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--flood-panes", type=int, default=11)
    parser.add_argument(
        "--flood",
        default="seq -f 'flood line %g: the quick brown fox jumps over the lazy dog' 1 999999999",
        help="the command each flooding pane runs (every line differs, like a build log)",
    )
    parser.add_argument("--flood-marker", default="flood line")
    parser.add_argument("--size", default="240x72", help="terminal size, WxH")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / ".profile").write_text("PS1='test$ '\n")

        def factory(post: Any) -> SessionManager:
            config = PoolConfig(shell="/bin/bash", env={"HOME": str(home)}, kill_grace=1.0)
            return SessionManager(ProcessPool(config), post=post)

        app = LatencyApp(factory)
        async with app.run_test(size=(width, height)) as pilot:
            typed = await app.add_pane(tmp)
            others = [await app.add_pane(tmp) for _ in range(args.flood_panes)]
            typed.focus()
            await pilot.pause(0.5)
            app.collections.start()  # as SynkApp does once started
            print(
                f"TerminalPane keystroke -> echo drawn; pane {typed.size.width}x"
                f"{typed.size.height} of {1 + len(others)} in a {width}x{height} terminal"
            )
            idle = await measure(app, typed, args.samples)
            report("idle", idle)

            for pane in others:
                pane.send(args.flood + "\r")
            for pane in others:
                await wait_screen(pane, args.flood_marker)
            flood_rows = sum(p.rendered_rows for p in others)
            flood_started = time.perf_counter()
            flooded = await measure(app, typed, args.samples)
            elapsed = time.perf_counter() - flood_started
            rows_per_s = (sum(p.rendered_rows for p in others) - flood_rows) / elapsed
            report(f"{len(others)} panes flooding", flooded)
            print(f"  (flooding panes rendered {rows_per_s:,.0f} rows/s meanwhile)")
            for pane in others:
                pane.send("\x03")
            assert app.manager is not None
            await app.manager.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
