"""A scripted model server for the real agent CLIs, on 127.0.0.1 only.

Claude Code (Anthropic messages), Codex (OpenAI responses) and Gemini CLI
(generateContent / streamGenerateContent) all stream their turns as SSE; this
server speaks just enough of each to drive their real TUIs with no network.
The reply is chosen by the latest user text:

- a tool result -> a short final text;
- "please touch a file" -> a shell tool call that needs the user's approval;
- "hello slow" -> text streamed slowly (a few seconds, so `working` shows);
- anything else -> a short text.

Every reply names the `tag-...` words of the prompt, so a test can tell one
turn's answer from another's. The server runs in a daemon thread, stops when
its context ends, and stops by itself after `lifetime` seconds whatever
happens. Stdlib only.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def touched_file(tag: str) -> str:
    """The file the approval-needing shell tool call of a prompt tagged `tag` creates."""
    return f"touched-{tag}.txt"


SLOW_PAUSE = 0.4
"""Seconds between the slow reply's pieces."""
SLOW_FIRST_PAUSE = 2.0
"""Seconds before the slow reply's first text (Codex hides `Working` once text streams)."""
SLOW_PIECES = 8
THINK_SECONDS = 1.0
"""Every other main-turn reply starts this late: a real model never answers
within one of synk's state looks (0.25 s), and a turn that short would end
before any look could see it working."""


@dataclass
class Turn:
    """What the server decided for one request (for assertions and debugging)."""

    api: str
    path: str
    kind: str
    user_text: str


@dataclass
class Reply:
    """A scripted answer: text, or a shell tool call."""

    kind: str  # "slow", "touch", "final", "short", "json"
    text: str = ""
    command: str = ""
    """The shell command of a "touch" reply."""
    json_value: dict[str, Any] = field(default_factory=dict)

    def pause_before(self, index: int) -> float:
        """Seconds to wait before streaming piece `index`."""
        if self.kind == "json":
            return 0.0  # side requests (a title, a router) are not the turn
        if self.kind != "slow":
            return THINK_SECONDS if index == 0 else 0.0
        return SLOW_FIRST_PAUSE if index == 0 else SLOW_PAUSE

    @property
    def pieces(self) -> list[str]:
        """The text in the pieces it streams in."""
        if self.kind != "slow":
            return [self.text]
        words = self.text.split(" ")
        size = max(1, len(words) // SLOW_PIECES)
        chunks = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
        return [c + (" " if i < len(chunks) - 1 else "") for i, c in enumerate(chunks)]


def _tags(text: str) -> str:
    found = re.findall(r"tag-[A-Za-z0-9]+", text)
    return " ".join(dict.fromkeys(found)) or "untagged"


def choose_reply(user_text: str, tool_result: bool, conversation: str = "") -> Reply:
    """The scripted reply to the latest user turn (`conversation`: the whole
    request, where a tool result finds the tag of the prompt that asked for it)."""
    tags = _tags(user_text)
    if tool_result:
        earlier = re.findall(r"tag-[A-Za-z0-9]+", conversation)
        return Reply("final", f"Done: the file is touched ({earlier[-1] if earlier else tags}).")
    lowered = user_text.lower()
    if "please touch a file" in lowered:
        name = touched_file(tags.split()[0])
        return Reply("touch", f"I will touch {name} ({tags}).", command=f"touch {name}")
    if "hello slow" in lowered:
        words = " ".join(f"word{i}" for i in range(1, 17))
        return Reply("slow", f"Slow answer for {tags}: {words} end.")
    return Reply("short", f"Short answer for {tags}.")


def _text_of(content: Any) -> str:
    """Text of an Anthropic/OpenAI content value (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict):
                text = block.get("text")
                if isinstance(text, str):
                    parts.append(text)
    return "\n".join(parts)


def _json_for_schema(body: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer for a structured-output request (a title, a router's score)."""
    text = json.dumps(body)
    if "complexity" in text:
        return {"complexity_reasoning": "a short scripted test prompt", "complexity_score": 1}
    return {"title": "Scripted test turn"}


class FakeModel:
    """The server: `with FakeModel() as model: model.url` ..."""

    def __init__(self, lifetime: float = 900.0) -> None:
        self.lifetime = lifetime
        self.turns: list[Turn] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeModel:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, turn: Turn) -> None:
        with self._lock:
            self.turns.append(turn)

    def kinds(self, api: str) -> list[str]:
        """The reply kinds given to one API so far, oldest first."""
        with self._lock:
            return [t.kind for t in self.turns if t.api == api]


def _handler_for(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.model = model
    return Handler


class _Handler(BaseHTTPRequestHandler):
    model: FakeModel
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `model.turns` instead."""

    # -- plumbing ----------------------------------------------------------

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            value = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _json(self, value: Any, status: int = 200) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _sse(self, events: Iterator[tuple[str | None, Any, float]]) -> None:
        """Stream `(event name, data, pause before)` as SSE, then close."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for name, data, pause in events:
                if pause:
                    time.sleep(pause)
                head = f"event: {name}\n" if name else ""
                self.wfile.write(f"{head}data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the agent was interrupted or ended

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._json({})

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path.endswith("/messages/count_tokens"):
            self._json({"input_tokens": 100})
        elif path.endswith("/messages"):
            self._anthropic(body)
        elif path.endswith("/responses"):
            self._openai(body)
        elif ":streamGenerateContent" in path:
            self._gemini(body, stream=True)
        elif ":generateContent" in path:
            self._gemini(body, stream=False)
        elif ":countTokens" in path:
            self._json({"totalTokens": 100})
        else:
            self._json({"error": {"message": f"fake model: no route {path}"}}, 404)

    # -- Anthropic messages --------------------------------------------------

    def _anthropic(self, body: dict[str, Any]) -> None:
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        last = users[-1] if users else {}
        content = last.get("content")
        tool_result = isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        )
        text = _text_of(content)
        reply = choose_reply(text, tool_result, json.dumps(body))
        if not body.get("tools") and reply.kind in ("slow", "touch"):
            reply = Reply("short", "Scripted title")  # a side request (a title)
        self.model.record(Turn("anthropic", self.path, reply.kind, text))
        model_name = str(body.get("model") or "claude-fake")
        message_id = f"msg_{uuid.uuid4().hex[:20]}"
        usage = {
            "input_tokens": 120,
            "output_tokens": 1,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }
        if not body.get("stream"):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}]
            self._json(
                {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model_name,
                    "content": blocks,
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {**usage, "output_tokens": 10},
                }
            )
            return

        def events() -> Iterator[tuple[str | None, Any, float]]:
            yield (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": message_id,
                        "type": "message",
                        "role": "assistant",
                        "model": model_name,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": usage,
                    },
                },
                0.0,
            )
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
                0.0,
            )
            for i, piece in enumerate(reply.pieces):
                pause = reply.pause_before(i)
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                    pause,
                )
            yield ("content_block_stop", {"type": "content_block_stop", "index": 0}, 0.0)
            stop_reason = "end_turn"
            if reply.kind == "touch":
                stop_reason = "tool_use"
                arguments = {"command": reply.command, "description": "Touch a file"}
                yield (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 1,
                        "content_block": {
                            "type": "tool_use",
                            "id": f"toolu_{uuid.uuid4().hex[:20]}",
                            "name": "Bash",
                            "input": {},
                        },
                    },
                    0.0,
                )
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 1,
                        "delta": {
                            "type": "input_json_delta",
                            "partial_json": json.dumps(arguments),
                        },
                    },
                    0.0,
                )
                yield ("content_block_stop", {"type": "content_block_stop", "index": 1}, 0.0)
            yield (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": 20},
                },
                0.0,
            )
            yield ("message_stop", {"type": "message_stop"}, 0.0)

        self._sse(events())

    # -- OpenAI responses ------------------------------------------------------

    def _openai(self, body: dict[str, Any]) -> None:
        items = [i for i in body.get("input") or [] if isinstance(i, dict)]
        last_item = items[-1] if items else {}
        tool_result = last_item.get("type") == "function_call_output"
        users = [i for i in items if i.get("role") == "user"]
        text = _text_of(users[-1].get("content")) if users else ""
        text_format = (
            (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
        )
        if isinstance(text_format, dict) and text_format.get("type") == "json_schema":
            reply = Reply("json", json.dumps(_json_for_schema(body)))
        else:
            reply = choose_reply(text, tool_result, json.dumps(body))
        self.model.record(Turn("openai", self.path, reply.kind, text))
        response_id = f"resp_{uuid.uuid4().hex[:20]}"
        message_id = f"msg_{uuid.uuid4().hex[:20]}"
        usage = {
            "input_tokens": 150,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 25,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 175,
        }

        def events() -> Iterator[tuple[str | None, Any, float]]:
            base = {"id": response_id, "object": "response", "model": body.get("model")}
            yield (
                "response.created",
                {
                    "type": "response.created",
                    "response": {**base, "status": "in_progress", "output": []},
                },
                0.0,
            )
            output: list[dict[str, Any]] = []
            index = 0
            if reply.kind != "touch" or reply.text:
                yield (
                    "response.output_item.added",
                    {
                        "type": "response.output_item.added",
                        "output_index": index,
                        "item": {
                            "id": message_id,
                            "type": "message",
                            "role": "assistant",
                            "status": "in_progress",
                            "content": [],
                        },
                    },
                    0.0,
                )
                for i, piece in enumerate(reply.pieces):
                    pause = reply.pause_before(i)
                    yield (
                        "response.output_text.delta",
                        {
                            "type": "response.output_text.delta",
                            "item_id": message_id,
                            "output_index": index,
                            "content_index": 0,
                            "delta": piece,
                        },
                        pause,
                    )
                item = {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
                }
                output.append(item)
                yield (
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": index, "item": item},
                    0.0,
                )
                index += 1
            if reply.kind == "touch":
                arguments = {
                    "cmd": reply.command,
                    "sandbox_permissions": "require_escalated",
                    "justification": "The test asks for a file to be touched.",
                }
                call = {
                    "id": f"fc_{uuid.uuid4().hex[:20]}",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": f"call_{uuid.uuid4().hex[:20]}",
                    "name": "exec_command",
                    "arguments": json.dumps(arguments),
                }
                output.append(call)
                yield (
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": index, "item": call},
                    0.0,
                )
            yield (
                "response.completed",
                {
                    "type": "response.completed",
                    "response": {**base, "status": "completed", "output": output, "usage": usage},
                },
                0.0,
            )

        self._sse(events())

    # -- Gemini generateContent ------------------------------------------------

    def _gemini(self, body: dict[str, Any], stream: bool) -> None:
        contents = [c for c in body.get("contents") or [] if isinstance(c, dict)]
        users = [c for c in contents if c.get("role") == "user"]
        last = users[-1] if users else {}
        parts = [p for p in last.get("parts") or [] if isinstance(p, dict)]
        tool_result = any("functionResponse" in p for p in parts)
        text = "\n".join(str(p["text"]) for p in parts if isinstance(p.get("text"), str))
        config = body.get("generationConfig") or {}
        wants_json = isinstance(config, dict) and (
            config.get("responseMimeType") == "application/json"
            or "responseSchema" in config
            or "responseJsonSchema" in config
        )
        if wants_json:
            reply = Reply("json", json.dumps(_json_for_schema(body)))
        else:
            reply = choose_reply(text, tool_result, json.dumps(body))
        self.model.record(Turn("gemini", self.path, reply.kind, text))
        usage = {
            "promptTokenCount": 130,
            "candidatesTokenCount": 20,
            "totalTokenCount": 150,
        }

        def chunk(parts: list[dict[str, Any]], finish: bool) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                candidate["finishReason"] = "STOP"
            return {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": "gemini-fake",
            }

        call_parts: list[dict[str, Any]] = []
        if reply.kind == "touch":
            call_parts = [
                {
                    "functionCall": {
                        "name": "run_shell_command",
                        "args": {"command": reply.command, "description": "Touch a file"},
                    }
                }
            ]
        if not stream:
            self._json(chunk([{"text": reply.text}, *call_parts], True))
            return

        def events() -> Iterator[tuple[str | None, Any, float]]:
            pieces = reply.pieces
            for i, piece in enumerate(pieces):
                pause = reply.pause_before(i)
                last_piece = i == len(pieces) - 1
                yield (None, chunk([{"text": piece}], last_piece and not call_parts), pause)
            if call_parts:
                yield (None, chunk(call_parts, True), 0.0)

        self._sse(events())
