"""Pure rules for what a pane header shows: the session's state and its cost.

No Textual here: the header widget asks these functions, tests call them
directly. The cost is only ever a number the agent itself printed, found by
a configurable per-agent regular expression; synk never estimates one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from synk_tui.config import CostSettings

SessionState = Literal["starting", "busy", "idle", "exited"]
"""What the status dot says: the one users most need to spot is `idle`."""


def session_state(
    status: str,
    last_output_at: float | None,
    now: float,
    busy_seconds: float = 2.0,
) -> SessionState:
    """The header state from the manager's status and the time of the last output.

    `status` is the SessionInfo status (`starting`/`running`/`exited`); a
    running session is busy while it printed something in the last
    `busy_seconds`, idle otherwise (an agent waiting for input is quiet).
    """
    if status == "exited":
        return "exited"
    if status == "starting":
        return "starting"
    if last_output_at is not None and now - last_output_at < busy_seconds:
        return "busy"
    return "idle"


@dataclass(frozen=True)
class CostPatterns:
    """The compiled `[cost]` patterns, and warnings for any that do not compile."""

    patterns: dict[str, re.Pattern[str]]
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: CostSettings) -> CostPatterns:
        """Compile each agent's pattern; a broken one is a warning, not a crash."""
        patterns: dict[str, re.Pattern[str]] = {}
        warnings: list[str] = []
        for agent_type, source in vars(settings).items():
            if not source:
                continue
            try:
                pattern = re.compile(source)
            except re.error as error:
                warnings.append(f"config.toml: cost.{agent_type}: bad pattern ({error}); ignored")
                continue
            if pattern.groups < 1:
                warnings.append(f"config.toml: cost.{agent_type}: pattern needs a group; ignored")
                continue
            patterns[agent_type] = pattern
        return cls(patterns, tuple(warnings))

    def for_agent(self, agent_type: str) -> re.Pattern[str] | None:
        """The pattern for an agent type, or None when its cost is not tracked."""
        return self.patterns.get(agent_type)


def parse_cost(lines: Iterable[str], pattern: re.Pattern[str] | None) -> float | None:
    """The cost the screen shows: group 1 of the bottom-most match, as a float.

    Agents redraw their status line at the bottom, so the lowest match is the
    newest figure. None when nothing matches (the header then shows no cost).
    """
    if pattern is None:
        return None
    found: float | None = None
    for line in lines:
        for match in pattern.finditer(line):
            try:
                found = float(match.group(1).replace(",", ""))
            except (TypeError, ValueError):
                continue
    return found


def format_cost(cost: float | None) -> str:
    """`$0.42` style, or empty for no cost."""
    if cost is None:
        return ""
    return f"${cost:,.2f}" if cost < 1000 else f"${cost:,.0f}"
