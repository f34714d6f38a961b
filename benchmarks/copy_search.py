"""Copy-mode search in 10,000 lines of scrollback, against tmux's.

    python benchmarks/copy_search.py [--repeat N]

An emulator of 120x40 with 10,000 lines of scrollback is filled with 10,040
lines of 120 columns (log-like text; the rare word once, near the oldest
end). `CopyMode.search` then looks backward from the bottom for the rare
word (found near the far end: the whole scrollback is scanned) and for a
word that is not there (the whole scrollback, twice: the wrap). Two fills:
plain text, and text in 256 colours (its rows are kept as they arrived and
decoded on first read, so the first search pays that once: reported apart).

tmux: the same lines are printed in a tmux pane of 120x40 holding them all
in its history (history-limit 12000: a full tmux history drops a tenth),
the pane is put in copy mode, and
`send-keys -X search-backward WORD` is timed as a round trip of the tmux
client, minus the round trip of a command that does nothing
(`display-message -p x`), median of the runs. Without tmux on PATH the
tmux column says so.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synk_tui.copy_mode import CopyMode
from synk_tui.emulator import TerminalEmulator

COLS, ROWS, SCROLLBACK = 120, 40, 10_000
LINES = SCROLLBACK + ROWS
RARE = "zebracorn"
MISSING = "qqxjv-not-there"
WORDS = [
    "request",
    "served",
    "cache",
    "miss",
    "worker",
    "started",
    "user",
    "token",
    "route",
    "handler",
    "latency",
    "ok",
]


def log_lines(colour: bool, seed: int = 7) -> list[str]:
    """LINES lines of exactly COLS visible columns; RARE appears once, on line 5."""
    rng = random.Random(seed)
    lines = []
    for number in range(LINES):
        words: list[str] = [f"{number:06d}"]
        while sum(len(w) + 1 for w in words) < COLS:
            words.append(rng.choice(WORDS))
        if number == 5:
            words[1] = RARE
        text = " ".join(words)[:COLS]
        if colour:
            text = "".join(f"\x1b[38;5;{rng.randrange(256)}m{word} " for word in text.split(" "))
            text = text[: text.rfind(" ")] + "\x1b[0m"
        lines.append(text)
    return lines


def filled(colour: bool) -> TerminalEmulator:
    emulator = TerminalEmulator(cols=COLS, rows=ROWS, scrollback=SCROLLBACK)
    emulator.feed(("\r\n".join(log_lines(colour)) + "\r\n").encode())
    return emulator


def timed(action: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median and all runs, in ms."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), runs


def synk_search(colour: bool, word: str, repeat: int) -> tuple[float, float]:
    """(a copy mode's first search, its repeats with `n`): medians in ms.

    The first search of a copy mode reads every row's text from the emulator;
    `n` (and any search until new output arrives) reuses it."""
    emulator = filled(colour)
    assert emulator.scrollback_len == SCROLLBACK

    def first() -> object:
        copy = CopyMode(emulator)  # a new copy mode, at the bottom
        found = copy.search(word, forward=False)
        assert (found is not None) == (word == RARE)
        return found

    copy = CopyMode(emulator)
    copy.search(word, forward=False)
    cold, _ = timed(first, repeat)
    warm, _ = timed(copy.next_match, repeat)
    return cold, warm


def tmux_search(word: str, repeat: int, colour: bool) -> str:
    """tmux's search-backward in copy mode, median ms, or why it was not measured."""
    if shutil.which("tmux") is None:
        return "tmux not installed"
    socket = f"synk-bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "lines.txt"
        data.write_text("\n".join(log_lines(colour)) + "\n")
        env = {**os.environ, "HOME": tmp}

        def tmux(*args: str) -> str:
            result = subprocess.run(
                ["tmux", "-L", socket, *args], capture_output=True, text=True, env=env, check=True
            )
            return result.stdout.strip()

        try:
            conf = Path(tmp) / "tmux.conf"  # history-limit must be set before the pane exists
            # tmux drops a tenth of its history when full: room to hold all 10,000
            conf.write_text(f"set -g history-limit {SCROLLBACK + SCROLLBACK // 5}\n")
            tmux("-f", str(conf), "new-session", "-d", "-x", str(COLS), "-y", str(ROWS), "sh")
            tmux("respawn-pane", "-k", "-t", "0", f"cat {data}; exec sleep 600")
            deadline = time.monotonic() + 30
            while int(tmux("display-message", "-p", "-t", "0", "#{history_size}")) < SCROLLBACK:
                if time.monotonic() > deadline:
                    return "tmux never held the scrollback"
                time.sleep(0.05)
            baseline, _ = timed(lambda: tmux("display-message", "-p", "x"), repeat)
            runs = []
            for _ in range(repeat):
                tmux("copy-mode", "-t", "0")
                start = time.perf_counter()
                tmux("send-keys", "-t", "0", "-X", "search-backward", word)
                runs.append((time.perf_counter() - start) * 1000 - baseline)
                tmux("send-keys", "-t", "0", "-X", "cancel")
            return f"{statistics.median(runs):.2f} ms"
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"search in {SCROLLBACK:,} lines of scrollback + {ROWS} rows, {COLS} columns")
    print(f"{'text':8} {'word':10} {'synk first':>11} {'synk n':>10} {'tmux':>14}   (medians)")
    for colour in (False, True):
        for label, word in (("rare", RARE), ("missing", MISSING)):
            cold, warm = synk_search(colour, word, args.repeat)
            tmux = tmux_search(word, args.repeat, colour)
            kind = "256-col" if colour else "plain"
            print(f"{kind:8} {label:10} {cold:8.2f} ms {warm:7.2f} ms {tmux:>14}")


if __name__ == "__main__":
    main()
