"""The synk App: owns the session manager, routes its events, holds the modes.

Thin on purpose: the grid, headers, command bar and status bar are widgets,
the dialogs are screens, the rules are pure functions (`layout`, `status`,
`prompting`), and sessions live in the `SessionManager`. The App reaches
sessions only through the manager's public surface and its messages, so a
proxy speaking the same schema over a socket can stand in for it later.

Two modes: in input mode every key goes to the focused pane except the
prefix key (default ctrl+backslash, a priority binding); the prefix enters
grid mode, where the grid's own bindings drive synk.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.events import DescendantFocus
from textual.reactive import reactive
from textual.widget import Widget

from synk_tui import paths, persistence
from synk_tui.agents import BADGES, available_agents
from synk_tui.cli import LaunchOptions
from synk_tui.config import Config, KeySettings
from synk_tui.errors import PersistenceError, SynkError
from synk_tui.events import (
    AppError,
    PoolStatus,
    ScreenUpdated,
    SessionClipboard,
    SessionExit,
    SessionOutput,
    SessionReady,
)
from synk_tui.layout import pane_size
from synk_tui.persistence import (
    GridLayout,
    PersistenceService,
    Recovery,
    RestoreReport,
    SavedSession,
    Workspace,
)
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.prompting import PromptHistory, encode_prompt
from synk_tui.screens import (
    AgentPickerScreen,
    ConfirmScreen,
    HelpScreen,
    RestoreListScreen,
    SaveNameScreen,
)
from synk_tui.session_manager import SessionManager
from synk_tui.status import CostPatterns, parse_cost, session_state
from synk_tui.widgets.command_bar import CommandBar
from synk_tui.widgets.grid import GRID_APP_ACTIONS, PaneGrid
from synk_tui.widgets.message_pane import MessagePane
from synk_tui.widgets.session_tile import SessionTile
from synk_tui.widgets.status_bar import StatusBar
from synk_tui.widgets.terminal_pane import TerminalPane

TICK_SECONDS = 0.5
"""How often busy/idle and the cost are re-read (they change on a human scale)."""

NOTE_SECONDS = 3.0
"""How long a header shows that a prompt reached its session."""

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
}
"""`[keys]` setting -> the id of the binding it rebinds."""


def terminal_alive() -> bool:
    """False once the terminal hung up (writes to it fail with EIO)."""
    try:
        os.write(sys.__stdout__.fileno() if sys.__stdout__ else 1, b"")
    except (OSError, ValueError):
        return False
    return True


def detach_from_terminal() -> None:
    """Point stdin/stdout/stderr at /dev/null: the terminal hung up.

    Writes to a hung-up terminal fail (EIO) and would kill Textual's writer
    thread, leaving the event loop blocked on its full queue; to /dev/null
    they succeed, so the loop stays free to end the sessions.
    """
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.dup2(null, fd)
    os.close(null)


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
    """`input` (keys go to the pane), `grid` (keys drive synk) or `prompt` (command bar)."""

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
        self.manager = SessionManager(
            self.pool,
            post=self.post_message,
            agents=self.config.agents,
            scrollback=self.config.ui.scrollback,
        )
        self.grid = PaneGrid(id="grid")
        self.command_bar = CommandBar(
            self.send_prompts, PromptHistory(paths.prompt_history_file()), id="command-bar"
        )
        self.status_bar = StatusBar(self.config.keys, id="status-bar")
        self.hangup = False
        """True once the terminal hung up (SIGHUP): nothing more can be drawn."""
        self._prompt_origin: int | None = None
        self._queued_prompts: set[int] = set()
        self._shutdown_task: asyncio.Task[None] | None = None
        self._signals: list[int] = []
        self.persistence = PersistenceService(self, options.project_dir)
        """Save/restore for the keys, the command line and `invoke` (attached below)."""
        persistence.attach(self.manager, self.persistence)
        self.saved_on_quit: Path | None = None
        """The file saved by answering the quit question with y (the cli prints it)."""
        self._placeholder_ids = itertools.count(-1, -1)
        self._autosaved: tuple[GridLayout, tuple[SavedSession, ...]] | None = None
        self._autosave_error = ""
        self._quitting = False

    # ---- life cycle --------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.grid
        yield self.command_bar
        yield self.status_bar

    async def on_mount(self) -> None:
        """Install signal handlers, start the manager, open the first sessions."""
        self._install_signal_handlers()
        keymap = keymap_from_config(self.config.keys)
        if keymap:
            self.set_keymap(keymap)
        for warning in (*self.config.warnings, *self.cost_patterns.warnings):
            self.notify(warning, title="config.toml", severity="warning", timeout=10)
        await self.manager.start()
        self.set_interval(TICK_SECONDS, self.refresh_states)
        settings = self.config.persistence
        if settings.autosave:
            self.set_interval(settings.autosave_interval, self.autosave)
        if self.options.restore:
            self.restore_named(self.options.restore)
        elif not self.offer_recovery():
            self.open_sessions(self.options.sessions, self.options.agent_type)

    async def on_unmount(self) -> None:
        """Whatever the way out, no child process outlives the app."""
        await self.shutdown_services()

    def _install_signal_handlers(self) -> None:
        """SIGHUP (the terminal or SSH link went away) and SIGTERM end synk cleanly."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, signum)
                self._signals.append(signum)

    def _on_signal(self, signum: int) -> None:
        """Shut the sessions down, then exit with 128+signum.

        Not a clean exit: the workspace is autosaved first and the recovery
        file stays, so the next start offers it back (a dropped SSH link).
        """
        self.autosave_now()
        if signum == signal.SIGHUP and not terminal_alive():
            self.hangup = True
            detach_from_terminal()
            self.run_worker(self._hangup_exit(), group="quit", exclusive=True)
            return
        # SIGTERM, or a SIGHUP sent by hand while the terminal still works:
        # a normal exit, which also restores the terminal.
        self.run_worker(self.quit_now(128 + signum, clean=False), group="quit", exclusive=True)

    async def _hangup_exit(self) -> None:
        """The terminal is gone: end every session, then leave without tearing down.

        Textual's teardown writes to the terminal through a bounded queue and
        a writer thread; with the terminal gone that can block for ever (seen
        with tmux kill-server), so once no child is left the process exits.
        """
        try:
            await self.shutdown_services()
        finally:
            os._exit(128 + signal.SIGHUP)

    async def shutdown_services(self) -> None:
        """End every session and the pool; safe to call more than once."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.ensure_future(self.manager.shutdown())
        try:
            await asyncio.shield(self._shutdown_task)
        finally:
            loop = asyncio.get_running_loop()
            for signum in self._signals:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(signum)
            self._signals.clear()

    async def quit_now(self, return_code: int = 0, *, clean: bool = True) -> None:
        """Shut everything down and exit, asking nothing.

        A clean exit (the person quit) removes the crash-recovery file, so
        the next start asks nothing.
        """
        self._quitting = True
        await self.shutdown_services()
        if clean:
            with contextlib.suppress(OSError):
                persistence.remove_recovery()
        self.exit(return_code=return_code)

    # ---- sessions ----------------------------------------------------------

    @work(group="launch")
    async def open_sessions(self, count: int, agent_type: str) -> None:
        """Open `count` sessions, staggered so the shells do not start all at once."""
        for number in range(count):
            if number:
                await asyncio.sleep(self.config.ui.launch_stagger)
            await self.open_session(agent_type, expected=count)

    async def open_session(
        self,
        agent_type: str,
        *,
        working_dir: str | None = None,
        branch: str | None = None,
        args: list[str] | None = None,
        expected: int | None = None,
    ) -> SessionTile | None:
        """Create a session and its tile; errors become notifications, not crashes.

        `expected` is how many panes the grid will hold, so the session starts
        at the size it is shown at.
        """
        try:
            return await self.start_session(
                agent_type, working_dir=working_dir, branch=branch, args=args, expected=expected
            )
        except SynkError as error:
            self.notify(error.message, title="Cannot open a session", severity="error")
            return None

    def free_pane_index(self) -> int:
        """The lowest pane index no tile (session or message) and no session holds."""
        used = {t.pane_index for t in self.grid.tiles}
        used |= {info.pane_index for info in self.manager.list()}
        return next(i for i in itertools.count() if i not in used)

    async def start_session(
        self,
        agent_type: str,
        *,
        working_dir: str | None = None,
        project_path: str | None = None,
        branch: str | None = None,
        args: list[str] | None = None,
        expected: int | None = None,
        pane_index: int | None = None,
    ) -> SessionTile:
        """`open_session` that raises: restore turns a failure into a message pane."""
        count = expected if expected is not None else len(self.grid.tiles) + 1
        cols, rows = self.pane_size_for(max(count, len(self.grid.tiles) + 1))
        created = await self.manager.create(
            agent_type=agent_type,
            project_path=project_path or str(self.options.project_dir),
            branch=branch,
            working_dir=working_dir,
            cols=cols,
            rows=rows,
            args=args,
            pane_index=self.free_pane_index() if pane_index is None else pane_index,
        )
        info = self.manager.info(created.session_id)
        tile = SessionTile(
            created.session_id,
            created.pane_index,
            agent_type,
            self.make_pane(created.session_id),
            branch=info.branch,
        )
        await self.grid.add_tile(tile)
        self.update_tile(tile)
        first = len(self.grid.tiles) == 1 or self.grid.selected_id == created.session_id
        if first and self.mode != "prompt" and not self.is_modal_open:
            self.enter_input_mode(tile)
        return tile

    def make_pane(self, session_id: int) -> Widget:
        """The widget that shows a session's screen and takes its keys."""
        return TerminalPane(self.manager, session_id)

    def pane_size_for(self, count: int) -> tuple[int, int]:
        """The (cols, rows) a pane gets when the grid holds `count` panes."""
        width, height = self.size
        if width <= 0 or height <= 0:
            width, height = 80, 24
        return pane_size(width, height - 1, count)

    async def close_session(self, session_id: int) -> None:
        """Destroy a session and remove its tile."""
        with contextlib.suppress(SynkError):
            await self.manager.destroy(session_id)
        await self.grid.remove_tile(session_id)
        self._queued_prompts.discard(session_id)
        if self.mode == "input":
            self.enter_input_mode()

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
                self.mode = "input"
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
        """The prefix key toggles input mode and grid mode."""
        if self.is_modal_open:
            return
        if self.command_bar.is_open:
            self.command_bar.close()
            self.enter_grid_mode()
        elif self.mode == "grid":
            self.enter_input_mode()
        else:
            self.enter_grid_mode()

    def action_input_mode(self) -> None:
        """Back to input mode on the selected pane."""
        self.enter_input_mode()

    def action_new_session(self) -> None:
        """Pick an agent (unavailable ones show why), then open a session."""

        async def picked(agent_type: str | None) -> None:
            if agent_type is not None:
                tile = await self.open_session(agent_type)
                if tile is not None:
                    self.enter_input_mode(tile)
                    return
            self.enter_grid_mode()

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
            self.run_worker(self.close_session(session_id))
            return

        async def answered(answer: bool | None) -> None:
            if answer:
                await self.close_session(session_id)
            self.enter_grid_mode()

        self.push_screen(
            ConfirmScreen(
                f"Close pane {tile.number} ({tile.header.badge})?",
                "Its process is still running and will be ended.",
            ),
            answered,
        )

    def action_command_bar(self) -> None:
        """Open the prompt line for the marked panes, else the selected one."""
        self.open_command_bar(broadcast=False)

    def action_broadcast(self) -> None:
        """Open the prompt line with every session as target."""
        self.open_command_bar(broadcast=True)

    def open_command_bar(self, broadcast: bool) -> None:
        """Show the command bar; focus returns to the current pane afterwards."""
        tiles = self.grid.tiles
        if not tiles:
            self.notify("No sessions to prompt", severity="warning")
            return
        selected = self.grid.selected_tile
        self._prompt_origin = selected.session_id if selected else None
        marked = self.grid.marked_numbers
        default = marked or ((selected.number,) if selected else ())
        self.status_bar.broadcast = broadcast
        self.command_bar.open(
            default,
            tuple(t.number for t in tiles),
            broadcast,
            return_to=selected.body if selected else self.grid,
        )

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen(self.config.keys), lambda _: self.enter_grid_mode())

    def action_save_workspace(self) -> None:
        """Grid key `s`: ask for a name (prefilled), then save the workspace."""
        if not self.grid.tiles:
            self.notify("No sessions to save", severity="warning")
            return

        def saved(path: Path | None) -> None:
            if path is None:
                self.enter_grid_mode()
            else:
                self.enter_input_mode()

        self.ask_name_and_save(saved)

    def ask_name_and_save(
        self, then: Callable[[Path | None], object], title: str = "Save workspace as:"
    ) -> None:
        """Name dialog -> (replace? if the name exists) -> save; `then(path or None)`."""

        async def named(name: str | None) -> None:
            if name is None:
                then(None)
                return
            if persistence.workspace_path(name).exists():

                async def replace(answer: bool | None) -> None:
                    if answer:
                        then(await self.save_workspace(name))
                    else:
                        self.ask_name_and_save(then, title)

                self.push_screen(
                    ConfirmScreen(
                        f"Replace the saved workspace {name!r}?",
                        "n picks another name",
                        yes="y replace",
                        no="n rename",
                    ),
                    replace,
                )
                return
            then(await self.save_workspace(name))

        detail = f"in {paths.sessions_dir()}"
        default = self.persistence.default_name(self.workspace_state()[1])
        self.push_screen(SaveNameScreen(default, title, detail), named)

    async def save_workspace(self, name: str | None = None) -> Path | None:
        """Write the workspace; a failure is an error notification (nothing half-written)."""
        try:
            path = await self.persistence.save(name)
        except PersistenceError as error:
            self.notify(error.message, title="Cannot save the workspace", severity="error")
            return None
        count = len(self.grid.tiles)
        self.notify(
            f"{count} session{'' if count == 1 else 's'} saved to {path}",
            title=f"Saved {path.stem!r}",
        )
        return path

    def action_restore_workspace(self) -> None:
        """Grid key `o`: the saved workspaces (name, date, sessions, agents); pick one."""
        open_count = len(self.grid.tiles)

        def picked(path: Path | None) -> None:
            if path is None:
                self.enter_grid_mode()
                return
            self.run_worker(self.restore_file(path), group="launch", exclusive=True)

        screen = RestoreListScreen(persistence.list_saved(), paths.sessions_dir(), open_count)
        self.push_screen(screen, picked)

    async def restore_file(self, path: Path) -> RestoreReport | None:
        """Read a saved file and restore it; a bad file is a message naming it."""
        try:
            workspace = persistence.load_workspace(path)
        except PersistenceError as error:
            self.notify(error.message, title="Cannot restore", severity="error", timeout=15)
            if not self.grid.tiles:
                self.enter_grid_mode()
            return None
        return await self.restore_workspace(workspace, path)

    @work(group="launch")
    async def restore_named(self, name: str) -> None:
        """`--restore NAME`: restore it, or say why not and open the usual sessions."""
        try:
            path = persistence.find_saved(name)
        except PersistenceError as error:
            self.notify(error.message, title="Cannot restore", severity="error", timeout=15)
            path = None
        report = await self.restore_file(path) if path is not None else None
        if report is None:
            await self.open_session(self.options.agent_type)

    # ---- persistence host (see persistence.WorkspaceHost) -----------------------

    def workspace_state(self) -> tuple[GridLayout, list[SavedSession]]:
        """The grid and every pane as they would be saved now (message panes included)."""
        tiles = self.grid.tiles
        sessions: list[SavedSession] = []
        for tile in tiles:
            if isinstance(tile.body, MessagePane):
                sessions.append(tile.body.saved)
                continue
            with contextlib.suppress(SynkError):
                sessions.append(persistence.saved_session(self.manager.info(tile.session_id)))
        zoomed = self.grid.tile(self.grid.zoomed_id) if self.grid.zoomed_id else None
        selected = self.grid.selected_tile
        layout = GridLayout(
            order=tuple(t.pane_index for t in tiles),
            zoom=zoomed.pane_index if zoomed else None,
            selected=selected.pane_index if selected else None,
        )
        return layout, sessions

    async def restore_workspace(self, workspace: Workspace, source: Path) -> RestoreReport:
        """Replace every session with the workspace's, in their panes, staggered.

        A session whose directory is gone or whose agent is not installed
        gets a message pane in its place; the others start normally.
        """
        report = RestoreReport(source)
        self.grid.zoomed_id = None
        self.grid.clear_marks()
        for tile in self.grid.tiles:
            await self.close_session(tile.session_id)
        for info in self.manager.list():  # a session whose tile never got mounted
            with contextlib.suppress(SynkError):
                await self.manager.destroy(info.session_id)
        ordered = sorted(workspace.sessions, key=lambda s: s.pane_index)
        tiles: dict[int, SessionTile] = {}
        for saved in ordered:
            problem = persistence.session_problem(saved, self.config.agents)
            if problem is None:
                if report.restored:
                    await asyncio.sleep(self.config.ui.launch_stagger)
                try:
                    tiles[saved.pane_index] = await self.start_session(
                        saved.agent_type,
                        working_dir=saved.working_dir,
                        project_path=saved.project_path,
                        branch=saved.branch,
                        args=list(saved.agent_args),
                        expected=len(ordered),
                        pane_index=saved.pane_index,
                    )
                    report.restored += 1
                except SynkError as error:
                    problem = error
            if problem is not None:
                report.problems.append((saved, problem))
                tiles[saved.pane_index] = await self.add_message_tile(saved, problem.message)
        self.finish_restore(workspace, source, report, tiles)
        return report

    async def add_message_tile(self, saved: SavedSession, message: str) -> SessionTile:
        """A pane that says why its saved session did not come back."""
        tile = SessionTile(
            next(self._placeholder_ids),
            saved.pane_index,
            saved.agent_type,
            MessagePane(saved, message),
            branch=saved.branch,
        )
        tile.header.state = "exited"
        tile.header.exit_code = -1
        await self.grid.add_tile(tile)
        return tile

    def finish_restore(
        self,
        workspace: Workspace,
        source: Path,
        report: RestoreReport,
        tiles: dict[int, SessionTile],
    ) -> None:
        """Selection and zoom as saved; say what came back and what did not."""
        grid = workspace.grid
        selected = tiles.get(grid.selected) if grid.selected is not None else None
        zoomed = tiles.get(grid.zoom) if grid.zoom is not None else None
        target = zoomed or selected or (self.grid.tiles[0] if self.grid.tiles else None)
        if target is not None:
            self.grid.select(target.session_id)
        if zoomed is not None:
            self.grid.zoomed_id = zoomed.session_id
        if self.mode != "prompt" and not self.is_modal_open:
            self.enter_input_mode()
        total = len(workspace.sessions)
        title = f"Restored {source.stem!r}"
        if report.problems:
            self.notify(
                f"{report.restored} of {total} sessions restored from {source}",
                title=title,
                severity="warning",
                timeout=15,
            )
            for message in report.messages():
                self.notify(message, title="Not restored", severity="error", timeout=15)
        else:
            self.notify(f"{total} session{'' if total == 1 else 's'} from {source}", title=title)
        unset = sorted({n for s in workspace.sessions for n in persistence.missing_env_names(s)})
        if unset:
            self.notify(
                "These variables were set for sessions when saved and are not set now "
                f"(values are never saved): {', '.join(unset)}",
                title="Environment",
                severity="warning",
                timeout=15,
            )
        self._autosaved = None
        self.autosave_now()

    # ---- autosave and crash recovery -------------------------------------------

    def autosave(self) -> None:
        """Timer: write the recovery file if the workspace changed (never blocks long)."""
        if self._quitting:
            return
        self.autosave_now()

    def autosave_now(self) -> None:
        """Write this process's recovery file now; no sessions: remove it."""
        if not self.config.persistence.autosave:
            return
        try:
            grid, sessions = self.workspace_state()
            key = (grid, tuple(sessions))
            if key == self._autosaved:
                return
            if sessions:
                persistence.write_recovery(self.persistence.snapshot(None))
            else:
                persistence.remove_recovery()
        except (SynkError, OSError) as error:
            message = getattr(error, "message", str(error))
            if message != self._autosave_error:
                self._autosave_error = message
                self.notify(message, title="Autosave failed", severity="warning", timeout=10)
            return
        self._autosaved = key
        self._autosave_error = ""

    def offer_recovery(self) -> bool:
        """Last run did not exit cleanly: offer its autosave back (y/n). True if asked."""
        found, errors = persistence.stale_recoveries()
        for error in errors:
            self.notify(
                f"{error.message} (moved aside)",
                title="Unreadable autosave",
                severity="warning",
                timeout=10,
            )
        if not found:
            return False
        recovery = found[0]
        workspace = recovery.workspace
        when = workspace.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        agents = ", ".join(dict.fromkeys(BADGES.get(a, a) for a in workspace.agents))
        count = len(workspace.sessions)

        def answered(answer: bool | None) -> None:
            if answer:
                self.run_worker(self.recover(recovery), group="launch", exclusive=True)
                return
            if answer is False:
                persistence.discard_recovery(recovery)
            self.open_sessions(self.options.sessions, self.options.agent_type)

        self.push_screen(
            ConfirmScreen(
                "synk did not exit cleanly last time.",
                f"Restore its {count} session{'' if count == 1 else 's'} ({agents}), "
                f"autosaved {when}?",
                yes="y restore",
                no="n start fresh",
                cancel="esc start fresh, ask again next time",
            ),
            answered,
        )
        return True

    async def recover(self, recovery: Recovery) -> None:
        """Bring the autosave back; its file goes once this run autosaves its own."""
        await self.restore_workspace(recovery.workspace, recovery.path)
        persistence.discard_recovery(recovery)

    # ---- quit ----------------------------------------------------------------

    def action_quit_synk(self) -> None:
        """Quit key: "Save session for later?" (y / n / Esc cancels), then end everything.

        The question is pushed at once (not from a worker), so keys typed
        right behind the quit key answer it.
        """
        if not (self.config.persistence.ask_on_quit and self.grid.tiles):
            self.run_worker(self.quit_now(), group="quit", exclusive=True)
            return

        def saved(path: Path | None) -> None:
            if path is None:  # Esc in the name dialog, or the save failed: stay
                self.enter_grid_mode()
                return
            self.saved_on_quit = path
            self.run_worker(self.quit_now(), group="quit", exclusive=True)

        def answered(answer: bool | None) -> None:
            if answer is None:
                self.enter_grid_mode()
            elif answer:
                self.ask_name_and_save(saved, "Save the workspace as, then quit:")
            else:
                self.run_worker(self.quit_now(), group="quit", exclusive=True)

        count = len(self.grid.tiles)
        self.push_screen(
            ConfirmScreen(
                "Save session for later?",
                f"Quitting ends {count} session{'' if count == 1 else 's'}; "
                "saved, they come back with grid key o.",
                yes="y save",
                no="n quit without saving",
            ),
            answered,
        )

    async def action_quit(self) -> None:
        """Textual's own quit action, routed through the same clean shutdown."""
        await self.quit_now()

    # ---- command bar -------------------------------------------------------

    def send_prompts(self, text: str, targets: tuple[int, ...]) -> None:
        """The command bar's Enter: the prompt and a carriage return to each target pane."""
        for number in targets:
            tile = self.grid.tile_by_number(number)
            if tile is not None:
                self.send_prompt(tile, text)

    def send_prompt(self, tile: SessionTile, text: str) -> bool:
        """Deliver a prompt to one session, queued by the manager while it starts."""
        if isinstance(tile.body, MessagePane):
            self.notify(
                f"Pane {tile.number} has no session (it was not restored)",
                severity="warning",
            )
            return False
        session_id = tile.session_id
        try:
            info = self.manager.info(session_id)
            bracketed = info.status == "running" and self.manager.screen(session_id).bracketed_paste
            self.manager.write(session_id, encode_prompt(text, bracketed))
        except SynkError as error:
            self.notify(error.message, title=f"Pane {tile.number}", severity="error")
            return False
        if info.status == "starting":
            self._queued_prompts.add(session_id)
            self.flash_note(tile, "\u2709 queued", until_ready=True)
        else:
            self.flash_note(tile, "\u2709 sent")
        return True

    def flash_note(self, tile: SessionTile, note: str, until_ready: bool = False) -> None:
        """Show `note` in the tile's header for a few seconds (or until ready)."""
        tile.header.note = note
        if until_ready:
            return

        def clear() -> None:
            if tile.header.note == note:
                tile.header.note = ""

        self.set_timer(NOTE_SECONDS, clear)

    def on_command_bar_closed(self, event: CommandBar.Closed) -> None:
        """Focus goes back to the pane that had it, in input mode (unless moved away)."""
        self.status_bar.broadcast = False
        origin = self.grid.tile(self._prompt_origin) if self._prompt_origin else None
        self._prompt_origin = None
        focused = self.focused
        if focused is None or focused is self.command_bar.input:
            self.enter_input_mode(origin)

    # ---- grid messages -----------------------------------------------------

    def on_pane_grid_reflowed(self, event: PaneGrid.Reflowed) -> None:
        """Zoom shows in the status bar; hidden panes stop rendering by themselves."""
        self.status_bar.zoomed = self.grid.zoomed_id is not None

    def on_pane_grid_selection_changed(self, event: PaneGrid.SelectionChanged) -> None:
        """The selected session parses first, even before its pane has focus."""
        with contextlib.suppress(SynkError):
            self.manager.set_priority(event.session_id)

    # ---- pane messages -----------------------------------------------------

    def on_terminal_pane_clicked(self, event: TerminalPane.Clicked) -> None:
        """A click on a pane types into it (seed §8.3 direct input)."""
        tile = self.grid.tile(event.pane.session_id)
        if tile is not None and not self.command_bar.is_open:
            self.enter_input_mode(tile)

    def on_terminal_pane_bell(self, event: TerminalPane.Bell) -> None:
        """An agent ringing the bell usually waits for its person: say so in its header."""
        tile = self.grid.tile(event.pane.session_id)
        if tile is not None and not event.pane.has_focus:
            self.flash_note(tile, "\u266a bell")

    def on_terminal_pane_selection_copied(self, event: TerminalPane.SelectionCopied) -> None:
        self.notify(f"Copied {len(event.text)} characters", timeout=2)

    def on_pane_grid_marks_changed(self, event: PaneGrid.MarksChanged) -> None:
        self.status_bar.marked = len(event.marked)

    # ---- core events -------------------------------------------------------

    def on_session_output(self, event: SessionOutput) -> None:
        """Output means busy; the header turns idle once it has been quiet a while."""
        tile = self.grid.tile(event.session_id)
        if tile is not None:
            tile.last_output_at = time.monotonic()
            self.update_tile(tile)

    def on_screen_updated(self, event: ScreenUpdated) -> None:
        """Hand the update to the session's pane; cost is re-read on the next tick."""
        tile = self.grid.tile(event.session_id)
        if tile is None:
            return
        tile.screen_dirty = True
        if isinstance(tile.body, TerminalPane):
            tile.body.screen_updated()

    def on_session_ready(self, event: SessionReady) -> None:
        """A queued prompt has now been delivered."""
        tile = self.grid.tile(event.session_id)
        if tile is None:
            return
        self.update_tile(tile)
        if event.session_id in self._queued_prompts:
            self._queued_prompts.discard(event.session_id)
            self.flash_note(tile, "\u2709 delivered")

    def on_session_exit(self, event: SessionExit) -> None:
        """The header says `exited N`; the pane keeps its last screen."""
        tile = self.grid.tile(event.session_id)
        if tile is not None:
            if isinstance(tile.body, TerminalPane):
                tile.body.session_exited(event.exit_code)
            self.update_tile(tile)
            if event.session_id in self._queued_prompts:
                self._queued_prompts.discard(event.session_id)
                tile.header.note = ""

    def on_session_clipboard(self, event: SessionClipboard) -> None:
        """A child set the clipboard (OSC 52): pass it to the outer terminal."""
        self.copy_to_clipboard(event.text)

    def on_pool_status(self, event: PoolStatus) -> None:
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

    # ---- header state ------------------------------------------------------

    def refresh_states(self) -> None:
        """Periodic: busy turns idle after a quiet spell; costs are re-read."""
        for tile in self.grid.tiles:
            self.update_tile(tile)
            if tile.screen_dirty:
                tile.screen_dirty = False
                self.update_cost(tile)

    def update_tile(self, tile: SessionTile) -> None:
        """Set a tile's header state from the manager's view of the session."""
        try:
            info = self.manager.info(tile.session_id)
        except SynkError:
            return
        header = tile.header
        header.state = session_state(
            info.status, tile.last_output_at, time.monotonic(), self.config.ui.busy_seconds
        )
        header.exit_code = info.exit_code
        header.branch = info.branch

    def update_cost(self, tile: SessionTile) -> None:
        """Read the agent's own cost figure off its screen, if it shows one."""
        pattern = self.cost_patterns.for_agent(tile.agent_type)
        if pattern is None:
            return
        try:
            lines = self.manager.screen(tile.session_id).lines()
        except SynkError:
            return
        cost = parse_cost(lines, pattern)
        if cost is not None:
            tile.header.cost = cost
