"""Modal screens of the synk app: help, agent picker, confirmation."""

from synk_tui.screens.agent_picker import AgentPickerScreen
from synk_tui.screens.confirm import ConfirmScreen
from synk_tui.screens.help import HelpScreen

__all__ = ["AgentPickerScreen", "ConfirmScreen", "HelpScreen"]
