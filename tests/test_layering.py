"""The import rules of docs/ARCHITECTURE.md: the core never imports the UI.

Each core module is imported alone in a fresh interpreter and must not pull
in Textual's widgets, app or screens, nor synk's widgets or app; events.py
is the one core module allowed to import Textual, and only textual.message.
Both what the module's own source imports and what ends up loaded count.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import synk_tui

PACKAGE = Path(synk_tui.__file__).parent
CORE = [
    "paths",
    "config",
    "key_names",
    "errors",
    "agents",
    "emulator",
    "emulator.charsets",
    "emulator.control",
    "emulator.escape",
    "emulator.rows",
    "emulator.screen",
    "emulator.styles",
    "emulator.tokens",
    "emulator.widths",
    "pty_process",
    "pool",
    "session_manager",
    "ipc",
    "events",
    "persistence",
    "lifecycle",
    "sanitize",
    "orphans",
    "private_env",
    "prompt_delivery",
    "agent_state",
    "codex_rollout",
    "control_path",
    "control_server",
    "session_text",
    "client",
    "cli_control",
]
FORBIDDEN = ("textual.widgets", "textual.widget", "textual.app", "textual.screen")
FORBIDDEN_SYNK = ("synk_tui.widgets", "synk_tui.app", "synk_tui.screens", "synk_tui.cli")


def direct_imports(module: str) -> set[str]:
    """Modules named by the import statements of synk_tui/<module>.py (or of
    its ``__init__.py`` when it is a package)."""
    path = PACKAGE / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def loaded_by(module: str) -> list[str]:
    """Every module loaded by importing synk_tui.<module> in a fresh interpreter."""
    code = f"import sys, json, synk_tui.{module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("module", CORE)
def test_core_module_source_imports_no_ui(module: str) -> None:
    imports = direct_imports(module)
    bad = sorted(n for n in imports if is_under(n, FORBIDDEN + FORBIDDEN_SYNK))
    assert bad == [], f"synk_tui/{module}.py imports {bad}"
    textual = sorted(n for n in imports if is_under(n, ("textual",)))
    if module == "events":
        assert textual and all(is_under(n, ("textual.message",)) for n in textual), textual
    else:
        assert textual == [], f"synk_tui/{module}.py imports {textual}"


@pytest.mark.parametrize("module", CORE)
def test_core_module_loads_no_ui(module: str) -> None:
    bad = [n for n in loaded_by(module) if is_under(n, FORBIDDEN + FORBIDDEN_SYNK)]
    assert bad == [], f"importing synk_tui.{module} loads {bad}"


def test_the_check_catches_a_ui_import() -> None:
    """The rule is live: the app module itself does load the UI."""
    assert any(is_under(n, ("textual.app",)) for n in loaded_by("app"))
    assert "textual.app" in direct_imports("app")


APP_HELPERS = ["session_tiles", "prompt_dispatch", "workspace_flow"]
"""The App's helpers: each states what it needs as a Protocol, never takes `SynkApp`."""


def names_app(module: str) -> list[str]:
    """Every import of synk_tui.app or mention of `SynkApp` in synk_tui/<module>.py.

    Imports under `if TYPE_CHECKING` count too: a helper's contract is its
    own Protocol, not the concrete App.
    """
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "synk_tui.app":
            found.append(f"line {node.lineno}: from synk_tui.app import ...")
        elif isinstance(node, ast.Import):
            found.extend(
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if is_under(a.name, ("synk_tui.app",))
            )
        elif isinstance(node, ast.Name) and node.id == "SynkApp":
            found.append(f"line {node.lineno}: SynkApp")
        elif isinstance(node, ast.Constant) and node.value == "SynkApp":
            found.append(f"line {node.lineno}: 'SynkApp'")
    return found


@pytest.mark.parametrize("module", APP_HELPERS)
def test_app_helper_does_not_know_the_app(module: str) -> None:
    assert names_app(module) == [], f"synk_tui/{module}.py names the App"


def test_cli_and_app_do_not_import_each_other() -> None:
    """cli.py imports the App (late, to run it); the App never imports cli.py."""
    assert not any(is_under(n, ("synk_tui.cli",)) for n in direct_imports("app"))
    assert not any(is_under(n, ("synk_tui.cli",)) for n in loaded_by("app"))
    assert not any(is_under(n, ("synk_tui.app",)) for n in loaded_by("cli"))
