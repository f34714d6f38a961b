"""The `synk` command: parse the command line, then run the app.

Parsing imports nothing heavy, so `synk --help`, `synk --version` and a bad
argument answer at once; Textual is imported only when the app really runs.
Bad arguments give one clear line on stderr and exit status 2, never a
traceback (`synk --help` has the usage). Whatever the command prints that
came from outside (arguments quoted back, saved file names, their errors,
paths) goes through `safe_text`, so it never reaches the terminal as a
control sequence, and a name with a tab cannot add a column to `--list-saved`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from synk_tui import __version__
from synk_tui.agents import BADGES, check_agent, normalize_agent_type
from synk_tui.config import Config, load_config
from synk_tui.control_path import socket_path
from synk_tui.errors import InvalidArgumentError, PersistenceError
from synk_tui.launch_options import LaunchOptions
from synk_tui.orphans import become_subreaper, kill_adopted_now
from synk_tui.sanitize import safe_text

EXIT_USAGE = 2
"""What a bad command line exits with (argparse's convention)."""

MAX_SESSIONS = 12
"""The largest grid synk lays out (4x3)."""

CONTROL_COMMANDS = frozenset({"ls", "send", "capture", "events", "invoke"})
"""Subcommands that drive a running synk over its control socket (`synk ./ls` opens a dir)."""

MESSAGE_LIMIT = 1000
"""Characters of one error or warning line about a saved file (its path included)."""


AGENT_NAMES = ", ".join(BADGES.values())
"""The agent names --help lists and a bad -a names: one list (the short names)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line naming the program, exit 2, no traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USAGE, f"synk: error: {safe_text(message, MESSAGE_LIMIT)} (see synk --help)\n"
        )


def build_parser() -> argparse.ArgumentParser:
    """The `synk` argument parser (also used for `--help`)."""
    parser = _Parser(
        prog="synk",
        description=(
            "Run AI coding agents and shells side by side in a reflowing grid. "
            "Press ctrl+\\ for grid mode, then ? for help."
        ),
    )
    parser.add_argument(
        "project_dir",
        nargs="?",
        default=".",
        metavar="PROJECT_DIR",
        help="directory the sessions start in (default: the current directory)",
    )
    parser.add_argument(
        "-n",
        "--sessions",
        type=_session_count,
        default=1,
        metavar="N",
        help=f"number of sessions to open, 1-{MAX_SESSIONS} (default: 1)",
    )
    parser.add_argument(
        "-a",
        "--agent",
        default="terminal",
        metavar="AGENT",
        help=f"what each session runs: {AGENT_NAMES} (default: terminal)",
    )
    parser.add_argument(
        "--restore",
        metavar="NAME",
        default=None,
        help=(
            "restore the saved workspace NAME (its sessions in their panes, in their "
            "saved working dirs) instead of opening new sessions"
        ),
    )
    parser.add_argument(
        "--list-saved",
        action="store_true",
        help=(
            "print the saved workspaces, newest first, one per line: name, saved at, "
            "session count, agents (tab-separated), then exit"
        ),
    )
    parser.add_argument(
        "--socket",
        metavar="PATH",
        default=None,
        help="control socket for synk ls/send/capture/events/invoke "
        "(default: $SYNK_SOCKET, else $XDG_RUNTIME_DIR/synk/default or /tmp/synk-$UID/default)",
    )
    parser.add_argument("--version", action="version", version=f"synk {__version__}")
    return parser


def _session_count(text: str) -> int:
    """argparse type for -n: an integer from 1 to MAX_SESSIONS."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= count <= MAX_SESSIONS:
        raise argparse.ArgumentTypeError(f"{count} is out of range (1-{MAX_SESSIONS})")
    return count


def parse_args(argv: Sequence[str] | None = None, config: Config | None = None) -> LaunchOptions:
    """Validate the command line into LaunchOptions, or exit 2 with a message."""
    parser = build_parser()
    namespace = parser.parse_args(argv)
    project = Path(namespace.project_dir).expanduser()
    if not project.exists():
        parser.error(f"PROJECT_DIR {namespace.project_dir!r} does not exist")
    if not project.is_dir():
        parser.error(f"PROJECT_DIR {namespace.project_dir!r} is not a directory")
    if not os.access(project, os.R_OK | os.X_OK):
        parser.error(f"PROJECT_DIR {namespace.project_dir!r} cannot be entered")
    try:
        agent_type = normalize_agent_type(namespace.agent)
    except InvalidArgumentError:
        parser.error(f"-a/--agent: unknown agent {namespace.agent!r} (one of: {AGENT_NAMES})")
    availability = check_agent(agent_type, (config or Config()).agents)
    if not availability.available:
        parser.error(
            f"-a/--agent: cannot start {availability.badge}: {availability.reason} "
            "(install it, or set its command in the [agents] section of config.toml)"
        )
    restore = namespace.restore
    if restore is not None and not restore.strip():
        parser.error("--restore: the workspace name is empty")
    if restore is not None and not namespace.list_saved:
        from synk_tui import persistence  # only when asked: --help stays fast

        try:
            restore = persistence.validate_name(restore)
            persistence.load_workspace(persistence.find_saved(restore))
        except PersistenceError as error:
            _restore_failed(error)
    return LaunchOptions(
        project_dir=project.resolve(),
        sessions=namespace.sessions,
        agent_type=agent_type,
        restore=restore,
        list_saved=namespace.list_saved,
        socket=socket_path(namespace.socket),
    )


def _restore_failed(error: PersistenceError) -> NoReturn:
    """`--restore NAME` cannot work: one line naming the file and the problem, exit 2."""
    message = safe_text(error.message, MESSAGE_LIMIT)
    print(f"synk: error: --restore: {message} (see synk --list-saved)", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def print_saved() -> int:
    """`--list-saved`: one line per workspace for scripts; unreadable files on stderr.

    With nothing saved, stdout stays empty (scripts see no workspaces) and
    stderr says so, with where synk looked.
    """
    from synk_tui import paths, persistence

    entries = persistence.list_saved()
    if not entries:
        print(f"synk: no saved workspaces in {paths.sessions_dir()}", file=sys.stderr)
    for entry in entries:
        workspace = entry.workspace
        if workspace is None:
            problem = entry.error.message if entry.error else "cannot be read"
            print(f"synk: warning: {safe_text(problem, MESSAGE_LIMIT)}", file=sys.stderr)
            continue
        saved_at = workspace.saved_at.isoformat(timespec="seconds")
        agents = ",".join(BADGES.get(a, a) for a in workspace.agents)
        fields = (entry.name, saved_at, str(len(workspace.sessions)), agents)
        print("\t".join(safe_text(field, 1000) for field in fields))
    return 0


def is_control_command(args: Sequence[str]) -> bool:
    """`synk ls ...` or `synk --socket PATH ls ...`: a control subcommand, not a launch."""
    rest = list(args)
    if rest and rest[0] == "--socket":
        rest = rest[2:]
    elif rest and rest[0].startswith("--socket="):
        rest = rest[1:]
    return bool(rest) and rest[0] in CONTROL_COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `synk` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if is_control_command(args):
        from synk_tui.cli_control import main as control_main

        return control_main(args)
    config = load_config()
    options = parse_args(argv, config)
    if options.list_saved:
        return print_saved()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("synk: error: synk needs a terminal (stdin and stdout)", file=sys.stderr)
        return 1
    from synk_tui.app import SynkApp  # imported late: --help and errors stay fast

    app = SynkApp(options, config)
    # Orphans of the sessions (`setsid` jobs, agents' daemons) become synk's
    # children, so quitting ends them too (see synk_tui/orphans.py).
    become_subreaper()
    try:
        app.run()
    except OSError:
        # The terminal went away while Textual restored it.
        return 129 if app.hangup else 1
    finally:
        # Last resort if the app died before its own shutdown: no child survives synk.
        app.manager.kill_all_now()
        kill_adopted_now()
    if app.saved_on_quit is not None:
        path = safe_text(app.saved_on_quit, 1000)
        name = safe_text(shlex.quote(app.saved_on_quit.stem), 1000)
        print(f"synk: saved to {path}; bring it back with: synk --restore {name}")
    return app.return_code or 0
