"""Pick what a new session runs; agents that are not installed show why.

Commands come from config.toml: shown escaped, in a `rich.text.Text`, never
read as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from synk_tui.agents import AgentAvailability
from synk_tui.sanitize import safe_text


class AgentPickerScreen(ModalScreen[str | None]):
    """An option per agent type; unavailable ones are disabled with the reason."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, agents: list[AgentAvailability]) -> None:
        super().__init__()
        self.agents = agents

    def compose(self) -> ComposeResult:
        options = []
        for agent in self.agents:
            badge = safe_text(agent.badge)
            if agent.available:
                prompt = Text.assemble((badge, "bold"), "  ", (safe_text(agent.command), "dim"))
            else:
                prompt = Text(f"{badge}  unavailable: {safe_text(agent.reason)}", style="dim")
            options.append(Option(prompt, id=agent.agent_type, disabled=not agent.available))
        with Vertical(id="dialog"):
            yield Label("New session: what should it run?", id="picker-title")
            yield OptionList(*options, id="agents")
            yield Label("[dim]enter start  esc cancel[/dim]")

    def on_mount(self) -> None:
        """Highlight the first available agent."""
        option_list = self.query_one(OptionList)
        for index, agent in enumerate(self.agents):
            if agent.available:
                option_list.highlighted = index
                break
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without starting anything."""
        self.dismiss(None)
