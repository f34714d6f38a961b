"""A pool of pre-warmed shells on real PTYs, so a new session is usable at once.

A login shell with real dotfiles takes 10-160 ms to reach its prompt; a warm
one answers a command in well under a millisecond. The pool keeps a few
shells spawned and sitting at their prompt (Warming -> Idle), hands them out
first-in first-out, and refills itself in the background shortly after each
claim and each release. A shell serves one session only: when the session
ends, its whole terminal session is ended (never cleaned and handed to
another session, which would inherit its variables, functions, traps, jobs
and history), and a fresh shell takes its slot in the pool.

Claiming a warm shell types one setup line into it: a leading space keeps it
out of history (bash with ignorespace, which the pool asks for, zsh's
hist_ignore_space, fish), and a marker printed at its end tells exactly where
the setup's own echo ends. Everything before the marker is dropped, so the
session starts on a clean screen with a fresh prompt (or the agent). Values
of the caller's `private_env` are never on that line: it sources a private
file that holds them (`private_env.py`), removed as soon as the marker shows
the setup ran.

A warm POSIX-family shell waits for that line "armed": sitting in the `read`
builtin (`ARM_LINE`) rather than in its line editor, so the kernel's line
discipline takes the setup line in one go instead of readline or zle
processing it key by key (about a quarter of a pooled start). A canonical
tty line holds at most 4095 bytes, so the line goes in pieces of at most
`ARMED_PIECE` bytes that the shell joins, and an empty line ends it.

Input for the session written before its shell's line editor reads keys
would be echoed twice (by the terminal, then by the editor) if the terminal
took it while it echoes. bash and zsh read the setup with `read -s`, which
turns the echo off, so a claim can hold back the empty line that ends the
setup (`PendingClaim.type_setup`) and type it together with that early
input: the terminal takes both while the shell waits in `read`, and the
setup runs only then.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import itertools
import os
import re
import secrets
import shlex
import shutil
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synk_tui import __version__
from synk_tui.agents import default_shell
from synk_tui.config import PoolSettings
from synk_tui.errors import InvalidArgumentError, MaxSessionsError, PoolError
from synk_tui.events import AppError, PoolStatus
from synk_tui.private_env import PrivateEnvFiles, source_command
from synk_tui.pty_process import PtyProcess

GENERIC_PROMPT = re.compile("[$#%>\u276f\u00bb\u2192\u279c]\\s*$")
"""Prompt endings of sh, bash (user and root), zsh, fish and common themes."""

_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    rb"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    rb"|\x1b[()*+][0-9A-Za-z]"  # charset designation
    rb"|\x1b[ -/]*[0-~]"  # any other escape
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MARKER_PREFIX = b"\x1b]697;synk-ready;"
"""An OSC no terminal acts on; only the marker's printf output contains the
ESC byte, the echo of the command line shows a backslash escape instead."""


ARMED_MARKER = MARKER_PREFIX + b"armed\x07"
"""Printed once the tty is back in canonical mode (the editor hands it back
before running a line), so text written from then on reaches `read` intact."""


def _arm_line(read: bytes) -> bytes:
    """The line typed into an idle shell: it reads the setup line's pieces up
    to an empty line with `read`, then `eval`s them joined."""
    return (
        b" printf '\\033]697;synk-ready;armed\\007'; __synk_setup=; while IFS= "
        + read
        + b' __synk_piece && [ -n "$__synk_piece" ];'
        b" do __synk_setup=$__synk_setup$__synk_piece; done;"
        b' eval "unset __synk_setup __synk_piece; $__synk_setup"\r'
    )


ARM_LINE = _arm_line(b"read -r")
QUIET_ARM_LINE = _arm_line(b"read -rs")
"""bash's and zsh's `read -s` keeps the kernel from echoing the setup line
back: one wake-up and one read less per start (~10% of a pooled start).
dash, ksh and mksh have no such `-s` (ksh's saves to history)."""
ARMABLE_SHELLS = frozenset({"bash", "zsh", "sh", "dash", "ash", "ksh", "mksh"})
"""Shells whose `read -r` and `eval` mean what ARM_LINE needs (fish's don't)."""
QUIET_READ_SHELLS = frozenset({"bash", "zsh"})
"""Shells whose `read -s` turns the terminal's echo off while it reads."""


def arm_line(shell_name: str) -> bytes:
    """The arm line for a shell of this name (see ARM_LINE, QUIET_ARM_LINE)."""
    return QUIET_ARM_LINE if shell_name in QUIET_READ_SHELLS else ARM_LINE


ARMED_PIECE = 2048
"""Bytes per piece of an armed setup line: well inside a 4095-byte tty line."""


_NONCE_PREFIX = secrets.token_hex(4)
_nonce_counter = itertools.count(1)
"""Markers differ per setup line (a random prefix per process, then a count)."""


class PtyState(enum.Enum):
    """Where a pooled shell is in its life."""

    WARMING = "warming"
    IDLE = "idle"
    ACTIVE = "active"
    DEAD = "dead"


_SETTINGS = PoolSettings()
"""The spec's defaults live once, in the `[pool]` config section."""


@dataclass
class PoolConfig:
    """How many shells to keep warm and how to start and judge them."""

    initial_pool_size: int = _SETTINGS.initial_pool_size
    max_pool_size: int = _SETTINGS.max_pool_size
    max_active: int = _SETTINGS.max_active
    warmup_delay: float = _SETTINGS.warmup_delay
    shell: str = field(default_factory=default_shell)
    prompt_pattern: str = _SETTINGS.prompt_pattern
    warm_timeout: float = _SETTINGS.warm_timeout
    shell_args: tuple[str, ...] = ("-l", "-i")
    """A login interactive shell, as a terminal emulator would start it."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for every shell (tests use it for HOME, PS1...)."""
    cwd: str | None = None
    """Where warm shells start before a claim moves them (default: $HOME)."""
    cols: int = 80
    rows: int = 24
    refill_delay: float = 0.1
    max_warm_failures: int = 3
    """Consecutive failures after which background warming stops (and says so)."""
    settle_time: float = 0.03
    """Quiet time after a matching prompt before the shell counts as ready."""
    quiet_time: float = 0.5
    """Quiet time after any output that counts as ready when no pattern matches."""
    setup_timeout: float = 5.0
    kill_grace: float = 3.0

    @classmethod
    def from_settings(cls, settings: PoolSettings, **overrides: Any) -> PoolConfig:
        """Build from the `[pool]` section of config.toml."""
        values: dict[str, Any] = {
            "initial_pool_size": settings.initial_pool_size,
            "max_pool_size": settings.max_pool_size,
            "max_active": settings.max_active,
            "warmup_delay": settings.warmup_delay,
            "prompt_pattern": settings.prompt_pattern,
            "warm_timeout": settings.warm_timeout,
        }
        if settings.shell:
            values["shell"] = settings.shell
        values.update(overrides)
        return cls(**values)


def strip_escapes(data: bytes) -> str:
    """Terminal output as plain text (escape sequences removed)."""
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


def last_line(data: bytes) -> str:
    """The line the cursor is on, as far as plain text can tell (for prompts)."""
    text = strip_escapes(data[-2048:]).replace("\x07", "")
    line = text.rsplit("\n", 1)[-1]
    # zsh and others redraw with carriage returns: keep the last non-blank piece.
    pieces = [piece for piece in line.split("\r") if piece.strip()]
    return pieces[-1] if pieces else ""


class PooledPty:
    """A shell the pool owns, with what it has printed so far."""

    def __init__(self, process: PtyProcess) -> None:
        self.process = process
        self.state = PtyState.WARMING
        self.output = bytearray()
        self.last_output_at = time.monotonic()
        self.exited = False
        self.armed = False
        """Waiting in `read` for the setup line (see ARM_LINE)."""
        self.quiet = False
        """Armed with `read -s`: the terminal does not echo what it is sent."""
        self._waiters: list[asyncio.Event] = []
        self._marker: bytes | None = None
        self._claimed: asyncio.Future[bytes] | None = None
        self._on_ready: Callable[[bytes], None] | None = None
        self.env_file: Path | None = None
        """The private file the setup sources; removed once the setup ran."""

    def expect_marker(
        self,
        marker: bytes,
        claimed: asyncio.Future[bytes],
        on_ready: Callable[[bytes], None] | None,
    ) -> None:
        """When `marker` shows up, stop reading and hand the rest over at once.

        `on_ready(rest)` runs inside the read callback itself, so the new
        owner starts reading in the same loop iteration (no task hops).
        """
        self._marker, self._claimed, self._on_ready = marker, claimed, on_ready

    def start_buffering(self) -> None:
        """Collect the shell's output (while the pool owns it)."""
        self.process.set_reader(self._on_readable)

    def stop_buffering(self) -> None:
        """Hand reading over to whoever takes the shell."""
        self.process.set_reader(None)

    def _on_readable(self) -> None:
        data = self.process.read()
        if data is None:
            self.exited = True
            self.process.set_reader(None)
        elif data:
            self.output += data
            self.last_output_at = time.monotonic()
            if self._marker is not None and self._take_marker():
                return
            if len(self.output) > 1 << 16:  # only the tail matters here
                del self.output[: -(1 << 15)]
        self._wake()

    def _take_marker(self) -> bool:
        assert self._marker is not None and self._claimed is not None
        index = self.output.find(self._marker)
        if index < 0:
            return False
        rest = bytes(self.output[index + len(self._marker) :])
        self.output.clear()
        self._marker = None
        self.remove_env_file()
        if not self._claimed.done():
            self._claimed.set_result(rest)
        if self._on_ready is not None:
            # The new owner swaps its own read callback in (no epoll call).
            self._on_ready(rest)
        if self.process.reader == self._on_readable:  # nobody took reading over
            self.stop_buffering()
        self._wake()
        return True

    def remove_env_file(self) -> None:
        """The setup has run (or never will): its private file goes."""
        path, self.env_file = self.env_file, None
        PrivateEnvFiles.remove(path)

    def _wake(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    async def wait_output(self, timeout: float) -> None:
        """Return when more output (or EOF) arrived, or after `timeout`."""
        waiter = asyncio.Event()
        self._waiters.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), timeout)
        finally:
            self._waiters.remove(waiter)


@dataclass
class PendingClaim:
    """A shell taken for a session whose setup is still running."""

    process: PtyProcess
    pooled: bool
    task: asyncio.Future[bytes]
    """Completes with the output after the setup, or raises PoolError."""
    type_setup: Callable[[bytes], None] | None = None
    """Set when the end of the setup was held back (`claim_nowait(hold_setup=
    True)` on a quietly armed shell): types it, followed by the given input,
    in one write. Called once; the claim times out if it never is."""


@dataclass
class ClaimedPty:
    """A shell handed to a session: its process and the output after the setup."""

    process: PtyProcess
    initial_output: bytes
    pooled: bool
    """True when it came warm from the pool, False when spawned on demand."""


class ProcessPool:
    """Pre-warmed shells, claimed FIFO, each used by one session, refilled."""

    def __init__(self, config: PoolConfig | None = None) -> None:
        self.config = config or PoolConfig()
        self.post: Callable[[Any], object] = lambda message: None
        """Where PoolStatus and AppError go; the SessionManager sets it."""
        self._prompt = re.compile(self.config.prompt_pattern)
        self._idle: deque[PooledPty] = deque()
        self._warming: set[PooledPty] = set()
        self._warms_scheduled = 0
        """Warm-ups waiting out their stagger delay: spare shells not spawned yet."""
        self._env_files = PrivateEnvFiles()
        self._active: dict[int, PooledPty] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warm_failures = 0
        self._warming_stopped = False
        self._closed = False
        self._last_status: tuple[int, int, int] | None = None
        self._refill_handle: asyncio.TimerHandle | None = None

    # -- public surface ------------------------------------------------------

    async def start(self) -> None:
        """Begin warming `initial_pool_size` shells; returns without waiting."""
        self._post_status()
        self._refill()

    def status(self) -> tuple[int, int, int]:
        """(idle, active, total) where total counts every live shell."""
        idle = len(self._idle)
        active = len(self._active)
        total = idle + active + len(self._warming)
        return idle, active, total

    @property
    def active_count(self) -> int:
        """Shells handed out and not yet released."""
        return len(self._active)

    async def wait_idle(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until `count` shells are idle (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while len(self._idle) < count:
            if time.monotonic() >= deadline or self._closed:
                return False
            await asyncio.sleep(0.005)
        return True

    def claim_nowait(
        self,
        *,
        working_dir: str,
        env: Mapping[str, str] | None = None,
        private_env: Mapping[str, str] | None = None,
        exec_argv: Sequence[str] | None = None,
        cols: int = 80,
        rows: int = 24,
        typeahead: bytes = b"",
        on_ready: Callable[[bytes], None] | None = None,
        hold_setup: bool = False,
    ) -> PendingClaim:
        """Take a shell and type its setup now; `PendingClaim.task` completes it.

        Takes the oldest idle shell, or spawns one when none is idle (typing
        the setup ahead instead of waiting for its prompt). `env` is set on
        the setup line; `private_env` (values that may be secret) through a
        private file the line sources, so its values are never typed.
        Anything written
        to the process from now on is typeahead: the shell reads it once the
        setup has run and echoes it after the new prompt. `on_ready(rest)`
        is called with the output after the setup as soon as it arrives.
        Raises at once MaxSessionsError at `max_active`, PoolError when no
        shell can start. With `hold_setup`, a shell armed with `read -s`
        gets its setup only through `PendingClaim.type_setup`, so that input
        written meanwhile goes with it, unechoed (see the module's notes).
        """
        if self._closed:
            raise PoolError("The shell pool is shut down")
        if len(self._active) >= self.config.max_active:
            raise MaxSessionsError(self.config.max_active)
        validate_env(private_env or {})
        env_file = None
        if private_env:
            try:
                env_file = self._env_files.write(private_env, os.path.basename(self.config.shell))
            except OSError as error:
                raise PoolError(f"Cannot hand the session its environment: {error}") from None
        try:
            line, marker = build_setup_line(
                working_dir, env or {}, exec_argv, source=self._source(env_file)
            )
        except BaseException:
            PrivateEnvFiles.remove(env_file)
            raise
        shell: PooledPty | None = None
        while self._idle and shell is None:
            shell = self._idle.popleft()
            if shell.exited or not shell.process.alive:
                self._spawn_task(self._kill(shell))
                shell = None
        pooled = shell is not None
        if shell is None:
            try:
                shell = self._spawn_shell(warming=False)
            except BaseException:
                PrivateEnvFiles.remove(env_file)
                raise
        shell.env_file = env_file
        shell.process.resize(cols, rows)
        if pooled:
            shell.output.clear()
        claimed: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        shell.expect_marker(marker, claimed, on_ready)
        if shell.armed:
            line = armed_pieces(line)
        type_setup = None
        if hold_setup and shell.armed and shell.quiet:
            # All but the empty line that ends it: the shell reads the pieces now.
            shell.process.write(line[:-1])
            type_setup = functools.partial(_end_setup, shell.process, line[-1:] + typeahead)
        else:
            shell.process.write(line + typeahead)
        shell.armed = shell.quiet = False
        # The bookkeeping waits until the shell has its line to work on, and
        # what the caller does not need waits for the next loop iteration.
        shell.state = PtyState.ACTIVE
        self._active[shell.process.pid] = shell
        asyncio.get_running_loop().call_soon(self._after_claim)
        resend = b"" if pooled else line + typeahead
        task = asyncio.ensure_future(self._finish_claim(shell, claimed, pooled, resend))
        return PendingClaim(shell.process, pooled, task, type_setup)

    def _source(self, env_file: Path | None) -> str | None:
        """The setup line's command that reads the private env file, if any."""
        if env_file is None:
            return None
        return source_command(env_file, os.path.basename(self.config.shell))

    def _after_claim(self) -> None:
        self._post_status()
        self._schedule_refill()

    async def claim(
        self,
        *,
        working_dir: str,
        env: Mapping[str, str] | None = None,
        private_env: Mapping[str, str] | None = None,
        exec_argv: Sequence[str] | None = None,
        cols: int = 80,
        rows: int = 24,
        typeahead: bytes = b"",
    ) -> ClaimedPty:
        """`claim_nowait` and wait for the setup to finish (see there)."""
        pending = self.claim_nowait(
            working_dir=working_dir,
            env=env,
            private_env=private_env,
            exec_argv=exec_argv,
            cols=cols,
            rows=rows,
            typeahead=typeahead,
        )
        return ClaimedPty(pending.process, await pending.task, pending.pooled)

    async def _finish_claim(
        self, shell: PooledPty, claimed: asyncio.Future[bytes], pooled: bool, resend: bytes
    ) -> bytes:
        """Watch over a claim: the output after the setup, or PoolError.

        With `resend` (a shell spawned on demand, typed ahead while it
        started), a shell that sits at its prompt for `quiet_time` without
        the marker has discarded what was typed and gets it once more.
        """
        timeout = self.config.setup_timeout if pooled else self.config.warm_timeout
        deadline = time.monotonic() + timeout
        try:
            while not claimed.done():
                now = time.monotonic()
                if now >= deadline or shell.exited:
                    break
                wait = deadline - now
                if resend and shell.output:
                    quiet = now - shell.last_output_at
                    if quiet >= self.config.quiet_time and self._at_prompt(shell):
                        shell.process.write(resend)
                        resend = b""
                    else:
                        wait = min(wait, max(self.config.quiet_time - quiet, 0.01))
                await shell.wait_output(wait)
        except BaseException:
            shell.remove_env_file()
            self._active.pop(shell.process.pid, None)
            await self._kill(shell)
            raise
        shell.remove_env_file()
        if claimed.done():
            return claimed.result()
        self._active.pop(shell.process.pid, None)
        error = await self._startup_error(shell, self.config.setup_timeout if pooled else None)
        await self._kill(shell)
        self._post_status()
        raise error

    async def release(self, process: PtyProcess) -> None:
        """End a claimed shell's whole terminal session (never reused: the next
        session would inherit its state); a fresh shell refills the pool."""
        shell = self._active.pop(process.pid, None)
        if shell is not None:
            shell.remove_env_file()
            self._post_status()
            self._schedule_refill()
            await self._kill(shell)
        else:
            await process.terminate(self.config.kill_grace)

    def stop_refilling(self) -> None:
        """No claim and no new shell from now on (the sessions are being ended)."""
        self._closed = True
        if self._refill_handle is not None:
            self._refill_handle.cancel()
            self._refill_handle = None

    async def shutdown(self) -> None:
        """End every shell the pool still owns (claimed ones belong to sessions)."""
        self.stop_refilling()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        shells = [*self._idle, *self._warming]
        self._idle.clear()
        self._warming.clear()
        await asyncio.gather(*(self._kill(s) for s in shells), return_exceptions=True)
        self._env_files.close()
        self._post_status()

    def kill_all_now(self) -> None:
        """Synchronous last resort for interpreter exit: SIGKILL every shell."""
        self._closed = True
        for shell in [*self._idle, *self._warming, *self._active.values()]:
            shell.process.kill_now()
        self._env_files.close()

    # -- warming -------------------------------------------------------------

    def _schedule_refill(self) -> None:
        if self._refill_handle is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._refill_handle = loop.call_later(self.config.refill_delay, self._refill)

    def _refill(self) -> None:
        """Start warming until idle + warming reaches initial_pool_size."""
        self._refill_handle = None
        if self._closed or self._warming_stopped:
            return
        spare = len(self._idle) + len(self._warming) + self._warms_scheduled
        wanted = min(self.config.initial_pool_size, self.config.max_pool_size) - spare
        for index in range(max(0, wanted)):
            self._warms_scheduled += 1
            self._spawn_task(self._warm_in_background(index * self.config.warmup_delay))

    async def _warm_in_background(self, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            self._warms_scheduled -= 1
        if self._closed:
            return
        try:
            shell = await self._spawn_warm()
        except PoolError as error:
            self._warm_failures += 1
            if self._warm_failures >= self.config.max_warm_failures:
                self._warming_stopped = True
                self.post(
                    AppError(
                        "pool",
                        f"{error.message}. Gave up pre-warming shells after "
                        f"{self._warm_failures} failures; new sessions start cold.",
                        recoverable=True,
                    )
                )
            else:
                self._schedule_refill()
            return
        self._warm_failures = 0
        self._make_idle(shell)

    def _spawn_shell(self, *, warming: bool) -> PooledPty:
        """Start a shell on a new PTY and collect its output; PoolError if it can't."""
        config = self.config
        if shutil.which(config.shell) is None:
            raise PoolError(f"Cannot start the shell {config.shell!r}: not found or not executable")
        try:
            process = PtyProcess(
                [config.shell, *config.shell_args],
                env=shell_environment(config.env),
                cwd=config.cwd or os.path.expanduser("~"),
                cols=config.cols,
                rows=config.rows,
            )
        except OSError as error:
            raise PoolError(f"Cannot start the shell {config.shell!r}: {error.strerror}") from None
        shell = PooledPty(process)
        if warming:
            self._warming.add(shell)
        self._post_status()
        shell.start_buffering()
        return shell

    async def _startup_error(self, shell: PooledPty, setup_timeout: float | None) -> PoolError:
        """Say why a shell is not usable, with the last thing it printed."""
        config = self.config
        tail = last_line(bytes(shell.output))
        if shell.exited:  # end of output comes a moment before the exit status
            deadline = time.monotonic() + 1.0
            while shell.process.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
        if shell.exited or not shell.process.alive:
            why = f"exited (code {shell.process.poll()}) before showing a prompt"
        elif setup_timeout is not None:
            why = f"did not run synk's setup within {setup_timeout:g}s"
        else:
            why = f"showed no prompt within {config.warm_timeout:g}s"
        detail = f" (last output: {tail!r})" if tail else " (no output)"
        return PoolError(f"The shell {config.shell!r} {why}{detail}")

    async def _spawn_warm(self) -> PooledPty:
        """Spawn a shell and wait for its prompt, or raise PoolError."""
        shell = self._spawn_shell(warming=True)
        try:
            ready = await self._wait_prompt(shell, self.config.warm_timeout)
            ready = ready and await self._arm(shell, self.config.warm_timeout)
        except BaseException:
            self._warming.discard(shell)
            await self._kill(shell)
            raise
        self._warming.discard(shell)
        if not ready:
            error = await self._startup_error(shell, None)
            await self._kill(shell)
            self._post_status()
            raise error
        return shell

    async def _wait_prompt(self, shell: PooledPty, timeout: float) -> bool:
        """True once the shell sits at a prompt: the pattern matches and output
        paused, or (for prompts no pattern knows) any output then a long pause."""
        config = self.config
        deadline = time.monotonic() + timeout
        while True:
            if shell.exited or not shell.process.alive:
                return False
            now = time.monotonic()
            if shell.output:
                quiet = now - shell.last_output_at
                need = config.settle_time if self._at_prompt(shell) else config.quiet_time
                if quiet >= need:
                    return True
                wait = need - quiet
            else:
                wait = deadline - now
            if now >= deadline:
                return False
            await shell.wait_output(min(wait, deadline - now) + 0.001)

    async def _wait_marker(self, shell: PooledPty, marker: bytes, timeout: float) -> bytes | None:
        """The output after `marker` once it appears, or None on timeout/exit."""
        deadline = time.monotonic() + timeout
        while True:
            index = shell.output.find(marker)
            if index >= 0:
                return bytes(shell.output[index + len(marker) :])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or shell.exited:
                return None
            await shell.wait_output(remaining)

    def _at_prompt(self, shell: PooledPty) -> bool:
        line = last_line(bytes(shell.output))
        return bool(self._prompt.search(line) or GENERIC_PROMPT.search(line))

    # -- arming and ending ---------------------------------------------------

    async def _arm(self, shell: PooledPty, timeout: float) -> bool:
        """Put a POSIX-family shell at its prompt into the armed `read`;
        False if it does not get there (other shells stay at the prompt)."""
        name = os.path.basename(self.config.shell)
        if name not in ARMABLE_SHELLS:
            return True
        shell.output.clear()
        shell.process.write(arm_line(name))
        if await self._wait_marker(shell, ARMED_MARKER, timeout) is None:
            return False
        shell.output.clear()
        shell.armed = True
        shell.quiet = name in QUIET_READ_SHELLS
        return True

    def _make_idle(self, shell: PooledPty) -> None:
        """A ready shell joins the idle queue."""
        shell.state = PtyState.IDLE
        self._idle.append(shell)
        self._post_status()

    async def _kill(self, shell: PooledPty) -> None:
        shell.state = PtyState.DEAD
        await shell.process.terminate(self.config.kill_grace)

    def _spawn_task(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _post_status(self) -> None:
        status = self.status()
        if status != self._last_status:
            self._last_status = status
            self.post(PoolStatus(*status))


def shell_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment every shell starts with: ours, minus what would mislead
    programs into thinking they run in another multiplexer, plus synk's own."""
    env = dict(os.environ)
    for name in ("TMUX", "TMUX_PANE", "STY", "ZELLIJ", "ZELLIJ_SESSION_NAME", "COLUMNS", "LINES"):
        env.pop(name, None)
    env.update(
        {
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "TERM_PROGRAM": "synk",
            "TERM_PROGRAM_VERSION": __version__,
        }
    )
    env.setdefault("HISTCONTROL", "ignorespace")
    env.update(extra)
    return env


_CONTROL_CHARS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
"""What a shell line cannot carry in a value (a tab can)."""


def validate_env(env: Mapping[str, str]) -> None:
    """Raise InvalidArgumentError for a name or value a shell line cannot carry."""
    for name, value in env.items():
        if not isinstance(name, str) or not _ENV_NAME.match(name):
            raise InvalidArgumentError(f"Invalid environment variable name {name!r}", "env")
        if not isinstance(value, str):
            raise InvalidArgumentError(f"Environment variable {name} must be a string", "env")
        if _CONTROL_CHARS.search(value):
            raise InvalidArgumentError(
                f"Environment variable {name} holds a control character", "env"
            )


def _end_setup(process: PtyProcess, end: bytes, typeahead: bytes) -> None:
    """A held-back setup's end goes out with the input written since (one
    write, so the terminal takes it all while `read -s` has its echo off)."""
    process.write(end + typeahead)


def armed_pieces(line: bytes) -> bytes:
    """The setup line as an armed shell reads it: pieces, then an empty line."""
    text = line.rstrip(b"\r")
    pieces = [text[i : i + ARMED_PIECE] for i in range(0, len(text), ARMED_PIECE)]
    return b"\r".join(pieces) + b"\r\r"


def build_setup_line(
    working_dir: str | None,
    env: Mapping[str, str],
    exec_argv: Sequence[str] | None,
    *,
    source: str | None = None,
) -> tuple[bytes, bytes]:
    """The line typed into a warm shell, and the marker that ends its echo.

    Written for every POSIX shell and fish: `cd`, `export NAME=value`,
    `printf` and `exec` mean the same in all of them. `source` is the
    command that reads the private environment file (see `private_env.py`).
    """
    parts: list[str] = []
    if working_dir is not None:
        if "\t" in working_dir or _CONTROL_CHARS.search(working_dir):
            raise InvalidArgumentError(
                f"Working directory holds a control character: {working_dir!r}", "workingDir"
            )
        if not os.path.isabs(working_dir):
            raise InvalidArgumentError(
                f"Working directory must be absolute: {working_dir!r}", "workingDir"
            )
        parts.append(f"cd {shlex.quote(working_dir)}")
    validate_env(env)
    assignments = [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    if assignments:
        parts.append("export " + " ".join(assignments))
    if source is not None:
        parts.append(source)
    nonce = f"{_NONCE_PREFIX}{next(_nonce_counter):x}"
    parts.append(f"printf '\\033]697;synk-ready;%s\\007' {nonce}")
    if exec_argv:
        parts.append("exec " + " ".join(shlex.quote(arg) for arg in exec_argv) + " || exit 127")
    line = " " + "; ".join(parts) + "\r"
    return line.encode(), MARKER_PREFIX + nonce.encode() + b"\x07"
