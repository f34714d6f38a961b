"""What detecting agent states costs while 12 sessions flood.

    python benchmarks/state_detection.py [--seconds S] [--sessions N]

N agent sessions (agent type gemini_cli, so its screen rules apply; the
command is a stand-in that floods its screen with lines like Gemini's
working line, as fast as the PTY takes them) run for S seconds in a real
SessionManager + ProcessPool, twice: once as synk runs, once with state
detection switched off. Reported: how often each session's state was
looked at (at most 1/STATE_INTERVAL a second, whatever the flood), the
time one look takes, the share of the run's wall time spent looking, and
the CPU time of this process (parsing included) with and without looks,
and how many sessions had anything on screen by the end (and were
`working`, as their screen says).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui import session_manager as sm
from synk_tui.agent_state import STATE_INTERVAL
from synk_tui.config import AgentSettings
from synk_tui.pool import PoolConfig, ProcessPool

FLOOD = (
    "import itertools, sys\n"
    "for i in itertools.count():\n"
    "    sys.stdout.write(f'\\u2807 Thinking... (esc to cancel, {i}s) ' + 'x' * 60 + '\\n')\n"
)


async def run(seconds: float, sessions: int, detect: bool) -> dict[str, float]:
    looks: list[float] = []
    original = sm.SessionManager._detect_state

    def timed(self: sm.SessionManager, session: sm._Session) -> None:
        start = time.perf_counter()
        original(self, session)
        looks.append(time.perf_counter() - start)

    sm.SessionManager._detect_state = timed if detect else (lambda self, session: None)  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "flood.py"
        script.write_text(FLOOD)
        home = Path(tmp) / "home"
        home.mkdir()
        (home / ".profile").write_text("PS1='$ '\n")
        pool = ProcessPool(PoolConfig(shell="/bin/bash", env={"HOME": str(home)}))
        manager = sm.SessionManager(
            pool, agents=AgentSettings(gemini_cli=f"{sys.executable} {script}")
        )
        await manager.start()
        try:
            ids = [
                (
                    await manager.create(
                        agent_type="gemini_cli", project_path=tmp, cols=120, rows=40
                    )
                ).session_id
                for _ in range(sessions)
            ]
            for session_id in ids:
                await manager.wait_ready(session_id, 20)
            cpu = time.process_time()
            wall = time.perf_counter()
            looks.clear()
            await asyncio.sleep(seconds)
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            shown = [s for s in ids if any(manager.screen(s).lines())]
            working = [s for s in shown if manager.info(s).agent_state == "working"]
        finally:
            await manager.shutdown()
            sm.SessionManager._detect_state = original  # type: ignore[method-assign]
    return {
        "looks_per_session_per_s": len(looks) / sessions / wall,
        "look_us_median": statistics.median(looks) * 1e6 if looks else 0.0,
        "look_us_max": max(looks) * 1e6 if looks else 0.0,
        "look_share_of_wall": sum(looks) / wall,
        "cpu_per_wall": cpu / wall,
        "shown": float(len(shown)),
        "working": float(len(working)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sessions", type=int, default=12)
    args = parser.parse_args()
    on = asyncio.run(run(args.seconds, args.sessions, detect=True))
    off = asyncio.run(run(args.seconds, args.sessions, detect=False))
    print(f"{args.sessions} flooding sessions, {args.seconds:g} s each run")
    print(
        f"  looks per session per second: {on['looks_per_session_per_s']:.2f}"
        f" (limit {1 / STATE_INTERVAL:g})"
    )
    print(
        f"  sessions whose screen was fed by the end: {on['shown']:.0f};"
        f" of those 'working': {on['working']:.0f}"
    )
    print(f"  one look: median {on['look_us_median']:.0f} us, max {on['look_us_max']:.0f} us")
    print(f"  looks' share of wall time: {on['look_share_of_wall'] * 100:.2f} %")
    print(
        f"  process CPU / wall: {on['cpu_per_wall'] * 100:.1f} % with looks, "
        f"{off['cpu_per_wall'] * 100:.1f} % without"
    )


if __name__ == "__main__":
    main()
