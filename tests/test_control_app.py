"""The control socket inside the running app, and the `synk` subcommands against it.

The app runs in-process under Textual's pilot; the CLI runs as the real
`synk` command in a subprocess (awaited without blocking the app's loop).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from synk_tui.app import SynkApp
from synk_tui.cli import LaunchOptions, is_control_command, parse_args
from synk_tui.config import Config
from tests.core_helpers import pool_config
from tests.test_app_helpers import PROMPT, screen, wait_ready, wait_until

SYNK = Path(sys.executable).with_name("synk")


def make_socket_app(tmp_path: Path, sessions: int = 1) -> SynkApp:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    sockets = tmp_path / "sockets"
    sockets.mkdir(mode=0o700, exist_ok=True)
    config = Config()
    options = LaunchOptions(project, sessions, "terminal", None, socket=sockets / "synk.sock")
    return SynkApp(options, config, pool_config=pool_config(tmp_path))


async def synk(app: SynkApp, *args: str) -> tuple[int, str, str]:
    """Run `synk --socket <the app's> ARGS`; the app's loop keeps running meanwhile."""
    assert app.control is not None
    process = await asyncio.create_subprocess_exec(
        str(SYNK),
        "--socket",
        str(app.control.path),
        *args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != "SYNK_SOCKET"},
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def call(app: SynkApp, cmd: str, args: dict[str, Any]) -> dict[str, Any]:
    assert app.control is not None
    reader, writer = await asyncio.open_unix_connection(str(app.control.path))
    writer.write(json.dumps({"id": 1, "cmd": cmd, "args": args}).encode() + b"\n")
    await writer.drain()
    reply: dict[str, Any] = json.loads(await asyncio.wait_for(reader.readline(), 30))
    writer.close()
    return reply


async def test_a_session_created_over_the_socket_gets_a_tile(tmp_path: Path) -> None:
    app = make_socket_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        create = {"agentType": "terminal", "projectPath": str(tmp_path), "cols": 200, "rows": 50}
        reply = await call(app, "session:create", create)
        assert reply["ok"] is True, reply
        session_id = reply["result"]["sessionId"]
        # Started at its pane's size, as a session opened with `n` is (not the wire's).
        assert app.manager.info(session_id).cols < 200
        await wait_ready(pilot, app, 2)
        tile = app.grid.tile(session_id)
        assert tile is not None and tile.pane_index == reply["result"]["paneIndex"]

        def fits() -> bool:
            info = app.manager.info(session_id)
            assert tile is not None
            return (info.cols, info.rows) == (tile.body.size.width, tile.body.size.height)

        await wait_until(pilot, fits, what="the session sized to its pane")

        reply = await call(app, "session:destroy", {"sessionId": session_id})
        assert reply == {"id": 1, "ok": True, "result": {"success": True}}
        await wait_until(pilot, lambda: app.grid.tile(session_id) is None, what="tile removed")
        assert len(app.grid.tiles) == 1
    assert not app.control or not app.control.path.exists(), "socket removed at exit"


async def test_synk_send_then_capture_shows_the_answer(tmp_path: Path) -> None:
    app = make_socket_app(tmp_path, sessions=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 2)
        code, out, err = await synk(app, "send", "1", "echo hi", "--enter")
        assert (code, err) == (0, "")
        first = app.grid.tiles[0]
        await wait_until(pilot, lambda: "hi" in screen(app, first).splitlines(), what="hi")
        code, out, err = await synk(app, "capture", "1")
        assert code == 0, err
        assert "hi" in out.splitlines()
        assert f"{PROMPT} echo hi" in out

        # Sessions know their socket: `synk send` from inside a pane reaches this synk.
        await synk(app, "send", "@2", 'echo "[$SYNK_SOCKET]"', "--enter")
        assert app.control is not None
        wanted = f"[{app.control.path}]"
        second = app.grid.tiles[1]
        await wait_until(  # the path may wrap: rows joined
            pilot, lambda: wanted in screen(app, second).replace("\n", ""), what="env"
        )

        code, out, err = await synk(app, "send", "@all", "echo both-$((3+4))", "--enter")
        assert code == 0, err
        for tile in app.grid.tiles:
            await wait_until(pilot, lambda t=tile: "both-7" in screen(app, t).splitlines())

        code, out, err = await synk(app, "ls")
        assert code == 0, err
        header, *rows = out.splitlines()
        assert header.split()[:5] == ["ID", "PANE", "AGENT", "STATE", "PID"]
        pids = {str(info.pid) for info in app.manager.list()}
        assert {row.split()[4] for row in rows} == pids
        code, out, err = await synk(app, "ls", "--json")
        assert [s["sessionId"] for s in json.loads(out)] == [1, 2]

        code, out, err = await synk(app, "capture", "1", "--json", "--scrollback", "5")
        assert code == 0 and "hi" in json.loads(out)["lines"]
        code, out, err = await synk(app, "invoke", "session:list")
        assert code == 0 and len(json.loads(out)) == 2

        # Errors: one line on stderr, exit 1; the app goes on.
        code, out, err = await synk(app, "send", "@9", "x")
        assert (code, out) == (1, "") and err == "synk: error: no pane 9\n"
        code, out, err = await synk(app, "capture", "77")
        assert code == 1 and err.count("\n") == 1 and "77" in err
        code, out, err = await synk(app, "invoke", "session:nope", "{}")
        assert code == 1 and err.startswith("synk: error: Unknown command 'session:nope'")
        code, out, err = await synk(app, "invoke", "session:list", "{not json")
        assert code == 1 and "not valid JSON" in err
        code, out, err = await synk(app, "capture", "1")
        assert code == 0 and "hi" in out.splitlines()


async def test_synk_events_streams_ndjson(tmp_path: Path) -> None:
    app = make_socket_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        assert app.control is not None
        process = await asyncio.create_subprocess_exec(
            str(SYNK),
            "events",
            "--socket",
            str(app.control.path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            await wait_until(
                pilot, lambda: any(c.subscribed for c in app.control._connections), what="sub"
            )
            await synk(app, "send", "1", "echo evt-$((5*5))", "--enter")
            assert process.stdout is not None
            seen = b""
            while b"evt-25" not in seen:
                line = await asyncio.wait_for(process.stdout.readline(), 30)
                event = json.loads(line)
                if event["event"] == "session:output":
                    import base64

                    seen += base64.b64decode(event["payload"]["dataB64"])
            # ctrl+c ends it quietly.
            process.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(process.communicate(), 30)
            assert (process.returncode, err) == (0, b"")
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


def test_no_server_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SYNK), "--socket", str(tmp_path / "none.sock"), "ls"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"synk: error: no synk server is running on {tmp_path}/none.sock\n"


def test_the_cli_client_path_does_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from synk_tui.cli import main\n"
        f"rc = main(['ls', '--socket', {str(tmp_path / 'none.sock')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(rc, loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "1 []\n"


def test_subcommands_do_not_break_the_launch_command_line(tmp_path: Path) -> None:
    assert is_control_command(["ls"]) and is_control_command(["--socket", "x", "send", "1", "a"])
    assert is_control_command(["--socket=x", "capture", "1"])
    assert not is_control_command([str(tmp_path), "-n", "3"])
    assert not is_control_command(["./ls"]) and not is_control_command([])
    options = parse_args([str(tmp_path), "-n", "3"])
    assert (options.project_dir, options.sessions) == (tmp_path.resolve(), 3)
    sock = tmp_path / "s.sock"
    assert parse_args([str(tmp_path), "--socket", str(sock)]).socket == sock


async def test_the_socket_variable_is_not_saved_with_the_workspace(tmp_path: Path) -> None:
    from synk_tui.ipc import invoke
    from synk_tui.persistence import load_workspace

    app = make_socket_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, 1)
        assert app.manager.info(1).env_names == ["SYNK_SOCKET"]
        reply = await call(
            app,
            "session:create",
            {"agentType": "terminal", "projectPath": str(tmp_path), "env": {"MINE": "1"}},
        )
        await wait_ready(pilot, app, 2)
        assert app.manager.info(reply["result"]["sessionId"]).env_names == ["MINE", "SYNK_SOCKET"]
        saved = await invoke(app.workspace.wire, "persistence:save_session", {"name": "w"})
        workspace = load_workspace(Path(saved["savedPath"]))
        assert [s.env_names for s in workspace.sessions] == [(), ("MINE",)]


async def test_a_socket_in_use_is_reported_and_the_app_runs_without_it(tmp_path: Path) -> None:
    from synk_tui.control_server import ControlServer

    app = make_socket_app(tmp_path)
    assert app.control is not None

    async def nothing(name: str, args: Any) -> Any:
        return []

    other = ControlServer(app.control.path, nothing)
    await other.start()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(pilot, app, 1)
            assert not app.control.running
            assert app.manager.info(1).env_names == []
            wanted = f"a synk server is already running on {app.control.path}"
            assert wanted in [n.message for n in app._notifications]
        assert app.control.path.exists(), "the other server's socket is left alone"
    finally:
        await other.stop()
