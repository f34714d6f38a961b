"""The real Claude Code, Codex and Gemini CLIs in synk sessions, offline.

Each CLI (installed at pinned versions by scripts/install-agents.sh) runs on
a real PTY through the SessionManager, in a temporary HOME whose settings
point it at a scripted fake model on 127.0.0.1 (tests/helpers/fake_model.py).
Everything runs in a network namespace with only loopback (the CLIs look
up and call other hosts on their own; there that fails without a packet
leaving the machine). Each CLI is started once for the whole module; every
process that ran with the temporary HOME (Codex's app-server daemon too) is
ended at the end. Without the CLIs (no node/npm) or without the privilege
to make a network namespace, the module skips and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from synk_tui.agent_state import claude_status
from synk_tui.config import AgentSettings
from synk_tui.events import SessionState
from synk_tui.prompt_delivery import DELIVERED, PromptDelivery
from synk_tui.session_manager import SessionManager
from tests.core_helpers import EventLog, make_manager, screen_text, wait_for
from tests.helpers.agent_homes import (
    agent_command,
    kill_home_processes,
    missing_agents,
    prepare_home,
    processes_with_home,
)
from tests.helpers.fake_model import FakeModel, touched_file
from tests.helpers.offline import LoopbackOnlyUnavailable, loopback_only

MISSING = missing_agents()

pytestmark = [
    pytest.mark.agents,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(bool(MISSING), reason=MISSING or "agent CLIs installed"),
    pytest.mark.timeout(240),
]

AGENT_TYPES = ("claude_code", "codex", "gemini_cli")

IDLE_PROMPT = {
    "claude_code": re.compile("^\u276f", re.MULTILINE),
    "codex": re.compile("^\u203a ", re.MULTILINE),
    "gemini_cli": re.compile(r"Type your message"),
}
"""What each CLI shows once its input box is up (the strings of these versions)."""

CI_VARIABLES = ("CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "GITHUB_ACTIONS")
"""Variables by which the CLIs tell they run in CI (and then act as a script)."""

START_SECONDS = 90.0
"""Under load on 2 cores a CLI's first start (node, its bundle) can take a while."""
TURN_SECONDS = 60.0


@dataclass
class Agents:
    """The module's three running CLIs and what they run against."""

    manager: SessionManager
    log: EventLog
    model: FakeModel
    home: Path
    project: Path
    sessions: dict[str, int]
    delivery: PromptDelivery


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agents(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Agents]:
    base = tmp_path_factory.mktemp("agents")
    project = base / "project"
    project.mkdir()
    home = base / "home"
    environment = pytest.MonkeyPatch()
    for name in CI_VARIABLES:
        # In CI (CI=true), Gemini CLI would not start its interactive TUI.
        environment.delenv(name, raising=False)
    with contextlib.ExitStack() as stack:
        stack.callback(environment.undo)
        try:
            stack.enter_context(loopback_only())
        except LoopbackOnlyUnavailable as error:
            pytest.skip(str(error))
        model = stack.enter_context(FakeModel(lifetime=600))
        env = prepare_home(home, project, model.url)
        manager, log = make_manager(base, env={"HOME": str(home)})
        manager.agents = AgentSettings(
            **{agent_type: str(agent_command(agent_type)) for agent_type in AGENT_TYPES}
        )
        await manager.start()
        try:
            sessions: dict[str, int] = {}
            for agent_type in AGENT_TYPES:
                created = await manager.create(
                    agent_type=agent_type, project_path=str(project), env=env, cols=120, rows=40
                )
                sessions[agent_type] = created.session_id
            for agent_type, session_id in sessions.items():
                await wait_for(
                    lambda s=session_id, a=agent_type: IDLE_PROMPT[a].search(
                        screen_text(manager, s)
                    ),
                    START_SECONDS,
                    f"{agent_type}'s input box",
                )
            delivery = PromptDelivery(manager)
            yield Agents(manager, log, model, home, project, sessions, delivery)
            delivery.cancel_all()
        finally:
            await manager.shutdown()
            kill_home_processes(home)
    assert processes_with_home(home) == [], "a process of the agents outlived the tests"


def interfaces_of(pid: int) -> list[str]:
    """The network interfaces process `pid` sees (its namespace's)."""
    lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    return [line.split(":", 1)[0].strip() for line in lines]


async def test_the_agents_see_no_network_but_loopback(agents: Agents) -> None:
    for agent_type, session_id in agents.sessions.items():
        pid = agents.manager.info(session_id).pid
        assert pid is not None
        assert interfaces_of(pid) == ["lo"], agent_type
    assert len(interfaces_of(os.getpid())) >= 1


def answered(agents: Agents, agent_type: str, answer: str) -> bool:
    """The whole answer is on the agent's screen (lines may wrap)."""
    text = " ".join(screen_text(agents.manager, agents.sessions[agent_type]).split())
    return answer in text


def states(agents: Agents, agent_type: str, since: int = 0) -> list[str]:
    """The states posted for the agent's session, oldest first, from event `since` on."""
    session_id = agents.sessions[agent_type]
    return [
        event.state
        for event in agents.log.events[since:]
        if isinstance(event, SessionState) and event.session_id == session_id
    ]


def state(agents: Agents, agent_type: str) -> str:
    return agents.manager.info(agents.sessions[agent_type]).agent_state


async def settle(agents: Agents, agent_type: str) -> None:
    """Wait until the agent is idle (the previous test's turn is over)."""
    try:
        await wait_for(
            lambda: state(agents, agent_type) == "idle", TURN_SECONDS, f"{agent_type} idle"
        )
    except AssertionError as error:
        screen = screen_text(agents.manager, agents.sessions[agent_type])
        raise AssertionError(f"{error}; state {state(agents, agent_type)}:\n{screen}") from None


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
async def test_each_agent_answers_a_slow_prompt(agents: Agents, agent_type: str) -> None:
    """hello slow: the answer is on screen; the state went working, then idle."""
    await settle(agents, agent_type)
    tag = f"tag-slow{agent_type.replace('_', '')}"
    mark = len(agents.log.events)
    sent = agents.delivery.send(agents.sessions[agent_type], f"hello slow {tag}")
    assert await asyncio.wait_for(sent, 15) == DELIVERED
    words = " ".join(f"word{i}" for i in range(1, 17))
    if agent_type != "claude_code":  # Claude shows a text block only once it ends
        # Mid-answer the turn is still on: Codex's `Working` line is gone by
        # now, its rollout file says the turn goes on.
        await wait_for(
            lambda: answered(agents, agent_type, f"Slow answer for {tag}: word1 word2 word3"),
            TURN_SECONDS,
            f"{agent_type}'s answer streaming",
        )
        await asyncio.sleep(1.0)  # several streamed pieces: well over STATE_INTERVAL
        if not answered(agents, agent_type, "word16 end."):
            assert state(agents, agent_type) == "working", states(agents, agent_type, mark)
    await wait_for(
        lambda: answered(agents, agent_type, f"Slow answer for {tag}: {words} end."),
        TURN_SECONDS,
        f"{agent_type}'s slow answer on its screen",
    )
    assert any(tag in turn.user_text and turn.kind == "slow" for turn in agents.model.turns)
    await settle(agents, agent_type)
    seen = states(agents, agent_type, mark)
    assert "working" in seen, seen
    assert seen[-1] == "idle", seen
    assert "waiting" not in seen, seen
    if agent_type == "claude_code":
        # Claude's own status file, found by the session's pid (claude's: the
        # shell execs it), is the source the detector trusts first.
        pid = agents.manager.info(agents.sessions[agent_type]).pid
        assert pid is not None
        assert claude_status(agents.home, pid) == "idle"


@pytest.mark.parametrize("agent_type", AGENT_TYPES)
async def test_a_shell_tool_call_waits_for_approval(agents: Agents, agent_type: str) -> None:
    """please touch a file: `waiting` at the agent's approval dialog; approving it
    (Enter on the preselected "yes") runs the command and the turn ends idle."""
    await settle(agents, agent_type)
    tag = f"tag-touch{agent_type.replace('_', '')}"
    session_id = agents.sessions[agent_type]
    sent = agents.delivery.send(session_id, f"please touch a file {tag}")
    assert await asyncio.wait_for(sent, 15) == DELIVERED
    await wait_for(
        lambda: state(agents, agent_type) == "waiting", TURN_SECONDS, f"{agent_type} waiting"
    )
    touched = agents.project / touched_file(tag)
    assert not touched.exists()
    mark = len(agents.log.events)
    agents.manager.write(session_id, "\r")
    await wait_for(touched.exists, TURN_SECONDS, f"{agent_type} ran the approved command")
    await wait_for(
        lambda: answered(agents, agent_type, f"Done: the file is touched ({tag})."),
        TURN_SECONDS,
        f"{agent_type}'s final answer",
    )
    await settle(agents, agent_type)
    assert "waiting" not in states(agents, agent_type, mark)


async def test_one_broadcast_is_submitted_by_all_three(agents: Agents) -> None:
    """The prompt reaches each CLI's input box and each one submits it."""
    for agent_type, session_id in agents.sessions.items():
        await wait_for(
            lambda s=session_id, a=agent_type: IDLE_PROMPT[a].search(
                screen_text(agents.manager, s)
            ),
            TURN_SECONDS,
            f"{agent_type} back at its prompt",
        )
    for agent_type in AGENT_TYPES:
        await settle(agents, agent_type)
    tag = "tag-broadcast1"
    sent = [agents.delivery.send(s, f"broadcast {tag}") for s in agents.sessions.values()]
    # Delivered: each agent showed it took the prompt (its state left idle).
    assert await asyncio.wait_for(asyncio.gather(*sent), 15) == [DELIVERED] * 3
    for agent_type in AGENT_TYPES:
        await wait_for(
            lambda a=agent_type: answered(agents, a, f"Short answer for {tag}."),
            TURN_SECONDS,
            f"{agent_type}'s answer to the broadcast",
        )
