"""Every file synk reads or writes is found through this module.

Two places: the **config dir** holds what the person writes or names
(config.toml, saved workspaces); the **state dir** holds what synk keeps for
itself between runs (prompt history, crash-recovery autosaves).

`SYNK_CONFIG_DIR` overrides the config dir, and the state dir too unless
`SYNK_STATE_DIR` is set (tests point them at temporary directories so they
never touch the real home). Otherwise the XDG base directory rules apply:
`$XDG_CONFIG_HOME/synk` (default `~/.config/synk`) and
`platformdirs.user_state_path("synk")` (`$XDG_STATE_HOME/synk`, default
`~/.local/state/synk`).

Older synk versions kept state in the config dir: a prompt history there is
moved to the state dir the first time it is asked for (unless one is
already there), and autosaves there are still looked at (`recovery_dirs`),
so nothing is lost by upgrading. Autosaves are not moved: an older synk may
still be running and writing its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import platformdirs

CONFIG_DIR_ENV = "SYNK_CONFIG_DIR"
STATE_DIR_ENV = "SYNK_STATE_DIR"


def _override(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """The directory holding config.toml and saved sessions."""
    override = _override(CONFIG_DIR_ENV)
    if override is not None:
        return override
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "synk"


def state_dir() -> Path:
    """The directory holding prompt history and crash-recovery autosaves."""
    override = _override(STATE_DIR_ENV) or _override(CONFIG_DIR_ENV)
    if override is not None:
        return override
    return platformdirs.user_state_path("synk", appauthor=False)


def config_file() -> Path:
    """The user's configuration file (TOML)."""
    return config_dir() / "config.toml"


def sessions_dir() -> Path:
    """Where saved workspaces live, one JSON file each."""
    return config_dir() / "sessions"


def recovery_dir() -> Path:
    """Crash-recovery autosaves, one per running synk; each is removed on a clean exit."""
    return state_dir() / "recovery"


def recovery_dirs() -> list[Path]:
    """Where autosaves may be found: the state dir's, then the config dir's of older synks."""
    current = recovery_dir()
    legacy = config_dir() / "recovery"
    return [current] if legacy == current else [current, legacy]


def recovery_file(pid: int | None = None) -> Path:
    """The autosave of process `pid` (default: this one)."""
    return recovery_dir() / f"{os.getpid() if pid is None else pid}.json"


def prompt_history_file() -> Path:
    """Prompts sent from the command bar, for up/down recall across runs.

    One an older synk left in the config dir is moved here first, unless
    this one exists already (a move that fails leaves it where it was).
    """
    path = state_dir() / "prompt_history"
    legacy = config_dir() / "prompt_history"
    if legacy != path and not path.exists() and legacy.is_file():
        with contextlib.suppress(OSError):
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                os.link(legacy, path)  # never replaces a history that appeared meanwhile
            except FileExistsError:
                return path
            except OSError:  # another file system: copy
                shutil.copy2(legacy, path)
            legacy.unlink()
    return path
