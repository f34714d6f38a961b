"""TerminalPane drawing a real shell's screen: rendering, dirty rows, resize,
scrollback, synchronized output, visibility, cursor, selection, exit, and a
flood next door. Real shells on real PTYs through the real SessionManager."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.color import Color
from textual.strip import Strip

from synk_tui.widgets.terminal_pane import TerminalPane
from tests.test_terminal_pane_harness import (
    CountingPane,
    PaneApp,
    drawn_segments,
    pane_rows,
    run,
    screen_rows,
    settle,
    terminal_input,
    wait_until,
)

pytestmark = pytest.mark.timeout(60)

SIZE = (80, 24)


def prompt_row(pane: TerminalPane) -> int:
    emulator = pane.emulator
    assert emulator is not None
    return emulator.cursor[1]


async def test_pane_shows_the_shell_and_what_is_typed(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(CountingPane)
        assert isinstance(pane, CountingPane)
        await wait_until(pilot, lambda: pane.drawn.get(0, "").startswith("test$"))
        await pilot.press(*"echo hel", "l", "o", "enter")
        await wait_until(pilot, lambda: "hello" in pane.drawn_rows(), what="echo output drawn")
        assert pane.drawn_rows()[: len(screen_rows(pane))] == screen_rows(pane)
        await app.shutdown_manager()


async def test_one_line_change_repaints_only_that_line(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(CountingPane)
        assert isinstance(pane, CountingPane)
        await run(pilot, pane, "clear; seq 1 10", "10")
        await settle(pilot, 0.2)
        pane.rendered.clear()
        row = prompt_row(pane)
        await pilot.press("x")
        await wait_until(pilot, lambda: pane.drawn.get(row, "").endswith("$ x"), what="x drawn")
        await settle(pilot, 0.1)
        assert set(pane.rendered) == {row}, pane.rendered
        # and a full screen of new output repaints the whole pane
        pane.rendered.clear()
        await pilot.press("backspace")
        await run(pilot, pane, "seq 100 200", "200")
        await wait_until(pilot, lambda: "200" in pane.drawn_rows())
        assert set(pane.rendered) == set(range(pane.size.height))
        await app.shutdown_manager()


async def test_styles_one_segment_per_run(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # Unfocused, the pane draws no cursor: a cursor cell would split a run
        # (the cursor is drawn where the last repaint saw it, and any frame
        # Textual paints in between may show it one row stale).
        pane = await app.open_pane(focus=False)
        await run(
            pilot,
            pane,
            "clear; printf 'a\\033[1;31mRED\\033[0m \\033[38;2;1;2;3;48;5;200mTC\\033[0m\\n'",
            "aRED TC",
        )
        segments = drawn_segments(pane, 0)
        texts = [s.text for s in segments]
        assert texts[:4] == ["a", "RED", " ", "TC"]
        red, truecolor = segments[1].style, segments[3].style
        assert red is not None and red.bold and red.color == Color.from_ansi(1)
        assert truecolor is not None and truecolor.color == Color.from_rgb(1, 2, 3)
        assert truecolor.bgcolor == Color.from_ansi(200)
        emulator = pane.emulator
        assert emulator is not None
        assert len(segments) == len(emulator.row_runs(0))
        await app.shutdown_manager()


async def test_resize_reaches_the_child(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "stty size", "30 100")
        await pilot.resize_terminal(72, 20)
        await wait_until(pilot, lambda: pane.size == (72, 20))
        await wait_until(pilot, lambda: pane.emulator and pane.emulator.cols == 72)
        await run(pilot, pane, "stty size", "20 72")
        await app.shutdown_manager()


async def test_two_panes_each_get_their_own_size(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        left = await app.open_pane()
        right = await app.open_pane()
        await wait_until(pilot, lambda: left.size.width == 50 and right.size.width == 50)
        await wait_until(
            pilot, lambda: app.manager and app.manager.info(left.session_id).cols == 50
        )
        await run(pilot, left, "stty size", "30 50")
        await run(pilot, right, "stty size", "30 50")
        await app.shutdown_manager()


async def test_scrollback_view_and_back_to_live(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "seq 1 300", "300")
        await pilot.press("shift+pageup")
        assert pane.scrollback_offset == SIZE[1] - 1
        rows = pane_rows(pane)
        assert "scrollback" in rows[0]  # the indicator
        assert "300" not in rows
        # wheel (the child did not ask for the mouse) scrolls further back
        await terminal_input(pilot, "\x1b[<64;5;5M")
        assert pane.scrollback_offset == SIZE[1] - 1 + 3
        await pilot.press("up")  # moves the view, not sent to the child
        assert pane.scrollback_offset == SIZE[1] - 1 + 4
        await pilot.press("home")
        emulator = pane.emulator
        assert emulator is not None
        assert pane.scrollback_offset == emulator.scrollback_len
        assert pane_rows(pane)[0].startswith("test$ seq 1 300")
        await pilot.press("end")
        assert pane.scrollback_offset == 0
        assert "300" in pane_rows(pane)
        # a key for the child returns to live and reaches it
        await pilot.press("shift+pageup")
        assert pane.scrollback_offset > 0
        await pilot.press("x")
        assert pane.scrollback_offset == 0
        await wait_until(pilot, lambda: screen_rows(pane)[prompt_row(pane)].endswith("$ x"))
        await app.shutdown_manager()


async def test_scrolled_back_view_stays_put_while_output_arrives(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "seq 1 100", "100")
        await pilot.press("shift+pageup")
        before = pane_rows(pane)[1:]
        pane.manager.write(pane.session_id, "seq 500 600\r")  # not a key: stays scrolled
        await wait_until(pilot, lambda: "600" in screen_rows(pane))
        await settle(pilot)
        assert pane.scrollback_offset > SIZE[1] - 1
        assert pane_rows(pane)[1:] == before
        await app.shutdown_manager()


class PatientPane(CountingPane):
    sync_timeout: ClassVar[float] = 30.0


async def test_synchronized_output_holds_the_repaint(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(PatientPane)
        assert isinstance(pane, PatientPane)
        await run(pilot, pane, "clear; echo START", "START")
        await wait_until(pilot, lambda: "START" in pane.drawn_rows())
        pane.manager.write(
            pane.session_id,
            "printf '\\033[?2026hHA''LF'; read x; printf 'DO''NE\\033[?2026l\\n'\r",
        )
        await wait_until(pilot, lambda: any("HALF" in r for r in screen_rows(pane)))
        emulator = pane.emulator
        assert emulator is not None and emulator.synchronized
        await settle(pilot, 0.3)
        assert not any("HALF" in r for r in pane.drawn_rows())  # the frame is not over
        pane.refresh()  # a repaint for any other reason (focus, layout) holds it too
        await settle(pilot, 0.1)
        assert not any("HALF" in r for r in pane.drawn_rows())
        pane.manager.write(pane.session_id, "\r")
        await wait_until(pilot, lambda: "DONE" in pane.drawn_rows())
        assert "HALF" in pane.drawn_rows()
        await app.shutdown_manager()


async def test_synchronized_output_times_out(tmp_path: Path) -> None:
    """A child that never ends its frame cannot freeze the pane."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(CountingPane)
        assert isinstance(pane, CountingPane)
        pane.manager.write(pane.session_id, "printf '\\033[?2026hST''UCK'; sleep 30\r")
        await wait_until(pilot, lambda: any("STUCK" in r for r in pane.drawn_rows()))
        emulator = pane.emulator
        assert emulator is not None and emulator.synchronized
        await app.shutdown_manager()


async def test_hidden_pane_does_no_rendering_work(tmp_path: Path) -> None:
    """Hidden (itself or by its container): the manager posts no ScreenUpdated for
    it and the pane renders nothing; shown again, it repaints once, up to date."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(CountingPane)
        assert isinstance(pane, CountingPane)
        for hide, show in (
            (lambda: setattr(pane, "display", False), lambda: setattr(pane, "display", True)),
            (
                lambda: setattr(app.query_one("#panes"), "display", False),
                lambda: setattr(app.query_one("#panes"), "display", True),
            ),
        ):
            hide()
            await settle(pilot)
            pane.rendered.clear()
            app.screen_updates.clear()
            marker = f"hidden-{len(pane.drawn_rows())}-{time.monotonic_ns()}"
            pane.manager.write(pane.session_id, f"seq 1 50; echo {marker}\r")
            await wait_until(pilot, lambda m=marker: m in screen_rows(pane))  # type: ignore[misc]
            await settle(pilot, 0.2)
            assert pane.rendered == []
            assert pane.session_id not in app.screen_updates  # no work posted up either
            show()
            await wait_until(
                pilot,
                lambda m=marker: m in pane.drawn_rows(),  # type: ignore[misc]
                what="repainted when shown",
            )
            assert pane.drawn_rows()[: len(screen_rows(pane))] == screen_rows(pane)
        await app.shutdown_manager()


async def test_cursor_drawn_when_focused_in_the_child_s_shape(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane(CountingPane, focus=False)
        await run(pilot, pane, "clear", "test$")
        emulator = pane.emulator
        assert emulator is not None

        def cursor_style() -> tuple[bool, bool]:
            x, y = emulator.cursor
            cell = pane.render_line(y).crop(x, x + 1)
            style = next(iter(cell)).style
            assert style is not None
            return bool(style.reverse), bool(style.underline)

        assert cursor_style() == (False, False)  # not focused: no cursor
        pane.focus()
        await settle(pilot)
        assert cursor_style() == (True, False)  # block
        await run(pilot, pane, "clear; printf '\\033[4 q'", "test$")
        await wait_until(pilot, lambda: emulator.cursor_shape == 4)
        await settle(pilot)
        assert cursor_style() == (False, True)  # underline
        # bar (6): a thin bar glyph in the empty cell after the prompt
        await run(pilot, pane, "clear; printf '\\033[6 q'", "test$")
        await wait_until(pilot, lambda: emulator.cursor_shape == 6)
        await settle(pilot)
        x, y = emulator.cursor
        assert pane.render_line(y).crop(x, x + 1).text == "\u258f"
        # hidden (?25l): no cursor drawn at all
        await run(pilot, pane, "clear; printf '\\033[?25l'", "test$")
        await wait_until(pilot, lambda: not emulator.cursor_visible)
        await settle(pilot)
        x, y = emulator.cursor
        assert pane.render_line(y).crop(x, x + 1).text == " "
        assert cursor_style() == (False, False)
        await app.shutdown_manager()


async def test_drag_selects_and_copies_through_osc52(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "clear; echo alpha beta gamma", "alpha beta gamma")
        assert screen_rows(pane)[0] == "alpha beta gamma"
        # press at column 7 of row 1 (1-based), drag to column 16, release
        await terminal_input(pilot, "\x1b[<0;7;1M", "\x1b[<32;16;1M", "\x1b[<0;16;1m")
        await wait_until(pilot, lambda: app.clipboard == "beta gamma")
        copied = [m for m in app.pane_messages if isinstance(m, TerminalPane.SelectionCopied)]
        assert copied and copied[-1].text == "beta gamma"
        # the child captures the mouse: shift+drag still selects (shift bit 4)
        await run(pilot, pane, "clear; printf '\\033[?1002h\\033[?1006h'; echo one two", "one two")
        assert screen_rows(pane)[0] == "one two"
        await terminal_input(pilot, "\x1b[<4;1;1M", "\x1b[<36;3;1M", "\x1b[<4;3;1m")
        await wait_until(pilot, lambda: app.clipboard == "one")
        await app.shutdown_manager()


async def test_focus_and_click_messages(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        left = await app.open_pane(focus=False)
        right = await app.open_pane(focus=False)
        await pilot.click(right, offset=(3, 3))
        await settle(pilot)
        assert app.focused is right
        kinds = [(type(m).__name__, m.pane) for m in app.pane_messages]
        assert ("Clicked", right) in kinds and ("Focused", right) in kinds
        assert all(pane is not left for _, pane in kinds)
        await app.shutdown_manager()


async def test_exit_is_shown_and_keys_are_dropped(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        pane.send("exit 3\r")
        await wait_until(pilot, lambda: pane.exit_code == 3)
        await wait_until(pilot, lambda: "process exited (3)" in pane_rows(pane)[-1])
        await pilot.press("x", "enter")  # no error, nothing to write to
        assert app.is_running
        await app.shutdown_manager()


async def test_flood_next_door_does_not_starve_the_focused_echo(tmp_path: Path) -> None:
    """One pane floods (`yes`), the focused one still echoes while it does."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        flood = await app.open_pane(CountingPane, focus=False)
        typed = await app.open_pane(CountingPane)
        assert isinstance(flood, CountingPane) and isinstance(typed, CountingPane)
        flood.send("yes flood-flood-flood\r")
        await wait_until(pilot, lambda: "flood-flood-flood" in flood.drawn_rows())
        row = prompt_row(typed)
        for char in "abc":
            await pilot.press(char)
            await wait_until(
                pilot,
                lambda c=char: typed.drawn.get(row, "").endswith(c),  # type: ignore[misc]
                timeout=5,
                what=f"echo of {char!r} drawn during the flood",
            )
        # the flood was still running (and being drawn) after the echoes
        flood.rendered.clear()
        started = time.monotonic()
        await wait_until(pilot, lambda: flood.rendered, what="flood still drawing")
        assert time.monotonic() - started < 5
        flood.send("\x03")
        await app.shutdown_manager()


async def test_background_pane_repaints_are_coalesced_but_never_lost(tmp_path: Path) -> None:
    """An unfocused pane repaints at most every `background_frame`, and its
    last state is always drawn once the output stops."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        background = await app.open_pane(CountingPane, focus=False)
        focused = await app.open_pane()
        assert isinstance(background, CountingPane)
        await wait_until(pilot, lambda: focused.has_focus and not background.has_focus)
        background.send("for i in $(seq 1 40); do echo line-$i; sleep 0.005; done\r")
        await wait_until(pilot, lambda: "line-40" in background.drawn_rows(), what="last line")
        await settle(pilot, 0.2)
        assert background.drawn_rows()[: len(screen_rows(background))] == screen_rows(background)
        await app.shutdown_manager()


class PaintTimingPane(CountingPane):
    """Notes when each repaint began (render_line calls closer than 10 ms apart
    belong to one repaint)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paints: list[float] = []

    def render_line(self, y: int) -> Strip:
        now = time.perf_counter()
        if not self.paints or now - self.paints[-1] > 0.01:
            self.paints.append(now)
        return super().render_line(y)


async def test_background_pane_repaints_less_often_while_typing(tmp_path: Path) -> None:
    """While the person types into one pane, another pane's repaints are at
    least `typing_frame` apart (each frame Textual composes is one a keystroke
    can wait for), and once the typing stops its last state is drawn."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        background = await app.open_pane(PaintTimingPane, focus=False)
        focused = await app.open_pane()
        assert isinstance(background, PaintTimingPane)
        await wait_until(pilot, lambda: focused.has_focus and not background.has_focus)
        await settle(pilot, 0.2)
        background.send("for i in $(seq 1 400); do echo line-$i; sleep 0.005; done\r")
        await wait_until(pilot, lambda: "line-1" in screen_rows(background))
        focused.send("x")
        await settle(pilot, 0.3)  # the repaint due before typing began is over
        background.paints.clear()
        while "line-400" not in screen_rows(background):
            focused.send("x")
            assert app.manager.typing
            await settle(pilot, 0.05)
        gaps = [b - a for a, b in zip(background.paints, background.paints[1:], strict=False)]
        assert len(gaps) >= 3 and statistics.median(gaps) > 0.15, gaps
        await wait_until(pilot, lambda: not app.manager.typing, what="typing to end")
        await wait_until(pilot, lambda: "line-400" in background.drawn_rows(), what="last line")
        focused.send("\x15")
        await app.shutdown_manager()


class AtOncePane(CountingPane):
    """Notes, each time it is told of new output with MARK-1 on the screen,
    whether MARK-1 was already drawn when `screen_updated()` returned."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drawn_on_return: list[bool] = []

    def screen_updated(self) -> None:
        super().screen_updated()
        if any("MARK-1" in line for line in screen_rows(self)):
            self.drawn_on_return.append(any("MARK-1" in row for row in self.drawn_rows()))


async def test_focused_echo_is_drawn_at_once(tmp_path: Path) -> None:
    """The focused pane's change is composed as soon as the pane is told of it,
    not at Textual's next frame (the keystroke echo's last hop); an unfocused
    pane's waits for the frame, as every other widget's does."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        unfocused = await app.open_pane(AtOncePane, focus=False)
        focused = await app.open_pane(AtOncePane)
        assert isinstance(focused, AtOncePane) and isinstance(unfocused, AtOncePane)
        await wait_until(pilot, lambda: focused.has_focus)
        for pane in (focused, unfocused):
            pane.send("echo MARK-''1\r")
            await wait_until(pilot, lambda p=pane: p.drawn_on_return, what="MARK-1")  # type: ignore[misc]
        assert focused.drawn_on_return[0] is True
        assert unfocused.drawn_on_return[0] is False
        await app.shutdown_manager()
