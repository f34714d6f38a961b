"""A temporary HOME in which the real agent CLIs start straight to their prompt.

Each CLI reads its settings from HOME: these files skip every first-run
dialog (onboarding, API-key approval, trust, auth menu) and point it at the
fake model on 127.0.0.1. Never the real HOME. Also: where the pinned CLIs
are installed, and how to end every process that ran with this HOME (Codex
leaves an `app-server` daemon behind).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AGENTS_DIR = Path(os.environ.get("SYNK_AGENTS_DIR") or PROJECT_ROOT / ".agents")
BIN_DIR = AGENTS_DIR / "node_modules" / ".bin"

COMMANDS: dict[str, str] = {"claude_code": "claude", "codex": "codex", "gemini_cli": "gemini"}
"""Agent type -> the command installed by scripts/install-agents.sh."""

ANTHROPIC_KEY = "sk-ant-fake-key-for-offline-tests-0123456789abcdef"
OPENAI_KEY = "sk-fake-openai-key-for-offline-tests"
GEMINI_KEY = "fake-gemini-key-for-offline-tests"


def agent_command(agent_type: str) -> Path:
    """The installed CLI for an agent type (it may not exist: see `missing_agents`)."""
    return BIN_DIR / COMMANDS[agent_type]


def missing_agents() -> str:
    """Why the agent tests cannot run here, or "" when every CLI is installed."""
    absent = [name for name in COMMANDS.values() if not (BIN_DIR / name).exists()]
    if not absent:
        return ""
    return (
        f"agent CLIs not installed in {AGENTS_DIR} ({', '.join(absent)} missing): "
        "run scripts/install-agents.sh (needs node and npm)"
    )


def prepare_home(home: Path, project: Path, model_url: str) -> dict[str, str]:
    """Write every CLI's settings into `home` for `project`; return the env to run them with."""
    home.mkdir(parents=True, exist_ok=True)
    project_dir = str(project.resolve())
    (home / ".claude.json").write_text(
        json.dumps(
            {
                "hasCompletedOnboarding": True,
                "theme": "dark",
                "customApiKeyResponses": {"approved": [ANTHROPIC_KEY[-20:]], "rejected": []},
                "projects": {
                    project_dir: {
                        "hasTrustDialogAccepted": True,
                        "hasCompletedProjectOnboarding": True,
                    }
                },
            }
        )
    )
    codex = home / ".codex"
    codex.mkdir(exist_ok=True)
    (codex / "config.toml").write_text(
        "\n".join(
            [
                'model = "gpt-5-codex"',
                'model_provider = "fake"',
                'approval_policy = "on-request"',
                'sandbox_mode = "workspace-write"',
                "check_for_update_on_startup = false",
                "",
                "[model_providers.fake]",
                'name = "fake"',
                f'base_url = "{model_url}/v1"',
                'wire_api = "responses"',
                'env_key = "FAKE_OPENAI_KEY"',
                "request_max_retries = 0",
                "stream_max_retries = 0",
                "",
                f"[projects.{json.dumps(project_dir)}]",
                'trust_level = "trusted"',
                "",
                "[analytics]",
                "enabled = false",
                "",
            ]
        )
    )
    gemini = home / ".gemini"
    gemini.mkdir(exist_ok=True)
    (gemini / "settings.json").write_text(
        json.dumps(
            {
                "security": {"auth": {"selectedType": "gemini-api-key"}},
                # No update check, no usage statistics: nothing leaves 127.0.0.1.
                "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
                "privacy": {"usageStatisticsEnabled": False},
            }
        )
    )
    (gemini / "trustedFolders.json").write_text(json.dumps({project_dir: "TRUST_FOLDER"}))
    return {
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": model_url,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "FAKE_OPENAI_KEY": OPENAI_KEY,
        "GEMINI_API_KEY": GEMINI_KEY,
        "GOOGLE_GEMINI_BASE_URL": model_url,
        "NO_PROXY": "127.0.0.1,localhost",
    }


def processes_with_home(home: Path) -> list[int]:
    """Pids of running processes whose environment has HOME=`home` (never our own)."""
    wanted = b"HOME=" + str(home).encode()
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry))
    return found


def kill_home_processes(home: Path, grace: float = 2.0) -> list[int]:
    """End every process that runs with this HOME (the Codex daemon and its
    helpers outlive the TUI), by pid: SIGTERM, then SIGKILL. Returns the pids."""
    pids = processes_with_home(home)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and processes_with_home(home):
        time.sleep(0.05)
    for pid in processes_with_home(home):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids
