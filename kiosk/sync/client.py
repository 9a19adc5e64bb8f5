"""HTTP transport to the central catalog service.

One ``requests.Session`` per client with explicit (connect, read) timeouts and
urllib3 ``Retry``: exponential backoff with jitter, ``Retry-After`` honoured
(and capped, so a confused server cannot park the sync worker for hours),
retries only for requests that are safe to repeat.

Every response is treated as untrusted until checked: the status, the
``Content-Type``, the body size (streamed and capped, so an endless or huge
body cannot exhaust memory) and that the body is JSON. A response that fails a
check raises :class:`ResponseError` and the caller changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from kiosk import __version__

log = logging.getLogger(__name__)

#: Largest JSON body accepted from the server (a changes page, a scene list).
MAX_JSON_BYTES = 32 * 1024 * 1024
#: Longest a single response body may take to arrive in full. The read
#: timeout bounds each socket read; this bounds a server dribbling bytes.
MAX_BODY_SECONDS = 120.0
#: Longest ``Retry-After`` the client will honour.
MAX_RETRY_AFTER_S = 60
USER_AGENT = f"store-kiosk/{__version__}"


class SyncError(Exception):
    """A sync step failed; nothing was changed by the failing step."""


class TransportError(SyncError):
    """The server could not be reached or the connection broke."""


class ResponseError(SyncError):
    """The server answered something the client refuses to trust."""


class AuthError(ResponseError):
    """The token was refused (401) or does not grant this store (403)."""


class HTTPStatusError(ResponseError):
    """The server answered an unexpected status (after any retries)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class TransferStats:
    """What the client sent and received, for status and benchmarks."""

    requests: int = 0
    not_modified: int = 0
    body_bytes: int = 0  # decoded body bytes received
    wire_bytes: int = 0  # bytes as sent on the wire (after compression)

    def snapshot(self) -> dict[str, int]:
        """A plain copy of the counters."""
        return dict(requests=self.requests, not_modified=self.not_modified,
                    body_bytes=self.body_bytes, wire_bytes=self.wire_bytes)


@dataclass
class JSONResponse:
    """A validated JSON answer (``data`` is ``None`` for 304)."""

    status: int
    data: Any
    etag: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes = b""  # the body as received (decoded from any transfer compression)


def make_retry(total: int = 4, backoff_factor: float = 0.5, backoff_jitter: float = 0.5,
               allowed_methods: frozenset[str] = frozenset({"GET", "HEAD", "POST"})) -> Retry:
    """The retry policy of the sync client.

    POST is retried because the only POST the kiosk makes (an analytics
    batch) carries an ``Idempotency-Key``: a repeated batch is counted once.
    PUT (scene writes) is not: it carries ``If-Match``, and a retry of a PUT
    that did land would fail with 412 and confuse the staff member.
    """
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        redirect=2,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        backoff_max=30,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=allowed_methods,
        respect_retry_after_header=True,
        retry_after_max=MAX_RETRY_AFTER_S,
        raise_on_status=False,  # the last bad answer is checked (and reported) by us
    )


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def describe_transport_error(exc: BaseException) -> str:
    """A one-line, staff-readable reason for a requests/urllib3 failure."""
    text = str(exc)
    if isinstance(exc, (requests.exceptions.ReadTimeout,)) or "Read timed out" in text:
        return "the server did not answer in time (read timeout)"
    if isinstance(exc, requests.exceptions.ConnectTimeout) or "timed out" in text.lower():
        return "connecting timed out"
    m = _ERRNO.search(text)
    if m:
        return m.group(1).strip().rstrip(".").lower()
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection"
    if "too many" in text.lower() and "error responses" in text.lower():
        return "the server kept answering with errors"
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _error_message(body: bytes) -> str:
    """The message of a ``{"error": {"code", "message"}}`` body, if it is one."""
    try:
        data = json.loads(body[:4096])
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict):
            return f"{err.get('code', '')}: {err.get('message', '')}".strip(": ")
        detail = data.get("detail") if isinstance(data, dict) else None
        if detail:
            return str(detail)[:200]
    except (ValueError, AttributeError):
        pass
    return ""


class CentralClient:
    """Talks to one central catalog service as one store.

    Args:
        base_url: The service root, e.g. ``http://127.0.0.1:8100``.
        store_id: This kiosk's store.
        token: This kiosk's bearer token.
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for each read from the socket.
        retry: The urllib3 retry policy (default: :func:`make_retry`).
        max_json_bytes: Largest JSON body accepted.
    """

    def __init__(self, base_url: str, store_id: str, token: str, *, connect_timeout: float = 3.05,
                 read_timeout: float = 20.0, retry: Retry | None = None,
                 max_json_bytes: int = MAX_JSON_BYTES) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"sync url must be http(s)://host[:port], got {base_url!r}")
        if not store_id:
            raise ValueError("a store id is required")
        self.base_url = base_url.rstrip("/") + "/"
        self.store_id = store_id
        self.token = token
        self.timeout = (connect_timeout, read_timeout)
        self.max_json_bytes = max_json_bytes
        self.stats = TransferStats()
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry or make_retry(), pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # The environment's proxy settings must not reroute a store's
        # catalog traffic (nor leak its token).
        self.session.trust_env = False

    # -- plumbing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """Absolute URL of an API path such as ``v1/stores/S/changes``."""
        return urljoin(self.base_url, path.lstrip("/"))

    def store_path(self, *parts: str) -> str:
        """``v1/stores/<store>/<parts...>`` with every segment quoted."""
        return "/".join(["v1", "stores", quote(self.store_id, safe="")] + [quote(p, safe="") for p in parts])

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` is on the central service (the token may be sent there)."""
        a, b = urlsplit(url), urlsplit(self.base_url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def auth_headers_for(self, url: str) -> dict[str, str]:
        """The headers to send with a GET of ``url``: the token only to the central service."""
        return self._auth_headers() if self.same_origin(url) else {}

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """Send one request (streamed) with timeouts and retries.

        Raises:
            TransportError: Connection refused, reset, timed out, or retries
                exhausted on connection errors.
        """
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        headers = dict(kwargs.pop("headers", None) or {})
        if self.same_origin(url):
            headers = {**self._auth_headers(), **headers}
        try:
            resp = self.session.request(method, url, headers=headers, timeout=self.timeout,
                                        stream=True, allow_redirects=False, **kwargs)
        except requests.exceptions.RequestException as exc:
            where = url.split("?", 1)[0]
            raise TransportError(f"cannot reach {where}: {describe_transport_error(exc)}") from exc
        self.stats.requests += 1
        return resp

    def read_body(self, resp: requests.Response, limit: int) -> bytes:
        """Read a streamed body, refusing more than ``limit`` bytes.

        Raises:
            ResponseError: Too large, or the body took too long in total.
            TransportError: The connection broke mid-body (truncated).
        """
        declared = resp.headers.get("Content-Length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    resp.close()
                    raise ResponseError(f"response too large: Content-Length {declared} > {limit} bytes")
            except ValueError:
                resp.close()
                raise ResponseError(f"bad Content-Length {declared!r}") from None
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + MAX_BODY_SECONDS
        try:
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ResponseError(f"response too large: more than {limit} bytes")
                if time.monotonic() > deadline:
                    raise ResponseError(f"response body took longer than {MAX_BODY_SECONDS:.0f} s")
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            # urllib3 enforces Content-Length: a body cut short lands here.
            raise TransportError("connection broke while reading the response "
                                 f"({describe_transport_error(exc)})") from exc
        finally:
            try:
                self.stats.wire_bytes += int(resp.raw.tell())
            except (AttributeError, TypeError, ValueError):
                self.stats.wire_bytes += size
            resp.close()
        self.stats.body_bytes += size
        return b"".join(chunks)

    def _check_status(self, resp: requests.Response, expected: tuple[int, ...]) -> None:
        if resp.status_code in expected:
            return
        body = b""
        try:
            body = self.read_body(resp, 64 * 1024)
        except SyncError:
            pass
        detail = _error_message(body)
        where = f"{resp.request.method} {resp.url.split('?', 1)[0]}"
        if resp.status_code in (401, 403):
            raise AuthError(f"{where}: token refused ({resp.status_code}{': ' + detail if detail else ''})")
        raise HTTPStatusError(resp.status_code,
                              f"{where}: HTTP {resp.status_code}{': ' + detail if detail else ''}")

    def json_request(self, method: str, path: str, *, etag: str = "", json_body: Any = None,
                     headers: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None,
                     expected: tuple[int, ...] = (200,)) -> JSONResponse:
        """A request whose answer must be JSON (or 304 when ``etag`` is given).

        Raises:
            TransportError: Unreachable, timed out, or the body was cut short.
            AuthError: 401/403.
            HTTPStatusError: Any other status not in ``expected``.
            ResponseError: Wrong content type, too large, or not JSON.
        """
        hdrs = dict(headers or {})
        if etag:
            hdrs["If-None-Match"] = etag
        kwargs: dict[str, Any] = {"headers": hdrs, "params": params}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        resp = self.request(method, path, **kwargs)
        if etag and resp.status_code == 304:
            self.stats.not_modified += 1
            self.read_body(resp, 0)  # a 304 has no body; anything else is refused
            return JSONResponse(304, None, resp.headers.get("ETag", etag), resp.headers)
        self._check_status(resp, expected)
        ctype = resp.headers.get("Content-Type", "")
        if not _is_json(ctype):
            resp.close()
            raise ResponseError(f"{method} {resp.url}: expected JSON, got Content-Type {ctype or 'none'!r}")
        body = self.read_body(resp, self.max_json_bytes)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ResponseError(f"{method} {resp.url}: malformed JSON ({exc})") from exc
        return JSONResponse(resp.status_code, data, resp.headers.get("ETag", ""), resp.headers, body)

    # -- API ----------------------------------------------------------------------------------

    def get_changes(self, since: str, limit: int, etag: str = "") -> JSONResponse:
        """One page of the store's changes feed after ``since`` (not validated here)."""
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        return self.json_request("GET", self.store_path("changes"), etag=etag, params=params)

    def get_scenes(self, etag: str = "") -> JSONResponse:
        """The store's scenes (304 when ``etag`` still matches)."""
        return self.json_request("GET", self.store_path("scenes"), etag=etag)

    def post_events(self, events: list[dict[str, Any]], idempotency_key: str) -> JSONResponse:
        """Upload a batch of analytics events; the key makes a retry count once."""
        return self.json_request("POST", self.store_path("events"), json_body={"events": events},
                                 headers={"Idempotency-Key": idempotency_key}, expected=(200, 201, 202))
