"""Create -> first command answered: pooled synk session, cold synk session, tmux.

All three run the same login shell with the same HOME in one run, side by
side (round-robin, each synk start on a pool at rest), and the medians and
ratios are printed. For tmux the clock stops when the new window's shell has
run the command (it writes to a FIFO the benchmark reads), which is a lower
bound for tmux. synk has two clocks, both read in every run: the screen
clock stops when the answer is on the session's emulated screen, the event
clock when the manager's `post` sink receives the `SessionOutput` that
completes the answer (what a client waiting for `session:output` sees).

    python benchmarks/session_start.py [--runs 30] [--real-home]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui.emulator import TerminalEmulator
from synk_tui.events import SessionOutput
from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.session_manager import SessionManager


class AnswerSink:
    """The manager's `post`: stops the event clock when the posted output of
    the watched session holds the answer at the start of a line."""

    def __init__(self) -> None:
        self.session_id: int | None = None
        self.needles: tuple[bytes, ...] = ()
        self.seen = bytearray()
        self.answered = asyncio.Event()
        self.answered_at = 0.0

    def watch(self, session_id: int, token: str) -> None:
        self.session_id = session_id
        # The command line's echo holds the token after "echo "; the answer
        # holds it at the start of a line (after a newline, or after the
        # carriage return that follows bash's bracketed-paste switch).
        self.needles = (b"\n" + token.encode(), b"\r" + token.encode())
        self.seen.clear()
        self.answered.clear()
        self.answered_at = 0.0

    def __call__(self, message: object) -> None:
        if (
            isinstance(message, SessionOutput)
            and message.session_id == self.session_id
            and not self.answered_at
        ):
            # Only the tail that could hold a needle split across posts is kept.
            self.seen += message.data
            if any(needle in self.seen for needle in self.needles):
                self.answered_at = time.perf_counter()
                self.answered.set()
            del self.seen[: -len(self.needles[0])]


async def open_manager(pooled: bool, home: str) -> SessionManager:
    """A session manager on its own pool: warm shells, or none (every start cold)."""
    config = PoolConfig(
        shell="/bin/bash",
        env={"HOME": home},
        initial_pool_size=2 if pooled else 0,
        max_pool_size=4,
    )
    manager = SessionManager(ProcessPool(config), post=AnswerSink())
    await manager.start()
    return manager


async def settle(*managers: SessionManager) -> None:
    """Until every pool is at rest: its warm shells idle, no warm-up
    or ending shell left (the state a person finds when they open a session)."""
    for manager in managers:
        pool = manager.pool
        wanted = pool.config.initial_pool_size
        while True:
            idle, active, total = pool.status()
            if idle >= wanted and idle + active == total and not pool._tasks:
                break
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)


async def synk_run(manager: SessionManager, workdir: str, token: str) -> tuple[float, float]:
    """Seconds from create() to the command's answer (on screen, posted as an event)."""
    sink = manager._post
    assert isinstance(sink, AnswerSink)
    start = time.perf_counter()
    created = await manager.create(project_path=workdir)
    sink.watch(created.session_id, token)
    manager.write(created.session_id, f"echo {token}\r")
    screen = manager.screen(created.session_id)
    answered = asyncio.Event()
    answered_at = 0.0
    feed = screen.feed
    last_char = token[-1].encode()

    def watched_feed(data: bytes) -> None:
        # Checked as the bytes are parsed, so the benchmark never spins (a
        # busy-polling loop would take a core from the shell it waits for),
        # and the clock stops when the answer is on the screen, not when this
        # coroutine gets round to noticing.
        nonlocal answered_at
        feed(data)
        # The answer's row can only be complete after a feed that drew its
        # last character, and it is the cursor's row or the one above (the
        # answer ends with a newline); reading the whole screen would only
        # put the benchmark's own work on synk's clock.
        if (
            not answered_at
            and last_char in data
            and any(screen.line(y).startswith(token) for y in answer_rows(screen))
        ):
            answered_at = time.perf_counter()
            answered.set()

    screen.feed = watched_feed  # type: ignore[method-assign]
    await asyncio.wait_for(answered.wait(), 10)
    await asyncio.wait_for(sink.answered.wait(), 10)
    elapsed = answered_at - start, sink.answered_at - start
    await manager.destroy(created.session_id)
    return elapsed


def answer_rows(screen: TerminalEmulator) -> list[int]:
    """The rows an answer just printed can be on: the cursor's and the one above."""
    y = screen.cursor[1]
    return [y - 1, y] if y else [y]


class TmuxServer:
    """A tmux server of its own, whose new windows answer through a FIFO."""

    def __init__(self, home: str) -> None:
        self.env = {**os.environ, "HOME": home}
        self.env.pop("TMUX", None)
        self.tmux = ["tmux", "-L", f"synk-bench-{os.getpid()}"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-x", "80", "-y", "24"], env=self.env, check=True
        )
        self.fifo = Path(tempfile.mkdtemp()) / "answer"
        os.mkfifo(self.fifo)

    def run(self, workdir: str, token: str) -> float:
        """Seconds from `tmux new-window` to the new shell having run a command."""
        start = time.perf_counter()
        pane = subprocess.run(
            [*self.tmux, "new-window", "-P", "-F", "#{pane_id}", "-c", workdir, "bash -l -i"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        subprocess.run(
            [*self.tmux, "send-keys", "-t", pane, f"echo {token} > {self.fifo}", "Enter"],
            env=self.env,
            check=True,
        )
        with open(self.fifo) as reader:
            answer = reader.read().strip()
        elapsed = time.perf_counter() - start
        assert answer == token, answer
        subprocess.run([*self.tmux, "kill-window", "-t", pane], env=self.env, check=True)
        return elapsed

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], env=self.env, check=False)
        shutil.rmtree(self.fifo.parent, ignore_errors=True)


async def measure(runs: int, home: str, workdir: str) -> dict[str, list[float]]:
    """Round-robin pooled, cold and tmux runs, so load on the machine hits all three."""
    times: dict[str, list[float]] = {
        "pooled": [],
        "pooled event": [],
        "cold": [],
        "cold event": [],
        "tmux": [],
    }
    pooled, cold = await open_manager(True, home), await open_manager(False, home)
    tmux = TmuxServer(home)
    try:
        for run in range(runs):
            token = f"answer-{run}-{os.getpid()}"
            # each start on a machine at rest: no warm-up or ending
            # shell of another contestant running beside it
            await settle(pooled, cold)
            on_screen, posted = await synk_run(pooled, workdir, token + "p")
            times["pooled"].append(on_screen)
            times["pooled event"].append(posted)
            await settle(pooled, cold)
            on_screen, posted = await synk_run(cold, workdir, token + "c")
            times["cold"].append(on_screen)
            times["cold event"].append(posted)
            await settle(pooled, cold)
            times["tmux"].append(tmux.run(workdir, token + "t"))
    finally:
        tmux.close()
        await pooled.shutdown()
        await cold.shutdown()
    return times


def describe(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[int(len(ms) * 0.9) - 1] if len(ms) >= 10 else ms[-1]
    return f"median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--real-home",
        action="store_true",
        help="use your own HOME and dotfiles (default: a clean one)",
    )
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="synk-bench-")
    if options.real_home:
        home = os.path.expanduser("~")
    else:
        home = tempfile.mkdtemp(prefix="synk-bench-home-")
        Path(home, ".profile").write_text("PS1='bench$ '\n")
    print(f"session start: create -> first command answered ({options.runs} runs each)")
    print(f"shell: bash -l -i, HOME={home}")
    times = asyncio.run(measure(options.runs, home, workdir))
    tmux = statistics.median(times["tmux"])
    print("  clocks: screen = answer on the session's screen, event = answer posted")
    for label, key in (
        ("synk pooled, screen", "pooled"),
        ("synk pooled, event ", "pooled event"),
        ("synk cold, screen  ", "cold"),
        ("synk cold, event   ", "cold event"),
    ):
        print(f"  {label}  {describe(times[key])}")
    print(f"  tmux new-window      {describe(times['tmux'])}")
    for kind in ("pooled", "cold"):
        screen, event = statistics.median(times[kind]), statistics.median(times[kind + " event"])
        print(
            f"  {kind}: {tmux / screen:5.1f}x faster than tmux by the screen clock, "
            f"{tmux / event:5.1f}x by the event clock; event - screen median "
            f"{(event - screen) * 1000:+.2f} ms"
        )
    for kind in ("pooled", "cold"):
        lags = [
            (event - screen) * 1000
            for screen, event in zip(times[kind], times[kind + " event"], strict=True)
        ]
        late = sum(1 for lag in lags if lag > 1.0)
        print(
            f"  {kind}: event - screen per start: median {statistics.median(lags):.2f} ms, "
            f"max {max(lags):.2f} ms, {late} of {len(lags)} over 1 ms"
        )
    print("  target: pooled >= 10x faster than tmux by the event clock, event within 1 ms")
    cold, pooled = statistics.median(times["cold event"]), statistics.median(times["pooled event"])
    print(f"  pooled is {cold / pooled:.1f}x faster than cold (event clock)")


if __name__ == "__main__":
    main()
