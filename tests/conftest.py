"""Test-wide isolation: no test touches the real home or config directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point synk's config directory (and XDG) at a fresh temporary directory."""
    config = tmp_path_factory.mktemp("synk-config")
    monkeypatch.setenv("SYNK_CONFIG_DIR", str(config))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config.parent / (config.name + "-xdg")))
    yield config
