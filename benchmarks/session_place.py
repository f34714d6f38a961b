"""What one look at a session's directory and branch costs the event loop.

The manager makes this look (`SessionManager._look_at_place`: the
foreground process's cwd through /proc, the git directory found by walking
up, HEAD stat-ed and read only when it changed) once a session is quiet and
every 2 s while it stays quiet, for each of up to 12 sessions. Measured on
this process in a fresh repository, `depth` directories below its top, and
compared with `git.current_branch`, which reads HEAD every time.
Benchmarks print numbers; no test asserts on them.

    python benchmarks/session_place.py [--depth 3] [--number 20000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui.git import current_branch
from synk_tui.session_place import IDLE_SECONDS, BranchWatch, current_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--number", type=int, default=20000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as top:
        subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", top], check=True)
        directory = os.path.join(top, *(["d"] * options.depth))
        os.makedirs(directory, exist_ok=True)
        pid = os.getpid()
        watch = BranchWatch()

        def look() -> None:
            current_dir(None, pid, pid)
            watch.branch(directory)

        cases = {
            "one look (cwd + branch, HEAD unchanged)": look,
            "current_dir alone": lambda: current_dir(None, pid, pid),
            "git.current_branch (reads HEAD)": lambda: current_branch(directory),
        }
        for name, call in cases.items():
            best = min(timeit.repeat(call, number=options.number, repeat=5)) / options.number
            print(f"{name:42s} {best * 1e6:7.1f} us")
        best = min(timeit.repeat(look, number=options.number, repeat=5)) / options.number
        share = 12 * best / IDLE_SECONDS
        print(f"12 quiet sessions, one look each per {IDLE_SECONDS:g} s: {share * 1e3:.3f} ms/s")


if __name__ == "__main__":
    main()
