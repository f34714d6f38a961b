"""Codex rollout files: matched to the right session, read incrementally.

The files here have the shape Codex CLI 0.171.0 writes (first line
`session_meta` with `id`, `timestamp`, `cwd`; `event_msg` lines); the real
CLI's file is followed in test_agents.py.
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path

from synk_tui.codex_rollout import CodexRollout, RolloutClaims


def iso(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def write_rollout(home: Path, cwd: Path, created: float, name: str) -> Path:
    day = datetime.date.fromtimestamp(created)
    folder = (
        home / ".codex" / "sessions" / f"{day.year:04d}" / f"{day.month:02d}" / f"{day.day:02d}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{name}.jsonl"
    meta = {"id": name, "timestamp": iso(created), "cwd": str(cwd), "originator": "codex-tui"}
    path.write_text(json.dumps({"type": "session_meta", "payload": meta}) + "\n")
    return path


def event(kind: str) -> str:
    return json.dumps({"type": "event_msg", "payload": {"type": kind}}) + "\n"


def test_the_turn_follows_task_started_and_task_complete(tmp_path: Path) -> None:
    started = time.time()
    project = tmp_path / "project"
    project.mkdir()
    rollout = CodexRollout(str(tmp_path), str(project), started, RolloutClaims())
    assert rollout.turn_state() is None  # no file yet: the screen decides
    path = write_rollout(tmp_path, project, started + 1, "conv-1")
    rollout._searched_at = -10.0  # the next look searches again at once
    assert rollout.turn_state() is None
    assert rollout.conversation_id == "conv-1"
    with path.open("a") as handle:
        handle.write(event("task_started"))
        handle.write('{"type": "event_msg", "payload": {"type": "task_compl')  # half a line
    assert rollout.turn_state() is True
    with path.open("a") as handle:
        handle.write('ete"}}\n')  # the line ends: now it counts
        handle.write('not json at all, "event_msg"\n')  # a broken line is skipped
    assert rollout.turn_state() is False
    offset = rollout.offset
    with path.open("a") as handle:
        handle.write(event("task_started"))
    assert rollout.turn_state() is True
    assert rollout.offset == offset + len(event("task_started"))  # only the new bytes


def test_files_of_other_folders_and_earlier_sessions_are_not_matched(tmp_path: Path) -> None:
    started = time.time()
    project = tmp_path / "project"
    project.mkdir()
    write_rollout(tmp_path, tmp_path, started + 1, "other-folder")
    write_rollout(tmp_path, project, started - 3600, "an-hour-before")
    rollout = CodexRollout(str(tmp_path), str(project), started, RolloutClaims())
    assert rollout.turn_state() is None
    assert rollout.path is None
    assert not rollout.ambiguous


def test_two_sessions_in_one_folder_are_ambiguous_and_say_so(tmp_path: Path) -> None:
    started = time.time()
    project = tmp_path / "project"
    project.mkdir()
    claims = RolloutClaims()
    first = CodexRollout(str(tmp_path), str(project), started, claims)
    second = CodexRollout(str(tmp_path), str(project), started, claims)
    write_rollout(tmp_path, project, started + 1, "whose")
    assert first.turn_state() is None
    assert first.ambiguous and first.path is None
    second.release()  # the other session closed: the file is this one's
    first._searched_at = -10.0
    first.turn_state()
    assert first.path is not None and not first.ambiguous
    # A file taken by one session is never matched by another.
    third = CodexRollout(str(tmp_path), str(project), started, claims)
    assert third.turn_state() is None and third.path is None


def test_an_ambiguous_transcript_is_said_and_the_screen_decides(tmp_path: Path) -> None:
    from synk_tui.agent_state import StateDetector, screen_rules

    started = time.time()
    project = tmp_path / "project"
    project.mkdir()
    claims = RolloutClaims()
    mine = CodexRollout(str(tmp_path), str(project), started, claims)
    CodexRollout(str(tmp_path), str(project), started, claims)  # a second Codex, same folder
    path = write_rollout(tmp_path, project, started + 1, "whose")
    with path.open("a") as handle:
        handle.write(event("task_started"))
    detector = StateDetector("codex", screen_rules()["codex"], str(tmp_path), 1, mine)
    assert detector.detect("\u203a Ask Codex to do anything") == "idle"  # the screen's word
    assert "several Codex transcripts" in detector.note
