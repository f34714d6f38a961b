"""The command schema in its wire form: `await invoke(target, name, args)`.

Commands and their camelCase arguments are the seed's; each maps onto a
plain async method of the SessionManager, or of a persistence service. The
target says which: a `WireContext` names both (the app passes its own, so
saves see the grid and loads fill it); a bare manager gets a context whose
service works on that manager's sessions alone. No registry lies between
them, so what a command acts on is always what the caller passed.
Arguments are checked here, so a bad call raises `InvalidArgumentError`
naming the field instead of failing deep inside.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from synk_tui import session_text
from synk_tui.errors import InvalidArgumentError
from synk_tui.persistence import ManagerHost, PersistenceService
from synk_tui.session_manager import SessionManager


@dataclass(frozen=True)
class WireContext:
    """What wire commands act on: the sessions, and who saves and restores them."""

    manager: SessionManager
    persistence: PersistenceService

    @classmethod
    def bare(cls, manager: SessionManager) -> WireContext:
        """A manager without a UI: workspaces are its sessions by pane index."""
        return cls(manager, PersistenceService(ManagerHost(manager)))


Handler = Callable[[WireContext, Mapping[str, Any]], Awaitable[Any]]

_MISSING = object()


def _arg(
    args: Mapping[str, Any], name: str, kind: type | tuple[type, ...], default: Any = _MISSING
) -> Any:
    """`args[name]` checked against `kind`; absent or None gives `default`."""
    value = args.get(name)
    if value is None:
        if default is _MISSING:
            raise InvalidArgumentError(f"Missing argument {name!r}", name)
        return default
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise InvalidArgumentError(f"Argument {name!r} has the wrong type (bool)", name)
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise InvalidArgumentError(
            f"Argument {name!r} must be {expected}, not {type(value).__name__}", name
        )
    return value


def create_arguments(args: Mapping[str, Any]) -> dict[str, Any]:
    """`session:create`'s arguments checked, as `SessionManager.create` keywords."""
    env = _arg(args, "env", dict, None)
    if env is not None and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise InvalidArgumentError("Argument 'env' must map strings to strings", "env")
    agent_args = _arg(args, "args", list, None)
    if agent_args is not None and not all(isinstance(a, str) for a in agent_args):
        raise InvalidArgumentError("Argument 'args' must be a list of strings", "args")
    return {
        "agent_type": _arg(args, "agentType", str),
        "project_path": _arg(args, "projectPath", str),
        "branch": _arg(args, "branch", str, None),
        "working_dir": _arg(args, "workingDir", str, None),
        "env": env,
        "cols": _arg(args, "cols", int, 80),
        "rows": _arg(args, "rows", int, 24),
        "args": agent_args,
        "pane_index": _arg(args, "paneIndex", int, None),
    }


async def _create(context: WireContext, args: Mapping[str, Any]) -> dict[str, int]:
    created = await context.manager.create(**create_arguments(args))
    return {"sessionId": created.session_id, "paneIndex": created.pane_index}


async def _destroy(context: WireContext, args: Mapping[str, Any]) -> dict[str, bool]:
    return {"success": await context.manager.destroy(_arg(args, "sessionId", int))}


async def _write(context: WireContext, args: Mapping[str, Any]) -> None:
    context.manager.write(_arg(args, "sessionId", int), _arg(args, "data", str))


async def _resize(context: WireContext, args: Mapping[str, Any]) -> None:
    context.manager.resize(
        _arg(args, "sessionId", int), _arg(args, "cols", int), _arg(args, "rows", int)
    )


async def _list(context: WireContext, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [info.to_wire() for info in context.manager.list()]


async def _save_session(context: WireContext, args: Mapping[str, Any]) -> dict[str, str]:
    path = await context.persistence.save(_arg(args, "name", str, None))
    return {"savedPath": str(path)}


async def _load_session(context: WireContext, args: Mapping[str, Any]) -> dict[str, Any]:
    report = await context.persistence.load(_arg(args, "path", str))
    return report.to_wire()


async def _list_saved(context: WireContext, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [entry.to_wire() for entry in context.persistence.list_saved()]


COMMANDS: dict[str, Handler] = {
    "session:create": _create,
    "session:destroy": _destroy,
    "session:write": _write,
    "session:resize": _resize,
    "session:list": _list,
    "session:send": session_text.send,
    "session:screen": session_text.screen,
    "persistence:save_session": _save_session,
    "persistence:load_session": _load_session,
    "persistence:list_saved": _list_saved,
}
"""Wire command name -> handler. Other modules add theirs with `register`."""


def register(name: str, handler: Handler) -> None:
    """Add a wire command (e.g. `persistence:save_session`)."""
    COMMANDS[name] = handler


async def invoke(
    target: SessionManager | WireContext, name: str, args: Mapping[str, Any] | None = None
) -> Any:
    """Run one wire command on `target` (a context, or a bare manager) and return its reply."""
    if not isinstance(name, str) or name not in COMMANDS:
        known = ", ".join(sorted(COMMANDS))
        raise InvalidArgumentError(f"Unknown command {name!r} (known: {known})", "command")
    if args is None:
        args = {}
    if not isinstance(args, Mapping):
        raise InvalidArgumentError("Command arguments must be an object", "args")
    context = target if isinstance(target, WireContext) else WireContext.bare(target)
    return await COMMANDS[name](context, args)
