"""The synk App: owns the session manager and its helpers, routes events, holds the modes.

Thin on purpose: the grid, headers, command bar and status bar are widgets,
the dialogs are screens, the rules are pure functions (`layout`, `status`,
`prompting`), and sessions live in the `SessionManager`. The App owns the
services and hands them what they need:

- `SessionTiles` (session_tiles.py) opens and closes sessions with their
  tiles and keeps the headers up to date;
- `PromptDispatch` (prompt_dispatch.py) opens the command bar and delivers
  its prompts;
- `WorkspaceFlow` (workspace_flow.py) saves, restores, autosaves, offers a
  crash's autosave back and asks the quit question;
- `Lifecycle` (lifecycle.py) installs the signal handlers and ends every
  session exactly once, whatever the way out.

The App reaches sessions only through the manager's public surface and its
messages, so a proxy speaking the same schema over a socket can stand in for
it later.

Everything the App shows in a notification may quote outside text (a path,
a branch, a saved file's names, an error about them): `notify` shows every
message and title as plain text through `safe_lines` / `safe_text`, never
as markup and never with a control character.

Two modes: in input mode every key goes to the focused pane except the
prefix key (default ctrl+backslash, a priority binding); the prefix enters
grid mode, where the grid's own bindings drive synk. Like tmux's prefix,
grid mode lasts for one action: an action key (close, new, zoom, save,
restore, prompt, help, quit) does its action and returns to input mode on
the selected pane, whatever the dialog's answer; only moving and marking
stay in grid mode. The prefix typed twice sends the prefix key itself to
the selected pane (tmux's `send-prefix`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widget import Widget

from synk_tui import paths
from synk_tui.agents import available_agents
from synk_tui.config import Config, KeySettings
from synk_tui.control_commands import ControlCommands
from synk_tui.control_path import SOCKET_ENV
from synk_tui.control_server import ControlServer
from synk_tui.errors import MaxSessionsError, SynkError
from synk_tui.events import (
    AppError,
    PoolStatus,
    ScreenUpdated,
    SessionClipboard,
    SessionExit,
    SessionInfoChanged,
    SessionOutput,
    SessionReady,
)
from synk_tui.garbage import FullCollections
from synk_tui.launch_options import LaunchOptions
from synk_tui.lifecycle import Lifecycle
from synk_tui.outer_keys import OuterKeys
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.prompt_dispatch import PromptDispatch
from synk_tui.prompting import PromptHistory
from synk_tui.sanitize import safe_lines, safe_text
from synk_tui.screens import AgentPickerScreen, ConfirmScreen, HelpScreen
from synk_tui.session_manager import SessionManager
from synk_tui.session_tiles import SessionTiles
from synk_tui.status import CostPatterns
from synk_tui.widgets.command_bar import CommandBar
from synk_tui.widgets.grid import GRID_APP_ACTIONS, PaneGrid
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.status_bar import StatusBar, key_label
from synk_tui.widgets.terminal_pane import TerminalPane
from synk_tui.workspace_flow import WorkspaceFlow

NOTIFY_LIMIT = 1000
"""Characters of a notification's message shown; the rest ends in an ellipsis."""

TICK_SECONDS = 0.5
"""How often busy/idle and the cost are re-read (they change on a human scale)."""

RESIZE_REDRAW_SECONDS = 0.5
"""Output this soon after synk resized a pane is the child's redraw for it, not activity."""

_BINDING_IDS: dict[str, str] = {
    "prefix": "synk.prefix",
    "broadcast": "grid.broadcast",
    "command_bar": "grid.command_bar",
    "zoom": "grid.zoom",
    "new_session": "grid.new_session",
    "close_session": "grid.close_session",
    "mark": "grid.mark",
    "save": "grid.save",
    "restore": "grid.restore",
    "help": "grid.help",
    "quit": "grid.quit",
    "copy_mode": "grid.copy_mode",
}
"""`[keys]` setting -> the id of the binding it rebinds."""


def focus_now(widget: Widget) -> None:
    """Move focus at once, not on the next message like `Widget.focus()`.

    Keys typed right after the prefix (a fast typist, a paste, tmux
    send-keys) must already reach the new target.
    """
    widget.screen.set_focus(widget, scroll_visible=False)


def keymap_from_config(keys: KeySettings) -> dict[str, str]:
    """A Textual keymap for the keys the user changed from the defaults."""
    defaults = KeySettings()
    return {
        binding_id: getattr(keys, name)
        for name, binding_id in _BINDING_IDS.items()
        if getattr(keys, name) != getattr(defaults, name)
    }


class SynkApp(App[None], inherit_bindings=False):
    """The synk terminal multiplexer."""

    CSS_PATH = "synk.tcss"
    TITLE = "synk"
    ENABLE_COMMAND_PALETTE = False
    ESCAPE_TO_MINIMIZE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+backslash", "prefix", "Grid mode", show=False, priority=True, id="synk.prefix"
        ),
    ]
    """Only the prefix: in input mode every other key belongs to the pane."""

    mode: reactive[str] = reactive("input")
    """`input` (keys go to the pane), `grid` (keys drive synk), `prompt` (command
    bar) or `copy` (the focused pane is in copy mode)."""

    def __init__(
        self,
        options: LaunchOptions,
        config: Config | None = None,
        *,
        pool_config: PoolConfig | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.config = config or Config()
        self.cost_patterns = CostPatterns.from_settings(self.config.cost)
        self.pool = ProcessPool(pool_config or PoolConfig.from_settings(self.config.pool))
        self.control: ControlServer | None = None
        """The control socket (`synk ls`, `synk send`...), when the command line gave one."""
        if options.socket is not None:
            self.control = ControlServer(options.socket, self._run_control_command)
        self.manager = SessionManager(
            self.pool,
            post=self._post_core_event,
            agents=self.config.agents,
            scrollback=self.config.ui.scrollback,
            status_rules=self.config.status.rules,
        )
        self.lifecycle = Lifecycle(self.manager)
        """Signal handlers and the one shutdown of every session."""
        self.collections = FullCollections(lambda: self.manager.typing)
        """Python's full garbage collections, run in pauses of typing."""
        keys = self.config.keys
        prefix = key_label(keys.prefix)
        self.grid = PaneGrid(
            id="grid",
            after_action=self.enter_input_mode,
            empty_text=(
                f"No sessions. {prefix} {key_label(keys.new_session)} opens one, "
                f"{prefix} {key_label(keys.quit)} quits."
            ),
        )
        self.status_bar = StatusBar(self.config.keys, id="status-bar")
        self.prompts = PromptDispatch(self)
        """Opens the command bar and sends its prompts to the sessions."""
        self.sessions = SessionTiles(self, closed=self.prompts.forget)
        """Opens and closes sessions with their tiles; keeps the headers up to date."""
        self.command_bar = CommandBar(
            self.prompts.send_prompts,
            PromptHistory(paths.prompt_history_file()),
            id="command-bar",
        )
        self.workspace = WorkspaceFlow(self, self.sessions)
        """Save, restore, autosave, crash recovery and the quit question."""
        self._clipboard_refused: set[int] = set()
        """Sessions whose program was told once that its clipboard write was blocked."""
        self.outer_keys = OuterKeys(self._write_to_terminal, self)
        """modifyOtherKeys for terminals without the kitty keyboard protocol (tmux)."""

    def _write_to_terminal(self, data: str) -> None:
        """Write straight to the outer terminal (queries and modes of its keyboard)."""
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(data)
            driver.flush()

    @property
    def session_env(self) -> dict[str, str]:
        """Environment every session gets: the control socket that reaches this synk."""
        if self.control is None or not self.control.running:
            return {}
        return {SOCKET_ENV: str(self.control.path)}

    def _post_core_event(self, message: Message) -> bool:
        """Core events go to the app, and to the control socket's subscribers."""
        if self.control is not None:
            self.control.publish(message)
        return self.post_message(message)

    async def _run_control_command(self, name: str, args: Mapping[str, Any]) -> Any:
        return await ControlCommands(lambda: self.workspace.wire, self.sessions).run(name, args)

    @property
    def hangup(self) -> bool:
        """True once the terminal hung up (SIGHUP): nothing more can be drawn."""
        return self.lifecycle.hangup

    @property
    def saved_on_quit(self) -> Path | None:
        """The file saved by answering the quit question with y (the cli prints it)."""
        return self.workspace.saved_on_quit

    # ---- life cycle --------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The grid fills the screen; below it one line, the status bar's.

        The command bar, when open, takes that line (it comes first in a
        one-row box, pushing the status bar out of view): opening or closing
        it resizes no pane, so no child gets a SIGWINCH for it.
        """
        yield self.grid
        with Vertical(id="bottom-line"):
            yield self.command_bar
            yield self.status_bar

    async def on_mount(self) -> None:
        """Install signal handlers, start the manager, open the first sessions."""
        self.lifecycle.install_signal_handlers(self._on_signal)
        keymap = keymap_from_config(self.config.keys)
        if keymap:
            self.set_keymap(keymap)
        for warning in (*self.config.warnings, *self.cost_patterns.warnings):
            self.notify(warning, title="config.toml", severity="warning", timeout=10)
        await self.manager.start()
        self.outer_keys.start()
        await self._start_control()
        self.set_interval(TICK_SECONDS, self.sessions.refresh_states)
        self.workspace.start()
        # Everything built so far (Textual, the widgets, the first sessions)
        # lives as long as the app; full collections wait for typing pauses.
        self.call_after_refresh(self.collections.start)
        self.set_interval(TICK_SECONDS, self.collections.tick)

    async def _start_control(self) -> None:
        """Listen on the control socket; if it cannot be used, say why and run without it."""
        if self.control is None:
            return
        try:
            await self.control.start()
        except SynkError as error:
            self.notify(
                safe_text(error.message),
                title="control socket",
                severity="warning",
                markup=False,
                timeout=10,
            )

    async def on_unmount(self) -> None:
        """Whatever the way out, no child process outlives the app."""
        if not self.hangup:
            self.outer_keys.stop()
        self.collections.stop()
        if self.control is not None:
            await self.control.stop()
        await self.lifecycle.shutdown()

    def _on_signal(self, signum: int) -> None:
        """SIGHUP or SIGTERM: shut the sessions down, then exit with 128+signum.

        Not a clean exit: the workspace is autosaved first and the recovery
        file stays, so the next start offers it back (a dropped SSH link).
        """
        self.workspace.autosave_now()
        if self.control is not None:
            self.control.close_now()
        if self.lifecycle.hung_up_by(signum):
            self.run_worker(self.lifecycle.hangup_exit(), group="quit", exclusive=True)
        else:
            self.request_quit(128 + signum, clean=False)

    def request_quit(self, return_code: int = 0, *, clean: bool = True) -> None:
        """`quit_now` in a worker: the key or signal handler that asks returns at once."""
        self.run_worker(self.quit_now(return_code, clean=clean), group="quit", exclusive=True)

    async def quit_now(self, return_code: int = 0, *, clean: bool = True) -> None:
        """Shut everything down and exit, asking nothing.

        A clean exit (the person quit) removes the crash-recovery file, so
        the next start asks nothing.
        """
        self.workspace.stop_autosave()
        await self.lifecycle.shutdown()
        if clean:
            self.workspace.clean_exit()
        self.exit(return_code=return_code)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification as plain text: escaped controls, no markup, bounded length.

        `markup` is accepted for Textual's signature and never used: what a
        notification says may quote outside text, so `[...]` is shown as it is.
        """
        super().notify(
            safe_lines(message, NOTIFY_LIMIT),
            title=safe_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # ---- modes -------------------------------------------------------------

    @property
    def is_modal_open(self) -> bool:
        """A dialog (help, picker, confirm) is on top of the grid."""
        return len(self.screen_stack) > 1

    def enter_input_mode(self, tile: SessionTile | None = None) -> None:
        """Keys go to `tile`'s pane (default: the selection); no panes: grid mode."""
        if tile is not None:
            self.grid.select(tile.session_id)
        tile = self.grid.selected_tile
        if tile is None:
            self.enter_grid_mode()
            return
        self.mode = "input"
        focus_now(tile.body)

    def enter_grid_mode(self) -> None:
        """Keys drive synk: move, zoom, mark, prompt..."""
        self.mode = "grid"
        focus_now(self.grid)

    def watch_mode(self, mode: str) -> None:
        """The status bar names the mode; the `-grid-mode` class restyles the selection."""
        self.status_bar.mode = mode
        self.set_class(mode == "grid", "-grid-mode")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Focus moved (key, click, dialog closed): follow it with mode and selection.

        The event may be stale (keys of one burst move focus synchronously,
        several times), so the screen's current focus decides, not the event.
        """
        if not self.screen_stack:  # a focus event that arrives while the app exits
            return
        widget = self.screen.focused if self.screen is self.grid.screen else None
        if widget is None:
            return
        chain = widget.ancestors_with_self
        if self.command_bar.is_open and self.command_bar not in chain:
            # Clicked away from an open command bar: it closes without sending.
            self.command_bar.return_to = None
            self.command_bar.close(sent=False)
        if widget is self.grid:
            self.mode = "grid"
            return
        for ancestor in chain:
            if isinstance(ancestor, SessionTile):
                in_copy = isinstance(ancestor.body, TerminalPane) and ancestor.body.in_copy_mode
                self.mode = "copy" if in_copy else "input"
                self.grid.select(ancestor.session_id)
                return
            if ancestor is self.command_bar:
                self.mode = "prompt"
                return

    def on_session_tile_clicked(self, event: SessionTile.Clicked) -> None:
        """A click on a tile's header focuses its pane in input mode."""
        self.enter_input_mode(event.tile)

    # ---- actions (keys) ----------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grid-mode actions only while the grid has focus (their keys are priority)."""
        if action in GRID_APP_ACTIONS:
            return self.focused is self.grid
        return True

    def action_prefix(self) -> None:
        """The prefix enters grid mode; typed again there, it goes to the program.

        Like tmux's `send-prefix`: the prefix twice sends the prefix key
        itself (ctrl+\\ is SIGQUIT in a shell) to the selected pane and
        returns to input mode; Esc or Enter return without sending anything.
        """
        if self.is_modal_open:
            return
        if self.command_bar.is_open:
            self.command_bar.close()
            self.enter_grid_mode()
        elif self.mode == "grid":
            self.enter_input_mode()
            tile = self.grid.selected_tile
            if tile is not None and isinstance(tile.body, TerminalPane):
                tile.body.send_key(self.config.keys.prefix.split(",")[0].strip())
        else:
            self.enter_grid_mode()

    def action_input_mode(self) -> None:
        """Back to input mode on the selected pane."""
        self.enter_input_mode()

    def action_copy_mode(self) -> None:
        """Grid key `[`: the selected pane's copy mode (keyboard cursor, selection, search)."""
        tile = self.grid.selected_tile
        if tile is None or not isinstance(tile.body, TerminalPane):
            return
        if tile.body.enter_copy_mode():
            self.enter_input_mode(tile)
            self.mode = "copy"

    def action_new_session(self) -> None:
        """Pick an agent (unavailable ones show why), then open a session.

        At the session limit it says so at once, before any picking.
        """
        limit = self.pool.config.max_active
        if len(self.manager.list()) >= limit:
            self.notify(
                MaxSessionsError(limit).message, title="Cannot open a session", severity="error"
            )
            self.enter_input_mode()
            return

        async def picked(agent_type: str | None) -> None:
            if agent_type is not None:
                tile = await self.sessions.open_session(agent_type)
                if tile is not None:
                    self.enter_input_mode(tile)
                    return
            self.enter_input_mode()

        self.push_screen(AgentPickerScreen(available_agents(self.config.agents)), picked)

    def action_close_session(self) -> None:
        """Close the selected session; ask first if its process is still running."""
        tile = self.grid.selected_tile
        if tile is None:
            return
        session_id = tile.session_id
        try:
            running = self.manager.info(session_id).status != "exited"
        except SynkError:
            running = False
        if not running:
            self.run_worker(self.close_and_type(session_id))
            return

        async def answered(answer: bool | None) -> None:
            if answer:
                await self.close_and_type(session_id)
            else:
                self.enter_input_mode()

        self.push_screen(
            ConfirmScreen(
                f"Close pane {tile.number} ({tile.header.badge})?",
                "Its process is still running and will be ended.",
            ),
            answered,
        )

    async def close_and_type(self, session_id: int) -> None:
        """Close a session, then input mode on the pane selected after it."""
        await self.sessions.close_session(session_id)
        if not self.is_modal_open:
            self.enter_input_mode()

    def action_command_bar(self) -> None:
        """Open the prompt line for the marked panes, else the selected one."""
        self.prompts.open_bar(broadcast=False)

    def action_broadcast(self) -> None:
        """Open the prompt line with every session as target."""
        self.prompts.open_bar(broadcast=True)

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen(self.config.keys), lambda _: self.enter_input_mode())

    def action_save_workspace(self) -> None:
        """Grid key `s`: ask for a name (prefilled), then save the workspace."""
        self.workspace.ask_save()

    def action_restore_workspace(self) -> None:
        """Grid key `o`: the saved workspaces (name, date, sessions, agents); pick one."""
        self.workspace.pick_restore()

    def action_quit_synk(self) -> None:
        """Quit key: "Save session for later?" (y / n / Esc cancels), then end everything."""
        self.workspace.ask_quit()

    async def action_quit(self) -> None:
        """Textual's own quit action, routed through the same clean shutdown."""
        await self.quit_now()

    # ---- widget messages ---------------------------------------------------

    def on_command_bar_closed(self, event: CommandBar.Closed) -> None:
        """Focus goes back to the pane that had it, in input mode (unless moved away)."""
        self.prompts.bar_closed()

    def on_pane_grid_reflowed(self, event: PaneGrid.Reflowed) -> None:
        """Zoom shows in the status bar; hidden panes stop rendering by themselves."""
        self.status_bar.zoomed = self.grid.zoomed_id is not None

    def on_pane_grid_selection_changed(self, event: PaneGrid.SelectionChanged) -> None:
        """The selected session parses first, even before its pane has focus."""
        with contextlib.suppress(SynkError):
            self.manager.set_priority(event.session_id)

    def on_pane_grid_marks_changed(self, event: PaneGrid.MarksChanged) -> None:
        """The status bar counts the prompt targets."""
        self.status_bar.marked = len(event.marked)

    def on_terminal_pane_clicked(self, event: TerminalPane.Clicked) -> None:
        """A click on a pane types into it (seed §8.3 direct input)."""
        tile = self.grid.tile(event.pane.session_id)
        if tile is not None and not self.command_bar.is_open:
            self.enter_input_mode(tile)

    def on_terminal_pane_copy_mode_changed(self, event: TerminalPane.CopyModeChanged) -> None:
        """The status bar says COPY while the focused pane is in copy mode."""
        if event.pane.has_focus and self.mode in ("input", "copy"):
            self.mode = "copy" if event.active else "input"

    def on_terminal_pane_bell(self, event: TerminalPane.Bell) -> None:
        """An agent ringing the bell usually waits for its person: say so in its header."""
        tile = self.grid.tile(event.pane.session_id)
        if tile is not None and not event.pane.has_focus:
            tile.header.flash("\u266a bell")

    def on_terminal_pane_selection_copied(self, event: TerminalPane.SelectionCopied) -> None:
        """Copying is silent in the terminal itself: say it happened."""
        self.notify(f"Copied {len(event.text)} characters", timeout=2)

    # ---- core events -------------------------------------------------------

    def on_session_output(self, event: SessionOutput) -> None:
        """Output means busy; the header turns idle once it has been quiet a while.

        Output right after synk resized the pane (a reflow, a zoom, the outer
        terminal resized) is the child redrawing for synk: not activity.
        """
        tile = self.grid.tile(event.session_id)
        if tile is None:
            return
        now = time.monotonic()
        resized_at = tile.body.resized_at if isinstance(tile.body, TerminalPane) else None
        if resized_at is not None and now - resized_at < RESIZE_REDRAW_SECONDS:
            return
        tile.last_output_at = now
        self.sessions.update_tile(tile)

    def on_screen_updated(self, event: ScreenUpdated) -> None:
        """Hand the update to the session's pane; cost is re-read on the next tick."""
        tile = self.grid.tile(event.session_id)
        if tile is None:
            return
        tile.screen_dirty = True
        if isinstance(tile.body, TerminalPane):
            tile.body.screen_updated()

    def on_session_ready(self, event: SessionReady) -> None:
        """The header leaves `starting`; a queued prompt has now been delivered."""
        tile = self.grid.tile(event.session_id)
        if tile is None:
            return
        self.sessions.update_tile(tile)
        self.prompts.session_ready(tile)

    def on_session_exit(self, event: SessionExit) -> None:
        """The header says `exited N`; the pane keeps its last screen."""
        tile = self.grid.tile(event.session_id)
        if tile is not None:
            if isinstance(tile.body, TerminalPane):
                tile.body.session_exited(event.exit_code)
            self.sessions.update_tile(tile)
            self.prompts.session_exited(tile)

    def on_session_info_changed(self, event: SessionInfoChanged) -> None:
        """The session `cd`-ed or its repository changed branch: the header follows."""
        tile = self.grid.tile(event.session_id)
        if tile is not None:
            self.sessions.update_tile(tile)

    def on_session_clipboard(self, event: SessionClipboard) -> None:
        """A program asked to set the clipboard (OSC 52): only if the config allows it.

        Blocked by default, as tmux does: any program (or a file it cats)
        could otherwise replace what the person copies and pastes next. The
        first refused write of a session says so, once.
        """
        if self.config.clipboard.allow_programs:
            self.copy_to_clipboard(event.text)
            return
        if event.session_id in self._clipboard_refused:
            return
        self._clipboard_refused.add(event.session_id)
        tile = self.grid.tile(event.session_id)
        pane = f"pane {tile.number}" if tile is not None else "a closed pane"
        self.notify(
            f"{pane} wanted to set the clipboard (blocked)",
            title="Clipboard",
            severity="warning",
            timeout=6,
        )

    def on_pool_status(self, event: PoolStatus) -> None:
        """The pool's counts (idle, active, total shells) go to the status bar."""
        bar = self.status_bar
        bar.idle, bar.active, bar.total = event.idle, event.active, event.total

    def on_app_error(self, event: AppError) -> None:
        """Core errors become notifications; the app keeps running."""
        self.notify(
            event.message,
            title=f"synk: {event.source}",
            severity="warning" if event.recoverable else "error",
            timeout=10,
        )
