"""Where the control socket lives, and the checks that make it private.

The trust model is tmux's: any process of the same user may drive synk, no
other user may. The socket sits in a directory only its user can enter
(`$XDG_RUNTIME_DIR/synk/`, else `/tmp/synk-$UID/`, made 0700); a directory
owned by someone else, writable by group or others, or that is a symlink is
refused with one line saying why, by the server and by the client alike (a
planted directory could hold a fake socket). `--socket PATH` or
`SYNK_SOCKET` pick another socket; its directory passes the same checks.

No Textual here: the thin client uses it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from synk_tui.errors import UnsafeSocketDirError

SOCKET_ENV = "SYNK_SOCKET"
"""The variable that names the socket; every session gets it."""

SOCKET_NAME = "default"
"""The socket's file name inside the default directory (as tmux names its own)."""


def default_socket_dir() -> Path:
    """`$XDG_RUNTIME_DIR/synk`, else `/tmp/synk-$UID`."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "synk"
    return Path("/tmp") / f"synk-{os.getuid()}"


def socket_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The socket to use: `explicit` (--socket), else $SYNK_SOCKET, else the default."""
    chosen = os.fspath(explicit) if explicit else os.environ.get(SOCKET_ENV)
    if chosen:
        return Path(chosen).expanduser().absolute()
    return default_socket_dir() / SOCKET_NAME


def check_socket_dir(directory: Path) -> None:
    """Raise UnsafeSocketDirError unless `directory` is a real directory only we can write."""
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        raise UnsafeSocketDirError(f"socket directory {directory} does not exist") from None
    except OSError as error:
        raise UnsafeSocketDirError(
            f"socket directory {directory} cannot be read: {error.strerror}"
        ) from None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeSocketDirError(f"socket directory {directory} is a symlink; refusing it")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeSocketDirError(f"socket directory {directory} is not a directory")
    if info.st_uid != os.getuid():
        raise UnsafeSocketDirError(
            f"socket directory {directory} is owned by uid {info.st_uid}, not by you "
            f"(uid {os.getuid()}); refusing it"
        )
    if info.st_mode & 0o022:
        raise UnsafeSocketDirError(
            f"socket directory {directory} is writable by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing it"
        )


def prepare_socket_dir(path: Path) -> None:
    """The server's side: make the default directory (0700) if missing, then check it."""
    directory = path.parent
    if directory == default_socket_dir():
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError as error:
            raise UnsafeSocketDirError(
                f"cannot make socket directory {directory}: {error.strerror}"
            ) from None
    check_socket_dir(directory)
