"""Full garbage collections wait for a pause in typing (synk_tui/garbage.py)."""

from __future__ import annotations

import gc
from pathlib import Path

from synk_tui.garbage import FULL_PASS_AFTER, FULL_PASS_AT_THE_LATEST, FullCollections
from tests.test_app_helpers import make_app, wait_ready, wait_until


def younger_passes(count: int) -> None:
    """Run `count` generation-1 passes (each makes a full pass more due)."""
    for _ in range(count):
        gc.collect(1)


def test_full_passes_wait_while_typing_and_run_in_a_pause() -> None:
    typing = True
    collections = FullCollections(lambda: typing)
    before = gc.get_threshold()
    collections.start()
    try:
        assert gc.get_threshold()[2] > FULL_PASS_AT_THE_LATEST, "the collector still runs them"
        gc.collect()
        younger_passes(FULL_PASS_AFTER + 1)
        assert not collections.tick(), "a full pass ran while the person typed"
        assert gc.get_count()[2] >= FULL_PASS_AFTER
        typing = False
        assert collections.tick() and gc.get_count()[2] == 0
        assert not collections.tick(), "nothing was due"
        typing = True
        younger_passes(FULL_PASS_AT_THE_LATEST)
        assert collections.tick(), "typing without end must not put full passes off forever"
    finally:
        collections.stop()
        gc.unfreeze()
    assert gc.get_threshold() == before


async def test_the_app_takes_full_passes_over_and_gives_them_back(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = make_app(tmp_path, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app, 1)
        await wait_until(pilot, lambda: gc.get_threshold()[2] > FULL_PASS_AT_THE_LATEST)
        younger_passes(FULL_PASS_AFTER)
        await wait_until(pilot, lambda: gc.get_count()[2] == 0, what="the app's full pass")
    assert gc.get_threshold() == before
