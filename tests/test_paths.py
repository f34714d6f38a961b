"""Where synk's files live: config in the config dir, state (prompt history,
crash recovery) in the state dir, each with its environment override, and
state an older synk left in the config dir still found."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from synk_tui import paths, persistence
from synk_tui.prompting import PromptHistory
from tests.hostile_files import GOOD


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def only_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    """No synk overrides: the XDG config and state homes under tmp_path."""
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    monkeypatch.delenv(paths.STATE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "config" / "synk", tmp_path / "state" / "synk"


def test_state_goes_to_the_xdg_state_dir_and_config_stays(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config, state = only_xdg(monkeypatch, tmp_path)
    assert paths.config_file() == config / "config.toml"
    assert paths.sessions_dir() == config / "sessions"
    assert paths.state_dir() == state
    assert paths.recovery_dir() == state / "recovery"
    assert paths.prompt_history_file() == state / "prompt_history"


def test_each_override_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    only_xdg(monkeypatch, tmp_path)
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(tmp_path / "c"))
    # SYNK_CONFIG_DIR alone still holds everything: nothing reaches the real home
    assert paths.state_dir() == tmp_path / "c"
    assert paths.recovery_dir() == tmp_path / "c" / "recovery"
    monkeypatch.setenv(paths.STATE_DIR_ENV, str(tmp_path / "s"))
    assert paths.state_dir() == tmp_path / "s"
    assert paths.prompt_history_file() == tmp_path / "s" / "prompt_history"
    assert paths.sessions_dir() == tmp_path / "c" / "sessions"


def test_an_older_prompt_history_moves_to_the_state_dir_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config, state = only_xdg(monkeypatch, tmp_path)
    config.mkdir(parents=True)
    (config / "prompt_history").write_text('"from before"\n')
    history = PromptHistory(paths.prompt_history_file())
    assert history.entries == ["from before"]
    assert not (config / "prompt_history").exists()
    assert (state / "prompt_history").read_text() == '"from before"\n'
    history.add("new")
    # a later copy in the old place (an older synk still running) never overwrites it
    (config / "prompt_history").write_text('"older synk"\n')
    assert PromptHistory(paths.prompt_history_file()).entries == ["from before", "new"]
    assert (config / "prompt_history").exists()


def test_an_autosave_in_the_old_place_is_still_offered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config, state = only_xdg(monkeypatch, tmp_path)
    old = config / "recovery" / f"{dead_pid()}.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps(GOOD))
    bad = config / "recovery" / f"{dead_pid()}.json"
    bad.write_text("{")
    [found], [error] = persistence.stale_recoveries()
    assert found.path == old and found.workspace.sessions[0].working_dir == "/"
    assert str(bad) in error.message and bad.with_suffix(".bad").exists()
    persistence.discard_recovery(found)
    assert not old.exists()
    assert persistence.stale_recoveries() == ([], [])
    own = persistence.write_recovery(found.workspace)
    assert own.parent == state / "recovery"
