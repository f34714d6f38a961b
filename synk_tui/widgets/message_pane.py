"""What stands in a pane's place when its saved session cannot come back.

A restore never crashes on a missing agent or directory: the pane keeps its
position and says why, and the saved session stays attached so saving the
workspace again keeps it for a machine where it can start.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from synk_tui.agents import BADGES
from synk_tui.persistence import SavedSession


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
        text.append(f"{badge} was not restored\n\n", "bold")
        text.append(self.message + "\n\n")
        text.append(f"saved working dir: {saved.working_dir}\n", "dim")
        if saved.agent_args:
            text.append(f"agent arguments: {' '.join(saved.agent_args)}\n", "dim")
        text.append("\ngrid mode x closes this pane", "dim")
        return text
