"""The control socket: the wire commands as JSON lines on a Unix socket.

Each line a client sends is one request, `{"id": 1, "cmd": "session:list",
"args": {}}`, answered by one line, `{"id": 1, "ok": true, "result": ...}`
or `{"id": 1, "ok": false, "error": {"code": ..., "message": ...}}`
(docs/PROTOCOL.md). `events:subscribe` turns the connection into an event
stream as well: `{"event": "session:output", "payload": {...}}` lines.

Hostile or broken input is normal input: a line that is not JSON, a request
of the wrong shape, an unknown command or a line over `MAX_LINE_BYTES` gets
an error reply and the connection goes on; reading costs time linear in what
arrives. A subscriber that reads slowly never blocks synk: its events wait
in a queue bounded in bytes, what does not fit is dropped and counted, and
a `lagged` event says so once the queue has room again. Peers of another
uid (`SO_PEERCRED`) are refused and closed.

Core: no Textual. The owner hands in `run(name, args)`, which carries out a
command (the app's creates its tiles too), and feeds core events to
`publish`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
import struct
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from synk_tui.control_path import prepare_socket_dir
from synk_tui.errors import (
    InternalError,
    InvalidJsonError,
    LineTooLongError,
    PermissionDeniedError,
    ProtocolError,
    ServerRunningError,
    SynkError,
    UnknownCommandError,
)
from synk_tui.ipc import COMMANDS

MAX_LINE_BYTES = 1024 * 1024
"""The longest request line read; a longer one is skipped and answered with an error."""

READ_BYTES = 64 * 1024
"""Bytes read from a connection at a time."""

EVENT_QUEUE_BYTES = 4 * 1024 * 1024
"""Event bytes one subscriber may have waiting; past this its events are dropped."""

EVENT_QUEUE_LINES = 10_000
"""Event lines one subscriber may have waiting (bounds many tiny events too)."""

WIRE_EVENTS = frozenset(
    {"session:output", "session:exit", "session:ready", "pool:status", "app:error"}
)
"""Core events sent to subscribers (screen updates and clipboard text stay inside)."""

SERVER_COMMANDS = ("events:subscribe", "events:unsubscribe")
"""Commands the connection itself handles, on top of the wire commands."""

_PEERCRED = struct.Struct("3i")

Run = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


class WireEvent(Protocol):
    """What `publish` needs of a core event (events.SynkEvent has it)."""

    wire_name: str

    def to_wire(self) -> dict[str, Any]: ...


def encode(message: Mapping[str, Any]) -> bytes:
    """One JSON line; non-ASCII escaped, so no byte of it is a control character."""
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end (SO_PEERCRED), None if unknown."""
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    except (OSError, AttributeError):
        return None
    _pid, uid, _gid = _PEERCRED.unpack(raw)
    return int(uid)


class _Connection:
    """One client: its writer, its outgoing queue and, when subscribed, its lag."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.subscribed = False
        self.out: deque[bytes] = deque()
        self.queued_bytes = 0
        self.has_output = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()
        self.drained = asyncio.Event()
        self.drained.set()
        self.dropped: dict[str, int] = {}
        """Events dropped since the last `lagged` event, by event name."""
        self.dropped_sessions: set[int] = set()
        self.closed = False

    def push(self, line: bytes) -> None:
        self.out.append(line)
        self.queued_bytes += len(line)
        self.has_output.set()
        self.drained.clear()
        if self.queued_bytes >= EVENT_QUEUE_BYTES:
            self.room.clear()

    def reply(self, message: Mapping[str, Any]) -> None:
        """Replies are never dropped; the reader waits for room before the next request."""
        self.push(encode(message))

    def offer(self, name: str, line: bytes, session_id: int | None) -> None:
        """Queue an event line, or drop and count it when the queue is full."""
        if self.closed:
            return
        full = (
            self.queued_bytes + len(line) > EVENT_QUEUE_BYTES or len(self.out) >= EVENT_QUEUE_LINES
        )
        if self.dropped and not full and self.queued_bytes <= EVENT_QUEUE_BYTES // 2:
            self._push_lagged()
        if full or self.dropped:
            self.dropped[name] = self.dropped.get(name, 0) + 1
            if session_id is not None:
                self.dropped_sessions.add(session_id)
            return
        self.push(line)

    def _push_lagged(self) -> None:
        payload = {"dropped": dict(self.dropped), "sessionIds": sorted(self.dropped_sessions)}
        self.dropped.clear()
        self.dropped_sessions.clear()
        self.push(encode({"event": "lagged", "payload": payload}))

    async def write_loop(self) -> None:
        """Send queued lines in order; a slow peer slows only this task."""
        try:
            while True:
                await self.has_output.wait()
                while self.out:
                    line = self.out.popleft()
                    self.writer.write(line)
                    await self.writer.drain()
                    self.queued_bytes -= len(line)
                    if self.queued_bytes < EVENT_QUEUE_BYTES:
                        self.room.set()
                    if self.dropped and self.queued_bytes <= EVENT_QUEUE_BYTES // 2:
                        self._push_lagged()
                self.has_output.clear()
                self.drained.set()
        except (ConnectionError, OSError):
            self.closed = True
            self.drained.set()
            self.room.set()


class ControlServer:
    """Listens on the control socket; runs requests through `run`, streams events."""

    def __init__(self, path: Path, run: Run) -> None:
        self.path = path
        self.run = run
        self.uid = os.getuid()
        """The only peer uid served."""
        self._server: asyncio.AbstractServer | None = None
        self._inode: tuple[int, int] | None = None
        self._connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        return self._server is not None

    # ---- life cycle ------------------------------------------------------------

    async def start(self) -> None:
        """Check the directory, replace a stale socket, listen (0600).

        Raises UnsafeSocketDirError or ServerRunningError with one line saying why.
        """
        prepare_socket_dir(self.path)
        self._remove_stale()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._accept, path=str(self.path), limit=READ_BYTES
            )
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        info = os.stat(self.path)
        self._inode = (info.st_dev, info.st_ino)

    def _remove_stale(self) -> None:
        """A socket nobody answers on is left from a synk that died: remove it."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        if not stat.S_ISSOCK(info.st_mode):
            raise ServerRunningError(f"{self.path} exists and is not a socket; refusing it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.settimeout(1.0)
            probe.connect(str(self.path))
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return
        except OSError as error:
            raise ServerRunningError(
                f"cannot check the socket {self.path}: {error.strerror}"
            ) from None
        finally:
            probe.close()
        raise ServerRunningError(f"a synk server is already running on {self.path}")

    async def stop(self) -> None:
        """Stop listening, close every connection, remove the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        self.close_now()
        # Closed transports end each connection's reading; its task then finishes.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1.0)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1.0)

    def close_now(self) -> None:
        """Synchronous last resort (a signal, a hang-up): close clients, remove our socket."""
        for connection in list(self._connections):
            connection.closed = True
            with contextlib.suppress(Exception):
                connection.writer.close()
        self._connections.clear()
        if self._inode is not None:
            with contextlib.suppress(OSError):
                info = os.lstat(self.path)
                if (info.st_dev, info.st_ino) == self._inode:
                    os.unlink(self.path)
            self._inode = None

    # ---- events ----------------------------------------------------------------

    def publish(self, event: object) -> None:
        """A core event: to every subscriber, encoded once; never blocks."""
        name = getattr(event, "wire_name", "")
        if name not in WIRE_EVENTS:
            return
        subscribers = [c for c in self._connections if c.subscribed and not c.closed]
        if not subscribers:
            return
        wire: WireEvent = event  # type: ignore[assignment]
        payload = wire.to_wire()
        line = encode({"event": name, "payload": payload})
        session_id = payload.get("sessionId")
        for connection in subscribers:
            connection.offer(name, line, session_id if isinstance(session_id, int) else None)

    # ---- one connection --------------------------------------------------------

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A plain callback, so each connection is a task of ours that `stop` can end."""
        task = asyncio.ensure_future(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if uid != self.uid:
            error = PermissionDeniedError(
                f"uid {uid} may not use this synk (it runs as {self.uid})"
            )
            with contextlib.suppress(Exception):
                writer.write(encode({"id": None, "ok": False, "error": error.to_wire()}))
                await asyncio.wait_for(writer.drain(), 1.0)
                # Wait (briefly) for the peer to hang up: closing on its unread
                # request would reset the connection before it read the refusal.
                writer.write_eof()
                await asyncio.wait_for(reader.read(MAX_LINE_BYTES), 1.0)
            writer.close()
            return
        connection = _Connection(writer)
        self._connections.add(connection)
        writing = asyncio.ensure_future(connection.write_loop())
        try:
            await self._read_requests(reader, connection)
            # The client closed its side: let what is queued go out.
            connection.subscribed = False
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(connection.drained.wait(), 5.0)
        except (ConnectionError, OSError):
            pass
        finally:
            connection.closed = True
            self._connections.discard(connection)
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing
            with contextlib.suppress(Exception):
                writer.close()

    async def _read_requests(self, reader: asyncio.StreamReader, connection: _Connection) -> None:
        """Split what arrives into lines (linear: each byte is searched once)."""
        buffer = bytearray()
        skipping = False
        while not connection.closed:
            chunk = await reader.read(READ_BYTES)
            if not chunk:
                return
            start = 0
            while True:
                newline = chunk.find(b"\n", start)
                if newline < 0:
                    break
                if skipping:
                    skipping = False
                elif len(buffer) + newline - start > MAX_LINE_BYTES:
                    buffer.clear()
                    self._too_long(connection)
                else:
                    buffer += chunk[start:newline]
                    line, buffer = bytes(buffer), bytearray()
                    await self._handle(connection, line)
                    await connection.room.wait()
                start = newline + 1
            if not skipping:
                buffer += chunk[start:]
                if len(buffer) > MAX_LINE_BYTES:
                    buffer.clear()
                    skipping = True
                    self._too_long(connection)

    @staticmethod
    def _too_long(connection: _Connection) -> None:
        error = LineTooLongError(f"Request line longer than {MAX_LINE_BYTES} bytes; skipped")
        connection.reply({"id": None, "ok": False, "error": error.to_wire()})

    async def _handle(self, connection: _Connection, line: bytes) -> None:
        """One request line -> one reply line."""
        if not line.strip():
            return
        request_id: Any = None
        try:
            try:
                request = json.loads(line)
            except (ValueError, RecursionError):
                raise InvalidJsonError("Request is not valid JSON") from None
            if not isinstance(request, dict):
                raise ProtocolError("Request must be a JSON object")
            request_id = request.get("id")
            if request_id is not None and (
                not isinstance(request_id, (int, str)) or isinstance(request_id, bool)
            ):
                request_id = None
                raise ProtocolError("Request 'id' must be a number or a string")
            name = request.get("cmd")
            if not isinstance(name, str):
                raise ProtocolError("Request 'cmd' must be a string")
            args = request.get("args", {})
            if args is None:
                args = {}
            if not isinstance(args, dict):
                raise ProtocolError("Request 'args' must be an object")
            result = await self._dispatch(connection, name, args)
        except SynkError as error:
            connection.reply({"id": request_id, "ok": False, "error": error.to_wire()})
            return
        except Exception as error:  # the server goes on whatever a command does
            failure = InternalError(f"{type(error).__name__}: {error}")
            connection.reply({"id": request_id, "ok": False, "error": failure.to_wire()})
            return
        connection.reply({"id": request_id, "ok": True, "result": result})

    async def _dispatch(self, connection: _Connection, name: str, args: Mapping[str, Any]) -> Any:
        if name == "events:subscribe":
            connection.subscribed = True
            return {"subscribed": True, "events": sorted(WIRE_EVENTS)}
        if name == "events:unsubscribe":
            connection.subscribed = False
            return {"subscribed": False}
        if name not in COMMANDS:
            known = ", ".join(sorted([*COMMANDS, *SERVER_COMMANDS]))
            raise UnknownCommandError(f"Unknown command {name[:100]!r} (known: {known})")
        return await self.run(name, args)
