"""A client of synk's control socket, for the `synk` subcommands and for scripts.

    from synk_tui.client import SynkClient
    with SynkClient() as synk:
        session = synk.request("session:create", {"agentType": "terminal",
                                                  "projectPath": "/src/app"})
        synk.request("session:send", {"sessionId": session["sessionId"],
                                      "text": "make test", "enter": True})
        for event in synk.events():
            ...

Blocking sockets and the standard library only: it never imports Textual,
so a script or `synk ls` starts in a few tens of milliseconds. A failed
command raises `RemoteError` with the server's stable code; no server raises
`ServerNotRunningError`; an unsafe socket directory `UnsafeSocketDirError`.
"""

from __future__ import annotations

import itertools
import json
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from synk_tui.control_path import check_socket_dir, socket_path
from synk_tui.errors import ControlSocketError, ServerNotRunningError, SynkError

MAX_REPLY_BYTES = 256 * 1024 * 1024
"""The longest line accepted from the server (a large scrollback capture)."""


class RemoteError(SynkError):
    """The server answered a request with an error; `code` is its stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SynkClient:
    """One connection to a synk control socket; requests are answered in order."""

    def __init__(self, path: str | Path | None = None, *, timeout: float | None = 30.0) -> None:
        self.path = socket_path(path)
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._ids = itertools.count(1)
        self._pending_events: list[dict[str, Any]] = []

    def __enter__(self) -> SynkClient:
        self.connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Check the socket's directory, then connect; ServerNotRunningError if nobody listens."""
        if self._sock is not None:
            return
        if not self.path.parent.exists():
            raise ServerNotRunningError(f"no synk server is running on {self.path}")
        check_socket_dir(self.path.parent)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            raise ServerNotRunningError(f"no synk server is running on {self.path}") from None
        except OSError as error:
            sock.close()
            raise ControlSocketError(
                f"cannot connect to {self.path}: {error.strerror or error}"
            ) from None
        self._sock = sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    # ---- lines -----------------------------------------------------------------

    def _read_message(self, timeout: float | None) -> dict[str, Any]:
        sock = self._sock
        if sock is None:
            raise ServerNotRunningError(f"not connected to {self.path}")
        sock.settimeout(timeout)
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                try:
                    message = json.loads(line)
                except ValueError:
                    raise ControlSocketError("the server sent a line that is not JSON") from None
                if isinstance(message, dict):
                    return message
                continue
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise ControlSocketError("the server sent an over-long line")
            try:
                chunk = sock.recv(1024 * 1024)
            except TimeoutError:
                raise ControlSocketError(f"no answer from {self.path}") from None
            except OSError as error:
                raise ControlSocketError(f"connection to {self.path} failed: {error}") from None
            if not chunk:
                raise ServerNotRunningError(f"the synk server on {self.path} closed the connection")
            self._buffer += chunk

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (tests send malformed lines with it)."""
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        self._sock.sendall(data)

    def request(self, cmd: str, args: Mapping[str, Any] | None = None) -> Any:
        """Run one command and return its result; RemoteError carries the server's code."""
        request_id = next(self._ids)
        line = json.dumps({"id": request_id, "cmd": cmd, "args": dict(args or {})})
        self.send_raw(line.encode() + b"\n")
        while True:
            message = self._read_message(self.timeout)
            if "event" in message:
                self._pending_events.append(message)
                continue
            if message.get("id") not in (request_id, None):
                continue
            if message.get("ok"):
                return message.get("result")
            error = message.get("error")
            if not isinstance(error, dict):
                raise ControlSocketError("the server sent a malformed reply")
            raise RemoteError(str(error.get("code", "error")), str(error.get("message", "")))

    def events(self, timeout: float | None = None) -> Iterator[dict[str, Any]]:
        """Subscribe, then yield `{"event": ..., "payload": ...}` messages as they come."""
        self.request("events:subscribe")
        while True:
            while self._pending_events:
                yield self._pending_events.pop(0)
            message = self._read_message(timeout)
            if "event" in message:
                yield message
