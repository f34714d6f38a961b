"""The app's side of the control socket: commands run as the app's own keys run them.

A session created over the socket goes through the same path as the `n`
key (`SessionTiles.start_session`), so its tile appears in the grid and it
gets the pane's size; a session destroyed over the socket loses its tile
too. Everything else is `ipc.invoke` on the app's `WireContext`, so saves
see the grid and loads fill it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from synk_tui.ipc import WireContext, create_arguments, invoke


class OpenedSession(Protocol):
    """What a tile tells about the session it shows."""

    @property
    def session_id(self) -> int: ...

    @property
    def pane_index(self) -> int: ...


class SessionOpener(Protocol):
    """What the bridge needs of the app's `SessionTiles`."""

    async def start_session(
        self,
        agent_type: str,
        *,
        working_dir: str | None = None,
        project_path: str | None = None,
        branch: str | None = None,
        args: list[str] | None = None,
        expected: int | None = None,
        pane_index: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> OpenedSession: ...

    async def close_session(self, session_id: int) -> None: ...


class ControlCommands:
    """Runs control-socket commands inside the app."""

    def __init__(self, wire: Callable[[], WireContext], sessions: SessionOpener) -> None:
        self.wire = wire
        self.sessions = sessions

    async def run(self, name: str, args: Mapping[str, Any]) -> Any:
        """One command; errors are SynkErrors with stable codes, as from `invoke`."""
        if name == "session:create":
            request = create_arguments(args)
            tile = await self.sessions.start_session(
                request["agent_type"],
                working_dir=request["working_dir"],
                project_path=request["project_path"],
                branch=request["branch"],
                args=request["args"],
                pane_index=request["pane_index"],
                env=request["env"],
            )
            return {"sessionId": tile.session_id, "paneIndex": tile.pane_index}
        result = await invoke(self.wire(), name, args)
        if name == "session:destroy":
            await self.sessions.close_session(args["sessionId"])
        return result
