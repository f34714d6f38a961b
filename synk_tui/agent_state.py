"""What a session is doing: starting, working, waiting for the user, idle, exited.

Sources, most trusted first:
- Claude Code's own status file `~/.claude/sessions/<pid>.json` (`status`:
  busy / idle / waiting) for the claude process of the session;
- Codex's rollout file (codex_rollout.py): inside a turn it is `working`
  even while streaming text hides Codex's `Working` line; its screen still
  tells `waiting` (an approval dialog);
- the visible screen, matched by per-agent rules (`DEFAULT_SCREEN_RULES`,
  overridable from config `[status.<agent>]`, so a new CLI version is a
  config change): waiting rules first, then working, then idle;
- for a plain terminal, the PTY's foreground process group: the shell's own
  means it is at its prompt, anything else runs a command.

A screen no rule matches keeps the state it had: synk's own redraws and
resizes, a blank frame between two of the agent's, change nothing. No
Textual here; the manager decides when to look (`STATE_INTERVAL`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from synk_tui.codex_rollout import CodexRollout

STARTING = "starting"
WORKING = "working"
WAITING = "waiting"
IDLE = "idle"
EXITED = "exited"
STATES: tuple[str, ...] = (STARTING, WORKING, WAITING, IDLE, EXITED)
"""Every state; an exited session's state reads `exited N` (its exit code)."""

RULE_KINDS: tuple[str, ...] = (WAITING, WORKING, IDLE)
"""The kinds of screen rule, in the order they are tried."""

STATE_INTERVAL = 0.25
"""A session's state is looked at most this often (seconds), and only after
its screen changed: a flood costs four looks a second, not one per frame."""

STATUS_FILE_LIMIT = 64 * 1024
"""A Claude status file larger than this is not read (it is a few hundred bytes)."""

DEFAULT_SCREEN_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "claude_code": {
        WAITING: (
            r"Do you want to proceed\?",
            r"Esc to cancel · Tab to amend",
            r"Enter to select · ↑/↓ to navigate",
            r"Do you want to use this API key\?",
            r"Do you trust the files in this folder\?",
        ),
        WORKING: (r"esc to interrupt",),
        IDLE: (r"\? for shortcuts",),
    },
    "codex": {
        WAITING: (
            r"Would you like to run the following command\?",
            r"Press enter to confirm or esc to cancel",
            r"Question \d+/\d+ \(\d+ unanswered\)",
        ),
        WORKING: (r"esc to interrupt\)",),
        IDLE: ("^\u203a ",),
    },
    "gemini_cli": {
        WAITING: (
            r"Allow execution of",
            r"Answer Questions",
            r"Enter to select · ↑/↓ to navigate",
            r"Do you trust this folder\?",
        ),
        WORKING: (r"\(esc to cancel, \d+",),
        IDLE: (r"Type your message",),
    },
}
"""Per agent type and kind: regexes searched in the visible screen (one
string, rows joined by newlines, MULTILINE). The strings are what Claude Code
2.1.197, Codex CLI 0.171.0 and Gemini CLI 0.61.0 draw."""

CLAUDE_STATUS: dict[str, str] = {"busy": WORKING, "idle": IDLE, "waiting": WAITING}
"""Claude Code's status file word -> state."""


@dataclass(frozen=True)
class ScreenRules:
    """One agent type's compiled screen rules."""

    waiting: tuple[re.Pattern[str], ...] = ()
    working: tuple[re.Pattern[str], ...] = ()
    idle: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def compile(cls, rules: Mapping[str, Sequence[str]]) -> ScreenRules:
        """Compile the regexes of each kind; raises `re.error` for a bad one."""

        def patterns(kind: str) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(rule, re.MULTILINE) for rule in rules.get(kind, ()))

        return cls(patterns(WAITING), patterns(WORKING), patterns(IDLE))

    def match(self, screen: str) -> str | None:
        """The state the screen shows, or None when no rule matches."""
        for state, patterns in ((WAITING, self.waiting), (WORKING, self.working)):
            if any(p.search(screen) for p in patterns):
                return state
        if any(p.search(screen) for p in self.idle):
            return IDLE
        return None


def screen_rules(
    overrides: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> dict[str, ScreenRules]:
    """The shipped rules, each kind replaced where `overrides` (config) has it."""
    compiled: dict[str, ScreenRules] = {}
    for agent, shipped in DEFAULT_SCREEN_RULES.items():
        merged: dict[str, Sequence[str]] = dict(shipped)
        merged.update((overrides or {}).get(agent, {}))
        compiled[agent] = ScreenRules.compile(merged)
    return compiled


def claude_status(home: str | Path, pid: int) -> str | None:
    """The state Claude Code's status file gives for process `pid`, if any.

    A missing, oversized or broken file (it may be mid-write) gives None.
    """
    path = Path(home) / ".claude" / "sessions" / f"{pid}.json"
    try:
        with path.open("rb") as handle:
            raw = handle.read(STATUS_FILE_LIMIT + 1)
    except OSError:
        return None
    if len(raw) > STATUS_FILE_LIMIT:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("pid") not in (pid, None):
        return None
    status = data.get("status")
    return CLAUDE_STATUS.get(status) if isinstance(status, str) else None


def exited_state(exit_code: int | None) -> str:
    """`exited N`."""
    return f"{EXITED} {exit_code if exit_code is not None else 0}"


class StateDetector:
    """One session's state, updated from its sources when the manager asks."""

    def __init__(
        self,
        agent_type: str,
        rules: ScreenRules | None,
        home: str | None,
        pid: int | None,
        rollout: CodexRollout | None = None,
    ) -> None:
        self.agent_type = agent_type
        self.rules = rules
        self.home = home
        self.pid = pid
        self.rollout = rollout
        self.state = STARTING

    def detect(self, screen: str, foreground_is_shell: bool | None = None) -> str:
        """Look at the sources and return the (possibly unchanged) state."""
        found: str | None = None
        if self.agent_type == "terminal":
            if foreground_is_shell is not None:
                found = IDLE if foreground_is_shell else WORKING
        else:
            if self.agent_type == "claude_code" and self.home and self.pid is not None:
                found = claude_status(self.home, self.pid)
            if found is None and self.rules is not None:
                found = self.rules.match(screen)
            if self.rollout is not None and found in (IDLE, None):
                turn = self.rollout.turn_state()
                if turn:
                    found = WORKING
                elif turn is False and found is None:
                    found = IDLE
        if found is not None:
            self.state = found
        return self.state

    def exited(self, exit_code: int | None) -> str:
        """The process ended."""
        self.state = exited_state(exit_code)
        self.close()
        return self.state

    @property
    def follows_files(self) -> bool:
        """True while a file may change the state with no change on screen (Claude's
        status file or Codex's rollout says a turn ended after the last frame):
        the manager then keeps looking until the state settles."""
        if self.state not in (WORKING, WAITING):
            return False
        return (self.agent_type == "claude_code" and self.home is not None) or (
            self.rollout is not None
        )

    @property
    def note(self) -> str:
        """Why the state may be less sure than usual; empty when it is not."""
        if self.rollout is not None and self.rollout.ambiguous:
            return "several Codex transcripts fit this session: state from its screen"
        return ""

    def close(self) -> None:
        """The session is gone: let go of what it followed."""
        if self.rollout is not None:
            self.rollout.release()
