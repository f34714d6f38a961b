"""The one-line header above each pane: number, agent, branch, status, cost.

Status is what people scan the grid for: an idle agent is waiting for them.
The header drops its least useful parts first when the pane is narrow, so
the number and the status dot always show. Badge, branch and note may come
from outside (config, the repository, a program): they are shown through
`safe_text`, as plain `Text`, never as markup or control sequences.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from synk_tui.sanitize import safe_text
from synk_tui.status import SessionState, format_cost

NOTE_SECONDS = 3.0
"""How long a passing note (a prompt reached its session, a bell) stays."""

BRANCH_LIMIT = 80
"""Characters of a branch name shown; a longer one ends in an ellipsis."""

BADGE_LIMIT = 40
"""Characters of an agent name shown."""

_DOTS: dict[str, tuple[str, str]] = {
    "starting": ("\u25cc", "yellow"),
    "busy": ("\u25cf", "dodger_blue1"),
    "idle": ("\u25cf", "bold green"),
    "exited": ("\u25cb", "red"),
}
"""(dot, style) per state."""


class PaneHeader(Widget):
    """Shows one session's identity and state; all fields are reactive."""

    number: reactive[int] = reactive(1)
    """Pane number shown first: the pane index + 1."""

    badge: reactive[str] = reactive("terminal")
    """Short agent name: terminal, claude, gemini, codex."""

    branch: reactive[str | None] = reactive(None)
    """Git branch of the session's working dir, if any."""

    state: reactive[SessionState] = reactive[SessionState]("starting")
    """starting / busy / idle / exited."""

    exit_code: reactive[int | None] = reactive(None)
    """The process's exit code once exited."""

    cost: reactive[float | None] = reactive(None)
    """Dollar cost the agent last printed; None shows nothing."""

    note: reactive[str] = reactive("")
    """A short, passing message such as a prompt that was just delivered."""

    marked: reactive[bool] = reactive(False)
    """Whether the pane is a target for the command bar."""

    def flash(self, note: str, seconds: float | None = NOTE_SECONDS) -> None:
        """Show `note` for `seconds`, or until something replaces it (None).

        Its timer clears only this note, never a different one shown since.
        """
        self.note = note
        if seconds is None:
            return

        def clear() -> None:
            if self.note == note:
                self.note = ""

        self.set_timer(seconds, clear)

    def render(self) -> Text:
        """Build the header, dropping parts right to left until it fits."""
        number = Text(f" {self.number} ", style="bold reverse")
        dot, dot_style = _DOTS[self.state]
        label: str = self.state
        if self.state == "exited":
            code = self.exit_code
            label = "not started" if code is not None and code < 0 else f"exited {code}"
        status = Text.assemble((dot, dot_style), " ", (label, dot_style))
        parts: list[Text] = [number]
        if self.marked:
            parts.append(Text("\u25c6", style="bold magenta"))
        badge = Text(safe_text(self.badge, BADGE_LIMIT), style="bold")
        parts.append(badge)
        branch = (
            Text(f"\u2387 {safe_text(self.branch, BRANCH_LIMIT)}", style="italic")
            if self.branch
            else None
        )
        cost = Text(format_cost(self.cost), style="bold yellow") if self.cost is not None else None
        note = Text(safe_text(self.note), style="bold cyan") if self.note else None
        optional = [part for part in (branch, status, cost, note) if part is not None]
        width = self.size.width or 80
        # Drop in this order when too wide: branch, note, badge; status stays.
        for drop in (branch, note, badge, cost):
            if drop is None:
                continue
            line = parts + optional
            if sum(cell_len(p.plain) for p in line) + len(line) - 1 <= width:
                break
            if drop in optional:
                optional.remove(drop)
            elif drop in parts:
                parts.remove(drop)
        return Text(" ").join(parts + optional)
