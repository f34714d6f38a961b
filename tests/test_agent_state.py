"""Session states without the real CLIs: rules, config, Claude's status file,
a terminal's foreground group and the exit, through the real manager.

The real Claude Code, Codex and Gemini CLIs are in test_agents.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from synk_tui.agent_state import (
    DEFAULT_SCREEN_RULES,
    STATUS_FILE_LIMIT,
    ScreenRules,
    StateDetector,
    claude_status,
    screen_rules,
)
from synk_tui.config import AgentSettings, parse_config
from synk_tui.events import SessionState
from synk_tui.session_manager import SessionManager
from tests.core_helpers import EventLog, make_manager, screen_text, wait_for

CLAUDE_IDLE = "\u276f \n" + "─" * 40 + "\n  ? for shortcuts"
CLAUDE_WORKING = "· Elucidating… (3s · ↓ 11 tokens)\n  esc to interrupt"
CLAUDE_PERMISSION = (
    "Bash command\n Do you want to proceed?\n \u276f 1. Yes\n Esc to cancel · Tab to amend"
)
CODEX_IDLE = "\u203a Ask Codex to do anything\n  gpt-5-codex default"
CODEX_WORKING = "• Working (7s • esc to interrupt)\n\u203a Ask Codex to do anything"
CODEX_APPROVAL = (
    "  Would you like to run the following command?\n  $ touch x\n\u203a 1. Yes, proceed (y)"
)
GEMINI_IDLE = " >   Type your message or @path/to/file\n                 ? for shortcuts"
GEMINI_WORKING = "⠇ Thinking... (esc to cancel, 3s)\n >   Type your message or @path/to/file"
GEMINI_PERMISSION = "Allow execution of [Shell]?\n● 1. Allow once\n 2. Allow for this session"


def test_the_shipped_rules_tell_the_screens_of_each_agent_apart() -> None:
    rules = screen_rules()
    cases = {
        "claude_code": (CLAUDE_IDLE, CLAUDE_WORKING, CLAUDE_PERMISSION),
        "codex": (CODEX_IDLE, CODEX_WORKING, CODEX_APPROVAL),
        "gemini_cli": (GEMINI_IDLE, GEMINI_WORKING, GEMINI_PERMISSION),
    }
    for agent, (idle, working, waiting) in cases.items():
        assert rules[agent].match(idle) == "idle", agent
        assert rules[agent].match(working) == "working", agent
        assert rules[agent].match(waiting) == "waiting", agent
        assert rules[agent].match("") is None, agent


def test_a_screen_no_rule_matches_keeps_the_state() -> None:
    detector = StateDetector("gemini_cli", screen_rules()["gemini_cli"], None, None)
    assert detector.state == "starting"
    assert detector.detect("loading...") == "starting"
    assert detector.detect(GEMINI_WORKING) == "working"
    assert detector.detect("") == "working"  # a blank frame, a redraw: no change
    assert detector.detect(GEMINI_IDLE) == "idle"
    assert detector.exited(3) == "exited 3"


def test_config_replaces_one_kind_of_rule_and_warns_about_bad_ones() -> None:
    config = parse_config(
        {
            "status": {
                "codex": {"working": ["Thinking hard"], "idle": ["(unclosed"]},
                "gemini_cli": {"waiting": "not a list"},
                "nobody": {"working": ["x"]},
            }
        }
    )
    assert config.status.rules == {"codex": {"working": ["Thinking hard"]}}
    assert any("status.codex.idle: bad regex" in w for w in config.warnings)
    assert any("status.gemini_cli.waiting must be a list" in w for w in config.warnings)
    assert any("[status.nobody]" in w for w in config.warnings)
    codex = screen_rules(config.status.rules)["codex"]
    assert codex.match("Thinking hard\n\u203a ") == "working"
    assert codex.match(CODEX_WORKING) == "idle"  # the shipped working rule is replaced
    assert codex.match(CODEX_APPROVAL) == "waiting"  # the others stay


def test_every_shipped_rule_compiles_for_every_agent_type() -> None:
    for agent, kinds in DEFAULT_SCREEN_RULES.items():
        assert set(kinds) == {"working", "waiting", "idle"}, agent
        assert isinstance(ScreenRules.compile(kinds), ScreenRules)


def test_claude_status_file_gives_the_state_of_its_pid(tmp_path: Path) -> None:
    sessions = tmp_path / ".claude" / "sessions"
    sessions.mkdir(parents=True)
    status = sessions / "4242.json"
    for word, state in (("busy", "working"), ("idle", "idle"), ("waiting", "waiting")):
        status.write_text(json.dumps({"pid": 4242, "sessionId": "u", "status": word}))
        assert claude_status(tmp_path, 4242) == state
    assert claude_status(tmp_path, 4243) is None  # another process's file is not ours
    status.write_text('{"pid": 4242, "status": "bu')  # mid-write
    assert claude_status(tmp_path, 4242) is None
    status.write_text(json.dumps({"pid": 4242, "status": "busy", "x": "y" * STATUS_FILE_LIMIT}))
    assert claude_status(tmp_path, 4242) is None
    status.write_text(json.dumps({"pid": 1, "status": "busy"}))
    assert claude_status(tmp_path, 4242) is None
    # The status file wins over the screen.
    status.write_text(json.dumps({"pid": 4242, "status": "waiting"}))
    detector = StateDetector("claude_code", screen_rules()["claude_code"], str(tmp_path), 4242)
    assert detector.detect(CLAUDE_WORKING) == "waiting"
    status.unlink()
    assert detector.detect(CLAUDE_WORKING) == "working"


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[tuple[SessionManager, EventLog]]:
    manager, log = make_manager(tmp_path)
    await manager.start()
    try:
        yield manager, log
    finally:
        await manager.shutdown()


def posted_states(log: EventLog, session_id: int) -> list[str]:
    return [e.state for e in log.of(SessionState) if e.session_id == session_id]


async def test_a_terminal_works_while_a_command_runs(
    core: tuple[SessionManager, EventLog], tmp_path: Path
) -> None:
    manager, log = core
    session_id = (await manager.create(project_path=str(tmp_path))).session_id
    await wait_for(lambda: manager.info(session_id).agent_state == "idle", 10, "idle at prompt")
    manager.write(session_id, "sleep 1.5\r")  # prints nothing while it runs
    await wait_for(lambda: manager.info(session_id).agent_state == "working", 5, "working")
    await wait_for(lambda: manager.info(session_id).agent_state == "idle", 10, "idle again")
    assert posted_states(log, session_id) == ["idle", "working", "idle"]
    assert manager.info(session_id).to_wire()["agentState"] == "idle"
    manager.write(session_id, "exit 3\r")
    await wait_for(lambda: manager.info(session_id).agent_state == "exited 3", 10, "exited")
    assert posted_states(log, session_id)[-1] == "exited 3"
    event = log.of(SessionState)[-1]
    assert event.to_wire() == {"sessionId": session_id, "agentState": "exited 3"}
    assert SessionState.wire_name == "session:state"


async def test_an_agent_state_follows_its_screen_and_config_rules(tmp_path: Path) -> None:
    """A stand-in agent prints the strings a real one draws; the state follows."""
    script = tmp_path / "agent.py"
    script.write_text(
        "import sys, time\n"
        "print('BOOT', flush=True)\n"
        "for line in sys.stdin:\n"
        "    print('\\x1b[2J\\x1b[H' + line.strip(), flush=True)\n"
    )
    manager, log = make_manager(tmp_path)
    manager = SessionManager(
        manager.pool,
        post=log,
        agents=AgentSettings(gemini_cli=f"{sys.executable} {script}"),
        status_rules={"gemini_cli": {"working": ["BUSY NOW"]}},
    )
    await manager.start()
    try:
        session_id = (
            await manager.create(agent_type="gemini_cli", project_path=str(tmp_path))
        ).session_id
        await wait_for(lambda: "BOOT" in screen_text(manager, session_id), 10, "the agent")
        assert manager.info(session_id).agent_state == "starting"
        for line, expected in (
            ("BUSY NOW", "working"),
            ("Allow execution of [Shell]?", "waiting"),
            ("Type your message", "idle"),
        ):
            manager.write(session_id, line + "\r")
            await wait_for(
                lambda e=expected: manager.info(session_id).agent_state == e, 5, expected
            )
        # A resize redraws nothing the rules know: the state stays.
        manager.resize(session_id, 100, 30)
        manager.write(session_id, "just text\r")
        await wait_for(lambda: "just text" in screen_text(manager, session_id), 5, "redraw")
        assert manager.info(session_id).agent_state == "idle"
        assert posted_states(log, session_id) == ["working", "waiting", "idle"]
    finally:
        await manager.shutdown()


async def test_claude_status_file_turning_idle_is_seen_with_no_change_on_screen(
    tmp_path: Path,
) -> None:
    """The last frame of a turn can come before Claude rewrites its status
    file: the state must still settle on idle once the file says so."""
    script = tmp_path / "claude.py"
    script.write_text("import time\nprint('STAND-IN', flush=True)\ntime.sleep(60)\n")
    manager, log = make_manager(tmp_path)
    manager.agents = AgentSettings(claude_code=f"{sys.executable} {script}")
    await manager.start()
    try:
        session_id = (
            await manager.create(agent_type="claude_code", project_path=str(tmp_path))
        ).session_id
        pid = manager.info(session_id).pid
        sessions = tmp_path / "home" / ".claude" / "sessions"
        sessions.mkdir(parents=True)
        status = sessions / f"{pid}.json"
        status.write_text(json.dumps({"pid": pid, "status": "busy"}))
        await wait_for(lambda: "STAND-IN" in screen_text(manager, session_id), 10, "output")
        await wait_for(lambda: manager.info(session_id).agent_state == "working", 5, "busy")
        status.write_text(json.dumps({"pid": pid, "status": "idle"}))  # nothing on screen
        await wait_for(lambda: manager.info(session_id).agent_state == "idle", 5, "idle")
        assert posted_states(log, session_id) == ["working", "idle"]
    finally:
        await manager.shutdown()
