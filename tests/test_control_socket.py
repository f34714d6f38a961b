"""The control socket: the wire commands as JSON lines, on real shells on real PTYs.

The server runs on a real SessionManager (the app's own wiring is tested in
test_control_app.py); clients are raw Unix sockets or `SynkClient`, so what
is tested is the bytes on the socket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from synk_tui import control_server
from synk_tui.client import RemoteError, SynkClient
from synk_tui.control_path import check_socket_dir, default_socket_dir, socket_path
from synk_tui.control_server import EVENT_QUEUE_BYTES, MAX_LINE_BYTES, ControlServer
from synk_tui.errors import ServerNotRunningError, ServerRunningError, UnsafeSocketDirError
from synk_tui.ipc import WireContext, invoke
from synk_tui.pool import ProcessPool
from synk_tui.session_manager import SessionManager
from tests.core_helpers import EventLog, pool_config, wait_for


class Core:
    """A manager whose events go to a log and to the control server."""

    def __init__(self, tmp_path: Path, path: Path, **overrides: Any) -> None:
        self.log = EventLog()
        self.server = ControlServer(path, self.run)
        self.manager = SessionManager(
            ProcessPool(pool_config(tmp_path, **overrides)), post=self.post
        )
        self.path = path

    def post(self, message: Any) -> None:
        self.log(message)
        self.server.publish(message)

    async def run(self, name: str, args: Any) -> Any:
        return await invoke(WireContext.bare(self.manager), name, args)


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    sockets = tmp_path / "sock"
    sockets.mkdir(mode=0o700)
    core = Core(tmp_path, sockets / "synk.sock", initial_pool_size=2)
    await core.manager.start()
    await core.server.start()
    yield core
    await core.server.stop()
    await core.manager.shutdown()


class Raw:
    """A raw JSON-lines connection (asyncio), for the bytes on the wire."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.events: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, path: Path) -> Raw:
        reader, writer = await asyncio.open_unix_connection(str(path), limit=64 * 1024 * 1024)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, timeout: float = 15.0) -> dict[str, Any]:
        """The next reply line (event lines met on the way are kept)."""
        while True:
            line = await asyncio.wait_for(self.reader.readline(), timeout)
            assert line, "connection closed"
            message: dict[str, Any] = json.loads(line)
            if "event" in message:
                self.events.append(message)
                continue
            return message

    async def call(self, cmd: str, args: dict[str, Any] | None = None, rid: int = 1) -> Any:
        await self.send(json.dumps({"id": rid, "cmd": cmd, "args": args or {}}).encode() + b"\n")
        return await self.reply()

    async def event(self, timeout: float = 15.0) -> dict[str, Any]:
        if self.events:
            return self.events.pop(0)
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        assert line, "connection closed"
        message: dict[str, Any] = json.loads(line)
        assert "event" in message, message
        return message

    def close(self) -> None:
        self.writer.close()


async def test_seed_acceptance_over_the_socket(core: Core, tmp_path: Path) -> None:
    events = await Raw.open(core.path)
    assert (await events.call("events:subscribe"))["ok"]
    control = await Raw.open(core.path)
    create = {"agentType": "terminal", "projectPath": str(tmp_path)}
    reply = await control.call("session:create", create, rid=7)
    assert reply == {"id": 7, "ok": True, "result": {"sessionId": 1, "paneIndex": 0}}
    reply = await control.call("session:write", {"sessionId": 1, "data": "echo hi-$((1+1))\r"})
    assert reply == {"id": 1, "ok": True, "result": None}

    seen = b""
    kinds: set[str] = set()
    while b"hi-2" not in seen:
        message = await events.event()
        kinds.add(message["event"])
        if message["event"] == "session:output":
            assert message["payload"]["sessionId"] == 1
            seen += base64.b64decode(message["payload"]["dataB64"])
    assert "pool:status" in kinds or "session:ready" in kinds

    for n in range(2, 13):
        reply = await control.call("session:create", create, rid=n)
        assert reply["result"] == {"sessionId": n, "paneIndex": n - 1}
    reply = await control.call("session:create", create, rid=13)
    assert reply["ok"] is False and reply["id"] == 13
    assert reply["error"] == {"code": "max_sessions", "message": "Max sessions reached (12)"}
    listed = await control.call("session:list")
    assert [s["sessionId"] for s in listed["result"]] == list(range(1, 13))

    # The shell's exit reaches the subscriber as session:exit.
    await control.call("session:write", {"sessionId": 2, "data": "exit 3\r"})
    while True:
        message = await events.event()
        if message["event"] == "session:exit":
            assert message["payload"] == {"sessionId": 2, "exitCode": 3}
            break
    events.close()
    control.close()


async def test_malformed_input_is_answered_and_the_server_goes_on(core: Core) -> None:
    raw = await Raw.open(core.path)
    cases: list[tuple[bytes, str]] = [
        (b"not json\n", "invalid_json"),
        (b"\xff\xfe{}\n", "invalid_json"),
        (b"[" * 200_000 + b"\n", "invalid_json"),
        (b"[1, 2]\n", "invalid_request"),
        (b'{"id": 1, "cmd": 5}\n', "invalid_request"),
        (b'{"id": 1, "cmd": "session:list", "args": [1]}\n', "invalid_request"),
        (b'{"id": {"x": 1}, "cmd": "session:list"}\n', "invalid_request"),
        (b'{"id": 2, "cmd": "session:nope"}\n', "unknown_command"),
        (
            b'{"id": 3, "cmd": "session:write", "args": {"sessionId": "x", "data": 1}}\n',
            "invalid_argument",
        ),
        (
            b'{"id": 4, "cmd": "session:write", "args": {"sessionId": 99, "data": "x"}}\n',
            "session_not_found",
        ),
        (b'{"id": 5, "cmd": "session:screen", "args": {"sessionId": true}}\n', "invalid_argument"),
    ]
    for line, code in cases:
        await raw.send(line)
        reply = await raw.reply()
        assert reply["ok"] is False, (line[:40], reply)
        assert reply["error"]["code"] == code, (line[:40], reply)
    # A line over the limit, sent in pieces, is skipped: one error, then the next line works.
    big = b'{"id": 9, "cmd": "session:list", "pad": "' + b"x" * (MAX_LINE_BYTES + 10)
    for start in range(0, len(big), 100_000):
        await raw.send(big[start : start + 100_000])
    await raw.send(b'"}\n{"id": 10, "cmd": "session:list"}\n')
    reply = await raw.reply()
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == "line_too_long"
    assert await raw.reply() == {"id": 10, "ok": True, "result": []}
    raw.close()
    # Another connection is served too.
    other = await Raw.open(core.path)
    assert (await other.call("session:list"))["ok"] is True
    other.close()


async def test_a_slow_subscriber_is_bounded_and_told_it_lagged(core: Core, tmp_path: Path) -> None:
    sleeper = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.connect(str(core.path))
    sleeper.sendall(b'{"id": 1, "cmd": "events:subscribe"}\n')
    await wait_for(lambda: any(c.subscribed for c in core.server._connections), what="subscribed")
    (connection,) = core.server._connections

    control = await Raw.open(core.path)
    create = {"agentType": "terminal", "projectPath": str(tmp_path)}
    await control.call("session:create", create)
    await control.call("session:create", create)
    await control.call(
        "session:write", {"sessionId": 1, "data": "seq 1 1500000; echo FLOOD-$((1+1))DONE\r"}
    )
    peak = 0

    def flood_done() -> bool:
        nonlocal peak
        peak = max(peak, connection.queued_bytes)
        return "FLOOD-2DONE" in "\n".join(core.manager.screen(1).lines())

    await wait_for(flood_done, timeout=60, what="the flood to end")
    # The app kept serving: the other session answers while nobody reads the events.
    await control.call("session:write", {"sessionId": 2, "data": "echo still-$((2+2))\r"})
    await wait_for(lambda: "still-4" in "\n".join(core.manager.screen(2).lines()), what="echo")
    assert sum(len(e.data) for e in core.log.of(_output_class())) > 2 * EVENT_QUEUE_BYTES
    assert peak <= EVENT_QUEUE_BYTES
    assert connection.dropped, "events were dropped for the slow reader"

    # Reading now: the queued events, then a lagged event naming what was dropped.
    sleeper.setblocking(False)
    received = bytearray()
    loop = asyncio.get_running_loop()

    async def read_until_lagged() -> dict[str, Any]:
        while True:
            chunk = await loop.sock_recv(sleeper, 1 << 20)
            assert chunk
            received.extend(chunk)
            for line in bytes(received).split(b"\n")[:-1]:
                message = json.loads(line)
                if message.get("event") == "lagged":
                    return dict(message["payload"])

    lagged = await asyncio.wait_for(read_until_lagged(), 30)
    assert lagged["dropped"]["session:output"] > 0
    assert 1 in lagged["sessionIds"]
    sleeper.close()
    control.close()


def _output_class() -> type:
    from synk_tui.events import SessionOutput

    return SessionOutput


async def test_client_request_and_errors(core: Core, tmp_path: Path) -> None:
    def use() -> tuple[Any, str]:
        with SynkClient(core.path) as client:
            created = client.request(
                "session:create", {"agentType": "terminal", "projectPath": str(tmp_path)}
            )
            try:
                client.request("session:destroy", {"sessionId": 42})
            except RemoteError as error:
                return created, error.code
        return created, ""

    created, code = await asyncio.to_thread(use)
    assert created == {"sessionId": 1, "paneIndex": 0}
    assert code == "session_not_found"
    with pytest.raises(ServerNotRunningError):
        SynkClient(tmp_path / "sock" / "nobody.sock").connect()


# ---- socket file and directory ------------------------------------------------


async def test_socket_is_0600_and_the_default_dir_is_made_0700(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("SYNK_SOCKET", raising=False)
    path = socket_path()
    assert path == runtime / "synk" / "default"
    server = ControlServer(path, nothing)
    await server.start()
    try:
        assert stat.S_IMODE(os.stat(runtime / "synk").st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        # A second server on the same socket is refused; the first keeps it.
        with pytest.raises(ServerRunningError, match="already running"):
            await ControlServer(path, nothing).start()
        assert path.exists()
    finally:
        await server.stop()
    assert not path.exists()
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert default_socket_dir() == Path(f"/tmp/synk-{os.getuid()}")
    monkeypatch.setenv("SYNK_SOCKET", str(tmp_path / "x.sock"))
    assert socket_path() == tmp_path / "x.sock"
    assert socket_path(tmp_path / "y.sock") == tmp_path / "y.sock"


async def test_a_stale_socket_is_replaced_and_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # a socket file nobody listens on: a synk that died
    server = ControlServer(path, nothing)
    await server.start()
    assert (await asyncio.to_thread(_list_over, path)) == []
    await server.stop()
    path.write_text("not a socket")
    with pytest.raises(ServerRunningError, match="not a socket"):
        await ControlServer(path, nothing).start()
    assert path.read_text() == "not a socket"


async def nothing(name: str, args: Any) -> Any:
    """A server's `run` for tests of the socket itself: every command answers []."""
    return []


def _list_over(path: Path) -> Any:
    with SynkClient(path) as client:
        return client.request("session:list")


@pytest.mark.parametrize(
    ("mode", "why"),
    [(0o770, "writable by group or others"), (0o703, "writable by group or others")],
)
def test_a_directory_writable_by_others_is_refused(tmp_path: Path, mode: int, why: str) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(mode)
    with pytest.raises(UnsafeSocketDirError, match=why) as error:
        check_socket_dir(directory)
    assert "\n" not in error.value.message
    with pytest.raises(UnsafeSocketDirError):
        SynkClient(directory / "s.sock").connect()
    directory.chmod(0o700)
    check_socket_dir(directory)


def test_a_symlinked_or_foreign_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UnsafeSocketDirError, match="symlink"):
        check_socket_dir(link)
    if os.getuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    os.chown(real, 65534, 65534)
    with pytest.raises(UnsafeSocketDirError, match="owned by uid 65534"):
        check_socket_dir(real)


async def test_the_server_refuses_an_unsafe_directory(tmp_path: Path) -> None:
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(0o777)
    with pytest.raises(UnsafeSocketDirError, match="writable"):
        await ControlServer(directory / "s.sock", nothing).start()
    assert not (directory / "s.sock").exists()


# ---- other users ----------------------------------------------------------------

_PEER = """
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as error:
    print(json.dumps({"connect": type(error).__name__}))
    raise SystemExit(0)
try:
    s.sendall(b'{"id": 1, "cmd": "session:list"}\\n')
except OSError:
    pass  # the server may have closed first: its answer is still there to read
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(json.dumps({"received": data.decode()}))
"""

needs_root_setpriv = pytest.mark.skipif(
    os.getuid() != 0 or shutil.which("setpriv") is None,
    reason="running a client as another user needs root and setpriv",
)


NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def _as_nobody(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [*NOBODY, "/usr/bin/python3", "-c", _PEER, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory another user can enter (0755, ours): the peer check alone guards it."""
    directory = Path(tempfile.mkdtemp(prefix="synk-peer-", dir="/tmp"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@needs_root_setpriv
async def test_another_uid_is_refused_by_the_peer_check(open_dir: Path) -> None:
    path = open_dir / "s.sock"
    served: list[str] = []

    async def run(name: str, args: Any) -> Any:
        served.append(name)
        return []

    server = ControlServer(path, run)
    await server.start()
    try:
        os.chmod(path, 0o666)  # opened up: only SO_PEERCRED stands in the way
        answer = await asyncio.to_thread(_as_nobody, path)
        lines = [json.loads(line) for line in answer["received"].splitlines()]
        assert lines == [
            {
                "id": None,
                "ok": False,
                "error": {
                    "code": "permission_denied",
                    "message": f"uid 65534 may not use this synk (it runs as {os.getuid()})",
                },
            }
        ]
        assert served == []
        # Our own uid, same socket: served.
        assert await asyncio.to_thread(_list_over, path) == []
        assert served == ["session:list"]
    finally:
        await server.stop()


@needs_root_setpriv
async def test_another_uid_stops_at_the_0700_directory(open_dir: Path) -> None:
    private = open_dir / "private"
    private.mkdir(mode=0o700)
    server = ControlServer(private / "s.sock", nothing)
    await server.start()
    try:
        answer = await asyncio.to_thread(_as_nobody, private / "s.sock")
        assert answer == {"connect": "PermissionError"}
    finally:
        await server.stop()


def test_the_peer_uid_is_read_from_the_socket() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        assert control_server.peer_uid(left) == os.getuid()
    finally:
        left.close()
        right.close()


async def test_send_pastes_several_lines_bracketed_when_the_program_asked(
    core: Core, tmp_path: Path
) -> None:
    raw = await Raw.open(core.path)
    create = {"agentType": "terminal", "projectPath": str(tmp_path)}
    session_id = (await raw.call("session:create", create))["result"]["sessionId"]
    screen = core.manager.screen

    def shown() -> str:
        return "\n".join(screen(session_id).lines())

    # A program that turns bracketed paste on, then shows what it reads (no echo).
    start = "stty -echo; printf '\\033[?2004hRE%sDY\\n' A; cat -v\r"
    await raw.call("session:write", {"sessionId": session_id, "data": start})
    await wait_for(lambda: "READY" in shown() and screen(session_id).bracketed_paste)
    reply = await raw.call(
        "session:send", {"sessionId": session_id, "text": "one\ntwo", "enter": True}
    )
    assert reply["result"] == {"sessionId": session_id, "bracketedPaste": True, "queued": False}
    await wait_for(lambda: "two^[[201~" in shown(), what="the paste as cat -v shows it")
    assert "^[[200~one" in shown()

    # Paste mode off: the lines go as typed lines, no markers.
    await raw.call("session:write", {"sessionId": session_id, "data": "\x03"})
    # (the interrupt flushes the terminal's input: type on only at the new prompt)
    await wait_for(lambda: shown().count("test$") == 2, what="the prompt after ctrl+c")
    off = "stty -echo; printf '\\033[?2004lOF%s\\n' F; cat -v\r"
    await raw.call("session:write", {"sessionId": session_id, "data": off})
    await wait_for(
        lambda: "OFF" in shown() and not screen(session_id).bracketed_paste,
        what="paste mode off",
    )
    reply = await raw.call(
        "session:send", {"sessionId": session_id, "text": "three\nfour", "enter": True}
    )
    assert reply["result"]["bracketedPaste"] is False
    await wait_for(lambda: shown().splitlines()[-1:] == ["four"] or "four" in shown().split())
    assert "^[[200~three" not in shown() and "three" in shown().split()
    raw.close()


def test_typed_text_is_the_command_bars_encoding() -> None:
    from synk_tui.prompting import encode_prompt
    from synk_tui.session_text import typed_text

    assert typed_text("a\nb", True, True) == encode_prompt("a\nb", True)
    assert typed_text("ls", True, False) == "ls\r"
    # a paste end inside the text loses its ESC, as in any paste: it cannot end the paste
    assert typed_text("a\nb\x1b[201~x", False, True) == "\x1b[200~a\rb[201~x\x1b[201~"
    assert typed_text("a\nb\x1b[20\x1b[201~1~x", False, True).count("\x1b") == 2
    assert typed_text("a\nb", False, False) == "a\nb"


def test_pane_targets_are_grid_positions_after_a_close() -> None:
    from synk_tui.cli_control import resolve_targets

    # pane 2 of 4 was closed: indexes 0, 2, 3 show as panes 1, 2, 3
    sessions = [
        {"sessionId": 7, "paneIndex": 3},
        {"sessionId": 5, "paneIndex": 0},
        {"sessionId": 6, "paneIndex": 2},
    ]
    assert resolve_targets("@2", sessions) == [6]
    assert resolve_targets("@1-3", sessions) == [5, 6, 7]
    assert resolve_targets("@all", sessions) == [5, 6, 7]
