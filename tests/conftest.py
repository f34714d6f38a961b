"""Test-wide isolation: no test touches the real home or config directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point synk's config and state directories (and XDG's) at fresh temporary ones."""
    config = tmp_path_factory.mktemp("synk-config")
    monkeypatch.setenv("SYNK_CONFIG_DIR", str(config))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config.parent / (config.name + "-xdg")))
    state = tmp_path_factory.mktemp("synk-state")
    monkeypatch.setenv("SYNK_STATE_DIR", str(state))
    monkeypatch.setenv("XDG_STATE_HOME", str(state.parent / (state.name + "-xdg")))
    yield config
