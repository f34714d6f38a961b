"""config.toml -> a typed `Config`.

A person's config file must never stop synk from starting: unknown sections
or keys and values of the wrong type become warnings (shown by the app) and
the default is used instead. A file that is not valid TOML is one warning.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synk_tui import paths
from synk_tui.key_names import is_key_name


@dataclass
class PoolSettings:
    """The `[pool]` section: see `synk_tui.pool.PoolConfig`."""

    initial_pool_size: int = 2
    max_pool_size: int = 4
    max_active: int = 12
    warmup_delay: float = 0.1
    shell: str = ""
    prompt_pattern: str = r"\$\s*$"
    warm_timeout: float = 5.0


DEPRECATED_KEYS = {
    ("pool", "recycle_enabled"): "a session's shell is never reused by another session",
    ("pool", "max_pty_age"): "a session's shell is never reused by another session",
}
"""Keys that no longer do anything, with why: a warning, never a failure."""


@dataclass
class AgentSettings:
    """The `[agents]` section: the command line that starts each agent type."""

    terminal: str = ""
    claude_code: str = "claude"
    gemini_cli: str = "gemini"
    codex: str = "codex"


@dataclass
class KeySettings:
    """The `[keys]` section: Textual key names."""

    prefix: str = "ctrl+backslash"
    broadcast: str = "b"
    command_bar: str = "slash"
    zoom: str = "z"
    new_session: str = "n"
    close_session: str = "x"
    mark: str = "space"
    save: str = "s"
    restore: str = "o"
    help: str = "question_mark"
    quit: str = "q"
    copy_mode: str = "left_square_bracket"


@dataclass
class PersistenceSettings:
    """The `[persistence]` section: crash-recovery autosave and the question on quit."""

    autosave: bool = True
    autosave_interval: float = 30.0
    """Seconds between autosaves to the crash-recovery file."""
    ask_on_quit: bool = True
    """Ask "Save session for later?" when quitting with sessions open."""


@dataclass
class CostSettings:
    """The `[cost]` section: a regex per agent type whose group 1 is a dollar amount."""

    claude_code: str = r"\$\s?(\d+(?:\.\d+)?)"
    gemini_cli: str = r"\$\s?(\d+(?:\.\d+)?)"
    codex: str = r"\$\s?(\d+(?:\.\d+)?)"
    terminal: str = ""


@dataclass
class UISettings:
    """The `[ui]` section."""

    scrollback: int = 10_000
    busy_seconds: float = 2.0
    launch_stagger: float = 0.1


@dataclass
class ClipboardSettings:
    """The `[clipboard]` section: who may set the clipboard of the user's terminal."""

    allow_programs: bool = False
    """Forward a program's OSC 52 clipboard write; off, it is blocked with a notice."""


@dataclass
class StatusSettings:
    """The `[status.<agent>]` tables: screen rules (lists of regexes) per kind
    (`working`, `waiting`, `idle`) that replace the shipped ones of that agent;
    see `synk_tui.agent_state.DEFAULT_SCREEN_RULES`."""

    rules: dict[str, dict[str, list[str]]] = field(default_factory=dict)


STATUS_AGENTS = ("claude_code", "codex", "gemini_cli")
STATUS_KINDS = ("working", "waiting", "idle")


def _parse_status(value: dict[str, Any], source: str, config: Config) -> None:
    """`[status.codex] working = ["..."]`: checked here, so a bad rule is a
    warning and the shipped rule stays."""
    for agent, table in value.items():
        if agent not in STATUS_AGENTS:
            config.warnings.append(f"{source}: unknown section [status.{agent}] ignored")
            continue
        if not isinstance(table, dict):
            config.warnings.append(f"{source}: [status.{agent}] must be a table; ignored")
            continue
        for kind, rules in table.items():
            where = f"status.{agent}.{kind}"
            if kind not in STATUS_KINDS:
                config.warnings.append(f"{source}: unknown key {where} ignored")
                continue
            if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
                config.warnings.append(
                    f"{source}: {where} must be a list of strings; using the default"
                )
                continue
            try:
                for rule in rules:
                    re.compile(rule)
            except re.error as error:
                config.warnings.append(
                    f"{source}: {where}: bad regex {rule!r} ({error}); using the default"
                )
                continue
            config.status.rules.setdefault(agent, {})[kind] = list(rules)


@dataclass
class Config:
    """Everything configurable, with defaults."""

    pool: PoolSettings = field(default_factory=PoolSettings)
    agents: AgentSettings = field(default_factory=AgentSettings)
    keys: KeySettings = field(default_factory=KeySettings)
    persistence: PersistenceSettings = field(default_factory=PersistenceSettings)
    cost: CostSettings = field(default_factory=CostSettings)
    ui: UISettings = field(default_factory=UISettings)
    clipboard: ClipboardSettings = field(default_factory=ClipboardSettings)
    status: StatusSettings = field(default_factory=StatusSettings)
    warnings: list[str] = field(default_factory=list)


def _coerce(value: Any, default: Any) -> Any:
    """`value` if it fits the type of `default` (ints are fine for floats), else raise."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, str) and isinstance(value, str):
        return value
    raise TypeError(f"expected {type(default).__name__}, got {type(value).__name__}")


def parse_config(data: dict[str, Any], source: str = "config.toml") -> Config:
    """Build a Config from parsed TOML, collecting warnings instead of failing."""
    config = Config()
    for section_name, section_value in data.items():
        section = getattr(config, section_name, None)
        if section_name == "warnings" or not dataclasses.is_dataclass(section):
            config.warnings.append(f"{source}: unknown section [{section_name}] ignored")
            continue
        if not isinstance(section_value, dict):
            config.warnings.append(f"{source}: [{section_name}] must be a table; ignored")
            continue
        if section_name == "status":
            _parse_status(section_value, source, config)
            continue
        known = {f.name for f in dataclasses.fields(section)}
        for key, value in section_value.items():
            why = DEPRECATED_KEYS.get((section_name, key))
            if why is not None:
                config.warnings.append(
                    f"{source}: {section_name}.{key} is deprecated and ignored ({why})"
                )
                continue
            if key not in known:
                config.warnings.append(f"{source}: unknown key {section_name}.{key} ignored")
                continue
            try:
                setattr(section, key, _coerce(value, getattr(section, key)))
            except TypeError as error:
                config.warnings.append(
                    f"{source}: {section_name}.{key}: {error}; using the default"
                )
    _check_key_names(config, source)
    if config.persistence.autosave_interval <= 0:
        default = PersistenceSettings().autosave_interval
        config.warnings.append(
            f"{source}: persistence.autosave_interval must be above 0 (seconds); using {default:g}"
        )
        config.persistence.autosave_interval = default
    return config


def _check_key_names(config: Config, source: str) -> None:
    """A `[keys]` value no key can produce is a warning naming it; the default is used."""
    defaults = KeySettings()
    for item in dataclasses.fields(KeySettings):
        value = getattr(config.keys, item.name)
        if not is_key_name(value):
            default = getattr(defaults, item.name)
            config.warnings.append(
                f"{source}: keys.{item.name} = {value!r} is not a key name "
                f"(like z, f2, ctrl+b, slash); using {default!r}"
            )
            setattr(config.keys, item.name, default)


def load_config(path: Path | None = None) -> Config:
    """Read the user's config file; a missing file gives the defaults."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except OSError as error:
        config = Config()
        config.warnings.append(f"{path}: cannot be read ({error.strerror}); using defaults")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        config = Config()
        config.warnings.append(f"{path}: not valid TOML ({error}); using defaults")
        return config
    return parse_config(data, str(path))
