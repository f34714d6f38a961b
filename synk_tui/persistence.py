"""Saved workspaces: what a grid of sessions was, written so it can come back.

A workspace is the grid (pane order, zoom, selection) and, per session, its
pane index, agent type, project path, working dir, branch, the agent
arguments the person gave and the *names* of the extra environment variables
(never their values: they hold API keys). Agents restart fresh; the layout
and where each session was working come back.

Files live in `paths.sessions_dir()`, one `<name>.json` each, with a schema
`version`. They are written atomically (temp file in the same directory,
fsync, rename, fsync of the directory) with mode 0600, so a crash, a full
disk or a read-only directory never leaves a half-written file: the old one
stays. Reading checks everything and raises a typed `PersistenceError`
naming the file and the problem in one bounded line; it never changes the
file. Saved files are untrusted input: one over `MAX_FILE_BYTES` is refused
before it is read, and nesting, numbers, times and strings that Python
cannot take (too deep, too many digits, out of range, NUL, unpaired
surrogates) are errors like any other, never an exception of their own.

While synk runs it autosaves to a crash-recovery file of its own
(`paths.recovery_file()`, one per process, owner pid and start time inside);
a clean exit removes it, so a recovery file whose owner is gone means synk
did not exit cleanly and the next start can offer it back. A recovery file
that cannot be read is moved aside (`*.bad`) and reported: it never blocks
a start.

Core module: no Textual. The app plugs its grid in through `WorkspaceHost`;
without it (`invoke` on a bare manager) `ManagerHost` saves and restores the
manager's sessions by pane index.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from synk_tui import paths
from synk_tui.agents import AGENT_TYPES, check_agent, normalize_agent_type
from synk_tui.config import AgentSettings
from synk_tui.errors import (
    AgentUnavailableError,
    CorruptWorkspaceError,
    InvalidArgumentError,
    InvalidWorkspaceError,
    InvalidWorkspaceNameError,
    MissingDirectoryError,
    NewerWorkspaceError,
    PersistenceError,
    SaveError,
    SynkError,
    WorkspaceNotFoundError,
    WorkspaceTooLargeError,
)
from synk_tui.git import current_branch
from synk_tui.sanitize import safe_text
from synk_tui.session_manager import SessionInfo, SessionManager

SCHEMA_VERSION = 1
"""The version written into every file; files with a higher one are refused."""

MAX_PANES = 12
"""Pane indices run 0..11 (the largest grid is 4x3)."""

MAX_NAME_BYTES = 200
"""Longest workspace name (UTF-8 bytes), well under any file system's limit."""

MAX_FILE_BYTES = 1024 * 1024
"""Largest saved file read or written: a full 12-pane workspace takes a few KB."""

PID_MAX = 4_194_304
"""The highest pid Linux can give (PID_MAX_LIMIT): recovery files are named by one."""

SUFFIX = ".json"
BAD_SUFFIX = ".bad"
"""What an unreadable recovery file is renamed to: kept for a look, never read again."""


# ---- the data ----------------------------------------------------------------


@dataclass(frozen=True)
class SavedSession:
    """One session of a workspace: enough to start it again in its pane."""

    pane_index: int
    agent_type: str
    project_path: str
    working_dir: str
    branch: str | None = None
    agent_args: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()

    @property
    def number(self) -> int:
        """The pane number people see: pane index + 1."""
        return self.pane_index + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "pane_index": self.pane_index,
            "agent_type": self.agent_type,
            "project_path": self.project_path,
            "working_dir": self.working_dir,
            "branch": self.branch,
            "agent_args": list(self.agent_args),
            "env_names": list(self.env_names),
        }


@dataclass(frozen=True)
class GridLayout:
    """Where panes are: display order and zoom/selection, all by pane index."""

    order: tuple[int, ...] = ()
    zoom: int | None = None
    selected: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"order": list(self.order), "zoom": self.zoom, "selected": self.selected}


@dataclass(frozen=True)
class Workspace:
    """A saved workspace: the grid and its sessions."""

    name: str
    saved_at: datetime
    grid: GridLayout
    sessions: tuple[SavedSession, ...]
    version: int = SCHEMA_VERSION

    @property
    def agents(self) -> list[str]:
        """Agent types in pane order, for listings."""
        return [s.agent_type for s in self.sessions]

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "saved_at": self.saved_at.isoformat(timespec="seconds"),
            "grid": self.grid.to_json(),
            "sessions": [s.to_json() for s in self.sessions],
        }

    def encode(self, extra: Mapping[str, Any] | None = None) -> bytes:
        """The file's bytes: indented UTF-8 JSON, newline-terminated."""
        data = {**self.to_json(), **(extra or {})}
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: object, source: Path | str = "<data>") -> Workspace:
        """Check and convert parsed JSON; any problem raises naming `source`."""
        return _parse_workspace(data, Path(source))


@dataclass
class RestoreReport:
    """What a restore did: sessions started, and what could not be restored."""

    source: Path
    restored: int = 0
    problems: list[tuple[SavedSession, SynkError]] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One line per problem, naming the file and the pane."""
        return [
            f"{self.source}: pane {saved.number}: {error.message}" for saved, error in self.problems
        ]

    def to_wire(self) -> dict[str, Any]:
        return {"sessionCount": self.restored, "problems": self.messages()}


@dataclass(frozen=True)
class SavedEntry:
    """One file of the saved-workspaces directory, readable or not."""

    name: str
    path: Path
    workspace: Workspace | None
    error: PersistenceError | None = None

    def to_wire(self) -> dict[str, Any]:
        ws = self.workspace
        return {
            "name": self.name,
            "path": str(self.path),
            "savedAt": ws.saved_at.isoformat(timespec="seconds") if ws else None,
            "sessionCount": len(ws.sessions) if ws else None,
            "agents": ws.agents if ws else [],
            "error": self.error.to_wire() if self.error else None,
        }


# ---- parsing -----------------------------------------------------------------

_REQUIRED = object()

QUOTE_LIMIT = 60
"""Characters of a bad value quoted in an error message."""


def _quote(value: object) -> str:
    """A bad value for a message: repr (control characters escaped), bounded."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > QUOTE_LIMIT:
        return repr(text[:QUOTE_LIMIT]) + "…"
    return repr(text)


def _shown(path: Path) -> str:
    """A path named by a directory listing (untrusted), safe in a one-line message."""
    return safe_text(str(path), 400)


def _check_text(value: str, name: str, source: Path) -> str:
    """A string from the file that can be a path, argument or name: no NUL, valid Unicode."""
    if "\x00" in value:
        raise InvalidWorkspaceError(f"{source}: {name} contains a NUL character", source, name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidWorkspaceError(
            f"{source}: {name} is not valid Unicode (an unpaired surrogate)", source, name
        ) from None
    return value


def _get(
    obj: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    source: Path,
    default: Any = _REQUIRED,
) -> Any:
    """obj[key] checked against `kind` (bools are never ints); a missing key raises."""
    name = f"{where}.{key}" if where else key
    if key not in obj or (obj[key] is None and default is not _REQUIRED):
        if default is _REQUIRED:
            raise InvalidWorkspaceError(f"{source}: {name} is missing", source, name)
        return default
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        wanted = "/".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise InvalidWorkspaceError(
            f"{source}: {name} must be {wanted}, not {type(value).__name__}", source, name
        )
    if isinstance(value, str):
        _check_text(value, name, source)
    return value


def _strings(value: list[Any], name: str, source: Path) -> tuple[str, ...]:
    if not all(isinstance(item, str) for item in value):
        raise InvalidWorkspaceError(f"{source}: {name} must be a list of strings", source, name)
    return tuple(_check_text(item, name, source) for item in value)


def _parse_session(data: object, index: int, source: Path) -> SavedSession:
    where = f"sessions[{index}]"
    if not isinstance(data, dict):
        raise InvalidWorkspaceError(f"{source}: {where} must be an object", source, where)
    pane_index = _get(data, "pane_index", int, where, source)
    if not 0 <= pane_index < MAX_PANES:
        raise InvalidWorkspaceError(
            f"{source}: {where}.pane_index must be 0-{MAX_PANES - 1}, not {_quote(pane_index)}",
            source,
            f"{where}.pane_index",
        )
    agent_type = _get(data, "agent_type", str, where, source)
    with contextlib.suppress(InvalidArgumentError):
        agent_type = normalize_agent_type(agent_type)
    working_dir = _get(data, "working_dir", str, where, source)
    project_path = _get(data, "project_path", str, where, source)
    return SavedSession(
        pane_index=pane_index,
        agent_type=agent_type,
        project_path=project_path,
        working_dir=working_dir,
        branch=_get(data, "branch", str, where, source, None),
        agent_args=_strings(
            _get(data, "agent_args", list, where, source, []), "agent_args", source
        ),
        env_names=_strings(_get(data, "env_names", list, where, source, []), "env_names", source),
    )


def _saved_at(text: str, source: Path) -> datetime:
    """The save time, aware; one that local time or a timestamp cannot hold is refused.

    Listing sorts by timestamp and dialogs show local time, so both are
    tried here, once, where a failure is a message about the file.
    """
    try:
        saved_at = datetime.fromisoformat(text)
        local = saved_at.astimezone()
        local.timestamp()
    except (ValueError, OverflowError):
        raise InvalidWorkspaceError(
            f"{source}: saved_at {_quote(text)} is not an ISO 8601 time of years 1-9999 "
            "in local time",
            source,
            "saved_at",
        ) from None
    return saved_at if saved_at.tzinfo is not None else local


def _parse_workspace(data: object, source: Path) -> Workspace:
    if not isinstance(data, dict):
        raise CorruptWorkspaceError(
            f"{source}: not a synk workspace (expected a JSON object)", source
        )
    if "version" not in data:
        raise InvalidWorkspaceError(
            f"{source}: version is missing (not a synk workspace?)", source, "version"
        )
    version = _get(data, "version", int, "", source)
    if version > SCHEMA_VERSION:
        raise NewerWorkspaceError(
            f"{source}: written by a newer synk (schema version {version}; "
            f"this synk reads up to {SCHEMA_VERSION}); upgrade synk to restore it",
            source,
        )
    if version < 1:
        raise InvalidWorkspaceError(
            f"{source}: bad schema version {_quote(version)}", source, "version"
        )
    saved_at = _saved_at(_get(data, "saved_at", str, "", source), source)
    raw_sessions = _get(data, "sessions", list, "", source)
    sessions = tuple(_parse_session(item, i, source) for i, item in enumerate(raw_sessions))
    seen: set[int] = set()
    for i, saved in enumerate(sessions):
        if saved.pane_index in seen:
            raise InvalidWorkspaceError(
                f"{source}: sessions[{i}].pane_index {saved.pane_index} is used twice",
                source,
                f"sessions[{i}].pane_index",
            )
        seen.add(saved.pane_index)
    grid_data = _get(data, "grid", dict, "", source, {})
    order = _get(grid_data, "order", list, "grid", source, [])
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        raise InvalidWorkspaceError(
            f"{source}: grid.order must be a list of pane indices", source, "grid.order"
        )
    grid = GridLayout(
        order=tuple(order),
        zoom=_get(grid_data, "zoom", int, "grid", source, None),
        selected=_get(grid_data, "selected", int, "grid", source, None),
    )
    name = _get(data, "name", str, "", source, source.stem)
    return Workspace(name, saved_at, grid, sessions, version)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refused unread if it is not a regular file or over the cap.

    Opened non-blocking (a FIFO or a device named `*.json` answers at once),
    checked with fstat, then read up to one byte past the cap, so a file
    that grows while it is read is refused too: memory stays bounded.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise WorkspaceNotFoundError(f"{path}: no such file", path) from None
    except OSError as error:
        raise CorruptWorkspaceError(f"{path}: cannot be read ({_reason(error)})", path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CorruptWorkspaceError(f"{path}: not a regular file", path)
        size = info.st_size
        raw = b""
        if size <= MAX_FILE_BYTES:
            chunks: list[bytes] = []
            left = MAX_FILE_BYTES + 1
            while left > 0 and (chunk := os.read(fd, left)):
                chunks.append(chunk)
                left -= len(chunk)
            raw = b"".join(chunks)
            size = len(raw)
    except OSError as error:
        raise CorruptWorkspaceError(f"{path}: cannot be read ({_reason(error)})", path) from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise WorkspaceTooLargeError(
            f"{path}: too large to be a saved workspace ({size} bytes; "
            f"at most {MAX_FILE_BYTES} bytes)",
            path,
        )
    return raw


def _read(path: Path) -> object:
    """The parsed JSON of a file; typed errors for missing, unreadable or corrupt."""
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptWorkspaceError(f"{path}: corrupt (not UTF-8 text)", path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CorruptWorkspaceError(
            f"{path}: corrupt, not valid JSON ({error.msg} at line {error.lineno} "
            f"column {error.colno})",
            path,
        ) from None
    except RecursionError:
        raise CorruptWorkspaceError(
            f"{path}: corrupt, nested too deeply to be a saved workspace", path
        ) from None
    except ValueError:  # the only other one json raises: int() refusing thousands of digits
        raise CorruptWorkspaceError(
            f"{path}: corrupt, a number has too many digits to be read", path
        ) from None


def load_workspace(path: Path | str) -> Workspace:
    """Read and check a workspace file; never modifies it."""
    path = Path(path)
    return Workspace.from_json(_read(path), path)


# ---- names and files -----------------------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")

_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, line separators and bidi overrides: a name must show as itself."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def validate_name(name: object) -> str:
    """The name, stripped, if it can be a file name in the sessions dir; else raise."""
    if not isinstance(name, str):
        raise InvalidWorkspaceNameError("The workspace name must be text")
    cleaned = name.strip()
    if not cleaned:
        raise InvalidWorkspaceNameError("The workspace name is empty")
    if _SURROGATE.search(cleaned):
        raise InvalidWorkspaceNameError(
            "The workspace name is not valid Unicode (a file name that is not UTF-8?)"
        )
    if _NOT_IN_NAMES.search(cleaned):
        raise InvalidWorkspaceNameError("The workspace name may not contain control characters")
    if len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidWorkspaceNameError(
            f"The workspace name is too long (at most {MAX_NAME_BYTES} bytes)"
        )
    if "/" in cleaned or "\\" in cleaned or os.sep in cleaned:
        raise InvalidWorkspaceNameError(
            f"The workspace name {cleaned!r} may not contain / or \\ (it is a file name)"
        )
    if cleaned.startswith("."):
        raise InvalidWorkspaceNameError(f"The workspace name {cleaned!r} may not start with '.'")
    return cleaned


def default_name(project_path: str | Path, now: datetime | None = None) -> str:
    """The project folder's name and the time: `app-2025-11-25-1017`."""
    now = now or datetime.now()
    base = _UNSAFE.sub("-", Path(project_path).name).strip().lstrip(".") or "workspace"
    return f"{base[:80]}-{now:%Y-%m-%d-%H%M}"


def workspace_path(name: str) -> Path:
    """`sessions/<name>.json` for a valid name."""
    return paths.sessions_dir() / f"{validate_name(name)}{SUFFIX}"


def find_saved(name: str) -> Path:
    """The file of the saved workspace `name`, or `WorkspaceNotFoundError`."""
    path = workspace_path(name)
    if not path.is_file():
        raise WorkspaceNotFoundError(
            f"No saved workspace named {validate_name(name)!r} in {path.parent}", path
        )
    return path


def list_saved(directory: Path | None = None) -> list[SavedEntry]:
    """Every saved workspace, newest first; unreadable files carry their error."""
    directory = directory or paths.sessions_dir()
    try:
        files = [p for p in directory.iterdir() if p.suffix == SUFFIX and p.is_file()]
    except OSError:
        return []
    entries: list[tuple[float, SavedEntry]] = []
    for path in files:
        if path.name.startswith("."):
            continue  # a temp file of an interrupted save
        try:
            validate_name(path.stem)
        except InvalidWorkspaceNameError as error:
            problem = InvalidWorkspaceNameError(
                f"{_shown(path)}: cannot be restored by name: {error.message}", path
            )
            entries.append((_mtime(path), SavedEntry(safe_text(path.stem), path, None, problem)))
            continue
        try:
            workspace = load_workspace(path)
        except PersistenceError as error:
            entries.append((_mtime(path), SavedEntry(path.stem, path, None, error)))
            continue
        entries.append((workspace.saved_at.timestamp(), SavedEntry(path.stem, path, workspace)))
    entries.sort(key=lambda item: (-item[0], item[1].name))
    return [entry for _, entry in entries]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _reason(error: OSError) -> str:
    """What an OSError means for a person."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EFBIG: "the file is too large for this file system",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }
    return reasons.get(error.errno or 0, error.strerror or str(error))


def pid_in_name(text: str) -> int | None:
    """The pid a file name part stands for (`1234`), or None for anything else."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(PID_MAX))):
        return None
    pid = int(text)
    return pid if 0 < pid <= PID_MAX else None


def _pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = _proc_stat(pid)
    return stat is None or stat[0] != "Z"


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def process_start(pid: int) -> int | None:
    """When `pid` started (clock ticks since boot; Linux), to tell reused pids apart."""
    stat = _proc_stat(pid)
    try:
        return int(stat[19]) if stat else None
    except (IndexError, ValueError):
        return None


def _remove_stale_temps(path: Path) -> None:
    """Temp files left by interrupted saves of `path` whose writer is gone."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for temp in path.parent.iterdir():
            name = temp.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = pid_in_name(name[len(prefix) :].split(".", 1)[0])
            if pid is not None and not _pid_alive(pid):
                with contextlib.suppress(OSError):
                    temp.unlink()


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once, mode 0600, or raise `SaveError`.

    The bytes go to a temp file in the same directory, which is fsynced and
    then renamed over `path`: a reader (or the next start after a crash, a
    full disk, a read-only directory) sees the old file or the new one,
    never a mix. The temp file is removed when anything fails.
    """
    directory = path.parent
    if len(data) > MAX_FILE_BYTES:
        raise SaveError(
            f"Cannot save {path}: too large ({len(data)} bytes; a saved workspace is at most "
            f"{MAX_FILE_BYTES} bytes) (nothing was changed)",
            path,
        )
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise SaveError(
            f"Cannot save {path}: cannot create {directory} ({_reason(error)})", path
        ) from error
    _remove_stale_temps(path)
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(
            dir=directory, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
        )
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
        temp = None
    except OSError as error:
        raise SaveError(
            f"Cannot save {path}: {_reason(error)} (nothing was changed)", path
        ) from error
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _fsync_dir(directory)


def save_workspace(workspace: Workspace, path: Path | None = None) -> Path:
    """Write `workspace` to `path` (default `sessions/<name>.json`) atomically."""
    path = path or workspace_path(workspace.name)
    write_atomic(path, workspace.encode())
    return path


# ---- sessions -> saved sessions ----------------------------------------------


def current_dir(info: SessionInfo) -> str:
    """Where the session is working now: its process's cwd, else where it started.

    A shell that `cd`-ed somewhere is restored there (read from
    /proc/<pid>/cwd on Linux); an exited session keeps its start dir.
    """
    if info.pid is not None and info.status != "exited":
        with contextlib.suppress(OSError):
            cwd = os.readlink(f"/proc/{info.pid}/cwd")
            if os.path.isdir(cwd):
                return cwd
    return info.working_dir


def saved_session(info: SessionInfo) -> SavedSession:
    """A live session as it would be saved (env names only, never values)."""
    working_dir = current_dir(info)
    branch = current_branch(working_dir) if working_dir != info.working_dir else info.branch
    return SavedSession(
        pane_index=info.pane_index,
        agent_type=info.agent_type,
        project_path=info.project_path,
        working_dir=working_dir,
        branch=branch,
        agent_args=tuple(info.args),
        env_names=tuple(sorted(set(info.env_names) - SYNK_GIVEN_ENV)),
    )


SYNK_GIVEN_ENV = frozenset({"SYNK_SOCKET"})
"""Variables synk gives every session itself: not the session's own, never saved (a
restore would otherwise warn that they are unset)."""


def session_problem(saved: SavedSession, agents: AgentSettings | None = None) -> SynkError | None:
    """Why a saved session cannot start here (missing dir or agent), or None."""
    for label, directory in (("working dir", saved.working_dir), ("project", saved.project_path)):
        if not os.path.isdir(directory):
            return MissingDirectoryError(f"the {label} {directory} no longer exists")
    if saved.agent_type not in AGENT_TYPES:
        return InvalidArgumentError(f"unknown agent type {saved.agent_type!r}", "agentType")
    availability = check_agent(saved.agent_type, agents)
    if not availability.available:
        return AgentUnavailableError(saved.agent_type, availability.command)
    return None


def missing_env_names(saved: SavedSession) -> list[str]:
    """Variables the session was started with that this environment does not set."""
    return [name for name in saved.env_names if name not in os.environ]


# ---- crash recovery ------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """An autosave whose synk is gone: it did not exit cleanly."""

    path: Path
    pid: int
    workspace: Workspace


def write_recovery(workspace: Workspace) -> Path:
    """This process's autosave (atomic, 0600), with its owner for later checks."""
    path = paths.recovery_file()
    owner = {"pid": os.getpid(), "started": process_start(os.getpid())}
    write_atomic(path, workspace.encode({"owner": owner}))
    return path


def remove_recovery() -> None:
    """A clean exit: this process's autosave goes."""
    with contextlib.suppress(FileNotFoundError):
        paths.recovery_file().unlink()


def _owner_alive(pid: int, data: object) -> bool:
    if not _pid_alive(pid):
        return False
    owner = data.get("owner") if isinstance(data, dict) else None
    started = owner.get("started") if isinstance(owner, dict) else None
    return started is None or process_start(pid) in (None, started)


def stale_recoveries() -> tuple[list[Recovery], list[PersistenceError]]:
    """Autosaves left by a synk that did not exit cleanly, newest first.

    Autosaves an older synk left in the config dir are looked at too.
    A file whose owner still runs (another synk) is not stale. One that
    cannot be read, or is not named `PID.json`, is renamed to `*.bad` (kept
    for a look, never asked about again) and returned as an error: this
    runs at every start, so no file may stop it.
    """
    found: list[Recovery] = []
    errors: list[PersistenceError] = []
    files: list[Path] = []
    for directory in paths.recovery_dirs():
        with contextlib.suppress(OSError):
            files.extend(sorted(directory.glob(f"*{SUFFIX}")))
    for path in files:
        pid = pid_in_name(path.stem)
        try:
            if pid is None:
                raise CorruptWorkspaceError(
                    f"{_shown(path)}: not a synk autosave (not named by a process id)", path
                )
            data = _read(path)
            if _owner_alive(pid, data):
                continue
            workspace = Workspace.from_json(data, path)
        except WorkspaceNotFoundError:
            continue
        except PersistenceError as error:
            errors.append(error)
            _move_aside(path)
            continue
        except Exception as error:  # a bug in reading must not stop every start
            errors.append(
                CorruptWorkspaceError(
                    f"{_shown(path)}: cannot be read ({type(error).__name__})", path
                )
            )
            _move_aside(path)
            continue
        found.append(Recovery(path, pid, workspace))
    found.sort(key=lambda r: r.workspace.saved_at, reverse=True)
    return found, errors


def _move_aside(path: Path) -> None:
    """An unreadable recovery file becomes `*.bad`: kept, never read again."""
    with contextlib.suppress(OSError):
        path.rename(path.with_suffix(BAD_SUFFIX))


def discard_recovery(recovery: Recovery) -> None:
    """The person answered: the old autosave goes."""
    with contextlib.suppress(FileNotFoundError):
        recovery.path.unlink()


# ---- the service (what `invoke` and the app use) -----------------------------


class WorkspaceHost(Protocol):
    """Whoever shows the sessions: the app's grid, or the bare manager."""

    def workspace_state(self) -> tuple[GridLayout, list[SavedSession]]:
        """The grid and every pane's session as they would be saved now."""
        ...

    async def restore_workspace(self, workspace: Workspace, source: Path) -> RestoreReport:
        """Replace the current sessions with the workspace's, in their panes."""
        ...


class ManagerHost:
    """The host without a UI: pane order is pane-index order, no zoom."""

    def __init__(self, manager: SessionManager, stagger: float = 0.1) -> None:
        self.manager = manager
        self.stagger = stagger

    def workspace_state(self) -> tuple[GridLayout, list[SavedSession]]:
        infos = self.manager.list()
        return GridLayout(tuple(i.pane_index for i in infos)), [saved_session(i) for i in infos]

    async def restore_workspace(self, workspace: Workspace, source: Path) -> RestoreReport:
        report = RestoreReport(source)
        for info in self.manager.list():
            with contextlib.suppress(SynkError):
                await self.manager.destroy(info.session_id)
        for saved in sorted(workspace.sessions, key=lambda s: s.pane_index):
            problem = session_problem(saved, self.manager.agents)
            if problem is not None:
                report.problems.append((saved, problem))
                continue
            if report.restored:
                await asyncio.sleep(self.stagger)
            try:
                await self.manager.create(
                    agent_type=saved.agent_type,
                    project_path=saved.project_path,
                    working_dir=saved.working_dir,
                    branch=saved.branch,
                    args=saved.agent_args,
                    pane_index=saved.pane_index,
                )
            except SynkError as error:
                report.problems.append((saved, error))
                continue
            report.restored += 1
        return report


class PersistenceService:
    """Save, load and list workspaces for one host (the app, or a bare manager)."""

    def __init__(self, host: WorkspaceHost, project_dir: Path | str | None = None) -> None:
        self.host = host
        self.project_dir = Path(project_dir) if project_dir is not None else None

    def default_name(self, sessions: Sequence[SavedSession] = ()) -> str:
        """The project folder's name and the time."""
        project = sessions[0].project_path if sessions else self.project_dir or Path.cwd()
        return default_name(project)

    def snapshot(self, name: str | None = None) -> Workspace:
        """The workspace as it is now (`name` defaults to project folder + time)."""
        grid, sessions = self.host.workspace_state()
        if name is None:
            name = self.default_name(sessions)
        return Workspace(
            name=validate_name(name),
            saved_at=datetime.now().astimezone(),
            grid=grid,
            sessions=tuple(sorted(sessions, key=lambda s: s.pane_index)),
        )

    async def save(self, name: str | None = None) -> Path:
        """Write the current workspace to `sessions/<name>.json` (replacing it)."""
        workspace = self.snapshot(name)
        path = workspace_path(workspace.name)
        return await asyncio.to_thread(save_workspace, workspace, path)

    async def load(self, path: Path | str) -> RestoreReport:
        """Restore the workspace in `path`; a bad file raises before anything closes."""
        path = Path(path).expanduser()
        workspace = load_workspace(path)
        return await self.host.restore_workspace(workspace, path)

    def list_saved(self) -> list[SavedEntry]:
        """Every saved workspace, newest first."""
        return list_saved()
