"""What stands in a pane's place when its saved session cannot come back.

A restore never crashes on a missing agent or directory: the pane keeps its
position and says why, and the saved session stays attached so saving the
workspace again keeps it for a machine where it can start. Everything it
shows comes from a saved file or an error quoting it: plain `Text` through
`safe_text` / `safe_lines`, never markup or control sequences.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from synk_tui.agents import BADGES
from synk_tui.persistence import SavedSession
from synk_tui.sanitize import safe_lines, safe_text


class MessagePane(Widget, can_focus=True):
    """A pane body showing a message instead of a session's screen."""

    def __init__(self, saved: SavedSession, message: str) -> None:
        super().__init__()
        self.saved = saved
        self.message = message

    def render(self) -> Text:
        saved = self.saved
        text = Text()
        badge = BADGES.get(saved.agent_type, saved.agent_type)
        text.append(f"{safe_text(badge)} was not restored\n\n", "bold")
        text.append(safe_lines(self.message) + "\n\n")
        text.append(f"saved working dir: {safe_text(saved.working_dir)}\n", "dim")
        if saved.agent_args:
            arguments = " ".join(saved.agent_args)
            text.append(f"agent arguments: {safe_text(arguments)}\n", "dim")
        text.append("\ngrid mode x closes this pane", "dim")
        return text
