"""Create -> first command answered: pooled synk session, cold synk session, tmux.

All three run the same login shell with the same HOME in one run, side by
side, and the medians and ratios are printed. For tmux the clock stops when
the new window's shell has run the command (it writes to a FIFO the
benchmark reads), which is a lower bound for tmux; for synk it stops when the
answer is on the session's emulated screen.

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

from synk_tui.pool import PoolConfig, ProcessPool
from synk_tui.session_manager import SessionManager


async def synk_runs(runs: int, pooled: bool, home: str, workdir: str) -> list[float]:
    """Seconds from create() to the command's answer on screen, per run."""
    config = PoolConfig(
        shell="/bin/bash",
        env={"HOME": home},
        initial_pool_size=2 if pooled else 0,
        max_pool_size=4,
    )
    manager = SessionManager(ProcessPool(config))
    await manager.start()
    times: list[float] = []
    try:
        for run in range(runs):
            if pooled:
                await manager.pool.wait_idle(2)
            token = f"answer-{run}-{os.getpid()}"
            start = time.perf_counter()
            created = await manager.create(project_path=workdir)
            manager.write(created.session_id, f"echo {token}\r")
            screen = manager.screen(created.session_id)
            while not any(line.startswith(token) for line in screen.lines()):
                await asyncio.sleep(0)
            times.append(time.perf_counter() - start)
            await manager.destroy(created.session_id)
    finally:
        await manager.shutdown()
    return times


def tmux_runs(runs: int, home: str, workdir: str) -> list[float]:
    """Seconds from `tmux new-window` to the new shell having run a command."""
    socket = f"synk-bench-{os.getpid()}"
    env = {**os.environ, "HOME": home}
    env.pop("TMUX", None)
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24"], env=env, check=True)
    fifo = Path(tempfile.mkdtemp()) / "answer"
    os.mkfifo(fifo)
    times: list[float] = []
    try:
        for run in range(runs):
            token = f"answer-{run}"
            start = time.perf_counter()
            pane = subprocess.run(
                [*tmux, "new-window", "-P", "-F", "#{pane_id}", "-c", workdir, "bash -l -i"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            subprocess.run(
                [*tmux, "send-keys", "-t", pane, f"echo {token} > {fifo}", "Enter"],
                env=env,
                check=True,
            )
            with open(fifo) as reader:
                answer = reader.read().strip()
            times.append(time.perf_counter() - start)
            assert answer == token, answer
            subprocess.run([*tmux, "kill-window", "-t", pane], env=env, check=True)
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, check=False)
        shutil.rmtree(fifo.parent, ignore_errors=True)
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
    pooled = asyncio.run(synk_runs(options.runs, True, home, workdir))
    cold = asyncio.run(synk_runs(options.runs, False, home, workdir))
    tmux = tmux_runs(options.runs, home, workdir)
    print(f"  synk pooled     {describe(pooled)}")
    print(f"  synk cold       {describe(cold)}")
    print(f"  tmux new-window {describe(tmux)}")
    t = statistics.median(tmux)
    print(f"  pooled is {t / statistics.median(pooled):.1f}x faster than tmux (target >= 10x)")
    print(f"  cold is {t / statistics.median(cold):.2f}x tmux's speed")
    print(
        f"  pooled is {statistics.median(cold) / statistics.median(pooled):.1f}x faster than cold"
    )


if __name__ == "__main__":
    main()
