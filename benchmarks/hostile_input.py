"""What hostile output costs the emulator, against plain text of the same size.

    python benchmarks/hostile_input.py [--size BYTES] [--repeat N]

Each input of ``tests/emu_helpers.HOSTILE_INPUTS`` (escape sequences with
absurd counts, controls inside a CSI, floods of zero-width joiners or
combining marks, unterminated strings and sequences) is fed to a fresh 80x24
emulator with 10,000 lines of scrollback, ``--size`` bytes of it, whole or in
4 KB writes as the row says; the best of ``--repeat`` runs is reported in
MB/s with its ratio to two kinds of plain text fed the same way: 80-column
lines (what a flood usually is) and characters with no line feed at all (every
row drawn and scrolled by the emulator). A ratio of 10 means ten times slower.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.emu_helpers import (
    HOSTILE_INPUTS,
    PLAIN_TEXT,
    PLAIN_UNBROKEN,
    feed_seconds,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size
    print(f"{size / 1e6:.1f} MB of each, 80x24, best of {args.repeat}")
    print(f"{'input':<48} {'MB/s':>8} {'x lines':>8} {'x no-LF':>8}")
    for kind in HOSTILE_INPUTS:
        lines = feed_seconds(replace(PLAIN_TEXT, write=kind.write), size, args.repeat)
        unbroken = feed_seconds(replace(PLAIN_UNBROKEN, write=kind.write), size, args.repeat)
        seconds = feed_seconds(kind, size, args.repeat)
        print(
            f"{kind.name:<48} {size / seconds / 1e6:8.2f} "
            f"{seconds / lines:8.1f} {seconds / unbroken:8.1f}"
        )
    for kind in (PLAIN_TEXT, PLAIN_UNBROKEN):
        seconds = feed_seconds(kind, size, args.repeat)
        print(f"{kind.name:<48} {size / seconds / 1e6:8.2f}")


if __name__ == "__main__":
    main()
