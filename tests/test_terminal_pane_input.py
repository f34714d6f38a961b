"""Keys, paste and mouse from a TerminalPane reach a real child as the right bytes.

Each test runs `cat -v` (or `dd | cat -v`) on a raw tty inside a real shell
in the pane and reads back, from the session's screen, exactly what arrived.
Keys are pressed with Textual's pilot or typed as raw terminal input through
Textual's own parser and driver, as a person's keys are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events

from tests.test_terminal_pane_harness import (
    PaneApp,
    run,
    screen_rows,
    screen_text,
    shown_after_ready,
    start_cat_v,
    terminal_input,
    wait_until,
)

pytestmark = pytest.mark.timeout(60)

SIZE = (100, 30)


async def test_ctrl_combinations(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        await pilot.press("ctrl+a", "ctrl+c", "ctrl+d", "ctrl+z", "ctrl+underscore", "x")
        assert (await shown_after_ready(pilot, pane, "x")).endswith("^A^C^D^Z^_x")
        # ctrl+c stayed in the pane: the app did not quit, the child got ^C
        assert app.is_running
        await app.shutdown_manager()


async def test_alt_and_shift_combinations(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        await pilot.press("alt+x", "shift+tab", "shift+enter", "shift+up", "ctrl+left", "x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[x^[[Z^[^M^[[1;2A^[[1;5Dx")
        await app.shutdown_manager()


async def test_keys_typed_as_raw_terminal_input(tmp_path: Path) -> None:
    """Legacy and kitty-protocol input from the outer terminal give the same bytes."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        # legacy: ESC x (alt+x), DEL (backspace), ctrl+a; kitty: alt+x, ctrl+a, shift+enter
        await terminal_input(pilot, "\x1bx", "\x7f", "\x01")
        await terminal_input(pilot, "\x1b[120;3u\x1b[97;5u\x1b[13;2uz")
        shown = await shown_after_ready(pilot, pane, "z")
        assert shown.endswith("^[x^?^A^[x^A^[^Mz")
        await app.shutdown_manager()


async def test_tab_escape_enter_backspace_reach_the_child(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        await pilot.press("tab", "escape", "enter")
        await terminal_input(pilot, "\x7fz")  # a real backspace key sends DEL
        shown = await shown_after_ready(pilot, pane, "z")
        assert shown.endswith("^I^[^M^?z")
        # tab did not move focus away from the pane
        assert app.focused is pane
        await app.shutdown_manager()


async def test_arrows_home_end_pages_and_function_keys(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        await pilot.press("up", "down", "right", "left", "home", "end", "pageup", "pagedown", "x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[[A^[[B^[[C^[[D^[[H^[[F^[[5~^[[6~x")
        await pilot.press(*[f"f{n}" for n in range(1, 13)], "y")
        shown = await shown_after_ready(pilot, pane, "y")
        expected = "^[OP^[OQ^[OR^[OS^[[15~^[[17~^[[18~^[[19~^[[20~^[[21~^[[23~^[[24~y"
        assert shown.endswith(expected)
        await app.shutdown_manager()


async def test_decckm_switches_cursor_keys(tmp_path: Path) -> None:
    """The child turns application cursor keys on, then off: arrows follow."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        script = (
            "stty raw -echo opost; printf '\\033[?1h'; echo ON''READY; "
            "dd bs=1 count=18 2>/dev/null | cat -v; printf '\\033[?1l'; echo; echo OFF''READY; "
            "dd bs=1 count=3 2>/dev/null | cat -v; stty sane; echo"
        )
        await run(pilot, pane, script, "ONREADY")
        emulator = pane.emulator
        assert emulator is not None and emulator.app_cursor_keys
        await pilot.press("up", "down", "right", "left", "home", "end")
        await wait_until(pilot, lambda: "OFFREADY" in screen_text(pane), what="DECCKM off")
        assert "^[OA^[OB^[OC^[OD^[OH^[OF" in screen_text(pane)
        assert not emulator.app_cursor_keys
        await pilot.press("up")
        await wait_until(pilot, lambda: "^[[A" in screen_text(pane).split("OFFREADY")[-1])
        await app.shutdown_manager()


async def test_paste_plain_and_bracketed(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        app.post_message(events.Paste("ab\ncd"))
        shown = await shown_after_ready(pilot, pane, "cd")
        assert shown.endswith("ab^Mcd")  # no brackets: the child did not ask
        await app.shutdown_manager()

    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            "printf '\\033[?2004h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        app.post_message(events.Paste("ab\ncd\x1b[201~rm x"))
        shown = await shown_after_ready(pilot, pane, "rm x^[[201~")
        # wrapped, and the ESC of the end marker smuggled inside the text is gone
        assert shown.endswith("^[[200~ab^Mcd[201~rm x^[[201~")
        await app.shutdown_manager()


async def test_mouse_reports_only_when_the_child_asks(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        # not asked: a click and the wheel send nothing
        await pilot.click(pane, offset=(5, 3))
        await terminal_input(pilot, "\x1b[<64;6;4M")
        await pilot.press("x")
        assert (await shown_after_ready(pilot, pane, "x")) == "x"
        await app.shutdown_manager()

    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            "printf '\\033[?1000h\\033[?1006h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        emulator = pane.emulator
        assert emulator is not None and emulator.mouse_mode == 1000 and emulator.mouse_sgr
        await pilot.click(pane, offset=(5, 3))
        await terminal_input(pilot, "\x1b[<64;6;4M\x1b[<65;6;4M")
        await pilot.press("x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[[<0;6;4M^[[<0;6;4m^[[<64;6;4M^[[<65;6;4Mx")
        assert pane.scrollback_offset == 0
        await app.shutdown_manager()


async def test_mouse_legacy_encoding_and_shift_bypass(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            "printf '\\033[?1000h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        await pilot.click(pane, offset=(5, 3))
        await pilot.click(pane, offset=(7, 1), shift=True)  # shift: the pane keeps it
        await pilot.press("x")
        shown = await shown_after_ready(pilot, pane, "x")
        # CSI M, then button+32, col+33, row+33 (1-based +32): press then release
        assert shown.endswith("^[[M &$^[[M#&$x")
        await app.shutdown_manager()


async def test_shift_page_keys_scroll_in_main_screen_and_reach_alt_screen_programs(
    tmp_path: Path,
) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        await pilot.press("shift+pageup", "shift+pagedown", "x")
        assert await shown_after_ready(pilot, pane, "x") == "x"  # kept by the pane, as xterm
        await app.shutdown_manager()

    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            "printf '\\033[?1049h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        await pilot.press("shift+pageup", "shift+pagedown", "x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[[5;2~^[[6;2~x")
        assert pane.scrollback_offset == 0
        await app.shutdown_manager()


async def test_wheel_in_alt_screen_sends_arrows_when_mouse_is_not_captured(
    tmp_path: Path,
) -> None:
    """What xterm's alternateScroll does, so less and man scroll with the wheel."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            "printf '\\033[?1049h\\033[?1h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        await terminal_input(pilot, "\x1b[<64;5;5M", "\x1b[<65;5;5M")
        await pilot.press("x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[OA^[OA^[OA^[OB^[OB^[OBx")  # DECCKM is on: SS3 arrows
        await app.shutdown_manager()


async def test_modified_keys_typed_as_raw_input_reach_the_child_as_sent(tmp_path: Path) -> None:
    """ctrl/alt/shift combinations from a legacy outer terminal arrive byte for byte,
    including the ESC-prefixed ones Textual alone would rename (ESC CR, ESC ., ESC b)."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await start_cat_v(pilot, pane)
        chunks = [
            "\x1b[1;6A",  # ctrl+shift+up
            "\x1b[1;3A",  # alt+up
            "\x1b[1;2H",  # shift+home
            "\x1b[1;5F",  # ctrl+end
            "\x1b[1;7C",  # ctrl+alt+right
            "\x1b[5;5~",  # ctrl+pageup
            "\x1b[15;2~",  # shift+f5
            "\x1b[24;5~",  # ctrl+f12
            "\x1b\r",  # alt+enter (shift+enter as Claude Code's /terminal-setup maps it)
            "\x1b\x18",  # ctrl+alt+x
            "\x1b.",  # alt+. (readline: last argument)
            "\x1bb",  # alt+b
            "\x1b\x7f",  # alt+backspace
            "\x1b1",  # alt+1
            "z",
        ]
        await terminal_input(pilot, *chunks)
        shown = await shown_after_ready(pilot, pane, "z")
        expected = (
            "^[[1;6A^[[1;3A^[[1;2H^[[1;5F^[[1;7C^[[5;5~^[[15;2~^[[24;5~^[^M^[^X^[.^[b^[^?^[1z"
        )
        assert shown.endswith(expected)
        await app.shutdown_manager()


@pytest.mark.parametrize("flags", [1, 7])  # Gemini CLI pushes 1, Codex 7
async def test_kitty_keyboard_protocol_follows_the_child(tmp_path: Path, flags: int) -> None:
    """A child that pushes kitty flags (Codex, Gemini CLI do) gets `CSI code;mods u`
    for escape and ctrl/alt keys; after it pops them, xterm's bytes again.
    (`read -d` puts the tty in cbreak mode: CR becomes LF and ^C a signal, so
    neither is typed where the legacy bytes are read.)"""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        script = (
            f"stty raw -echo opost; printf '\\033[>{flags}u'; echo ON''READY; "
            "IFS= read -r -d z a; printf '%s' \"$a\" | cat -v; printf '\\033[<u'; echo; "
            "echo OFF''READY; IFS= read -r -d z b; printf '%s' \"$b\" | cat -v; echo; stty sane"
        )
        await run(pilot, pane, script, "ONREADY")
        emulator = pane.emulator
        assert emulator is not None and emulator.kitty_keyboard_flags == flags
        await pilot.press("escape", "ctrl+c", "alt+x", "shift+enter", "up", "a")
        await terminal_input(pilot, "\x1b.", "z")
        await wait_until(pilot, lambda: "OFFREADY" in screen_text(pane), what="kitty phase done")
        kitty_phase = screen_text(pane).split("ONREADY", 1)[1].split("OFFREADY", 1)[0]
        assert "^[[27u^[[99;5u^[[120;3u^[[13;2u^[[Aa^[[46;3u" in kitty_phase.replace("\n", "")
        assert emulator.kitty_keyboard_flags == 0
        await pilot.press("escape", "ctrl+a", "alt+x", "shift+enter", "z")
        await wait_until(
            pilot,
            lambda: "^[^A^[x^[" in screen_text(pane).split("OFFREADY", 1)[1],
            what="legacy bytes after the pop",
        )
        await app.shutdown_manager()


async def test_focus_reports_only_when_the_child_asks(tmp_path: Path) -> None:
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        other = await app.open_pane(focus=False)
        pane.focus()
        await start_cat_v(pilot, pane)
        other.focus()  # the child did not ask (1004): nothing is sent
        await wait_until(pilot, lambda: other.has_focus)
        pane.focus()
        await wait_until(pilot, lambda: pane.has_focus)
        await pilot.press("x")
        assert await shown_after_ready(pilot, pane, "x") == "x"
        await app.shutdown_manager()

    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        other = await app.open_pane(focus=False)
        pane.focus()
        await run(
            pilot,
            pane,
            "printf '\\033[?1004h'; stty raw -echo opost; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        other.focus()
        await wait_until(pilot, lambda: other.has_focus)
        pane.focus()
        await wait_until(pilot, lambda: pane.has_focus)
        await pilot.press("x")
        assert (await shown_after_ready(pilot, pane, "x")).endswith("^[[O^[[Ix")
        await app.shutdown_manager()


async def test_mouse_modes_1003_1002_then_off_gives_the_wheel_back_to_scrollback(
    tmp_path: Path,
) -> None:
    """1003 reports bare motion, 1002 only drags, and once the child turns
    reporting off the pane keeps clicks and the wheel scrolls its scrollback."""
    app = PaneApp(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await app.open_pane()
        await run(pilot, pane, "seq 1 100", "100")  # some scrollback for the last phase

        def phase(mode: str, label: str) -> str:
            return (
                f"printf '{mode}'; echo {label[0]}''{label[1:]}; "
                "IFS= read -r -d z a; printf '%s' \"$a\" | cat -v; echo; "
            )

        script = (
            "stty raw -echo opost; "
            + phase("\\033[?1003h\\033[?1006h", "AREADY")
            + phase("\\033[?1003l\\033[?1002h", "BREADY")
            + phase("\\033[?1002l\\033[?1006l", "CREADY")
            + "stty sane"
        )
        await run(pilot, pane, script, "AREADY")
        emulator = pane.emulator
        assert emulator is not None and emulator.mouse_mode == 1003
        # bare motion, then a drag (button 1 held: 32 + 0), then the wheel
        await terminal_input(pilot, "\x1b[<35;4;3M", "\x1b[<32;5;3M", "\x1b[<64;5;3M")
        await pilot.press("z")
        await wait_until(pilot, lambda: "BREADY" in screen_rows(pane))
        text = screen_text(pane).replace("\n", "")
        assert "^[[<35;4;3M^[[<32;5;3M^[[<64;5;3M" in text.split("AREADY")[1]
        assert emulator.mouse_mode == 1002
        await terminal_input(pilot, "\x1b[<35;4;3M", "\x1b[<32;6;3M")
        await pilot.press("z")
        await wait_until(pilot, lambda: "CREADY" in screen_rows(pane))
        text = screen_text(pane).replace("\n", "")
        assert text.split("BREADY")[1].split("CREADY")[0] == "^[[<32;6;3M"  # no bare motion
        assert emulator.mouse_mode == 0
        # reporting off: the wheel scrolls the pane's scrollback, nothing reaches the child
        await terminal_input(pilot, "\x1b[<64;5;3M")
        assert pane.scrollback_offset == 3
        await pilot.click(pane, offset=(2, 2))
        await pilot.press("z")  # back to live, and ends the read
        assert pane.scrollback_offset == 0
        await wait_until(
            pilot, lambda: "$" in screen_text(pane).split("CREADY", 1)[1], what="script done"
        )
        assert "^[" not in screen_text(pane).split("CREADY", 1)[1]
        await app.shutdown_manager()


async def test_keys_after_real_codex_output_use_the_kitty_protocol(tmp_path: Path) -> None:
    """Replaying what Codex printed up to its prompt (recorded in tests/corpus:
    it pushes kitty flags 7 after the terminal answered `CSI ? u`) makes the
    pane send escape, ctrl+c and shift+enter the way Codex then reads them."""
    corpus = Path(__file__).parent / "corpus"
    prompt_at = json.loads((corpus / "codex_prompt.json").read_text())["marks"][0]
    app = PaneApp(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await app.open_pane()
        await run(
            pilot,
            pane,
            # raw and no echo first: the emulator answers Codex's queries
            # (DA1, CPR, colours, `CSI ? u`), and cat -v shows those answers first
            f"stty raw -echo opost; head -c {prompt_at} {corpus / 'codex_prompt.bin'}; "
            "printf '\\033[2J\\033[H'; echo CAT''READY; cat -vT",
            "CATREADY",
        )
        emulator = pane.emulator
        assert emulator is not None and emulator.kitty_keyboard_flags == 7
        await pilot.press("escape", "ctrl+c", "shift+enter", "enter", "x")
        shown = await shown_after_ready(pilot, pane, "x")
        assert shown.endswith("^[[27u^[[99;5u^[[13;2u^Mx")
        await app.shutdown_manager()
