"""Typed errors of the synk core. Each carries a stable `code` for the wire."""

from __future__ import annotations


class SynkError(Exception):
    """Base class: a failure a person can read, with a stable machine code."""

    code: str = "synk_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_wire(self) -> dict[str, str]:
        """The error as the wire sends it."""
        return {"code": self.code, "message": self.message}


class MaxSessionsError(SynkError):
    """All session slots are taken."""

    code = "max_sessions"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Max sessions reached ({limit})")
        self.limit = limit


class SessionNotFoundError(SynkError):
    """No session has this id (never existed or already destroyed)."""

    code = "session_not_found"

    def __init__(self, session_id: object) -> None:
        super().__init__(f"No session with id {session_id!r}")
        self.session_id = session_id


class SessionExitedError(SynkError):
    """The session's process has exited; it can be read but not written."""

    code = "session_exited"

    def __init__(self, session_id: int, exit_code: int | None) -> None:
        super().__init__(f"Session {session_id} has exited (code {exit_code})")
        self.session_id = session_id
        self.exit_code = exit_code


class AgentUnavailableError(SynkError):
    """The agent's command is not installed (not found on PATH)."""

    code = "agent_unavailable"

    def __init__(self, agent_type: str, command: str) -> None:
        super().__init__(
            f"The {agent_type} agent needs the command {command!r}, which was not found on PATH"
        )
        self.agent_type = agent_type
        self.command = command


class InvalidArgumentError(SynkError):
    """A command got a missing, wrongly typed or impossible argument."""

    code = "invalid_argument"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PoolError(SynkError):
    """A shell could not be started or never became ready."""

    code = "pool_error"


class PersistenceError(SynkError):
    """A saved workspace could not be written or read."""

    code = "persistence_error"

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = path
        """The file the problem is about, when there is one."""


class WorkspaceNotFoundError(PersistenceError):
    """No saved workspace has this name (or the file named does not exist)."""

    code = "workspace_not_found"


class CorruptWorkspaceError(PersistenceError):
    """A saved file is not readable JSON, or not a synk workspace at all."""

    code = "workspace_corrupt"


class WorkspaceTooLargeError(CorruptWorkspaceError):
    """A saved file is larger than any workspace synk writes; it is not read."""

    code = "workspace_too_large"


class InvalidWorkspaceError(PersistenceError):
    """A saved file is JSON but a field is missing or has the wrong type."""

    code = "workspace_invalid"

    def __init__(self, message: str, path: object = None, field: str | None = None) -> None:
        super().__init__(message, path)
        self.field = field


class NewerWorkspaceError(PersistenceError):
    """A saved file was written by a newer synk (a schema version this one cannot read)."""

    code = "workspace_newer_version"


class MissingDirectoryError(PersistenceError):
    """A saved session's working or project directory no longer exists."""

    code = "workspace_dir_missing"


class SaveError(PersistenceError):
    """Writing a workspace failed (full disk, read-only or unwritable directory)."""

    code = "save_failed"


class InvalidWorkspaceNameError(PersistenceError):
    """A workspace name that cannot be a file name (empty, path separators...)."""

    code = "invalid_workspace_name"


class ProtocolError(SynkError):
    """A control-socket request that is not a well-formed request object."""

    code = "invalid_request"


class InvalidJsonError(ProtocolError):
    """A control-socket line that is not JSON (or not UTF-8)."""

    code = "invalid_json"


class UnknownCommandError(ProtocolError):
    """A control-socket request names a command synk does not know."""

    code = "unknown_command"


class LineTooLongError(ProtocolError):
    """A control-socket line longer than synk reads; it is skipped unread."""

    code = "line_too_long"


class InternalError(SynkError):
    """A command failed in a way synk did not expect; the server goes on."""

    code = "internal_error"


class ControlSocketError(SynkError):
    """The control socket cannot be used (unsafe directory, in use, refused)."""

    code = "socket_error"


class UnsafeSocketDirError(ControlSocketError):
    """The socket's directory is owned by someone else or writable by others."""

    code = "unsafe_socket_dir"


class ServerNotRunningError(ControlSocketError):
    """No synk is listening on the control socket."""

    code = "server_not_running"


class ServerRunningError(ControlSocketError):
    """Another synk already listens on the control socket."""

    code = "server_running"


class PermissionDeniedError(ControlSocketError):
    """The peer on the control socket runs as another user."""

    code = "permission_denied"
