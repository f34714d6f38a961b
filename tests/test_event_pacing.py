"""When a session's events go up: at once after a quiet frame or in answer to
input, one per frame while output keeps coming. Real shells on real PTYs."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from synk_tui import session_manager
from synk_tui.events import ScreenUpdated, SessionOutput, SynkEvent
from synk_tui.pool import ProcessPool
from synk_tui.session_manager import SessionManager
from tests.core_helpers import pool_config, screen_text, wait_for

SLOW_FRAME = 1.0
"""A frame long enough that waiting for it cannot pass for posting at once,
however loaded the machine is."""


class TimedLog:
    """The manager's sink: every event with the moment it was posted."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, SynkEvent]] = []

    def __call__(self, message: SynkEvent) -> None:
        self.posts.append((time.perf_counter(), message))

    def times(self, kind: type[SynkEvent], session_id: int) -> list[float]:
        """When each event of `kind` for the session was posted, oldest first."""
        return [
            at
            for at, event in self.posts
            if isinstance(event, kind) and getattr(event, "session_id", None) == session_id
        ]

    def output_at(self, session_id: int, needle: bytes) -> float | None:
        """When the posted output of the session first held `needle`."""
        seen = b""
        for at, event in self.posts:
            if isinstance(event, SessionOutput) and event.session_id == session_id:
                seen += event.data
                if needle in seen:
                    return at
        return None

    def output(self, session_id: int) -> bytes:
        return b"".join(
            event.data
            for _, event in self.posts
            if isinstance(event, SessionOutput) and event.session_id == session_id
        )


@pytest.fixture
async def timed(tmp_path: Path) -> AsyncIterator[tuple[SessionManager, TimedLog]]:
    log = TimedLog()
    manager = SessionManager(ProcessPool(pool_config(tmp_path, initial_pool_size=2)), post=log)
    await manager.start()
    await wait_for(lambda: manager.pool.status()[0] >= 2, what="two warm shells")
    yield manager, log
    await manager.shutdown()


def note_when_on_screen(manager: SessionManager, session_id: int, line: str) -> list[float]:
    """A list that gets the moment a feed first put `line` at the start of a screen row."""
    screen = manager.screen(session_id)
    feed = screen.feed
    seen: list[float] = []

    def watched_feed(data: bytes) -> None:
        feed(data)
        if not seen and any(row.startswith(line) for row in screen.lines()):
            seen.append(time.perf_counter())

    screen.feed = watched_feed  # type: ignore[method-assign]
    return seen


async def quiet_for(log: TimedLog, session_id: int, seconds: float) -> None:
    """Until the session's prompt went up and nothing after it for `seconds`."""

    def quiet() -> bool:
        posts = log.times(SessionOutput, session_id)
        return bool(posts) and time.perf_counter() - posts[-1] > seconds

    await wait_for(quiet, what=f"the session quiet for {seconds}s")


def first_after(times: list[float], moment: float) -> float | None:
    return next((at for at in times if at >= moment), None)


async def test_answer_to_input_is_posted_as_soon_as_it_is_on_screen(
    timed: tuple[SessionManager, TimedLog], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed's path: create on a warm pool, write a command, wait for its
    answer as `session:output`. Something went up a moment before (here the
    answer to a first command); the answer must not wait out the frame that
    post began."""
    monkeypatch.setattr(session_manager, "FRAME_SECONDS", SLOW_FRAME)
    manager, log = timed
    created = await manager.create(project_path=str(tmp_path))
    sid = created.session_id
    manager.write(sid, "echo one-$((0+1))\r")
    await wait_for(lambda: b"one-1\r\n" in log.output(sid), what="the first answer posted")
    on_screen = note_when_on_screen(manager, sid, "ans-42")
    written = time.perf_counter()
    manager.write(sid, "echo ans-$((6*7))\r")
    assert written - log.times(SessionOutput, sid)[-1] < SLOW_FRAME / 4, "a post just went up"
    await wait_for(lambda: on_screen, what="the answer on screen")
    await wait_for(lambda: b"ans-42\r\n" in log.output(sid), what="the answer posted")
    posted = log.output_at(sid, b"ans-42\r\n")
    updated = first_after(log.times(ScreenUpdated, sid), on_screen[0])
    assert posted is not None and updated is not None
    assert posted - on_screen[0] < SLOW_FRAME / 4, "the answer waited for a frame"
    assert updated - on_screen[0] < SLOW_FRAME / 4, "its ScreenUpdated waited for a frame"


async def test_first_output_after_a_quiet_frame_is_posted_at_once(
    timed: tuple[SessionManager, TimedLog], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session quiet for a frame posts its next output at once, even while
    another session posts every frame and has just posted. The output here
    answers no input: the shell prints what another process wrote to a FIFO."""
    monkeypatch.setattr(session_manager, "FRAME_SECONDS", SLOW_FRAME)
    manager, log = timed
    ticking = (await manager.create(project_path=str(tmp_path))).session_id
    quiet = (await manager.create(project_path=str(tmp_path))).session_id
    fifo = tmp_path / "wake"
    os.mkfifo(fifo)
    manager.write(ticking, "while :; do echo tick; sleep 0.05; done\r")
    manager.write(quiet, f"read -r word < {fifo}; echo late-$word\r")
    await wait_for(lambda: len(log.times(SessionOutput, ticking)) >= 3, what="ticks posted")
    await wait_for(lambda: "read -r word" in screen_text(manager, quiet), what="the command")
    await quiet_for(log, quiet, SLOW_FRAME + 0.1)
    on_screen = note_when_on_screen(manager, quiet, "late-42")
    # right after the ticking session's post, so a frame shared by all sessions
    # would hold the quiet one back for most of a frame
    ticks = len(log.times(SessionOutput, ticking))
    await wait_for(lambda: len(log.times(SessionOutput, ticking)) > ticks, what="a tick post")
    with open(fifo, "w") as writer:
        writer.write("42\n")
    await wait_for(lambda: on_screen, what="the late answer on screen")
    await wait_for(lambda: b"late-42\r\n" in log.output(quiet), what="the late answer posted")
    posted = log.output_at(quiet, b"late-42\r\n")
    updated = first_after(log.times(ScreenUpdated, quiet), on_screen[0])
    assert posted is not None and updated is not None
    assert posted - on_screen[0] < SLOW_FRAME / 4, "the first output after quiet waited"
    assert updated - on_screen[0] < SLOW_FRAME / 4, "its ScreenUpdated waited"
    manager.write(ticking, "\x03")


def closer_than_a_frame(times: list[float]) -> int:
    """How many posts followed the one before by less than a frame. The sink
    reads the clock just after the manager does, and on a loaded machine the
    process may be preempted in between: a margin of a few milliseconds keeps
    that from passing for a broken pace (which posts every parse slice)."""
    frame = session_manager.FRAME_SECONDS
    return sum(1 for a, b in itertools.pairwise(times) if b - a < frame - 0.002)


async def test_a_flood_posts_at_most_once_per_frame(
    timed: tuple[SessionManager, TimedLog], tmp_path: Path
) -> None:
    """Output that keeps coming goes up at most one SessionOutput and one
    ScreenUpdated per session per frame, from its first byte to its last."""
    manager, log = timed
    sid = (await manager.create(project_path=str(tmp_path))).session_id
    assert await manager.wait_ready(sid)
    await quiet_for(log, sid, 0.1)
    # The flood starts well after the input: the command line's echo is the
    # answer to the input (it may go up at once), none of the flood is.
    manager.write(sid, "sleep 0.5; seq 1 300000; echo flood-$((6*7))\r")
    started = time.perf_counter() + session_manager.ANSWER_SECONDS
    await wait_for(lambda: b"\nflood-42" in log.output(sid), 60, "the flood posted")
    ended = time.perf_counter()
    outputs = [at for at in log.times(SessionOutput, sid) if at >= started]
    updates = [at for at in log.times(ScreenUpdated, sid) if at >= started]
    flood_began = log.output_at(sid, b"1\r\n2\r\n3\r\n")
    assert flood_began is not None and flood_began >= started, "the flood came after"
    frames = (ended - started) / session_manager.FRAME_SECONDS
    assert len(outputs) >= 5 and len(updates) >= 5, "the flood went up in many posts"
    assert closer_than_a_frame(outputs) == 0
    assert closer_than_a_frame(updates) == 0
    assert len(outputs) <= frames + 1 and len(updates) <= frames + 1
    expected = "".join(f"{n}\r\n" for n in range(1, 300001)).encode()
    assert expected in log.output(sid), "every byte posted, in order"


async def test_a_flood_answering_input_is_coalesced_past_its_first_bytes(
    timed: tuple[SessionManager, TimedLog], tmp_path: Path
) -> None:
    """Input makes only the first small part of its answer go up at once: a
    flood it starts is coalesced per frame like any other."""
    manager, log = timed
    sid = (await manager.create(project_path=str(tmp_path))).session_id
    assert await manager.wait_ready(sid)
    await quiet_for(log, sid, 0.1)
    started = time.perf_counter()
    # many small writes, as a build log comes: each read could go up alone
    manager.write(sid, "for i in $(seq 1 20000); do echo line-$i; done; echo flood-$((6*7))\r")
    await wait_for(lambda: b"\nflood-42" in log.output(sid), 60, "the flood posted")
    outputs = [at for at in log.times(SessionOutput, sid) if at >= started]
    updates = [at for at in log.times(ScreenUpdated, sid) if at >= started]
    assert len(outputs) >= 5 and len(updates) >= 5, "the flood went up in many posts"
    # the answer's first posts may come at once, the rest of the flood may not
    assert closer_than_a_frame(outputs) <= session_manager.ANSWER_POSTS
    assert closer_than_a_frame(updates) <= session_manager.ANSWER_POSTS
