"""`[keys]` values are checked against the key names Textual produces."""

from __future__ import annotations

import pytest
from textual.keys import Keys, _character_to_key

from synk_tui.config import KeySettings, parse_config
from synk_tui.key_names import CHARACTER_KEYS, NAMED_KEYS, is_key_name


def test_the_names_are_those_of_the_installed_textual() -> None:
    characters = {_character_to_key(chr(code)) for code in range(33, 127)}
    assert characters <= CHARACTER_KEYS
    named = {key.value.split("+")[-1] for key in Keys if not key.value.startswith("<")}
    named -= {"return", "ctrl-at", "@"}  # Textual's aliases, never sent as a key
    assert named <= NAMED_KEYS | CHARACTER_KEYS


@pytest.mark.parametrize(
    "key", ["z", "Z", "f2", "ctrl+backslash", "b,ctrl+b", "slash", "question_mark", "space"]
)
def test_key_names(key: str) -> None:
    assert is_key_name(key)


@pytest.mark.parametrize("key", ["zz", "", "ctrl-x", "Ctrl+x", "ctrl+", "/", "ctrl+ctrl+a", "b,"])
def test_not_key_names(key: str) -> None:
    assert not is_key_name(key)


def test_a_bad_key_is_a_warning_naming_it_and_the_default_is_used() -> None:
    config = parse_config({"keys": {"zoom": "zz", "quit": "f10", "mark": "ctrl-x"}})
    assert config.keys.zoom == KeySettings().zoom
    assert config.keys.mark == KeySettings().mark
    assert config.keys.quit == "f10"
    zoom = [w for w in config.warnings if "keys.zoom" in w]
    assert len(zoom) == 1 and "'zz'" in zoom[0] and "using 'z'" in zoom[0]
    assert any("keys.mark" in w and "'ctrl-x'" in w for w in config.warnings)
    assert not any("keys.quit" in w for w in config.warnings)
