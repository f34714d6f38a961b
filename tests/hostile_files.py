"""Hostile saved-workspace files, shared by the persistence, CLI and app tests.

No test here. Each entry writes one file at a given path and says which
error code reading it must give and words its message must hold. The
same files are used as saved workspaces (`sessions/NAME.json`) and as
crash-recovery autosaves (`recovery/PID.json`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOOD: dict[str, Any] = {
    "version": 1,
    "name": "w",
    "saved_at": "2025-01-02T03:04:05+00:00",
    "grid": {"order": [0], "zoom": None},
    "sessions": [
        {
            "pane_index": 0,
            "agent_type": "terminal",
            "project_path": "/",
            "working_dir": "/",
        }
    ],
}

HUGE_BYTES = 200 * 1024 * 1024
"""The size of the oversized file: far over the cap, sparse on disk."""


def variant(**changes: Any) -> dict[str, Any]:
    """GOOD with top-level keys (or `s0_` keys of the first session) replaced."""
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("s0_"):
            data["sessions"][0][key[3:]] = value
        else:
            data[key] = value
    return data


def _raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _json(data: object) -> Callable[[Path], None]:
    return _raw(json.dumps(data).encode())


def _oversized(path: Path) -> None:
    """A valid workspace followed by zeros up to 200 MB, without writing 200 MB."""
    path.write_bytes(json.dumps(GOOD).encode())
    os.truncate(path, HUGE_BYTES)


def _fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


@dataclass(frozen=True)
class Hostile:
    """One bad file: how to write it, the error code and words of its message."""

    write: Callable[[Path], None]
    code: str
    words: str


DEEP = b'{"version": 1, "grid": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
DIGITS = json.dumps(GOOD).replace('"zoom": null', '"zoom": ' + "7" * 5000).encode()
LONE_SURROGATE = json.dumps(GOOD).replace('"terminal"', '"\\ud800"').encode()

HOSTILE: dict[str, Hostile] = {
    "deep": Hostile(_raw(DEEP), "workspace_corrupt", "nested too deeply"),
    "year-one": Hostile(
        _json(variant(saved_at="0001-01-01T00:00:00")), "workspace_invalid", "saved_at"
    ),
    "far-future": Hostile(
        _json(variant(saved_at="9999-12-31T23:59:59-14:00")), "workspace_invalid", "saved_at"
    ),
    "digits": Hostile(_raw(DIGITS), "workspace_corrupt", "number"),
    "oversized": Hostile(_oversized, "workspace_too_large", "too large"),
    "not-utf8": Hostile(_raw(b'{"version": 1, "name": "\xff\xfe"}'), "workspace_corrupt", "UTF-8"),
    "array": Hostile(_raw(b"[1, 2]"), "workspace_corrupt", "expected a JSON object"),
    "wrong-types": Hostile(
        _json(variant(sessions={"pane_index": "0"})), "workspace_invalid", "sessions must be list"
    ),
    "wrong-session-types": Hostile(
        _json(variant(s0_pane_index="0", s0_working_dir=7)), "workspace_invalid", "pane_index"
    ),
    "huge-pane": Hostile(
        _json(variant(s0_pane_index=int("9" * 4000))), "workspace_invalid", "pane_index"
    ),
    "nul-in-path": Hostile(
        _json(variant(s0_working_dir="/tmp\x00/x")), "workspace_invalid", "working_dir"
    ),
    "lone-surrogate": Hostile(_raw(LONE_SURROGATE), "workspace_invalid", "agent_type"),
}
"""Every hostile saved file, by a short name (also used as the workspace name)."""

NOT_REGULAR: dict[str, Hostile] = {
    "fifo": Hostile(_fifo, "workspace_corrupt", "not a regular file"),
}
"""Files that are not regular files: reading one must neither block nor read for ever."""
