"""Sessions: their life cycle, their screens, and the events they send up.

Like a tmux server, the manager keeps every session's screen whatever the UI
shows: each session owns a `TerminalEmulator` fed with all of its output in
order. Output is read without blocking (the PTY master is non-blocking and
watched by the event loop) into a per-session backlog, and parsed in slices
that never hold the loop for more than a few milliseconds, the focused
session first. A session whose backlog grows past a high-water mark stops
being read, so the kernel holds its child back until the backlog drains:
nothing is ever dropped. A session's changes go up as one `ScreenUpdated`
and one `SessionOutput` at most once per frame, on the session's own clock:
the first change after it was quiet for a frame, and the small answer to input
it just received, go up at once (see `_may_post`).

This module knows nothing of widgets; it only calls `post(message)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synk_tui.agent_state import STATE_INTERVAL, StateDetector, screen_rules
from synk_tui.agents import AGENT_TYPES, require_agent
from synk_tui.codex_rollout import CodexRollout, RolloutClaims
from synk_tui.config import AgentSettings
from synk_tui.emulator import TerminalEmulator
from synk_tui.errors import (
    AgentUnavailableError,
    InvalidArgumentError,
    MaxSessionsError,
    SessionExitedError,
    SessionNotFoundError,
    SynkError,
)
from synk_tui.events import (
    AppError,
    ScreenUpdated,
    SessionClipboard,
    SessionExit,
    SessionInfoChanged,
    SessionOutput,
    SessionReady,
    SessionState,
)
from synk_tui.git import current_branch
from synk_tui.orphans import end_adopted, environ_names_session, is_subreaper
from synk_tui.pool import ProcessPool, validate_env
from synk_tui.pty_process import MAX_PENDING_INPUT, PtyProcess
from synk_tui.session_place import (
    IDLE_SECONDS,
    MIN_INTERVAL,
    QUIET_SECONDS,
    BranchWatch,
    current_dir,
)

__all__ = [
    "AgentUnavailableError",
    "InvalidArgumentError",
    "MaxSessionsError",
    "SessionCreated",
    "SessionExitedError",
    "SessionInfo",
    "SessionManager",
    "SessionNotFoundError",
    "SynkError",
]

FRAME_SECONDS = 1 / 60
"""A session's events are coalesced to one of each kind per frame, counted
from its own last post: the first change after a quiet frame goes up at once."""
ANSWER_SECONDS = 0.1
"""For this long after input reached a session, its output goes up at once
(within ANSWER_BYTES and ANSWER_POSTS): a command's answer or a keystroke's
echo does not wait out the frame that an earlier post (the prompt) began."""
ANSWER_BYTES = 4 * 1024
"""Output past this much since the input is no longer an answer but a flood,
and is coalesced per frame."""
ANSWER_POSTS = 16
"""At most this many posts per input go up sooner than a frame after the one
before. bash answers a command in about eight writes (echo, end of line,
bracketed paste off, the answer, the prompt in two); a child that answers in
many more tiny writes is coalesced past these."""
SLICE_SECONDS = 0.004
"""How long one parse slice may hold the event loop."""
CHUNK_BYTES = 16 * 1024
"""Bytes fed to an emulator per step when it keeps up."""
BACKGROUND_CHUNK_BYTES = 4 * 1024
"""Bytes fed per step to a session while another has priority: a slice ends
only between feeds, and on a slow machine 16 KB of a flood takes 10-30 ms to
parse, which a keystroke in the focused pane would wait out."""
TYPING_SECONDS = 1.0
"""A person who typed into the priority session this recently is typing: the
other sessions' parsing then leaves three quarters of the loop free, not half."""
TYPING_PARSE_PAUSE = 3 * SLICE_SECONDS
"""The pause after a background parse slice while the person is typing."""
BULK_BYTES = 512 * 1024
"""A backlog this large is fed whole, so the emulator can skip what no one
can ever see (lines that scroll past the scrollback)."""
HIGH_WATER = 8 * 1024 * 1024
"""Unparsed bytes at which reading a session pauses (back-pressure)."""
LOW_WATER = 1024 * 1024
"""Unparsed bytes at which reading resumes."""
BACKGROUND_HIGH_WATER = 512 * 1024
"""While another session has priority (a pane is being typed into), reading a
session pauses at this backlog, and resumes at an eighth of it. Its backlog
is then fed in BACKGROUND_CHUNK_BYTES slices, never whole (a whole
multi-megabyte feed holds the event loop for hundreds of milliseconds), and
its parse slices take at most half of the loop (a quarter while the person
is typing, see `typing`): the keystroke echo of the focused session
stays prompt while every other session floods (benchmarks/input_latency.py),
and a flooding child simply blocks on its full terminal, as under tmux."""
TYPEAHEAD_WITH_SETUP = 1024
"""At most this much early input goes out with a held-back setup (one small
write, which the terminal takes in one go); any more waits like later input."""
INPUT_HOLD_SECONDS = 0.5
"""The longest input waits, after the setup ran, for the shell's line editor
to take the terminal (see `_Session.held_input`); a shell without one (dash)
never turns the terminal's echo off, and its input goes after this long."""
NOT_STARTED = -1
"""Exit code of a session whose process never started (one that started and
died while its session was starting reports its own status, e.g. 137)."""

STARTING = "starting"
RUNNING = "running"
EXITED = "exited"


@dataclass(frozen=True)
class SessionCreated:
    """What `create` returns: the new session's id and its grid position."""

    session_id: int
    pane_index: int


@dataclass
class SessionInfo:
    """A snapshot of one session, as `list()` and the wire give it."""

    session_id: int
    pane_index: int
    agent_type: str
    project_path: str
    working_dir: str
    branch: str | None
    pid: int | None
    status: str
    exit_code: int | None
    cols: int
    rows: int
    created_at: float
    last_output_at: float | None = None
    args: list[str] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    """Names of the extra environment variables given at create (never their values)."""
    agent_state: str = "starting"
    """What the session does: starting / working / waiting / idle / exited N (agent_state.py)."""
    agent_state_note: str = ""
    """Why the state may be less sure than usual (e.g. several Codex transcripts fit)."""

    def to_wire(self) -> dict[str, Any]:
        """camelCase keys, as the seed's `session:list` returns them."""
        return {
            "sessionId": self.session_id,
            "paneIndex": self.pane_index,
            "agentType": self.agent_type,
            "projectPath": self.project_path,
            "workingDir": self.working_dir,
            "branch": self.branch,
            "pid": self.pid,
            "status": self.status,
            "exitCode": self.exit_code,
            "cols": self.cols,
            "rows": self.rows,
            "createdAt": self.created_at,
            "lastOutputAt": self.last_output_at,
            "args": list(self.args),
            "envNames": list(self.env_names),
            "agentState": self.agent_state,
            "agentStateNote": self.agent_state_note,
        }


class _Session:
    """The manager's private record of one session."""

    def __init__(
        self, info: SessionInfo, new_emulator: Callable[[_Session], TerminalEmulator]
    ) -> None:
        self.info = info
        self._new_emulator = new_emulator
        self._emulator: TerminalEmulator | None = None
        self.branch_pending = False
        """`info.branch` is still to be read from git (see `_settle_start`)."""
        self.process: PtyProcess | None = None
        self.start_task: asyncio.Future[bytes] | None = None
        self.backlog = bytearray()
        self.pending_output = bytearray()
        self.screen_changed = False
        self.posted_at = -FRAME_SECONDS
        """When this session's events last went up (perf_counter)."""
        self.answer_until = 0.0
        """Output before this moment (perf_counter) answers input just sent."""
        self.answer_bytes = 0
        """Output bytes read since the last input was sent."""
        self.answer_posts = 0
        """Posts since the last input that went up sooner than a frame after
        the one before (allowed only as the answer to that input)."""
        self.reading_paused = False
        self.exit_code: int | None = None
        """Set when the process exited; the session turns `exited` once the
        output it left behind has been parsed and posted."""
        self.visible = True
        self.ready = asyncio.Event()
        self.held_input: bytearray | None = bytearray()
        """Input written while the shell starts, held until its line editor
        reads keys: until then the terminal itself may echo it, and the
        editor would show it a second time. None once input goes straight
        through."""
        self.type_setup: Callable[[bytes], None] | None = None
        """The warm shell's held-back setup end (`PendingClaim.type_setup`): it
        goes out with the first input, or on the next loop iteration."""
        self.hold_timer: asyncio.TimerHandle | None = None
        self.dropping_input = False
        """Input was refused (the child does not read it) and the person told."""
        self.detector: StateDetector | None = None
        self.state_dirty = False
        """The screen changed (or input was written) since the state was last looked at."""
        self.state_checked_at = -STATE_INTERVAL
        self.output_at = 0.0
        """When output last arrived (perf_counter)."""
        self.place_at = -MIN_INTERVAL
        """When the directory and branch were last looked at (perf_counter)."""
        self.place_timer: asyncio.TimerHandle | None = None
        self.place_idle = False
        """`place_timer` is the slow look at a quiet session (output brings it nearer)."""
        self.branch_watch = BranchWatch()

    @property
    def emulator(self) -> TerminalEmulator:
        """The session's screen, built on first use: a start need not wait for it."""
        if self._emulator is None:
            self._emulator = self._new_emulator(self)
        return self._emulator


class SessionManager:
    """Creates, feeds and ends sessions; posts their events through `post`."""

    def __init__(
        self,
        pool: ProcessPool,
        post: Callable[[Any], object] | None = None,
        *,
        agents: AgentSettings | None = None,
        scrollback: int = 10_000,
        status_rules: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> None:
        self.pool = pool
        self._post: Callable[[Any], object] = post or (lambda message: None)
        pool.post = self._post
        self.agents = agents or AgentSettings()
        self.scrollback = scrollback
        self._screen_rules = screen_rules(status_rules)
        """Per agent type, the screen rules of its state (config `[status.<agent>]`)."""
        self._state_handle: asyncio.TimerHandle | None = None
        self._rollouts = RolloutClaims()
        """Codex rollout files found or looked for by this manager's sessions."""
        self._sessions: dict[int, _Session] = {}
        self._ids = itertools.count(1)
        self._last_id = 0
        self._priority: int | None = None
        self._typed_at = -TYPING_SECONDS
        self._parse_handle: asyncio.Handle | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shut_down = False

    # -- life cycle ------------------------------------------------------------

    async def start(self) -> None:
        """Start warming the pool; returns at once."""
        await self.pool.start()

    async def create(
        self,
        agent_type: str = "terminal",
        project_path: str | None = None,
        branch: str | None = None,
        working_dir: str | None = None,
        env: Mapping[str, str] | None = None,
        cols: int = 80,
        rows: int = 24,
        args: Sequence[str] | None = None,
        pane_index: int | None = None,
    ) -> SessionCreated:
        """Open a session; it is `starting` until its shell or agent is up.

        Everything that can be checked up front raises here: an unknown or
        missing agent, a bad path, a bad size, the session limit. Text
        written while it starts is delivered once it is ready.
        """
        if self._shut_down:
            raise SynkError("The session manager is shut down")
        if agent_type not in AGENT_TYPES:
            raise InvalidArgumentError(
                f"Unknown agent type {agent_type!r} (expected one of: {', '.join(AGENT_TYPES)})",
                "agentType",
            )
        project = _existing_dir(project_path or os.getcwd(), "projectPath")
        workdir = _existing_dir(working_dir, "workingDir") if working_dir else project
        _check_size(cols, rows)
        extra_env = dict(env or {})
        validate_env(extra_env)
        agent_args = [str(arg) for arg in args or ()]
        exec_argv = None
        if agent_type != "terminal":
            exec_argv = [*require_agent(agent_type, self.agents), *agent_args]
        limit = self.pool.config.max_active
        if len(self._sessions) >= limit:
            raise MaxSessionsError(limit)
        used = {s.info.pane_index for s in self._sessions.values()}
        if pane_index is None:
            pane_index = next(i for i in itertools.count() if i not in used)
        elif isinstance(pane_index, bool) or not isinstance(pane_index, int) or pane_index < 0:
            raise InvalidArgumentError(f"Bad pane index {pane_index!r}", "paneIndex")
        elif pane_index in used:
            raise InvalidArgumentError(f"Pane index {pane_index} is taken", "paneIndex")

        session_id = next(self._ids)
        self._last_id = session_id
        session_env = {
            "SYNK_SESSION": str(session_id),
            "SYNK_PROJECT": project,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        # Type the setup first: the shell reads it while the rest is built, and
        # text written from here on follows it as typeahead. The caller's
        # values (API keys) go through a private file, never typed.
        pending = self.pool.claim_nowait(
            working_dir=workdir,
            env={name: value for name, value in session_env.items() if name not in extra_env},
            private_env=extra_env,
            exec_argv=exec_argv,
            cols=cols,
            rows=rows,
            on_ready=functools.partial(self._on_started, session_id),
            hold_setup=True,
        )
        info = SessionInfo(
            session_id=session_id,
            pane_index=pane_index,
            agent_type=agent_type,
            project_path=project,
            working_dir=workdir,
            branch=branch,
            pid=pending.process.pid,
            status=STARTING,
            exit_code=None,
            cols=cols,
            rows=rows,
            created_at=time.time(),
            args=agent_args,
            env_names=sorted(extra_env),
        )
        session = _Session(info, self._new_emulator)
        home = extra_env.get("HOME") or self.pool.config.env.get("HOME") or os.environ.get("HOME")
        rollout = None
        if agent_type == "codex" and home:
            rollout = CodexRollout(home, workdir, info.created_at, self._rollouts)
        session.detector = StateDetector(
            agent_type, self._screen_rules.get(agent_type), home, pending.process.pid, rollout
        )
        session.branch_pending = branch is None
        session.process = pending.process
        session.type_setup = pending.type_setup
        # What the shell does not need waits for the next loop iteration: the
        # caller's first input goes out with the setup's end before it.
        asyncio.get_running_loop().call_soon(self._settle_start, session)
        self._sessions[session_id] = session
        session.start_task = pending.task
        pending.task.add_done_callback(functools.partial(self._start_finished, session))
        return SessionCreated(session_id, pane_index)

    def _new_emulator(self, session: _Session) -> TerminalEmulator:
        info = session.info
        emulator = TerminalEmulator(info.cols, info.rows, self.scrollback)
        emulator.on_reply = functools.partial(self._reply, session)
        emulator.on_clipboard = functools.partial(self._clipboard, info.session_id)
        return emulator

    def _settle_start(self, session: _Session) -> None:
        """A new session's bookkeeping that its shell does not wait for."""
        if self._sessions.get(session.info.session_id) is not session:
            return  # destroyed meanwhile
        self._type_setup(session)
        self._fill_branch(session)
        session.emulator  # noqa: B018 - built now, not on its first output

    def _fill_branch(self, session: _Session) -> None:
        if session.branch_pending:
            session.branch_pending = False
            session.info.branch = current_branch(session.info.working_dir)

    def _on_started(self, session_id: int, rest: bytes) -> None:
        """The setup ran: from here on the output is the session's own."""
        session = self._sessions.get(session_id)
        process = session.process if session else None
        if session is None or process is None:
            return
        info = session.info
        info.status = RUNNING
        # The size may have changed while the shell was being set up.
        process.resize(info.cols, info.rows)
        process.set_reader(functools.partial(self._on_readable, session))
        if session.held_input is not None and not self._release_when_reading(session):
            session.hold_timer = asyncio.get_running_loop().call_later(
                INPUT_HOLD_SECONDS, self._release_input, session
            )
        if rest:
            self._ingest(session, rest)
        process.watch_exit(functools.partial(self._on_process_exit, session))
        session.ready.set()
        self._post(SessionReady(info.session_id))

    def _start_finished(self, session: _Session, task: asyncio.Future[bytes]) -> None:
        """Report a session whose shell never finished starting.

        A done callback, not a task of its own: one task less on every start.
        """
        if task.cancelled():
            return
        error = task.exception()
        if error is None or self._sessions.get(session.info.session_id) is not session:
            return  # started, or destroyed meanwhile
        why = error.message if isinstance(error, SynkError) else str(error) or repr(error)
        info = session.info
        self._post(AppError("session", f"Session {info.session_id} could not start: {why}"))
        # A process that existed reports how it ended (137 for SIGKILL).
        status = session.process.poll() if session.process is not None else None
        session.exit_code = NOT_STARTED if status is None else status
        self._finish_exit(session)

    async def destroy(self, session_id: int) -> bool:
        """End a session and free its pane; False if it was already destroyed.

        Its shell's process group and every process of its terminal session
        (background, `nohup` and `disown`ed jobs) get SIGHUP/SIGTERM, then
        SIGKILL after the grace time; a shell is never handed to another
        session. Where synk is the subreaper (the app), orphans that left
        the terminal session (`setsid`) and still carry the session's
        SYNK_SESSION end too.
        """
        session = self._sessions.pop(session_id, None)
        if session is None:
            if isinstance(session_id, int) and 0 < session_id <= self._last_id:
                return False
            raise SessionNotFoundError(session_id)
        self._release_input(session, deliver=False)
        if session.detector is not None:
            session.detector.close()
        _stop_looking(session)
        if session.start_task is not None and not session.start_task.done():
            session.start_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session.start_task
        process = session.process
        if process is not None:
            if not process.closed:
                process.set_reader(None)
            await self.pool.release(process)
        if is_subreaper():
            await end_adopted(
                self.pool.config.kill_grace,
                functools.partial(environ_names_session, session_id=session_id),
            )
        session.ready.set()
        return True

    async def shutdown(self) -> None:
        """End every session's processes and the pool's; safe to call twice."""
        self._shut_down = True
        self.pool.stop_refilling()  # ending sessions must not warm new shells
        for handle in (self._parse_handle, self._flush_handle, self._state_handle):
            if handle is not None:
                handle.cancel()
        sessions = list(self._sessions.values())
        for session in sessions:
            self._release_input(session, deliver=False)
            _stop_looking(session)
            if session.start_task is not None and not session.start_task.done():
                session.start_task.cancel()
        await asyncio.gather(
            *(s.start_task for s in sessions if s.start_task is not None),
            return_exceptions=True,
        )
        for session in sessions:
            if session.process is not None:
                session.process.set_reader(None)
        await asyncio.gather(
            *(self.pool.release(s.process) for s in sessions if s.process is not None),
            return_exceptions=True,
        )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pool.shutdown()

    def kill_all_now(self) -> None:
        """Synchronous last resort (crash, interpreter exit): SIGKILL everything."""
        self._shut_down = True
        for session in self._sessions.values():
            if session.process is not None:
                session.process.kill_now()
        self.pool.kill_all_now()

    # -- commands --------------------------------------------------------------

    def write(self, session_id: int, data: str | bytes) -> None:
        """Send input to the session, in order (typed ahead while it is starting)."""
        session = self._get(session_id)
        if session.exit_code is not None or session.info.status == EXITED:
            raise SessionExitedError(session_id, session.info.exit_code)
        if isinstance(data, str):
            payload = data.encode("utf-8", "surrogateescape")
        elif isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
        else:
            raise InvalidArgumentError("data must be text or bytes", "data")
        process = session.process
        held = session.held_input
        delivered = True
        if held is not None and len(held) + len(payload) > MAX_PENDING_INPUT:
            delivered = False
        elif session.type_setup is not None and held is not None:
            held += payload
            self._type_setup(session)  # the setup's end and this input, unechoed
        elif held is not None and (held or not self._release_when_reading(session)):
            held += payload
        elif process is not None:  # the line editor (or whatever runs) reads keys
            delivered = process.write(payload)
            if delivered:
                _input_sent(session)
        self._note_delivery(session, delivered, len(payload))
        if session_id == self._priority:
            self._typed_at = time.perf_counter()
        if session.info.agent_type == "terminal":
            self._mark_state_dirty(session)  # a command may start without output

    def _note_delivery(self, session: _Session, delivered: bool, size: int) -> None:
        """Say once (until input gets through again) that input was dropped
        because the child leaves too much of it unread."""
        if delivered:
            session.dropping_input = False
        elif not session.dropping_input:
            session.dropping_input = True
            self._post(
                AppError(
                    "session",
                    f"Session {session.info.session_id} is not reading its input: "
                    f"{size} bytes were not delivered (more is dropped until it reads)",
                )
            )

    def _type_setup(self, session: _Session) -> None:
        """End the held-back setup, with the input written since, in one write."""
        type_setup, session.type_setup = session.type_setup, None
        held = session.held_input
        if type_setup is None or held is None:
            return
        typeahead = bytes(held[:TYPEAHEAD_WITH_SETUP])
        del held[:TYPEAHEAD_WITH_SETUP]
        type_setup(typeahead)
        if typeahead:
            _input_sent(session)

    def _release_when_reading(self, session: _Session) -> bool:
        """Release the input once the line editor reads keys; True if it did."""
        process = session.process
        if process is not None and not process.reads_keys():
            return False
        self._release_input(session)
        return True

    def _release_input(self, session: _Session, deliver: bool = True) -> None:
        """From now on input goes straight to the child; what was held goes
        first (unless `deliver` is False: the session is going away)."""
        held, session.held_input = session.held_input, None
        session.type_setup = None
        if session.hold_timer is not None:
            session.hold_timer.cancel()
            session.hold_timer = None
        if deliver and held and session.process is not None and session.exit_code is None:
            delivered = session.process.write(bytes(held))
            self._note_delivery(session, delivered, len(held))
            if delivered:
                _input_sent(session)

    def resize(self, session_id: int, cols: int, rows: int) -> None:
        """Resize the session's screen and PTY (the child gets SIGWINCH)."""
        session = self._get(session_id)
        _check_size(cols, rows)
        info = session.info
        if (cols, rows) == (info.cols, info.rows):
            return
        info.cols, info.rows = cols, rows
        session.emulator.resize(cols, rows)
        if session.process is not None and session.exit_code is None:
            session.process.resize(cols, rows)
        session.screen_changed = True
        self._changed(session)

    def input_held(self, session_id: int) -> bool:
        """True while input written to a starting session waits to be released.

        It goes out in one write once the program reads keys; a prompt's
        submit key must come after that, as a write of its own.
        """
        session = self._get(session_id)
        return bool(session.held_input) and session.exit_code is None

    def screen(self, session_id: int) -> TerminalEmulator:
        """The session's emulator, for the UI to draw (read-only use)."""
        return self._get(session_id).emulator

    def info(self, session_id: int) -> SessionInfo:
        """The session's current `SessionInfo`."""
        session = self._get(session_id)
        self._fill_branch(session)
        return session.info

    def list(self) -> list[SessionInfo]:
        """Every session not yet destroyed (exited ones included), by pane index."""
        for session in self._sessions.values():
            self._fill_branch(session)
        return sorted((s.info for s in self._sessions.values()), key=lambda i: i.pane_index)

    def set_priority(self, session_id: int | None) -> None:
        """Parse this session's output first (the focused pane)."""
        if session_id is not None:
            self._get(session_id)
        self._priority = session_id

    @property
    def typing(self) -> bool:
        """Whether the priority session was written to in the last TYPING_SECONDS.

        Panes of other sessions repaint less often meanwhile, and their
        sessions are parsed in shorter shares of the loop: the keystroke echo
        comes first (benchmarks/input_latency.py halves with it on a slow day).
        """
        return time.perf_counter() - self._typed_at < TYPING_SECONDS

    def set_visible(self, session_id: int, visible: bool) -> None:
        """Hidden sessions keep parsing (last) but post no ScreenUpdated."""
        session = self._get(session_id)
        if session.visible == visible:
            return
        session.visible = visible
        if visible:
            session.screen_changed = True
            self._changed(session)

    async def wait_ready(self, session_id: int, timeout: float = 10.0) -> bool:
        """Wait until the session has started (or failed to); True if running."""
        session = self._get(session_id)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.ready.wait(), timeout)
        return session.info.status == RUNNING

    def backlog_size(self, session_id: int) -> int:
        """Bytes read from the session but not yet parsed (for tests and meters)."""
        return len(self._get(session_id).backlog)

    def _get(self, session_id: int) -> _Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise SessionNotFoundError(session_id)
        return session

    # -- output path -----------------------------------------------------------

    def _on_readable(self, session: _Session) -> None:
        process = session.process
        if process is None:
            return
        try:
            data = process.read(CHUNK_BYTES if self._in_background(session) else 256 * 1024)
        except OSError:
            data = None
        if data is None:  # every writer closed the slave; exit comes via the pidfd
            process.set_reader(None)
            return
        if data:
            self._ingest(session, data)

    def _ingest(self, session: _Session, data: bytes) -> None:
        if session.held_input is not None and session.info.status == RUNNING:
            self._release_when_reading(session)
        session.pending_output += data
        session.answer_bytes += len(data)
        session.info.last_output_at = time.time()
        session.output_at = time.perf_counter()
        if session.place_timer is None or session.place_idle:
            _stop_looking(session)
            self._schedule_place(session, QUIET_SECONDS)
        at_once = self._parse_handle is None or session.info.session_id == self._priority
        limit = BACKGROUND_CHUNK_BYTES if self._in_background(session) else CHUNK_BYTES
        if at_once and len(data) <= limit and not session.backlog:
            # Nothing else of this session waits, and no other session or it has
            # priority: parse a small read at once (keystroke echo latency).
            session.emulator.feed(data)
            session.screen_changed = True
            self._mark_state_dirty(session)
            self._changed(session)
            return
        session.backlog += data
        if (
            len(session.backlog) >= self._high_water(session)[0]
            and not session.reading_paused
            and session.process is not None
            and session.exit_code is None
        ):
            session.reading_paused = True
            session.process.set_reader(None)
        self._schedule_parse()

    # -- where a session works ----------------------------------------------------

    def _schedule_place(self, session: _Session, delay: float, idle: bool = False) -> None:
        if not self._shut_down:
            loop = asyncio.get_running_loop()
            session.place_timer = loop.call_later(delay, self._look_at_place, session)
            session.place_idle = idle

    def _look_at_place(self, session: _Session) -> None:
        """Once the session is quiet, follow its directory and branch.

        At most every MIN_INTERVAL per session, and every IDLE_SECONDS while
        it stays quiet (a checkout from another terminal); a few stats and a
        readlink (see session_place.py), so the loop is never held.
        """
        session.place_timer = None
        if self._sessions.get(session.info.session_id) is not session:
            return
        if session.exit_code is not None or session.info.status != RUNNING:
            return
        now = time.perf_counter()
        wait = max(session.output_at + QUIET_SECONDS, session.place_at + MIN_INTERVAL) - now
        if wait > 0:
            self._schedule_place(session, wait)
            return
        session.place_at = now
        info = session.info
        process = session.process
        pgid = process.foreground_pgid() if process is not None else None
        directory = current_dir(session.emulator.cwd, pgid, info.pid) or info.working_dir
        branch = session.branch_watch.branch(directory)
        session.branch_pending = False
        self._schedule_place(session, IDLE_SECONDS, idle=True)
        if (directory, branch) == (info.working_dir, info.branch):
            return
        info.working_dir, info.branch = directory, branch
        self._post(SessionInfoChanged(info.session_id, directory, branch))

    def _clipboard(self, session_id: int, text: str) -> None:
        """OSC 52 from the child goes up; the UI decides whether to pass it on."""
        self._post(SessionClipboard(session_id, text))

    def _reply(self, session: _Session, data: bytes) -> None:
        """Answers to terminal queries go straight back to the child (dropped
        while the child leaves too much unread: it asked and never read)."""
        if session.process is not None and session.exit_code is None:
            session.process.write_reply(data)

    def _in_background(self, session: _Session) -> bool:
        """True while another session has parsing priority."""
        return self._priority is not None and session.info.session_id != self._priority

    def _high_water(self, session: _Session) -> tuple[int, int]:
        """(pause reading at, resume reading at) backlog sizes for `session`."""
        if self._in_background(session):
            return BACKGROUND_HIGH_WATER, BACKGROUND_HIGH_WATER // 8
        return HIGH_WATER, LOW_WATER

    def _schedule_parse(self, pause: float = 0.0) -> None:
        if self._parse_handle is None and not self._shut_down:
            loop = asyncio.get_running_loop()
            if pause > 0:
                self._parse_handle = loop.call_later(pause, self._parse_step)
            else:
                self._parse_handle = loop.call_soon(self._parse_step)

    def _parse_step(self) -> None:
        """Feed emulators for up to SLICE_SECONDS, priority session first."""
        self._parse_handle = None
        deadline = time.perf_counter() + SLICE_SECONDS
        pending = sorted(
            (s for s in self._sessions.values() if s.backlog),
            key=lambda s: (s.info.session_id != self._priority, not s.visible),
        )
        fed = list(pending)
        while pending:
            for session in pending:
                backlog = session.backlog
                if self._in_background(session):
                    size = BACKGROUND_CHUNK_BYTES
                else:
                    size = len(backlog) if len(backlog) >= BULK_BYTES else CHUNK_BYTES
                chunk = bytes(backlog[:size])
                del backlog[:size]
                session.emulator.feed(chunk)
                session.screen_changed = True
                self._mark_state_dirty(session)
                if session.reading_paused and len(backlog) <= self._high_water(session)[1]:
                    session.reading_paused = False
                    if session.process is not None and session.exit_code is None:
                        session.process.set_reader(functools.partial(self._on_readable, session))
                if time.perf_counter() >= deadline:
                    break
            pending = [s for s in pending if s.backlog]
            if time.perf_counter() >= deadline:
                break
        if pending:
            # Only background sessions left: leave the loop as much time again.
            background = all(self._in_background(s) for s in pending)
            pause = TYPING_PARSE_PAUSE if self.typing else SLICE_SECONDS
            self._schedule_parse(pause if background else 0.0)
        for session in fed:
            self._changed(session)

    # -- posting events ----------------------------------------------------------

    def _changed(self, session: _Session) -> None:
        """The session has news: post it now if it may go up now, else when the
        session's frame is over. An exit waiting only for the last of its
        output to be parsed is finished by the flush."""
        now = time.perf_counter()
        if _has_news(session):
            if _may_post(session, now):
                self._post_session(session, now)
            else:
                self._schedule_flush(session.posted_at + FRAME_SECONDS)
        if _exit_due(session):
            self._schedule_flush(now)

    def _post_session(self, session: _Session, now: float) -> None:
        """Post what the session has: its output, and a ScreenUpdated if shown."""
        session_id = session.info.session_id
        if now - session.posted_at < FRAME_SECONDS:
            session.answer_posts += 1  # only the answer to input goes this soon
        session.posted_at = now
        if session.pending_output:
            self._post(SessionOutput(session_id, bytes(session.pending_output)))
            session.pending_output.clear()
        if session.screen_changed and session.visible:
            session.screen_changed = False
            self._post(ScreenUpdated(session_id))

    # -- state -----------------------------------------------------------------

    def _mark_state_dirty(self, session: _Session) -> None:
        """The session's state may have changed: look within STATE_INTERVAL."""
        session.state_dirty = True
        if self._state_handle is None and not self._shut_down:
            self._state_handle = asyncio.get_running_loop().call_later(
                STATE_INTERVAL, self._check_states
            )

    def _check_states(self) -> None:
        """Look at every session whose screen changed, each at most once per
        STATE_INTERVAL: the screen rules run a few times a second, never per frame."""
        self._state_handle = None
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if not session.state_dirty:
                continue
            if now - session.state_checked_at < STATE_INTERVAL or session.info.status != RUNNING:
                self._mark_state_dirty(session)  # look again later
                continue
            session.state_dirty = False
            session.state_checked_at = now
            self._detect_state(session)
            if session.detector is not None and session.detector.follows_files:
                self._mark_state_dirty(session)

    def _detect_state(self, session: _Session) -> None:
        detector = session.detector
        if detector is None or session.exit_code is not None:
            return
        process = session.process
        foreground_is_shell: bool | None = None
        if session.info.agent_type == "terminal" and process is not None:
            pgid = process.foreground_pgid()
            foreground_is_shell = None if pgid is None else pgid == process.pid
        screen = "\n".join(session.emulator.lines())
        state = detector.detect(screen, foreground_is_shell)
        session.info.agent_state_note = detector.note
        self._set_state(session, state)

    def _set_state(self, session: _Session, state: str) -> None:
        info = session.info
        if state != info.agent_state:
            info.agent_state = state
            self._post(SessionState(info.session_id, state))

    def _schedule_flush(self, at: float) -> None:
        """Have `_flush` run at `at` (perf_counter), or earlier if it already will."""
        if self._shut_down:
            return
        handle = self._flush_handle
        loop = asyncio.get_running_loop()
        when = loop.time() + max(0.0, at - time.perf_counter())
        if handle is not None:
            if handle.when() <= when:
                return
            handle.cancel()
        self._flush_handle = loop.call_at(when, self._flush)

    def _flush(self) -> None:
        """Post what waited for its session's frame to end; finish due exits."""
        self._flush_handle = None
        now = time.perf_counter()
        next_at: float | None = None
        for session in list(self._sessions.values()):
            if _has_news(session):
                if not _may_post(session, now):
                    due = session.posted_at + FRAME_SECONDS
                    next_at = due if next_at is None else min(next_at, due)
                    continue
                self._post_session(session, now)
            if _exit_due(session):
                self._finish_exit(session)
        if next_at is not None:
            self._schedule_flush(next_at)

    def _on_process_exit(self, session: _Session, exit_code: int) -> None:
        """The child is gone: collect what it left in the PTY, then report."""
        process = session.process
        if process is not None:
            while True:
                try:
                    data = process.read()
                except OSError:
                    break
                if not data:
                    break
                self._ingest(session, data)
            process.set_reader(None)
            # Whatever the child left in its session (background jobs) ends too.
            task = asyncio.ensure_future(process.terminate(self.pool.config.kill_grace))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        session.exit_code = exit_code
        self._schedule_parse()
        self._schedule_flush(time.perf_counter())

    def _finish_exit(self, session: _Session) -> None:
        self._release_input(session, deliver=False)
        info = session.info
        info.status = EXITED
        info.exit_code = session.exit_code
        session.ready.set()
        if session.detector is not None:
            self._set_state(session, session.detector.exited(info.exit_code))
        if session.pending_output:
            self._post(SessionOutput(info.session_id, bytes(session.pending_output)))
            session.pending_output.clear()
        if session.screen_changed:
            session.screen_changed = False
            self._post(ScreenUpdated(info.session_id))
        self._post(
            SessionExit(info.session_id, info.exit_code if info.exit_code is not None else 0)
        )


def _input_sent(session: _Session) -> None:
    """Input reached the child: what it writes next is an answer, for a while."""
    session.answer_until = time.perf_counter() + ANSWER_SECONDS
    session.answer_bytes = 0
    session.answer_posts = 0


def _stop_looking(session: _Session) -> None:
    """No more looks at the session's directory (it is going away)."""
    if session.place_timer is not None:
        session.place_timer.cancel()
        session.place_timer = None


def _has_news(session: _Session) -> bool:
    """Whether the session has output or (shown) a screen change not yet posted."""
    return bool(session.pending_output) or (session.screen_changed and session.visible)


def _may_post(session: _Session, now: float) -> bool:
    """Whether the session's news may go up at `now`.

    At most once per frame of the session's own, so a flood is coalesced; but
    at once if it posted nothing for a frame (the first output after a quiet
    spell), or if the news is the small answer to input it just received.
    """
    if now - session.posted_at >= FRAME_SECONDS:
        return True
    return (
        now < session.answer_until
        and session.answer_bytes <= ANSWER_BYTES
        and session.answer_posts < ANSWER_POSTS
    )


def _exit_due(session: _Session) -> bool:
    """The child exited and all it left is parsed: its exit can be reported."""
    return session.exit_code is not None and session.info.status != EXITED and not session.backlog


def _existing_dir(path: object, field_name: str) -> str:
    if not isinstance(path, str) or not path:
        raise InvalidArgumentError(f"{field_name} must be a directory path", field_name)
    resolved = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(resolved):
        what = "does not exist" if not os.path.exists(resolved) else "is not a directory"
        raise InvalidArgumentError(f"{field_name} {path!r} {what}", field_name)
    if not os.access(resolved, os.X_OK):
        raise InvalidArgumentError(f"{field_name} {path!r} cannot be entered", field_name)
    return resolved


def _check_size(cols: object, rows: object) -> None:
    for name, value in (("cols", cols), ("rows", rows)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
            raise InvalidArgumentError(f"{name} must be a whole number from 1 to 1000", name)
