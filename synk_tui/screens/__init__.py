"""Modal screens of the synk app: help, agent picker, confirmation, save and restore."""

from synk_tui.screens.agent_picker import AgentPickerScreen
from synk_tui.screens.confirm import ConfirmScreen
from synk_tui.screens.help import HelpScreen
from synk_tui.screens.restore_list import RestoreListScreen
from synk_tui.screens.save_name import SaveNameScreen

__all__ = [
    "AgentPickerScreen",
    "ConfirmScreen",
    "HelpScreen",
    "RestoreListScreen",
    "SaveNameScreen",
]
