"""Run part of a test in a network namespace that has only loopback.

The agent CLIs look names up and call home on their own (Codex's daemon asks
for updates and remote control, Claude Code for its updater) whatever their
settings say. In a namespace of its own with only `lo` up, those attempts
fail at once on this machine and no packet leaves it, while the fake model
on 127.0.0.1 still answers. Every process started from the calling thread
while inside (the pool's shells, the agents, the fake model's threads) stays
in the namespace; the thread itself goes back when the context ends.

Needs CAP_SYS_ADMIN (root, as on the project's machines and CI); without it
`LoopbackOnlyUnavailable` says why, and the caller skips.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


class LoopbackOnlyUnavailable(RuntimeError):
    """A namespace of its own cannot be made here (no privilege, no kernel support)."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _bring_loopback_up() -> None:
    """`ip link set lo up`, with an ioctl (no iproute2 needed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Inside: a fresh network namespace with only loopback up."""
    libc = _libc()
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise LoopbackOnlyUnavailable(
                f"cannot make a network namespace ({os.strerror(error)}); "
                "the agent tests run the CLIs offline only as root"
            )
        try:
            _bring_loopback_up()
            yield
        finally:
            if libc.setns(original, CLONE_NEWNET) != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"cannot return to the original network namespace: {error}")
    finally:
        os.close(original)


def only_loopback_here() -> bool:
    """True when the calling thread sees no network interface but `lo`."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]
