"""The event schema: Textual messages the core posts, each with a wire form.

The core never imports widgets; it only builds these messages and hands them
to the `post` sink it was given (in the app, `App.post_message`). `to_wire()`
gives the JSON shape a remote client would see, with camelCase keys.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from textual.message import Message


class SynkEvent(Message):
    """Base class of every core event."""

    wire_name: ClassVar[str] = ""

    def to_wire(self) -> dict[str, Any]:
        """The event's payload as the wire sends it."""
        raise NotImplementedError


class SessionOutput(SynkEvent):
    """Bytes a session's process wrote, in order, coalesced per frame."""

    wire_name = "session:output"

    def __init__(self, session_id: int, data: bytes) -> None:
        super().__init__()
        self.session_id = session_id
        self.data = data

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id, "dataB64": base64.b64encode(self.data).decode()}


class SessionExit(SynkEvent):
    """A session's process ended; killed by signal N gives 128+N."""

    wire_name = "session:exit"

    def __init__(self, session_id: int, exit_code: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.exit_code = exit_code

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id, "exitCode": self.exit_code}


class SessionReady(SynkEvent):
    """A session left `starting`: its shell prompt (or agent) is on screen."""

    wire_name = "session:ready"

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id}


class PoolStatus(SynkEvent):
    """The pool's counts changed."""

    wire_name = "pool:status"

    def __init__(self, idle: int, active: int, total: int) -> None:
        super().__init__()
        self.idle = idle
        self.active = active
        self.total = total

    def to_wire(self) -> dict[str, Any]:
        return {"idle": self.idle, "active": self.active, "total": self.total}


class AppError(SynkEvent):
    """Something failed that a person should hear about; the app keeps running."""

    wire_name = "app:error"

    def __init__(self, source: str, message: str, recoverable: bool = True) -> None:
        super().__init__()
        self.source = source
        self.message = message
        self.recoverable = recoverable

    def to_wire(self) -> dict[str, Any]:
        return {"source": self.source, "message": self.message, "recoverable": self.recoverable}


class ScreenUpdated(SynkEvent):
    """A session's screen changed; at most one per session per frame."""

    wire_name = "screen:updated"

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id}


class SessionClipboard(SynkEvent):
    """The session's program asked to set the clipboard (OSC 52)."""

    wire_name = "session:clipboard"

    def __init__(self, session_id: int, text: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.text = text

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id, "text": self.text}


class SessionState(SynkEvent):
    """A session's state changed: `starting`, `working`, `waiting`, `idle` or `exited N`
    (see agent_state.py); at most one per session per state change."""

    wire_name = "session:state"

    def __init__(self, session_id: int, state: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.state = state

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id, "agentState": self.state}


class SessionInfoChanged(SynkEvent):
    """A session's working directory or branch changed (`cd`, `git checkout`)."""

    wire_name = "session:info"

    def __init__(self, session_id: int, working_dir: str, branch: str | None) -> None:
        super().__init__()
        self.session_id = session_id
        self.working_dir = working_dir
        self.branch = branch

    def to_wire(self) -> dict[str, Any]:
        return {"sessionId": self.session_id, "workingDir": self.working_dir, "branch": self.branch}
