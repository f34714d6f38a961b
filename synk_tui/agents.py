"""Agent types, the commands that start them, and whether they are installed."""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass

from synk_tui.config import AgentSettings
from synk_tui.errors import AgentUnavailableError, InvalidArgumentError

AGENT_TYPES: tuple[str, ...] = ("terminal", "claude_code", "gemini_cli", "codex")
"""Every agent type, in the order pickers show them."""

BADGES: dict[str, str] = {
    "terminal": "terminal",
    "claude_code": "claude",
    "gemini_cli": "gemini",
    "codex": "codex",
}
"""The short name a pane header shows."""

ALIASES: dict[str, str] = {
    "terminal": "terminal",
    "shell": "terminal",
    "claude": "claude_code",
    "claude_code": "claude_code",
    "claude-code": "claude_code",
    "gemini": "gemini_cli",
    "gemini_cli": "gemini_cli",
    "gemini-cli": "gemini_cli",
    "codex": "codex",
}
"""Names a person may type (command line, command bar) for each agent type."""


def default_shell() -> str:
    """The user's shell: `$SHELL` when it exists and runs, else /bin/sh."""
    shell = os.environ.get("SHELL", "")
    if shell and os.access(shell, os.X_OK):
        return shell
    return "/bin/sh"


def normalize_agent_type(name: str) -> str:
    """Map a typed name (`claude`, `gemini`, ...) to its agent type, or raise."""
    agent_type = ALIASES.get(name.strip().lower())
    if agent_type is None:
        known = ", ".join(sorted(set(ALIASES)))
        raise InvalidArgumentError(
            f"Unknown agent type {name!r} (expected one of: {known})", field="agentType"
        )
    return agent_type


def agent_argv(agent_type: str, settings: AgentSettings | None = None) -> list[str]:
    """The command line for an agent type; `terminal` is the user's shell."""
    if agent_type not in AGENT_TYPES:
        raise InvalidArgumentError(f"Unknown agent type {agent_type!r}", field="agentType")
    settings = settings or AgentSettings()
    configured = getattr(settings, agent_type).strip()
    if agent_type == "terminal" and not configured:
        return [default_shell()]
    argv = shlex.split(configured)
    if not argv:
        raise InvalidArgumentError(f"No command configured for {agent_type}", field="agentType")
    return argv


@dataclass(frozen=True)
class AgentAvailability:
    """Whether an agent type can be started here, and if not, why."""

    agent_type: str
    badge: str
    command: str
    path: str | None

    @property
    def available(self) -> bool:
        """True when the command was found."""
        return self.path is not None

    @property
    def reason(self) -> str:
        """Why it is unavailable, for the picker; empty when available."""
        return "" if self.available else f"{self.command!r} not found on PATH"


def check_agent(agent_type: str, settings: AgentSettings | None = None) -> AgentAvailability:
    """Look up one agent type's command with `shutil.which`."""
    command = agent_argv(agent_type, settings)[0]
    return AgentAvailability(agent_type, BADGES[agent_type], command, shutil.which(command))


def available_agents(settings: AgentSettings | None = None) -> list[AgentAvailability]:
    """Every agent type with its availability, for the UI's picker."""
    return [check_agent(agent_type, settings) for agent_type in AGENT_TYPES]


def require_agent(agent_type: str, settings: AgentSettings | None = None) -> list[str]:
    """The argv to start `agent_type`, or `AgentUnavailableError` naming the command."""
    argv = agent_argv(agent_type, settings)
    found = shutil.which(argv[0])
    if found is None:
        raise AgentUnavailableError(agent_type, argv[0])
    # The path synk found: a login shell's profile may reset PATH so that a
    # bare name synk can see would not be found where the agent is exec'd.
    return [found, *argv[1:]]
