"""Prompt delivery: the text, then the submit key as a write of its own.

The real CLIs are driven in test_agents.py; here a small raw-mode program on a
real PTY stands in for an agent and prints each read it gets, so the tests
see exactly how the bytes arrive (one read = one line on its screen).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from synk_tui.config import AgentSettings
from synk_tui.prompt_delivery import (
    DELIVERED,
    DELIVERY_PROFILES,
    NOT_CONFIRMED,
    DeliveryProfile,
    PromptDelivery,
    split_prompt,
)
from synk_tui.session_manager import SessionManager
from tests.core_helpers import make_manager, screen_text, wait_for

READER = r"""
import os, sys, tty
tty.setraw(0)
if len(sys.argv) > 1:
    os.write(1, b"\x1b[?2004h")
os.write(1, b"READY\r\n")
while True:
    data = os.read(0, 4096)
    if not data or data == b"\x04":
        break
    os.write(1, b"read " + repr(data).encode() + b"\r\n")
    if data == b"\r":
        os.write(1, "\u2807 Thinking... (esc to cancel, 1s)\r\n".encode())
"""
"""Prints every read as `read b'...'` (raw mode: no echo, no line editing)
and, after a lone CR, Gemini's working line; with an argument it enables
bracketed paste first, as Codex does."""


def reads(manager: SessionManager, session_id: int) -> list[str]:
    """The reads the stand-in agent reported, in order."""
    lines = manager.screen(session_id).lines()
    return [line.removeprefix("read ") for line in lines if line.startswith("read ")]


@pytest.fixture
async def manager(tmp_path: Path) -> AsyncIterator[SessionManager]:
    script = tmp_path / "reader.py"
    script.write_text(READER)
    manager, _ = make_manager(tmp_path)
    manager.agents = AgentSettings(
        gemini_cli=f"{sys.executable} {script}",
        codex=f"{sys.executable} {script} bracketed",
        claude_code=f"{sys.executable} {script}",
    )
    await manager.start()
    try:
        yield manager
    finally:
        await manager.shutdown()


async def start_agent(manager: SessionManager, agent_type: str, tmp_path: Path) -> int:
    created = await manager.create(agent_type=agent_type, project_path=str(tmp_path))
    session_id = created.session_id
    await wait_for(lambda: "READY" in screen_text(manager, session_id), 15, "the reader")
    return session_id


def test_a_terminal_gets_text_and_cr_in_one_write() -> None:
    assert split_prompt("ls -l", False, DELIVERY_PROFILES["terminal"]) == ("ls -l\r", "")


def test_agents_get_the_cr_apart_from_the_text() -> None:
    for agent_type in ("claude_code", "gemini_cli", "codex"):
        profile = DELIVERY_PROFILES[agent_type]
        assert profile.submit_delay >= 0.03, agent_type
        assert split_prompt("hello", False, profile) == ("hello", "\r")


def test_codex_gets_a_one_line_prompt_as_a_bracketed_paste_when_enabled() -> None:
    codex = DELIVERY_PROFILES["codex"]
    assert split_prompt("hello", True, codex) == ("\x1b[200~hello\x1b[201~", "\r")
    # A paste end inside the text cannot break out of the brackets: its ESC goes.
    body, _ = split_prompt("a\x1b[201~b", True, codex)
    assert body == "\x1b[200~a[201~b\x1b[201~"
    # Gemini types it plainly, even with bracketed paste on.
    assert split_prompt("hello", True, DELIVERY_PROFILES["gemini_cli"]) == ("hello", "\r")


def test_several_lines_keep_the_prompt_encoding() -> None:
    body, submit = split_prompt("one\ntwo", True, DELIVERY_PROFILES["codex"])
    assert (body, submit) == ("\x1b[200~one\rtwo\x1b[201~", "\r")


async def test_the_submit_key_arrives_as_its_own_read(
    manager: SessionManager, tmp_path: Path
) -> None:
    session_id = await start_agent(manager, "gemini_cli", tmp_path)
    delivery = PromptDelivery(manager)
    # Delivered: after the CR, the stand-in shows Gemini's working line.
    assert await asyncio.wait_for(delivery.send(session_id, "hello tag-1"), 6) == DELIVERED
    assert manager.info(session_id).agent_state == "working"
    assert reads(manager, session_id) == ["b'hello tag-1'", "b'\\r'"]


async def test_codex_reads_a_bracketed_paste_then_the_cr(
    manager: SessionManager, tmp_path: Path
) -> None:
    session_id = await start_agent(manager, "codex", tmp_path)
    await wait_for(lambda: manager.screen(session_id).bracketed_paste, 5, "bracketed paste on")
    delivery = PromptDelivery(manager, confirm_seconds=0.5)
    # Codex's rules do not know Gemini's working line: nothing shows it took it.
    assert await asyncio.wait_for(delivery.send(session_id, "hello"), 5) == NOT_CONFIRMED
    await wait_for(lambda: len(reads(manager, session_id)) >= 2, 5, "two reads")
    assert reads(manager, session_id) == ["b'\\x1b[200~hello\\x1b[201~'", "b'\\r'"]


async def test_prompts_sent_in_a_row_stay_in_order(manager: SessionManager, tmp_path: Path) -> None:
    session_id = await start_agent(manager, "claude_code", tmp_path)
    delivery = PromptDelivery(
        manager, {"claude_code": DeliveryProfile(submit_delay=0.2)}, confirm_seconds=0
    )
    first = delivery.send(session_id, "one")
    second = delivery.send(session_id, "two")
    assert delivery.pending(session_id)
    assert await asyncio.wait_for(asyncio.gather(first, second), 5) == [NOT_CONFIRMED] * 2
    assert not delivery.pending(session_id)
    await wait_for(lambda: len(reads(manager, session_id)) >= 4, 5, "four reads")
    assert reads(manager, session_id) == ["b'one'", "b'\\r'", "b'two'", "b'\\r'"]


async def test_a_prompt_to_a_starting_agent_is_submitted_after_it_takes_the_text(
    manager: SessionManager, tmp_path: Path
) -> None:
    created = await manager.create(agent_type="gemini_cli", project_path=str(tmp_path))
    session_id = created.session_id
    delivery = PromptDelivery(manager)
    task = delivery.send(session_id, "early")  # still starting: the manager holds it
    assert await asyncio.wait_for(task, 20) == DELIVERED
    await wait_for(lambda: len(reads(manager, session_id)) >= 2, 5, "two reads")
    assert reads(manager, session_id) == ["b'early'", "b'\\r'"]


async def test_a_forgotten_session_gets_no_submit_key(
    manager: SessionManager, tmp_path: Path
) -> None:
    session_id = await start_agent(manager, "gemini_cli", tmp_path)
    delivery = PromptDelivery(manager, {"gemini_cli": DeliveryProfile(submit_delay=0.3)})
    task = delivery.send(session_id, "typed")
    delivery.forget(session_id)
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.5)  # longer than the submit delay: no CR may come
    assert reads(manager, session_id) == ["b'typed'"]


async def test_a_terminal_prompt_is_delivered_when_written(
    manager: SessionManager, tmp_path: Path
) -> None:
    session_id = (await manager.create(project_path=str(tmp_path))).session_id
    delivery = PromptDelivery(manager)
    assert await asyncio.wait_for(delivery.send(session_id, "echo deliv$((6*7))"), 5) == DELIVERED
    await wait_for(lambda: "deliv42" in screen_text(manager, session_id), 10, "the command ran")


TAKER = r"""
import os, tty
tty.setraw(0)
os.write(1, b"READY\r\n")
typed = b""
while True:
    data = os.read(0, 4096)
    if not data or data == b"\x04":
        break
    if data == b"\r":
        os.write(1, b"TOOK IT\r\n" if b"yes" in typed else b"ignored\r\n")
        typed = b""
    else:
        typed += data
"""
"""A stand-in agent that shows it took a prompt only when the prompt says yes."""


async def test_the_header_says_delivered_only_when_the_agent_took_it(tmp_path: Path) -> None:
    from synk_tui.config import Config
    from tests.test_app_helpers import make_app, wait_until

    script = tmp_path / "taker.py"
    script.write_text(TAKER)
    config = Config()
    config.agents.gemini_cli = f"{sys.executable} {script}"
    config.status.rules = {"gemini_cli": {"working": ["TOOK IT"], "idle": ["READY|ignored"]}}
    app = make_app(tmp_path, 2, agent="gemini_cli", config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2, what="two tiles")
        first, second = app.grid.tiles
        for tile in (first, second):
            await wait_until(
                pilot, lambda t=tile: "READY" in screen_text(app.manager, t.session_id), 15
            )
        app.prompts.delivery.confirm_seconds = 0.5
        await pilot.press("ctrl+backslash", "slash", *"@1 say yes", "enter")
        await pilot.press("ctrl+backslash", "slash", *"@2 say no", "enter")
        await wait_until(pilot, lambda: first.header.note == "\u2709 delivered", 5)
        await wait_until(pilot, lambda: second.header.note == "\u2709 not confirmed", 5)
        assert "ignored" in screen_text(app.manager, second.session_id)
