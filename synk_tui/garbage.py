"""When Python's full garbage collections run: not while a person types.

A full (generation 2) pass over the app's objects holds the event loop for
10-30 ms on a slow machine, and one that lands inside a keystroke's echo is
the tail of benchmarks/input_latency.py. So once the app has started, what
lives as long as it does is frozen out of those passes, and the automatic
full pass gives way to one the app runs on its tick while nobody types (or,
at the latest, after ten times the usual number of younger passes).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

FULL_PASS_AFTER = 10
"""Younger (generation 1) passes before a full one is due: CPython's default."""
FULL_PASS_AT_THE_LATEST = 100
"""Younger passes after which a full one runs even while a person types."""
_NEVER = 1 << 30


class FullCollections:
    """Runs the garbage collector's full passes when they stall nobody."""

    def __init__(self, typing: Callable[[], bool]) -> None:
        self._typing = typing
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Freeze what exists now and take full passes over from the collector."""
        gc.freeze()
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _full = self._saved
            gc.set_threshold(young, middle, _NEVER)

    def tick(self) -> bool:
        """Run a full pass if one is due and nobody types; True if it ran."""
        if self._saved is None:
            return False
        due = gc.get_count()[2]
        if due >= FULL_PASS_AT_THE_LATEST or (due >= FULL_PASS_AFTER and not self._typing()):
            gc.collect()
            return True
        return False

    def stop(self) -> None:
        """Give full passes back to the collector (the app is ending)."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
