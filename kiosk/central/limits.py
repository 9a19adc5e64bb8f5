"""Request body size limit, answered with 413 in the service's error shape.

A pure ASGI middleware: it refuses on ``Content-Length`` before reading, and
for chunked bodies (no length) it reads at most the limit plus one byte before
deciding, so an oversized upload never reaches a handler or the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimitMiddleware:
    """Refuse request bodies above ``limit`` bytes (``limit_for(path)`` if given)."""

    def __init__(self, app: ASGIApp, limit: int, limit_for: Callable[[str], int] | None = None):
        self.app = app
        self.limit = limit
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"]) if self.limit_for else self.limit
        length = None
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _error(send, 400, "bad_request", "invalid Content-Length")
                    return
        if length is not None:
            if length > limit:
                await _drain_and_refuse(receive, send, limit)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # Chunked: buffer up to the limit, then replay to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _error(send, 413, "payload_too_large", f"request body larger than {limit} bytes")
                return
            chunks.append(body)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _drain_and_refuse(receive: Receive, send: Send, limit: int) -> None:
    await _error(send, 413, "payload_too_large", f"request body larger than {limit} bytes",
                 extra=[(b"connection", b"close")])


async def _error(send: Send, status: int, code: str, message: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
