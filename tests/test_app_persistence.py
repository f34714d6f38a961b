"""Saving and restoring workspaces in the real app (pilot, real shells on PTYs).

Save -> quit -> restore gives the same panes, zoom, selection and working
dirs; the quit question (y / n / Esc, or off); the restore list with an
unreadable file; message panes for a missing agent or directory; the crash
recovery question at start; autosave and its removal on a clean exit; a
failing save; the wire commands reaching the app's grid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList

from synk_tui import paths, persistence
from synk_tui.app import SynkApp
from synk_tui.config import Config
from synk_tui.ipc import invoke
from synk_tui.persistence import GridLayout, SavedSession, Workspace, load_workspace
from synk_tui.screens import ConfirmScreen, RestoreListScreen, SaveNameScreen
from synk_tui.widgets.message_pane import MessagePane
from synk_tui.widgets.terminal_pane import TerminalPane
from tests.hostile_files import HOSTILE, NOT_REGULAR, variant
from tests.test_app_helpers import (
    make_app,
    none_alive,
    session_pids,
    wait_ready,
    wait_until,
)

pytestmark = pytest.mark.timeout(90)


def notifications(app: SynkApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def notified(app: SynkApp, text: str) -> bool:
    return any(text in n for n in notifications(app))


def cwd_of(app: SynkApp, number: int) -> str:
    """Where pane `number`'s shell really is (its /proc cwd)."""
    tile = app.grid.tile_by_number(number)
    assert tile is not None
    return persistence.current_dir(app.manager.info(tile.session_id))


async def cd(pilot: Pilot[Any], app: SynkApp, number: int, directory: Path) -> None:
    """Type `cd directory` into pane `number` and wait until its shell is there."""
    await pilot.press("ctrl+backslash", str(number), "enter", *f"cd {directory}", "enter")
    await wait_until(pilot, lambda: cwd_of(app, number) == str(directory), what=f"cd {number}")


def saved_file(name: str, sessions: tuple[SavedSession, ...], selected: int | None) -> Path:
    layout = GridLayout(tuple(s.pane_index for s in sessions), selected=selected)
    workspace = Workspace(name, datetime.now().astimezone(), layout, sessions)
    return persistence.save_workspace(workspace)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# ---- save -> quit -> restore ---------------------------------------------------


def answering(app: SynkApp) -> bool:
    """The question on screen takes keys as answers (its guard is over)."""
    return isinstance(app.screen, ConfirmScreen) and app.screen.answering


async def test_save_quit_restore_gives_the_same_layout_and_working_dirs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    dirs = [project, project / "a", project / "b" / "deep"]
    for directory in dirs:
        directory.mkdir(parents=True, exist_ok=True)
    app = make_app(tmp_path, 3)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_ready(pilot, app, 3)
        await cd(pilot, app, 2, dirs[1])
        await cd(pilot, app, 3, dirs[2])
        await pilot.press("ctrl+backslash", "2", "z")  # zoom pane 2, selected
        await wait_until(pilot, lambda: app.grid.zoomed_id is not None)
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        name_input = app.screen.query_one(Input)
        assert name_input.value.startswith("project-20")  # the default: folder + time
        await pilot.press(*"my work", "enter")  # the default is selected: typing replaces it
        await wait_until(pilot, lambda: notified(app, "Saved 'my work'"), what="saved")
        assert not app.is_modal_open and app.mode == "input"
        pids = session_pids(app)
        await pilot.press("ctrl+backslash", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")
    assert app.saved_on_quit is None

    path = paths.sessions_dir() / "my work.json"
    saved = load_workspace(path)
    assert saved.grid == GridLayout((0, 1, 2), zoom=1, selected=1)
    assert [s.working_dir for s in saved.sessions] == [str(d) for d in dirs]

    # somewhere else entirely: the saved dirs come back, not the start dir
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again = make_app(elsewhere, 1, restore="my work")
    async with again.run_test(size=(160, 50)) as pilot:
        await wait_ready(pilot, again, 3)
        await wait_until(pilot, lambda: notified(again, "Restored 'my work'"), what="restored")
        assert [t.number for t in again.grid.tiles] == [1, 2, 3]
        assert all(isinstance(t.body, TerminalPane) for t in again.grid.tiles)
        zoomed = again.grid.tile(again.grid.zoomed_id or 0)
        assert zoomed is not None and zoomed.number == 2
        assert again.grid.selected_tile is zoomed and again.focused is zoomed.body
        for number, directory in enumerate(dirs, start=1):
            assert cwd_of(again, number) == str(directory)
            tile = again.grid.tile_by_number(number)
            assert tile is not None
            assert again.manager.info(tile.session_id).pane_index == number - 1
        assert again.workspace.workspace_state() == (saved.grid, list(saved.sessions))


# ---- the quit question -----------------------------------------------------------


async def test_quit_question_y_asks_a_name_saves_and_quits(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        pids = session_pids(app)
        await pilot.press("ctrl+backslash", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Save session for later?" in str(app.screen.query_one("#question", Label).render())
        detail = str(app.screen.query_one("#detail", Label).render())
        assert detail == "Quitting ends 2 sessions. Save them and they come back with grid key o."
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press("enter")  # keep the default name
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")
    assert app.saved_on_quit is not None
    assert app.saved_on_quit.stem.startswith("project-20")
    assert len(load_workspace(app.saved_on_quit).sessions) == 2
    assert not paths.recovery_file().exists()  # a clean exit


async def test_quit_question_esc_cancels_and_n_quits_without_saving(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        pids = session_pids(app)
        await pilot.press("ctrl+backslash", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open and app.mode == "input")
        assert app.is_running and not none_alive(pids)
        # y, then Esc in the name dialog: still not quitting, nothing saved
        await pilot.press("ctrl+backslash", "q", "y")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open and app.mode == "input")
        assert app.is_running and not none_alive(pids)
        await pilot.press("ctrl+backslash", "q", "n")  # typed in one go: n answers it
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")
    assert app.return_code == 0
    assert persistence.list_saved() == []


async def test_quit_question_can_be_turned_off(tmp_path: Path) -> None:
    config = Config()
    config.persistence.ask_on_quit = False
    app = make_app(tmp_path, 1, config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        pids = session_pids(app)
        await pilot.press("ctrl+backslash", "q")
        await wait_until(pilot, lambda: none_alive(pids), what="children ended")
        assert not any(isinstance(s, ConfirmScreen) for s in app.screen_stack)
    assert app.return_code == 0


# ---- save dialog -----------------------------------------------------------------


async def test_bad_name_is_refused_in_the_dialog_and_replacing_asks_first(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press(*"../x", "enter")
        error = app.screen.query_one("#save-error", Label)
        await wait_until(pilot, lambda: "may not contain /" in str(error.render()))
        assert isinstance(app.screen, SaveNameScreen)
        await pilot.press("ctrl+shift+a", *"keep", "enter")
        await wait_until(pilot, lambda: notified(app, "Saved 'keep'"))
        first = (paths.sessions_dir() / "keep.json").read_bytes()
        # the same name again: replace? n goes back to the name
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press(*"keep", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.is_modal_open)
        assert (paths.sessions_dir() / "keep.json").read_bytes() == first


async def test_a_failing_save_is_an_error_and_the_old_file_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        assert await app.workspace.save_workspace("w") is not None
        old = (paths.sessions_dir() / "w.json").read_bytes()

        def full(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        await pilot.press("ctrl+backslash", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, SaveNameScreen))
        await pilot.press(*"w", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: notified(app, "Cannot save the workspace"))
        assert notified(app, "the disk is full")
        assert app.is_running and not app.is_modal_open
        assert (paths.sessions_dir() / "w.json").read_bytes() == old
        assert [p.name for p in paths.sessions_dir().iterdir()] == ["w.json"]


# ---- restore list, bad files, message panes -----------------------------------------


async def test_restore_list_bad_files_and_message_panes(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    config = Config()
    config.agents.codex = "no-such-codex-binary"
    good = saved_file(
        "mixed",
        (
            SavedSession(0, "terminal", str(here), str(here)),
            SavedSession(1, "terminal", str(here), str(tmp_path / "deleted")),
            SavedSession(2, "codex", str(here), str(here), None, ("--model", "x")),
        ),
        selected=0,
    )
    before = good.read_bytes()
    corrupt = paths.sessions_dir() / "broken.json"
    corrupt.write_text('{"version": 1,')
    newer = paths.sessions_dir() / "future.json"
    newer.write_text(json.dumps({"version": 7, "saved_at": "2030-01-01T00:00:00", "sessions": []}))
    app = make_app(tmp_path, 2, config=config)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_ready(pilot, app, 2)
        old_ids = {info.session_id for info in app.manager.list()}
        await pilot.press("ctrl+backslash", "o")
        await wait_until(pilot, lambda: isinstance(app.screen, RestoreListScreen))
        options = app.screen.query_one(OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(texts) == 3
        mixed = next(t for t in texts if "mixed" in t)
        assert "3 sessions" in mixed and "terminal, codex" in mixed
        assert options.get_option_at_index(texts.index(mixed)).disabled is False
        broken = next(t for t in texts if "broken" in t)
        assert "not valid JSON" in broken
        assert options.get_option_at_index(texts.index(broken)).disabled
        assert "newer synk" in next(t for t in texts if "future" in t)
        warning = app.screen.query_one("#restore-warning", Label)
        assert "replaces the 2 open sessions" in str(warning.render())
        await pilot.press("enter")  # the only readable one is highlighted
        await wait_until(pilot, lambda: len(app.grid.tiles) == 3, what="three panes")
        assert not {info.session_id for info in app.manager.list()} & old_ids
        tiles = app.grid.tiles
        assert [t.number for t in tiles] == [1, 2, 3]
        assert isinstance(tiles[0].body, TerminalPane)
        assert isinstance(tiles[1].body, MessagePane) and isinstance(tiles[2].body, MessagePane)
        assert "no longer exists" in tiles[1].body.message
        assert "no-such-codex-binary" in tiles[2].body.message
        assert "not started" in tiles[1].header.render().plain
        await wait_until(pilot, lambda: notified(app, f"{good}: pane 2: "))
        assert notified(app, f"{good}: pane 3: ") and notified(app, "1 of 3 sessions restored")
        assert good.read_bytes() == before and app.is_running
        # the message panes keep their sessions when the workspace is saved again
        reply = await invoke(app.workspace.wire, "persistence:save_session", {})
        resaved = load_workspace(reply["savedPath"])
        assert [s.agent_type for s in resaved.sessions] == ["terminal", "terminal", "codex"]
        assert resaved.sessions[2].agent_args == ("--model", "x")
        # a message pane takes no prompt, and x closes it like any pane
        assert app.prompts.send_prompt(tiles[1], "hello") is False
        await pilot.press("ctrl+backslash", "2", "x")
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2)
        # the panes renumber by position: the codex message pane is now pane 2
        assert [t.number for t in app.grid.tiles] == [1, 2]
        assert "no-such-codex-binary" in app.grid.tiles[1].body.message
        # a new session goes last, as pane 3
        await pilot.press("ctrl+backslash", "n", "enter")
        await wait_until(pilot, lambda: [t.number for t in app.grid.tiles] == [1, 2, 3])
        assert isinstance(app.grid.tiles[2].body, TerminalPane)


async def test_restoring_a_bad_file_names_it_and_changes_nothing(tmp_path: Path) -> None:
    path = paths.sessions_dir() / "old.json"
    path.parent.mkdir(parents=True)
    raw = json.dumps({"version": 1, "saved_at": "2025-01-01T00:00:00", "sessions": [{}]})
    path.write_text(raw)
    app = make_app(tmp_path, 1, restore="old")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: notified(app, "Cannot restore"))
        assert notified(app, f"{path}: sessions[0].pane_index is missing")
        await wait_ready(pilot, app, 1)  # the usual session instead
        assert path.read_text() == raw
        report = await app.workspace.restore_file(path)
        assert report is None and len(app.grid.tiles) == 1


async def test_a_saved_file_quoting_markup_is_shown_as_text(tmp_path: Path) -> None:
    path = paths.sessions_dir() / "markup.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(variant(saved_at="[/i][link=x]")))
    app = make_app(tmp_path, 1, restore="markup")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_ready(pilot, app, 1)  # the usual session instead
        toasts = await wait_until(pilot, lambda: app.screen.query("Toast").nodes, what="toasts")
        assert any("saved_at '[/i][link=x]'" in str(toast.render()) for toast in toasts)


# ---- crash recovery ------------------------------------------------------------


def crashed_autosave(tmp_path: Path, dirs: list[Path]) -> Path:
    """A recovery file as a synk killed with SIGKILL leaves it."""
    sessions = tuple(SavedSession(i, "terminal", str(tmp_path), str(d)) for i, d in enumerate(dirs))
    workspace = Workspace(
        "x", datetime.now().astimezone(), GridLayout((0, 1), zoom=None, selected=1), sessions
    )
    path = paths.recovery_file(dead_pid())
    persistence.write_atomic(path, workspace.encode({"owner": {"pid": 1, "started": None}}))
    return path


@pytest.mark.parametrize("answer", ["y", "n", "escape"])
async def test_recovery_question_after_a_crash(tmp_path: Path, answer: str) -> None:
    dirs = [tmp_path / "one", tmp_path / "two"]
    for directory in dirs:
        directory.mkdir()
    stale = crashed_autosave(tmp_path, dirs)
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one("#question", Label).render())
        assert "did not exit cleanly" in question
        assert "2 sessions" in str(app.screen.query_one("#detail", Label).render())
        assert app.grid.tiles == []  # nothing opened behind the question
        await wait_until(pilot, lambda: answering(app))  # keys answer once it has been seen
        await pilot.press(answer)
        if answer == "y":
            await wait_ready(pilot, app, 2)
            await wait_until(pilot, lambda: notified(app, "Restored"), what="restored")
            # named by when it was saved, not by the dead process's pid
            assert notified(app, "Restored the workspace autosaved 20")
            assert not notified(app, f"Restored '{stale.stem}'")
            assert [cwd_of(app, n) for n in (1, 2)] == [str(d) for d in dirs]
            assert app.grid.selected_tile is app.grid.tiles[1]
            await wait_until(pilot, lambda: not stale.exists(), what="stale autosave removed")
        else:
            await wait_ready(pilot, app, 1)  # the usual start
            assert cwd_of(app, 1) == str(tmp_path / "project")
            assert stale.exists() == (answer == "escape")  # Esc: ask again next time


async def test_hostile_recovery_files_are_moved_aside_and_the_app_starts(tmp_path: Path) -> None:
    directory = paths.recovery_dir()
    directory.mkdir(parents=True)
    planted: dict[Path, int] = {}
    for hostile in [*HOSTILE.values(), *NOT_REGULAR.values()]:
        path = paths.recovery_file(dead_pid())
        hostile.write(path)
        planted[path] = path.stat().st_size
    odd = directory / "[red]odd.json"  # markup in a name or a value is text, not markup
    odd.write_text("{}")
    planted[odd] = odd.stat().st_size
    markup = paths.recovery_file(dead_pid())
    markup.write_text(json.dumps(variant(saved_at="[/i]")))
    planted[markup] = markup.stat().st_size
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(pilot, app, 1)  # the usual start, no question
        assert not isinstance(app.screen, ConfirmScreen)
        for path, size in planted.items():
            assert not path.exists()
            assert path.with_suffix(".bad").stat().st_size == size
            assert notified(app, path.name), (path.name, notifications(app))
        warnings = [n for n in notifications(app) if n.startswith("Unreadable autosave")]
        assert len(warnings) == len(planted)
        assert all("moved aside to" in w for w in warnings)
        assert notified(app, "saved_at '[/i]'")
        # the toasts show the text as it is: markup in a name or value is never parsed
        toasts = await wait_until(pilot, lambda: app.screen.query("Toast").nodes, what="toasts")
        shown = [str(toast.render()) for toast in toasts]
        assert any("saved_at '[/i]'" in text for text in shown)
        assert any("[red]odd.json" in text for text in shown)
    assert persistence.stale_recoveries() == ([], [])


async def test_an_autosave_naming_odd_agents_is_offered_without_reading_them_as_markup(
    tmp_path: Path,
) -> None:
    sessions = [
        {"pane_index": i, "agent_type": agent, "project_path": "/", "working_dir": "/"}
        for i, agent in enumerate(["claude_code", "[/i]", "\x1b]0;x\x07"])
    ]
    path = paths.recovery_file(dead_pid())
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(variant(sessions=sessions)))
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        detail = str(app.screen.query_one("#detail", Label).render())
        assert "3 sessions (claude, 2 of an unknown type)" in detail
        await wait_until(pilot, lambda: answering(app))
        await pilot.press("n")
        await wait_ready(pilot, app, 1)


async def test_restoring_values_that_look_like_markup_shows_them_as_text(tmp_path: Path) -> None:
    session = {
        "pane_index": 0,
        "agent_type": "[/u]",
        "project_path": "/",
        "working_dir": "/",
        "env_names": ["SYNK_UNSET_[/b]"],
    }
    gone = {"pane_index": 1, "agent_type": "terminal", "project_path": "/"}
    gone["working_dir"] = str(tmp_path / "gone [/i]")
    path = paths.sessions_dir() / "[b]odd.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(variant(sessions=[session, gone])))
    app = make_app(tmp_path, 1, restore="[b]odd")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_until(pilot, lambda: len(app.grid.tiles) == 2, what="two message panes")
        toasts = await wait_until(
            pilot, lambda: len(app.screen.query("Toast").nodes) >= 4, what="toasts"
        )
        shown = "\n".join(str(toast.render()) for toast in app.screen.query("Toast"))
        assert "unknown agent type '[/u]'" in shown and "gone [/i]" in shown
        assert "SYNK_UNSET_[/b]" in shown and "[b]odd.json" in shown
        assert toasts


async def test_autosave_follows_the_workspace_and_a_clean_exit_removes_it(tmp_path: Path) -> None:
    config = Config()
    config.persistence.autosave_interval = 0.2
    sub = tmp_path / "project" / "sub"
    sub.mkdir(parents=True)
    app = make_app(tmp_path, 2, config=config)
    own = paths.recovery_file()

    def autosaved() -> Workspace | None:
        try:
            return load_workspace(own)
        except persistence.PersistenceError:
            return None

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        await wait_until(pilot, lambda: (w := autosaved()) and len(w.sessions) == 2)
        await cd(pilot, app, 2, sub)
        await wait_until(
            pilot, lambda: (w := autosaved()) and w.sessions[1].working_dir == str(sub)
        )
        assert oct(own.stat().st_mode & 0o777) == "0o600"
        assert json.loads(own.read_text())["owner"]["pid"] == os.getpid()
        await pilot.press("ctrl+backslash", "q", "n")
        await wait_until(pilot, lambda: not app.is_running, what="quit")
    assert not own.exists()


async def test_a_signal_exit_keeps_the_autosave_for_next_time(tmp_path: Path) -> None:
    app = make_app(tmp_path, 1)  # default interval (30 s): the signal itself autosaves
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        app._on_signal(signal.SIGTERM)
        await wait_until(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code == 128 + signal.SIGTERM
    assert len(load_workspace(paths.recovery_file()).sessions) == 1


async def test_autosave_off_writes_nothing(tmp_path: Path) -> None:
    config = Config()
    config.persistence.autosave = False
    app = make_app(tmp_path, 1, config=config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot, app, 1)
        app.workspace.autosave_now()
        app._on_signal(signal.SIGTERM)
        await wait_until(pilot, lambda: not app.is_running, what="exit")
    assert not paths.recovery_dir().exists()


# ---- the wire, through the app ----------------------------------------------------------


async def test_wire_commands_see_and_fill_the_grid(tmp_path: Path) -> None:
    app = make_app(tmp_path, 2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        await pilot.press("ctrl+backslash", "2", "z")
        await wait_until(pilot, lambda: app.grid.zoomed_id is not None)
        reply = await invoke(app.workspace.wire, "persistence:save_session", {"name": "wired"})
        path = Path(reply["savedPath"])
        assert load_workspace(path).grid == GridLayout((0, 1), zoom=1, selected=1)
        listed = await invoke(app.workspace.wire, "persistence:list_saved")
        assert [(i["name"], i["sessionCount"]) for i in listed] == [("wired", 2)]
        await pilot.press("ctrl+backslash", "z")
        await wait_until(pilot, lambda: app.grid.zoomed_id is None)
        old = {t.session_id for t in app.grid.tiles}
        result = await invoke(app.workspace.wire, "persistence:load_session", {"path": str(path)})
        assert result == {"sessionCount": 2, "problems": []}
        await wait_ready(pilot, app, 2)
        assert not {t.session_id for t in app.grid.tiles} & old
        zoomed = app.grid.tile(app.grid.zoomed_id or 0)
        assert zoomed is not None and zoomed.number == 2


async def test_keys_typed_before_the_recovery_question_answer_nothing(tmp_path: Path) -> None:
    dirs = [tmp_path / "one", tmp_path / "two"]
    for directory in dirs:
        directory.mkdir()
    stale = crashed_autosave(tmp_path, dirs)
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(120, 40)) as pilot:
        # typed the moment synk starts, meant for a shell: not an answer
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y", *"es")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmScreen) and app.grid.tiles == []
        note = str(app.screen.query_one("#guard-note", Label).render())
        assert "ignored" in note
        await wait_until(pilot, lambda: answering(app))
        await pilot.press("n")  # a deliberate answer, once it has been seen
        await wait_ready(pilot, app, 1)
        assert not stale.exists()


async def test_the_recovery_question_fits_a_40x10_terminal(tmp_path: Path) -> None:
    dirs = [tmp_path / "one", tmp_path / "two"]
    for directory in dirs:
        directory.mkdir()
    crashed_autosave(tmp_path, dirs)
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.1)
        dialog = app.screen.query_one("#dialog")
        assert app.screen.region.contains_region(dialog.region)
        assert dialog.virtual_size.height <= dialog.container_size.height  # nothing scrolled off
        for label in dialog.query(Label):
            assert dialog.region.contains_region(label.region), label.id
