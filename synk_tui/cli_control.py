"""`synk ls|send|capture|events|invoke`: drive a running synk over its control socket.

Built on `synk_tui.client` and the standard library: no Textual, so these
answer in tens of milliseconds. An error is one line on stderr and exit
status 1 (no server running, an unknown session, a refused socket); a bad
command line exits 2 as argparse does. What the sessions hold is untrusted:
text printed for people has its control characters escaped; `--json` and
`events` print JSON, which escapes them itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from synk_tui.client import SynkClient
from synk_tui.errors import SynkError
from synk_tui.prompting import TargetError, parse_prompt
from synk_tui.sanitize import safe_text

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but errors name the program and exit 2 with no traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="synk", description="Drive a running synk over its control socket.")
    parser.add_argument("--socket", metavar="PATH", default=None, help="the control socket")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = commands.add_parser("ls", help="list sessions: id, pane, agent, state, cwd, branch")
    ls.add_argument("--json", action="store_true", help="the session:list result as JSON")
    send = commands.add_parser("send", help="type TEXT into sessions (as the command bar does)")
    send.add_argument("target", metavar="TARGET", help="a session id, @2,5 (pane numbers), @all")
    send.add_argument("text", metavar="TEXT")
    send.add_argument("--enter", action="store_true", help="press Enter after the text")
    capture = commands.add_parser("capture", help="print a session's screen (like capture-pane)")
    capture.add_argument("target", metavar="TARGET", help="a session id or @N (pane number)")
    capture.add_argument(
        "--scrollback", type=int, default=0, metavar="N", help="also the last N scrollback lines"
    )
    capture.add_argument("--json", action="store_true", help="the session:screen result as JSON")
    events = commands.add_parser("events", help="print events as JSON lines until ctrl+c")
    invoke = commands.add_parser("invoke", help="run any wire command; print its result as JSON")
    invoke.add_argument("name", metavar="NAME", help="e.g. session:list")
    invoke.add_argument("args", metavar="JSON", nargs="?", default="{}", help="its arguments")
    for sub in (ls, send, capture, events, invoke):
        sub.add_argument("--socket", metavar="PATH", default=argparse.SUPPRESS)
    return parser


def printable(line: str) -> str:
    """A screen line with any control character shown as an escape, never sent raw."""
    return safe_text(line, 6 * len(line) + 1)


def pane_numbers(sessions: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each session with its pane number: its position in the grid, which shows
    sessions in pane-index order (indexes keep gaps after a close; numbers do not)."""
    ordered = sorted(sessions, key=lambda s: int(s["paneIndex"]))
    return list(enumerate(ordered, start=1))


def resolve_targets(target: str, sessions: list[dict[str, Any]]) -> list[int]:
    """Session ids named by TARGET: `3` (an id), `@2,5` / `@1-3` (pane numbers), `@all`."""
    if target.startswith("@"):
        by_number = {n: int(s["sessionId"]) for n, s in pane_numbers(sessions)}
        try:
            parsed = parse_prompt(f"{target} .", by_number)
        except TargetError as error:
            raise SynkError(str(error)) from None
        if not parsed.targets:
            raise SynkError(f"{target}: no sessions")
        return [by_number[number] for number in parsed.targets]
    try:
        return [int(target)]
    except ValueError:
        raise SynkError(f"{target!r} is not a session id, @PANES or @all") from None


def _ls(client: SynkClient, as_json: bool) -> None:
    sessions = client.request("session:list")
    if as_json:
        print(json.dumps(sessions))
        return
    rows = [("ID", "PANE", "AGENT", "STATE", "PID", "CWD", "BRANCH")]
    for number, s in pane_numbers(sessions):
        state = str(s["status"])
        if s.get("exitCode") is not None:
            state = f"exited {s['exitCode']}"
        rows.append(
            (
                str(s["sessionId"]),
                str(number),
                safe_text(s["agentType"], 20),
                state,
                str(s.get("pid") or "-"),
                safe_text(s["workingDir"], 200),
                safe_text(s.get("branch") or "-", 100),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _send(client: SynkClient, target: str, text: str, enter: bool) -> None:
    for session_id in resolve_targets(target, client.request("session:list")):
        client.request("session:send", {"sessionId": session_id, "text": text, "enter": enter})


def _capture(client: SynkClient, target: str, scrollback: int, as_json: bool) -> None:
    if scrollback < 0:
        raise SynkError("--scrollback must not be negative")
    ids = resolve_targets(target, client.request("session:list")) if target.startswith("@") else []
    if len(ids) > 1:
        raise SynkError(f"{target}: capture takes one session")
    session_id = ids[0] if ids else resolve_targets(target, [])[0]
    screen = client.request("session:screen", {"sessionId": session_id, "scrollback": scrollback})
    if as_json:
        print(json.dumps(screen))
        return
    for line in [*screen["scrollback"], *screen["lines"]]:
        print(printable(line))


def _events(client: SynkClient) -> None:
    try:
        for event in client.events():
            sys.stdout.write(json.dumps(event) + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        return


def _invoke(client: SynkClient, name: str, raw_args: str) -> None:
    try:
        args = json.loads(raw_args)
    except ValueError:
        raise SynkError(f"JSON arguments are not valid JSON: {raw_args!r}") from None
    if not isinstance(args, dict):
        raise SynkError("JSON arguments must be an object")
    print(json.dumps(client.request(name, args)))


def main(argv: Sequence[str]) -> int:
    """Run one control subcommand; 0, 1 (an error, one line on stderr) or 2 (usage)."""
    options = build_parser().parse_args(list(argv))
    try:
        with SynkClient(options.socket, timeout=None if options.command == "events" else 30.0) as c:
            if options.command == "ls":
                _ls(c, options.json)
            elif options.command == "send":
                _send(c, options.target, options.text, options.enter)
            elif options.command == "capture":
                _capture(c, options.target, options.scrollback, options.json)
            elif options.command == "events":
                _events(c)
            else:
                _invoke(c, options.name, options.args)
    except SynkError as error:
        print(f"synk: error: {safe_text(error.message, 1000)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 0
