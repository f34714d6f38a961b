"""Saving and restoring workspaces as a person meets it: dialogs, autosave, recovery, quit.

`persistence.py` (core) knows the file format and how to write it safely;
this module is the UI flow around it: the name dialog (and "replace?"), the
restore list, `--restore NAME`, putting a saved workspace back into the
grid with message panes where a session cannot come back, the crash-recovery
autosave and the question offering it back after an unclean exit, and the
"Save session for later?" question on quit.

`WorkspaceFlow` is also the `persistence.WorkspaceHost` of synk: its service
reads and fills the grid through it, and its `wire` context carries that
service, so the wire commands (`invoke(flow.wire, "persistence:...")`) see
zoom, selection and message panes exactly as the keys do. What it needs of
the App is `WorkspaceFlowHost`; it opens and closes sessions through the
`SessionTiles` the App hands it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from textual.screen import Screen

from synk_tui import paths, persistence
from synk_tui.agents import BADGES
from synk_tui.app_host import AppHost
from synk_tui.errors import PersistenceError, SynkError
from synk_tui.ipc import WireContext
from synk_tui.persistence import (
    GridLayout,
    PersistenceService,
    Recovery,
    RestoreReport,
    SavedSession,
    Workspace,
)
from synk_tui.sanitize import safe_text
from synk_tui.screens import ConfirmScreen, RestoreListScreen, SaveNameScreen
from synk_tui.session_tiles import SessionTiles
from synk_tui.widgets.message_pane import MessagePane
from synk_tui.widgets.session_tile import SessionTile

MESSAGE_LIMIT = 1000
"""Characters of one notification about a saved file (its path included)."""


def plural(count: int, noun: str) -> str:
    """`1 session`, `2 sessions`: the counts every message here shows."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def agent_summary(agent_types: list[str]) -> str:
    """`claude, terminal` for a question; types this synk does not know are only counted.

    Agent types come from the file, and the question is markup: a name from
    the file could be read as markup, so only known badges are shown.
    """
    known = [BADGES[a] for a in agent_types if a in BADGES]
    unknown = len(agent_types) - len(known)
    parts = list(dict.fromkeys(known))
    if unknown:
        parts.append(f"{unknown} of an unknown type")
    return ", ".join(parts)


class WorkspaceFlowHost(AppHost, Protocol):
    """What `WorkspaceFlow` needs of the App beyond `AppHost`."""

    def push_screen(
        self, screen: Screen[Any], callback: Callable[[Any], Any] | None = None
    ) -> object:
        """Show a dialog; `callback` gets its answer."""

    def set_interval(self, interval: float, callback: Callable[[], object]) -> object:
        """Call `callback` every `interval` seconds (autosave)."""

    def request_quit(self) -> None:
        """End every session and exit."""


class WorkspaceFlow:
    """Save, restore, autosave and recovery for the app's grid; the quit question."""

    def __init__(self, app: WorkspaceFlowHost, sessions: SessionTiles) -> None:
        self.app = app
        self.sessions = sessions
        """Opens and closes the sessions with their tiles."""
        self.manager = app.manager
        self.grid = app.grid
        self.service = PersistenceService(self, app.options.project_dir)
        """Save/restore for the keys, the command line and `invoke`."""
        self.wire = WireContext(self.manager, self.service)
        """What `invoke` acts on for this app: its manager and this grid's service."""
        self.saved_on_quit: Path | None = None
        """The file saved by answering the quit question with y (the cli prints it)."""
        self._placeholder_ids = itertools.count(-1, -1)
        self._autosaved: tuple[GridLayout, tuple[SavedSession, ...]] | None = None
        self._autosave_error = ""
        self._quitting = False

    def start(self) -> None:
        """At mount: start autosaving, then open what this run begins with.

        That is `--restore NAME`, else the question offering back what an
        unclean exit left, else the usual first sessions.
        """
        app = self.app
        settings = app.config.persistence
        if settings.autosave:
            app.set_interval(settings.autosave_interval, self.autosave)
        if app.options.restore:
            app.run_worker(self.restore_named(app.options.restore), group="launch")
        elif not self.offer_recovery():
            self.sessions.open_sessions(app.options.sessions, app.options.agent_type)

    # ---- save --------------------------------------------------------------------

    def ask_save(self) -> None:
        """Grid key `s`: ask for a name (prefilled), then save the workspace."""
        if not self.grid.tiles:
            self.app.notify("No sessions to save", severity="warning")
            return

        def saved(path: Path | None) -> None:
            self.app.enter_input_mode()

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

                self.app.push_screen(
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
        default = self.service.default_name(self.workspace_state()[1])
        self.app.push_screen(SaveNameScreen(default, title, detail), named)

    async def save_workspace(self, name: str | None = None) -> Path | None:
        """Write the workspace; a failure is an error notification (nothing half-written)."""
        try:
            path = await self.service.save(name)
        except PersistenceError as error:
            self.app.notify(
                safe_text(error.message, MESSAGE_LIMIT),
                title="Cannot save the workspace",
                severity="error",
                markup=False,
            )
            return None
        self.app.notify(
            f"{plural(len(self.grid.tiles), 'session')} saved to {safe_text(path, MESSAGE_LIMIT)}",
            title=f"Saved {path.stem!r}",
            markup=False,
        )
        return path

    # ---- restore -------------------------------------------------------------------

    def pick_restore(self) -> None:
        """Grid key `o`: the saved workspaces (name, date, sessions, agents); pick one."""
        open_count = len(self.grid.tiles)

        def picked(path: Path | None) -> None:
            if path is None:
                self.app.enter_input_mode()
                return
            self.app.run_worker(self.restore_file(path), group="launch", exclusive=True)

        screen = RestoreListScreen(persistence.list_saved(), paths.sessions_dir(), open_count)
        self.app.push_screen(screen, picked)

    async def restore_file(self, path: Path) -> RestoreReport | None:
        """Read a saved file and restore it; a bad file is a message naming it."""
        try:
            workspace = persistence.load_workspace(path)
        except PersistenceError as error:
            self.cannot_restore(error)
            self.app.enter_input_mode()
            return None
        return await self.restore_workspace(workspace, path)

    def cannot_restore(self, error: PersistenceError) -> None:
        """A saved file that cannot be restored: its message as plain text, never markup."""
        self.app.notify(
            safe_text(error.message, MESSAGE_LIMIT),
            title="Cannot restore",
            severity="error",
            timeout=15,
            markup=False,
        )

    async def restore_named(self, name: str) -> None:
        """`--restore NAME`: restore it, or say why not and open the usual sessions."""
        try:
            path = persistence.find_saved(name)
        except PersistenceError as error:
            self.cannot_restore(error)
            path = None
        report = await self.restore_file(path) if path is not None else None
        if report is None:
            await self.sessions.open_session(self.app.options.agent_type)

    # ---- the host the persistence service reads and fills (persistence.WorkspaceHost) ----

    def workspace_state(self) -> tuple[GridLayout, list[SavedSession]]:
        """The grid and every pane as they would be saved now (message panes included).

        Pane indexes are saved as grid positions (pane N is index N-1), the
        numbers people saw, whatever indexes the sessions were opened with.
        """
        tiles = self.grid.tiles
        sessions: list[SavedSession] = []
        for position, tile in enumerate(tiles):
            if isinstance(tile.body, MessagePane):
                saved = tile.body.saved
            else:
                try:
                    saved = persistence.saved_session(self.manager.info(tile.session_id))
                except SynkError:
                    continue
            sessions.append(dataclasses.replace(saved, pane_index=position))
        positions = {tile.session_id: index for index, tile in enumerate(tiles)}
        zoomed = self.grid.zoomed_id
        selected = self.grid.selected_id
        layout = GridLayout(
            order=tuple(range(len(tiles))),
            zoom=positions.get(zoomed) if zoomed is not None else None,
            selected=positions.get(selected) if selected is not None else None,
        )
        return layout, sessions

    async def restore_workspace(self, workspace: Workspace, source: Path) -> RestoreReport:
        """Replace every session with the workspace's, in their panes, staggered.

        A session whose directory is gone or whose agent is not installed
        gets a message pane in its place; the others start normally.
        """
        sessions = self.sessions
        report = RestoreReport(source)
        self.grid.zoomed_id = None
        self.grid.clear_marks()
        for tile in self.grid.tiles:
            await sessions.close_session(tile.session_id)
        for info in self.manager.list():  # a session whose tile never got mounted
            with contextlib.suppress(SynkError):
                await self.manager.destroy(info.session_id)
        ordered = sorted(workspace.sessions, key=lambda s: s.pane_index)
        tiles: dict[int, SessionTile] = {}
        for saved in ordered:
            problem = persistence.session_problem(saved, self.app.config.agents)
            if problem is None:
                if report.restored:
                    await asyncio.sleep(self.app.config.ui.launch_stagger)
                try:
                    tiles[saved.pane_index] = await sessions.start_session(
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
        app = self.app
        grid = workspace.grid
        selected = tiles.get(grid.selected) if grid.selected is not None else None
        zoomed = tiles.get(grid.zoom) if grid.zoom is not None else None
        target = zoomed or selected or (self.grid.tiles[0] if self.grid.tiles else None)
        if target is not None:
            self.grid.select(target.session_id)
        if zoomed is not None:
            self.grid.zoomed_id = zoomed.session_id
        if app.mode != "prompt" and not app.is_modal_open:
            app.enter_input_mode()
        total = len(workspace.sessions)
        if source.parent in paths.recovery_dirs():
            # An autosave is named after the pid of the synk that died: say when instead.
            when = workspace.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
            title = f"Restored the workspace autosaved {when}"
        else:
            title = f"Restored {safe_text(source.stem)!r}"
        shown = safe_text(source, MESSAGE_LIMIT)
        if report.problems:
            app.notify(
                f"{report.restored} of {total} sessions restored from {shown}",
                title=title,
                severity="warning",
                timeout=15,
                markup=False,
            )
            for message in report.messages():
                app.notify(
                    safe_text(message, MESSAGE_LIMIT),
                    title="Not restored",
                    severity="error",
                    timeout=15,
                    markup=False,
                )
        else:
            app.notify(f"{plural(total, 'session')} from {shown}", title=title, markup=False)
        unset = sorted({n for s in workspace.sessions for n in persistence.missing_env_names(s)})
        if unset:
            app.notify(
                "These variables were set for sessions when saved and are not set now "
                f"(values are never saved): {safe_text(', '.join(unset), MESSAGE_LIMIT)}",
                title="Environment",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self._autosaved = None
        self.autosave_now()

    # ---- autosave and crash recovery -------------------------------------------------

    def autosave(self) -> None:
        """Timer: write the recovery file if the workspace changed (never blocks long)."""
        if self._quitting:
            return
        self.autosave_now()

    def autosave_now(self) -> None:
        """Write this process's recovery file now; no sessions: remove it."""
        if not self.app.config.persistence.autosave:
            return
        try:
            grid, sessions = self.workspace_state()
            key = (grid, tuple(sessions))
            if key == self._autosaved:
                return
            if sessions:
                persistence.write_recovery(self.service.snapshot(None))
            else:
                persistence.remove_recovery()
        except (SynkError, OSError) as error:
            message = getattr(error, "message", str(error))
            if message != self._autosave_error:
                self._autosave_error = message
                self.app.notify(
                    safe_text(message, MESSAGE_LIMIT),
                    title="Autosave failed",
                    severity="warning",
                    timeout=10,
                    markup=False,
                )
            return
        self._autosaved = key
        self._autosave_error = ""

    def stop_autosave(self) -> None:
        """Quitting: the timer writes nothing more while the sessions end."""
        self._quitting = True

    def clean_exit(self) -> None:
        """The person quit: remove the recovery file, so the next start asks nothing."""
        with contextlib.suppress(OSError):
            persistence.remove_recovery()

    def offer_recovery(self) -> bool:
        """Last run did not exit cleanly: offer its autosave back (y/n). True if asked."""
        app = self.app
        found, errors = persistence.stale_recoveries()
        for error in errors:
            aside = Path(str(error.path)).with_suffix(persistence.BAD_SUFFIX).name
            app.notify(
                f"{safe_text(error.message, MESSAGE_LIMIT)} (moved aside to {safe_text(aside)})",
                title="Unreadable autosave",
                severity="warning",
                timeout=10,
                markup=False,
            )
        if not found:
            return False
        recovery = found[0]
        workspace = recovery.workspace
        when = workspace.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        agents = agent_summary(workspace.agents)

        def answered(answer: bool | None) -> None:
            if answer:
                app.run_worker(self.recover(recovery), group="launch", exclusive=True)
                return
            if answer is False:
                persistence.discard_recovery(recovery)
            self.sessions.open_sessions(app.options.sessions, app.options.agent_type)

        app.push_screen(
            ConfirmScreen(
                "synk did not exit cleanly last time.",
                f"Restore its {plural(len(workspace.sessions), 'session')} ({agents}), "
                f"autosaved {when}?",
                yes="y restore",
                no="n start fresh",
                cancel="esc start fresh, ask again next time",
                guarded=True,
            ),
            answered,
        )
        return True

    async def recover(self, recovery: Recovery) -> None:
        """Bring the autosave back; its file goes once this run autosaves its own."""
        await self.restore_workspace(recovery.workspace, recovery.path)
        persistence.discard_recovery(recovery)

    # ---- quit ------------------------------------------------------------------------

    def ask_quit(self) -> None:
        """Quit key: "Save session for later?" (y / n / Esc cancels), then end everything.

        The question is pushed at once (not from a worker), so keys typed
        right behind the quit key answer it.
        """
        app = self.app
        if not (app.config.persistence.ask_on_quit and self.grid.tiles):
            app.request_quit()
            return

        def saved(path: Path | None) -> None:
            if path is None:  # Esc in the name dialog, or the save failed: stay
                app.enter_input_mode()
                return
            self.saved_on_quit = path
            app.request_quit()

        def answered(answer: bool | None) -> None:
            if answer is None:
                app.enter_input_mode()
            elif answer:
                self.ask_name_and_save(saved, "Save the workspace as, then quit:")
            else:
                app.request_quit()

        count = len(self.grid.tiles)
        them, they = ("it", "it comes") if count == 1 else ("them", "they come")
        app.push_screen(
            ConfirmScreen(
                "Save session for later?",
                f"Quitting ends {plural(count, 'session')}. "
                f"Save {them} and {they} back with grid key o.",
                yes="y save",
                no="n quit without saving",
            ),
            answered,
        )
