"""One child process on a pseudo-terminal: spawn, read, write, resize, end, reap.

This is the only module that touches PTY file descriptors. Everything is
non-blocking and driven by the asyncio loop: output arrives through
`loop.add_reader` on the master, exit through a pidfd, so no thread and no
polling timer is involved. Writes that the kernel cannot take at once are
buffered and flushed when the master becomes writable, so a long paste never
blocks the event loop; the buffer is bounded, so a child that never reads its
input cannot grow synk's memory (input beyond `MAX_PENDING_INPUT` is refused
and the caller tells the person, replies beyond `MAX_PENDING_REPLIES` are
dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

READ_SIZE = 65536
"""Bytes asked for per read (the kernel hands out ~4 KB per read anyway)."""

SHORT_READ = 1024
"""A read this short emptied the terminal's buffer (an echo, a prompt): the
next read is left to the loop's next readiness report, one system call and
one exception fewer per keystroke. Long reads (a flood) read on."""

MAX_PENDING_INPUT = 4 << 20
"""Bytes of input that may wait for a child that does not read: a write that
would go past it is refused whole (`write` returns False)."""

MAX_PENDING_REPLIES = 64 << 10
"""Answers to terminal queries are dropped while this much waits unread: a
child that floods queries and never reads cannot grow the buffer."""

_SETSID = shutil.which("setsid")
"""util-linux's setsid: `setsid --ctty` makes the child a session leader that
owns the PTY as its controlling terminal while letting subprocess use vfork
(a `preexec_fn` would force a full fork, ~5x slower from a large parent)."""


def _acquire_ctty() -> None:  # pragma: no cover - runs in the child
    """Fallback when util-linux's setsid is missing: take the PTY as ctty."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def exit_code_from_status(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128+N for signal N."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 255


def session_members(sid: int) -> list[int]:
    """Every live process whose session id is `sid` (the child and its jobs)."""
    members: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 2 (comm) may hold spaces and parentheses: split after its ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        # fields[0] is state, [1] ppid, [2] pgrp, [3] session.
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


_UNREAPED: set[int] = set()
"""Pids of PTY children not reaped yet: `synk_tui.orphans` leaves them to
their PtyProcess (reaping one would steal its exit status)."""


def unreaped_children() -> frozenset[int]:
    """The PTY children this process spawned and has not reaped yet."""
    return frozenset(_UNREAPED)


class PtyProcess:
    """A child process whose stdin, stdout and stderr are a new PTY."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str | None = None,
        cols: int = 80,
        rows: int = 24,
    ) -> None:
        master, slave = os.openpty()
        try:
            _set_winsize(master, cols, rows)
            argv = list(argv)
            # util-linux setsid gives the child its session and controlling
            # tty without a Python preexec hook, so Popen can use vfork.
            spawn: dict[str, Any] = (
                {"args": [_SETSID, "--ctty", *argv]}
                if _SETSID
                else {"args": argv, "start_new_session": True, "preexec_fn": _acquire_ctty}
            )
            self._popen = subprocess.Popen(
                **spawn,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=dict(env),
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.fd: int = master
        self.pid: int = self._popen.pid
        _UNREAPED.add(self.pid)
        self.argv: list[str] = argv
        self.cols = cols
        self.rows = rows
        self.started_at: float = time.monotonic()
        self.exit_code: int | None = None
        self._pidfd: int | None = None
        self._write_buffer = bytearray()
        self._writer_installed = False
        self._reader_installed = False
        self._reader: Callable[[], None] | None = None
        self._on_exit: Callable[[int], None] | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- reading -------------------------------------------------------------

    def set_reader(self, callback: Callable[[], None] | None) -> None:
        """Call `callback` whenever the master has output; None stops reading.

        Stopping is how back-pressure works: unread output stays in the
        kernel, which then blocks the child's writes.
        """
        self._reader = callback
        if callback is None or self._closed:
            if self._reader_installed:
                self._get_loop().remove_reader(self.fd)
                self._reader_installed = False
        elif not self._reader_installed:
            # One registration; a new owner (the pool handing a shell to its
            # session) only swaps the callback, no epoll call on the hand-over.
            self._get_loop().add_reader(self.fd, self._on_readable)
            self._reader_installed = True

    @property
    def reader(self) -> Callable[[], None] | None:
        """The callback that reads the output now (see `set_reader`)."""
        return self._reader

    def _on_readable(self) -> None:
        if self._reader is not None:
            self._reader()

    def read(self, limit: int = 1 << 20) -> bytes | None:
        """Whatever output is ready, up to about `limit` bytes, without blocking.

        Returns b"" when nothing is ready and None at end of output (the
        slave side was closed by every process that had it).
        """
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            try:
                chunk = os.read(self.fd, READ_SIZE)
            except BlockingIOError:
                break
            except OSError as error:
                if error.errno == errno.EIO:  # Linux: slave closed, nothing left
                    return b"".join(chunks) if chunks else None
                raise
            if not chunk:
                return b"".join(chunks) if chunks else None
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < SHORT_READ:
                break  # drained: asking again would only raise BlockingIOError
        return b"".join(chunks)

    # -- writing -------------------------------------------------------------

    def write(self, data: bytes) -> bool:
        """Send bytes to the child in order; never blocks.

        False, and nothing of `data` sent, when the child already leaves so
        much unread that `data` would take the waiting input past
        MAX_PENDING_INPUT (the caller tells the person).
        """
        if self._closed or not data:
            return True
        if len(self._write_buffer) + len(data) > MAX_PENDING_INPUT:
            return False
        self._write_buffer += data
        self._flush()
        return True

    def write_reply(self, data: bytes) -> bool:
        """Send an answer to a terminal query; dropped (False) while
        MAX_PENDING_REPLIES or more wait unread."""
        if len(self._write_buffer) >= MAX_PENDING_REPLIES:
            return False
        return self.write(data)

    def _flush(self) -> None:
        while self._write_buffer:
            try:
                written = os.write(self.fd, self._write_buffer[:READ_SIZE])
            except BlockingIOError:
                break
            except OSError:  # the child is gone: nothing will read this
                self._write_buffer.clear()
                break
            del self._write_buffer[:written]
        want_writer = bool(self._write_buffer) and not self._closed
        if want_writer != self._writer_installed:
            loop = self._get_loop()
            if want_writer:
                loop.add_writer(self.fd, self._flush)
            else:
                loop.remove_writer(self.fd)
            self._writer_installed = want_writer

    @property
    def pending_write(self) -> int:
        """Bytes written but not yet taken by the kernel."""
        return len(self._write_buffer)

    # -- size, signals, exit -------------------------------------------------

    def resize(self, cols: int, rows: int) -> None:
        """Set the PTY's size; the kernel sends SIGWINCH to the foreground job."""
        if self._closed or (cols, rows) == (self.cols, self.rows):
            return
        _set_winsize(self.fd, cols, rows)
        self.cols, self.rows = cols, rows

    def reads_keys(self) -> bool:
        """True while the child reads keys itself: the terminal neither
        echoes nor collects lines (a line editor such as readline or zle at
        its prompt, a full-screen program). The master's termios calls act
        on the slave's settings on Linux."""
        if self._closed:
            return False
        try:
            lflag = termios.tcgetattr(self.fd)[3]
        except termios.error:
            return False
        return not lflag & (termios.ECHO | termios.ICANON)

    def foreground_pgid(self) -> int | None:
        """The process group that owns the terminal now (the shell, or a job)."""
        if self._closed:
            return None
        try:
            return os.tcgetpgrp(self.fd)
        except OSError:
            return None

    def watch_exit(self, callback: Callable[[int], None]) -> None:
        """Call `callback(exit_code)` once, when the child has exited (reaped)."""
        self._on_exit = callback
        if self.exit_code is not None:
            callback(self.exit_code)
            return
        if self._pidfd is None:
            self._pidfd = os.pidfd_open(self.pid)
            self._get_loop().add_reader(self._pidfd, self._reap)

    def _reap(self) -> None:
        if self.poll() is not None and self._pidfd is not None:
            self._get_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
            if self._on_exit is not None:
                self._on_exit(self.exit_code)  # type: ignore[arg-type]

    def poll(self) -> int | None:
        """The exit code if the child has exited (reaping it), else None."""
        if self.exit_code is None:
            status = self._popen.poll()
            if status is not None:
                _UNREAPED.discard(self.pid)
                self.exit_code = 128 - status if status < 0 else status
        return self.exit_code

    @property
    def alive(self) -> bool:
        """True while the child has not exited."""
        return self.poll() is None

    def signal_session(self, sig: int) -> None:
        """Send `sig` to the child, its process group and every process of its
        terminal session (its jobs, `nohup` and `disown`ed ones included)."""
        signal_session(self.pid, sig, leader_alive=self.alive)

    async def terminate(self, grace: float = 3.0) -> int:
        """End the child and its session: SIGHUP+SIGTERM, then SIGKILL after `grace`.

        SIGHUP is what a closing terminal sends and what interactive shells
        obey (bash ignores SIGTERM); SIGTERM reaches the rest.
        """
        self.signal_session(signal.SIGHUP)
        self.signal_session(signal.SIGTERM)
        if self.alive:
            self.signal_session(signal.SIGCONT)  # a stopped job must see its signals
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (self.alive or session_members(self.pid)):
            await asyncio.sleep(0.01)
        if self.alive or session_members(self.pid):
            self.signal_session(signal.SIGKILL)
            while self.poll() is None:
                await asyncio.sleep(0.005)
        self.close()
        return self.exit_code if self.exit_code is not None else 0

    def kill_now(self) -> None:
        """Synchronous last resort (interpreter exit): SIGKILL the session, reap, close."""
        self.signal_session(signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, subprocess.TimeoutExpired):
            self._popen.wait(timeout=1.0)
        self.poll()
        self.close()

    def close(self) -> None:
        """Stop watching and close the master (the child sees a hangup)."""
        if self._closed:
            return
        loop = self._loop
        if loop is not None and not loop.is_closed():
            if self._reader_installed:
                loop.remove_reader(self.fd)
            if self._writer_installed:
                loop.remove_writer(self.fd)
            if self._pidfd is not None:
                loop.remove_reader(self._pidfd)
        self._reader_installed = self._writer_installed = False
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self._closed = True
        self._write_buffer.clear()
        with contextlib.suppress(OSError):
            os.close(self.fd)

    @property
    def closed(self) -> bool:
        """True once the master is closed."""
        return self._closed

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop


def signal_session(sid: int, sig: int, *, leader_alive: bool = True) -> None:
    """Send `sig` to the session leader `sid` (while alive: its pid may not be
    reused before it is reaped), its process group, and every process whose
    session id is `sid`."""
    members = session_members(sid)
    if leader_alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(sid, sig)
    if leader_alive or members:  # else the group is gone and its id may be reused
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(sid, sig)
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _set_winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
