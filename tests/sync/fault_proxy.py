"""A fault-injecting reverse proxy in front of the real central server.

Run as its own process::

    python tests/sync/fault_proxy.py --port 18150 --upstream http://127.0.0.1:18151

It forwards every request to the upstream (the real ``kiosk central serve``)
and misbehaves on command, for the faults a healthy server never produces.
Control endpoints (not forwarded):

* ``POST /__fault__`` with ``{"path": "/changes", "mode": "...", "times": 1, ...}``
  adds a rule: the next ``times`` requests whose path contains ``path`` get
  the fault (``times`` -1: until cleared). Modes:

  - ``status``: answer ``code`` (with ``retry_after`` -> ``Retry-After``) and a JSON error.
  - ``delay``: wait ``seconds`` before answering (beyond the client's read timeout).
  - ``truncate``: forward, declare the full Content-Length, send half, close.
  - ``die``: forward with chunked encoding, stop mid-body, close (no final chunk).
  - ``malformed``: forward with the body's last bytes cut (a complete but invalid JSON body).
  - ``ctype``: forward with ``Content-Type: text/html``.
  - ``oversize``: answer a valid-looking JSON body of ``bytes`` bytes
    (``chunked: true`` to omit Content-Length).
  - ``poison``: forward, but break every ``every``-th upserted product
    (``how``: ``price`` negative price, ``name`` missing name, ``type``
    product is a string, ``id`` product id differs).
  - ``kill``: the proxy exits at once (the server "dies" mid-sync).

* ``DELETE /__fault__`` clears all rules.
* ``GET /__log__`` returns the requests seen: method, path, status sent,
  If-None-Match, body bytes sent, monotonic time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate"}


class State:
    def __init__(self, upstream: str) -> None:
        u = urlsplit(upstream)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.rules: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def take_rule(self, path: str) -> dict[str, Any] | None:
        with self.lock:
            for rule in self.rules:
                if rule.get("path", "") in path and rule.get("times", 1) != 0:
                    if rule.get("times", 1) > 0:
                        rule["times"] -= 1
                    return dict(rule)
        return None


STATE: State


def _poison(body: bytes, every: int, how: str) -> bytes:
    data = json.loads(body)
    n = 0
    for ch in data.get("changes", []):
        if ch.get("op") != "upsert" or not isinstance(ch.get("product"), dict):
            continue
        n += 1
        if n % every:
            continue
        p = ch["product"]
        if how == "price":
            for v in p.get("variants", []):
                v["price"] = "-5.00"
        elif how == "name":
            p.pop("name", None)
        elif how == "type":
            ch["product"] = "not a product"
        elif how == "id":
            p["id"] = p.get("id", "") + "-other"
    return json.dumps(data).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet
        pass

    def _note(self, status: int, sent: int) -> None:
        with STATE.lock:
            STATE.log.append({"method": self.command, "path": self.path, "status": status,
                              "if_none_match": self.headers.get("If-None-Match", ""), "bytes": sent,
                              "t": time.monotonic()})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None,
              ctype: str = "application/json") -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
        self._note(status, len(body))

    def _control(self) -> bool:
        if not self.path.startswith(("/__fault__", "/__log__")):
            return False
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.startswith("/__log__"):
            with STATE.lock:
                body = json.dumps(STATE.log).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return True
        with STATE.lock:
            if self.command == "DELETE":
                STATE.rules.clear()
                STATE.log.clear()
            else:
                STATE.rules.append(json.loads(raw))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        return True

    def _forward(self) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(STATE.host, STATE.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        # Keep the client's Host: the server builds image URLs from it, so
        # images are fetched through the proxy too.
        headers["Host"] = self.headers.get("Host") or f"{STATE.host}:{STATE.port}"
        headers["Accept-Encoding"] = "identity"
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
        conn.close()
        return resp.status, out, data

    def handle_any(self) -> None:
        if self._control():
            return
        rule = STATE.take_rule(self.path)
        mode = rule["mode"] if rule else None
        if mode == "kill":
            os._exit(0)
        if mode == "status":
            extra = {"Retry-After": str(rule["retry_after"])} if "retry_after" in rule else {}
            err = {"error": {"code": "unavailable", "message": "injected fault"}}
            self._send(int(rule["code"]), json.dumps(err).encode(), extra)
            return
        if mode == "oversize":
            size = int(rule["bytes"])
            pad = b'{"changes": [], "next": "0", "more": false, "pad": "' + b"x" * size + b'"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if rule.get("chunked"):
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(pad)))
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            try:
                for i in range(0, len(pad), 65536):
                    piece = pad[i:i + 65536]
                    if rule.get("chunked"):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                    sent += len(piece)
                if rule.get("chunked"):
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up reading: that is the point
            self.close_connection = True
            self._note(200, sent)
            return
        if mode == "delay":
            time.sleep(float(rule["seconds"]))
        status, headers, body = self._forward()
        hdrs = dict(headers)
        if mode == "malformed" and body:
            body = body[: max(1, len(body) - 7)]
        if mode == "poison" and status == 200:
            body = _poison(body, int(rule.get("every", 3)), rule.get("how", "price"))
            hdrs.pop("ETag", None)
            hdrs.pop("etag", None)
        if mode == "ctype":
            hdrs = {k: v for k, v in hdrs.items() if k.lower() != "content-type"}
            hdrs["Content-Type"] = "text/html; charset=utf-8"
        if mode in ("truncate", "die"):
            self.send_response(status)
            for k, v in hdrs.items():
                self.send_header(k, v)
            if mode == "truncate":
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            half = body[: len(body) // 2]
            if mode == "truncate":
                self.wfile.write(half)
            else:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
            self.wfile.flush()
            self.close_connection = True
            self._note(status, len(half))
            return
        self.send_response(status)
        for k, v in hdrs.items():
            if k.lower() != "content-type":
                self.send_header(k, v)
        ctype = next((v for k, v in hdrs.items() if k.lower() == "content-type"), None)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
        self._note(status, len(body))

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main() -> None:
    global STATE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    args = ap.parse_args()
    STATE = State(args.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
