"""Codex's turn state from its rollout file, which its screen alone misses.

Codex's `Working` line disappears while an answer streams, so its screen
looks idle mid-turn. Its rollout file
`~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl` marks each turn
with `task_started` and `task_complete` (or `turn_aborted`) events.

The file is written by Codex's shared `app-server` daemon, so it is matched
to a session by its first line (`session_meta`): the session's cwd, created
after the session started, and not already taken by another session. When
more than one file fits, or another Codex session of the same HOME and cwd
still looks for its own, the match is ambiguous: the session says so
(`ambiguous`) and keeps using its screen. The file is read incrementally
(the offset is kept, never re-read whole), at most `READ_LIMIT` bytes a
look, and a broken line is skipped.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from pathlib import Path

READ_LIMIT = 1024 * 1024
"""Bytes read from the rollout file per look at most; the rest waits."""
FIRST_LINE_LIMIT = 64 * 1024
"""The session_meta line is read up to this size (Codex's is a few KB)."""
SEARCH_INTERVAL = 1.0
"""Seconds between two searches for the session's rollout file."""
START_SLACK = 2.0
"""A file whose session started up to this long before synk's session still fits
(clocks are read in different processes)."""

TURN_STARTED = "task_started"
TURN_ENDED = ("task_complete", "turn_aborted")


def _parse_time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def session_meta(path: Path) -> dict[str, object] | None:
    """The `session_meta` payload of a rollout file's first line, or None."""
    try:
        with path.open("rb") as handle:
            line = handle.readline(FIRST_LINE_LIMIT)
    except OSError:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("type") != "session_meta":
        return None
    payload = record.get("payload")
    return payload if isinstance(payload, dict) else None


class RolloutClaims:
    """What every Codex session of one manager has found or still looks for."""

    def __init__(self) -> None:
        self.claimed: set[str] = set()
        self.rollouts: list[CodexRollout] = []


class CodexRollout:
    """One Codex session's rollout file: found, then followed line by line."""

    def __init__(self, home: str, cwd: str, started_at: float, claims: RolloutClaims) -> None:
        self.root = Path(home) / ".codex" / "sessions"
        self.cwd = os.path.realpath(cwd)
        self.started_at = started_at
        self.claims = claims
        claims.rollouts.append(self)
        self.path: Path | None = None
        self.offset = 0
        self._partial = b""
        self.working: bool | None = None
        """True inside a turn, False after one, None before the first."""
        self.ambiguous = False
        """Several files fit this session: its state comes from the screen."""
        self.conversation_id: str | None = None
        self._searched_at = -SEARCH_INTERVAL

    def _day_dirs(self) -> list[Path]:
        """Today's folder and the one of the session's start (a session over midnight)."""
        days = {
            datetime.date.fromtimestamp(self.started_at),
            datetime.date.fromtimestamp(time.time()),
        }
        return [self.root / f"{d.year:04d}" / f"{d.month:02d}" / f"{d.day:02d}" for d in days]

    def _search(self) -> None:
        now = time.monotonic()
        if now - self._searched_at < SEARCH_INTERVAL:
            return
        self._searched_at = now
        fits: list[tuple[Path, str | None]] = []
        for folder in self._day_dirs():
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                path = folder / name
                if not name.startswith("rollout-") or not name.endswith(".jsonl"):
                    continue
                if str(path) in self.claims.claimed:
                    continue
                meta = session_meta(path)
                if meta is None:
                    continue
                created = _parse_time(meta.get("timestamp"))
                cwd = meta.get("cwd")
                if created is None or not isinstance(cwd, str):
                    continue
                if os.path.realpath(cwd) != self.cwd or created < self.started_at - START_SLACK:
                    continue
                session_id = meta.get("id")
                fits.append((path, session_id if isinstance(session_id, str) else None))
        rivals = [
            other
            for other in self.claims.rollouts
            if other is not self
            and other.path is None
            and other.cwd == self.cwd
            and other.root == self.root
        ]
        self.ambiguous = len(fits) > 1 or (bool(fits) and bool(rivals))
        if len(fits) == 1 and not self.ambiguous:
            self.path, self.conversation_id = fits[0]
            self.claims.claimed.add(str(self.path))

    def release(self) -> None:
        """The session is gone: it no longer looks for a file, nor holds one."""
        if self.path is not None:
            self.claims.claimed.discard(str(self.path))
        if self in self.claims.rollouts:
            self.claims.rollouts.remove(self)

    def turn_state(self) -> bool | None:
        """True while a turn runs, False after one ends, None when unknown."""
        if self.path is None:
            self._search()
            if self.path is None:
                return None
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read(READ_LIMIT)
        except OSError:
            return self.working
        self.offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > READ_LIMIT:
            self._partial = b""  # a line this long is no turn marker
        for line in lines:
            if b'"event_msg"' not in line:
                continue  # cheap: only event lines can mark a turn
            try:
                record = json.loads(line)
            except ValueError:
                continue
            payload = record.get("payload") if isinstance(record, dict) else None
            kind = payload.get("type") if isinstance(payload, dict) else None
            if kind == TURN_STARTED:
                self.working = True
            elif kind in TURN_ENDED:
                self.working = False
        return self.working
