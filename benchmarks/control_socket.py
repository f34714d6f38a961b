"""The control socket: how fast scripts get answers, and what a subscriber costs.

A ControlServer on a real SessionManager with N bash sessions (no UI):

- `synk ls` and `synk capture 1` as a script runs them (a new process each
  time, the CLI path imports no Textual): wall time per call;
- `session:list` and `session:screen` round trips on one open connection
  (SynkClient);
- a flood (`seq 1 N` in session 1) parsed with and without an
  `events:subscribe` reader attached: wall time until the last line is on
  the screen (what the events' fan-out costs the core).

    python benchmarks/control_socket.py [--sessions 12] [--runs 20] [--flood 2000000]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui.client import SynkClient
from synk_tui.control_server import ControlServer
from synk_tui.ipc import WireContext, invoke
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.session_manager import SessionManager

SYNK = Path(sys.executable).with_name("synk")


def ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


class Bench:
    def __init__(self, home: Path, path: Path) -> None:
        (home / ".profile").write_text("PS1='bench$ '\n")
        config = PoolConfig(shell="/bin/bash", env={"HOME": str(home)}, initial_pool_size=2)
        self.server = ControlServer(path, self.run)
        self.manager = SessionManager(ProcessPool(config), post=self.server.publish)

    async def run(self, name: str, args: Any) -> Any:
        return await invoke(WireContext.bare(self.manager), name, args)


def cli(path: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(SYNK), "--socket", str(path), *args], check=True, capture_output=True)
    return time.perf_counter() - started


def round_trips(path: Path, runs: int, cmd: str, args: dict[str, Any]) -> list[float]:
    times = []
    with SynkClient(path) as client:
        for _ in range(runs):
            started = time.perf_counter()
            client.request(cmd, args)
            times.append(time.perf_counter() - started)
    return times


def drain_events(path: Path, stop: threading.Event) -> None:
    """A subscriber that keeps up: reads and discards everything."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(path))
    sock.sendall(b'{"id": 1, "cmd": "events:subscribe"}\n')
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            if not sock.recv(1 << 20):
                break
        except TimeoutError:
            continue
    sock.close()


async def flood(bench: Bench, session_id: int, lines: int, run: int) -> float:
    manager = bench.manager
    marker = f"DONE{run}-{lines}"
    command = f"clear; seq 1 {lines}; echo DONE{run}-$(({lines}))\r"
    started = time.perf_counter()
    manager.write(session_id, command)
    while marker not in "\n".join(manager.screen(session_id).lines()):
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--flood", type=int, default=2_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sock").mkdir(mode=0o700)
        path = root / "sock" / "synk.sock"
        bench = Bench(root, path)
        await bench.manager.start()
        await bench.server.start()
        try:
            for _ in range(options.sessions):
                created = await bench.manager.create(project_path=tmp)
                await bench.manager.wait_ready(created.session_id)
            loop = asyncio.get_running_loop()
            ls = [await loop.run_in_executor(None, cli, path, "ls") for _ in range(options.runs)]
            capture = [
                await loop.run_in_executor(None, cli, path, "capture", "1")
                for _ in range(options.runs)
            ]
            listing = await loop.run_in_executor(
                None, round_trips, path, options.runs * 10, "session:list", {}
            )
            screen = await loop.run_in_executor(
                None, round_trips, path, options.runs * 10, "session:screen", {"sessionId": 1}
            )
            print(f"sessions: {options.sessions}")
            print(f"synk ls (new process):          {ms(ls)}")
            print(f"synk capture 1 (new process):   {ms(capture)}")
            print(f"session:list round trip:        {ms(listing)}")
            print(f"session:screen round trip:      {ms(screen)}")
            alone, watched = [], []
            for run in range(3):
                alone.append(await flood(bench, 1, options.flood, 2 * run))
                stop = threading.Event()
                reader = threading.Thread(target=drain_events, args=(path, stop))
                reader.start()
                try:
                    watched.append(await flood(bench, 1, options.flood, 2 * run + 1))
                finally:
                    stop.set()
                    await loop.run_in_executor(None, reader.join)
            print(
                f"seq 1 {options.flood} parsed: {statistics.median(alone):.2f} s alone, "
                f"{statistics.median(watched):.2f} s with a subscriber (median of 3)"
            )
        finally:
            await bench.server.stop()
            await bench.manager.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
