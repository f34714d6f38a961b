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
