"""Writing a prompt so that the agent submits it, not just types it.

Agents detect pastes by timing: text and the carriage return that arrive in
one write look like a paste, and the CR becomes a newline in the input box
(Codex and Gemini CLI both do this; so does a plain tmux pane). What each
agent needs is data (`DELIVERY_PROFILES`): the text first (as a bracketed
paste where the agent wants one and has enabled it), then, after a pause,
the submit key as a write of its own. A plain terminal gets text and CR in
one write, as always.

A prompt to an agent counts as delivered only once the agent shows it took
it: its state (agent_state.py) turns `working` or `waiting` within
`CONFIRM_SECONDS` of the CR; otherwise it is "not confirmed". A plain
terminal's prompt is delivered when written.

Prompts to one session go out one after the other (the next text never
lands between a prompt and its CR). While a session starts, its input is
held by the manager and released in one write once the program reads keys;
the pause before the CR is counted from then. No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from synk_tui.errors import SynkError
from synk_tui.paste import BRACKETED_PASTE_START, encode_paste
from synk_tui.prompting import encode_prompt

if TYPE_CHECKING:
    from synk_tui.emulator import TerminalEmulator
    from synk_tui.session_manager import SessionInfo

SUBMIT = "\r"
"""The key that submits a prompt in every agent and shell."""

HELD_INPUT_POLL = 0.05
"""How often a delivery looks whether a starting session took its held input."""
HELD_INPUT_LIMIT = 30.0
"""The longest a delivery waits for a starting session before giving up on the CR."""
CONFIRM_SECONDS = 5.0
"""How long after its CR an agent has to show that it took the prompt."""
CONFIRM_POLL = 0.05
"""How often the agent's state is looked at meanwhile (states last >= 0.25 s)."""

DELIVERED = "delivered"
NOT_CONFIRMED = "not confirmed"
FAILED = "failed"
"""What a delivery comes to (the result of `PromptDelivery.send`'s task)."""
TOOK_IT = ("working", "waiting")
"""Agent states that show a prompt was taken."""


@dataclass(frozen=True)
class DeliveryProfile:
    """How one agent type wants a prompt delivered."""

    submit_delay: float
    """Seconds between the text and the CR; 0 writes both at once."""
    paste: bool = False
    """Send even a one-line prompt as a bracketed paste when the program enabled it."""


DELIVERY_PROFILES: dict[str, DeliveryProfile] = {
    "terminal": DeliveryProfile(submit_delay=0.0),
    # Claude Code submitted text+CR in one write, but a separate CR costs
    # nothing and keeps it right if its paste detection tightens.
    "claude_code": DeliveryProfile(submit_delay=0.15),
    # Gemini CLI submits when the CR comes 30 ms or more after the text.
    "gemini_cli": DeliveryProfile(submit_delay=0.15),
    # Codex CLI takes the text as a bracketed paste, then a separate CR.
    "codex": DeliveryProfile(submit_delay=0.15, paste=True),
}
"""Per agent type; an agent type not listed gets `FALLBACK_PROFILE`."""

FALLBACK_PROFILE = DeliveryProfile(submit_delay=0.15)


class PromptSessions(Protocol):
    """What delivery needs of the session manager."""

    def write(self, session_id: int, data: str | bytes) -> None: ...

    def info(self, session_id: int) -> SessionInfo: ...

    def screen(self, session_id: int) -> TerminalEmulator: ...

    def input_held(self, session_id: int) -> bool: ...


def split_prompt(text: str, bracketed: bool, profile: DeliveryProfile) -> tuple[str, str]:
    """The prompt as (text to write first, submit key to write after the pause).

    The escaping is `encode_prompt`'s (and `encode_paste`'s for a one-line
    paste); only the final CR is split off. With no pause both go in the
    first part and the second is empty.
    """
    encoded = encode_prompt(text, bracketed)
    if profile.submit_delay <= 0:
        return encoded, ""
    body = encoded.removesuffix(SUBMIT)
    if profile.paste and bracketed and body and not body.startswith(BRACKETED_PASTE_START):
        body = encode_paste(body, True).decode("utf-8", "surrogateescape")
    return body, SUBMIT


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class PromptDelivery:
    """Sends prompts to sessions, each in the way its agent needs."""

    def __init__(
        self,
        sessions: PromptSessions,
        profiles: dict[str, DeliveryProfile] | None = None,
        on_error: Callable[[int, SynkError], None] | None = None,
        confirm_seconds: float = CONFIRM_SECONDS,
    ) -> None:
        self.sessions = sessions
        self.confirm_seconds = confirm_seconds
        self.profiles = dict(DELIVERY_PROFILES if profiles is None else profiles)
        self.on_error = on_error
        """Told when a CR could not be written (the session ended meanwhile)."""
        self._last: dict[int, asyncio.Future[None]] = {}
        """Done once each session's newest prompt has its CR: the next one waits for it."""
        self._tasks: dict[int, set[asyncio.Task[str]]] = {}
        """Every delivery still running, per session (to cancel them all)."""

    def profile(self, agent_type: str) -> DeliveryProfile:
        """The profile of an agent type."""
        return self.profiles.get(agent_type, FALLBACK_PROFILE)

    def send(self, session_id: int, text: str) -> asyncio.Task[str]:
        """Deliver `text` and its submit key. Raises SynkError when the session
        cannot take it; the task's result is DELIVERED (a terminal: once
        written; an agent: once it shows it took it), NOT_CONFIRMED (an agent
        that showed nothing within `confirm_seconds`) or FAILED (the session
        ended before its CR).

        The text goes out now unless an earlier prompt to the same session is
        still waiting for its CR: then it follows that one.
        """
        profile = self.profile(self.sessions.info(session_id).agent_type)
        previous = self._last.get(session_id)
        submitted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if previous is None or previous.done():
            body, submit = self._split(session_id, text, profile)
            self.sessions.write(session_id, body)  # raises now, for the caller
            task = asyncio.ensure_future(self._submit(session_id, submit, profile, submitted))
        else:
            task = asyncio.ensure_future(
                self._follow(session_id, text, profile, previous, submitted)
            )
        self._last[session_id] = submitted
        self._tasks.setdefault(session_id, set()).add(task)
        task.add_done_callback(lambda done: self._finished(session_id, done))
        return task

    def _split(self, session_id: int, text: str, profile: DeliveryProfile) -> tuple[str, str]:
        """Bracketed paste only once the program runs and has enabled it."""
        info = self.sessions.info(session_id)
        bracketed = info.status == "running" and self.sessions.screen(session_id).bracketed_paste
        return split_prompt(text, bracketed, profile)

    async def _follow(
        self,
        session_id: int,
        text: str,
        profile: DeliveryProfile,
        previous: asyncio.Future[None],
        submitted: asyncio.Future[None],
    ) -> str:
        """A prompt sent while an earlier one waits for its CR: after that CR."""
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(previous)
            body, submit = self._split(session_id, text, profile)
            self.sessions.write(session_id, body)
        except SynkError as error:
            _settle(submitted)
            self._report(session_id, error)
            return FAILED
        return await self._submit(session_id, submit, profile, submitted)

    async def _submit(
        self,
        session_id: int,
        submit: str,
        profile: DeliveryProfile,
        submitted: asyncio.Future[None],
    ) -> str:
        """After the text: wait until the program has it, pause, write the CR,
        then wait for the agent to show that it took the prompt."""
        try:
            if not submit:
                return DELIVERED
            waited = 0.0
            while self.sessions.input_held(session_id) and waited < HELD_INPUT_LIMIT:
                await asyncio.sleep(HELD_INPUT_POLL)
                waited += HELD_INPUT_POLL
            await asyncio.sleep(profile.submit_delay)
            self.sessions.write(session_id, submit)
            # The next prompt's text must not arrive with this CR either (the
            # agent would read "\rtext" as one paste): it waits as long again.
            await asyncio.sleep(profile.submit_delay)
            _settle(submitted)
            return await self._confirm(session_id)
        except SynkError as error:
            self._report(session_id, error)
            return FAILED
        finally:
            _settle(submitted)

    async def _confirm(self, session_id: int) -> str:
        """DELIVERED once the agent's state shows it took the prompt."""
        deadline = asyncio.get_running_loop().time() + self.confirm_seconds
        while True:
            info = self.sessions.info(session_id)
            if info.agent_type == "terminal" or info.agent_state in TOOK_IT:
                return DELIVERED
            if info.agent_state.startswith("exited"):
                return FAILED
            if asyncio.get_running_loop().time() >= deadline:
                return NOT_CONFIRMED
            await asyncio.sleep(CONFIRM_POLL)

    def _report(self, session_id: int, error: SynkError) -> None:
        if self.on_error is not None:
            self.on_error(session_id, error)

    def _finished(self, session_id: int, task: asyncio.Task[str]) -> None:
        tasks = self._tasks.get(session_id)
        if tasks is not None:
            tasks.discard(task)
            if not tasks:
                del self._tasks[session_id]

    def pending(self, session_id: int) -> bool:
        """True while a prompt to this session still waits for its CR (or its confirmation)."""
        return bool(self._tasks.get(session_id))

    def forget(self, session_id: int) -> None:
        """The session is gone: its waiting CRs are dropped."""
        self._last.pop(session_id, None)
        for task in self._tasks.pop(session_id, set()):
            task.cancel()

    def cancel_all(self) -> None:
        """Drop every waiting CR (shutdown)."""
        for session_id in list(self._tasks):
            self.forget(session_id)
