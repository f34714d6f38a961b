"""What the command line asked for, in its own module.

The `synk` command builds it and the App reads it; neither imports the
other for it, so cli.py can import the App late without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LaunchOptions:
    """What the command line asked for, validated."""

    project_dir: Path
    sessions: int = 1
    agent_type: str = "terminal"
    restore: str | None = None
    list_saved: bool = False
    socket: Path | None = None
    """The control socket to listen on (None: no socket, as in tests that build options)."""
