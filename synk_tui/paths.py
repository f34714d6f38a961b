"""Every file synk reads or writes is found through this module.

`SYNK_CONFIG_DIR` overrides everything (tests point it at a temporary
directory so they never touch the real home); otherwise the XDG base
directory rules apply: `$XDG_CONFIG_HOME/synk`, default `~/.config/synk`.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_DIR_ENV = "SYNK_CONFIG_DIR"


def config_dir() -> Path:
    """The directory holding config.toml and saved sessions."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "synk"


def config_file() -> Path:
    """The user's configuration file (TOML)."""
    return config_dir() / "config.toml"


def sessions_dir() -> Path:
    """Where saved workspaces live, one JSON file each."""
    return config_dir() / "sessions"


def recovery_dir() -> Path:
    """Crash-recovery autosaves, one per running synk; each is removed on a clean exit."""
    return config_dir() / "recovery"


def recovery_file(pid: int | None = None) -> Path:
    """The autosave of process `pid` (default: this one)."""
    return recovery_dir() / f"{os.getpid() if pid is None else pid}.json"


def prompt_history_file() -> Path:
    """Prompts sent from the command bar, for up/down recall across runs."""
    return config_dir() / "prompt_history"
