"""A real HTTP server on 127.0.0.1 for tests: register what each path answers, then count hits.

Use it through the ``web`` fixture (tests/conftest.py)::

    def test_story(web):
        web.page("/story", "<html>...</html>")                 # 200, text/html; charset=utf-8
        web.page("/gone", "no such page", status=404)
        web.page("/old.txt", b"\\x93caf\\xe9\\x94", content_type="text/plain")  # bytes go out as given
        web.page("/tagged", html, headers={"ETag": '"v1"'})     # answers 304 to If-None-Match
        web.redirect("/moved", "/story", status=301)
        web.sequence("/flaky", [Response(status=500), Response("<p>ok</p>")])  # last one repeats
        web.fault("/slow", "slow-first-byte", seconds=2)
        url = web.url("/story")          # http://127.0.0.1:PORT/story
        ...
        assert web.hits("/story") == 1   # requests seen for that path (query ignored)
        web.requests("/tagged")[-1].headers["If-None-Match"]

Faults (``web.fault(path, kind, **options)``):
  slow-first-byte  wait ``seconds`` before the status line, then send ``body``
  stall-body       send headers and half the body, wait ``seconds``, then the rest
  slow-body        send ``body`` one chunk of ``chunk`` bytes every ``interval`` s
  reset            close the connection with a TCP reset before answering
  truncated        promise ``Content-Length`` bytes, send half, close
  huge             send ``size`` bytes of HTML (default 20 MB); ``content_length=False`` omits the header
Waits end early when the server stops, so a stalled route never holds up the test run.

For anything else, ``web.route(path, func)`` with ``func(handler)`` writing the answer
itself on the ``http.server.BaseHTTPRequestHandler`` it gets.
"""

from __future__ import annotations

import gzip as gzip_module
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Response:
    """What a route answers. ``body`` may be str (sent as UTF-8) or bytes (sent as is)."""

    body: bytes | str = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    gzip: bool = False  # compress when the client accepts gzip

    def send(self, handler: BaseHTTPRequestHandler) -> None:
        body = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
        if self._not_modified(handler):
            handler.send_response(304)
            for name in ("ETag", "Last-Modified", "Cache-Control"):
                if name in self.headers:
                    handler.send_header(name, self.headers[name])
            handler.end_headers()
            return
        headers = dict(self.headers)
        if self.content_type:
            headers.setdefault("Content-Type", self.content_type)
        if self.gzip and "gzip" in handler.headers.get("Accept-Encoding", ""):
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers.setdefault("Content-Length", str(len(body)))
        handler.send_response(self.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def _not_modified(self, handler) -> bool:
        etag, modified = self.headers.get("ETag"), self.headers.get("Last-Modified")
        if self.status != 200:
            return False
        if etag and handler.headers.get("If-None-Match") == etag:
            return True
        return bool(modified and handler.headers.get("If-Modified-Since") == modified)


@dataclass
class LoggedRequest:
    method: str
    path: str  # without the query string
    query: str
    headers: dict
    time: float


class WebServer:
    """A threaded HTTP server on a free port of 127.0.0.1, with routes set per test."""

    def __init__(self):
        self._routes: dict[str, object] = {}
        self._log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._in_flight = 0
        self.max_in_flight = 0  # the most requests handled at the same moment
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle

    def start(self) -> "WebServer":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.web = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes routes that are waiting
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # ---- routes

    def route(self, path: str, func) -> None:
        """Answer ``path`` with ``func(handler)`` (lowest level; see the module docstring)."""
        self._routes[path] = func

    def page(self, path: str, body: bytes | str = b"", content_type: str | None = "text/html; charset=utf-8",
             status: int = 200, headers: dict | None = None, gzip: bool = False) -> str:
        """Serve a fixed answer at ``path``; returns its URL."""
        self.route(path, Response(body, status, content_type, headers or {}, gzip).send)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect ``path`` to ``to`` (a path on this server or a full URL)."""
        return self.page(path, b"", None, status, {"Location": to})

    def sequence(self, path: str, responses: list[Response]) -> str:
        """Answer with each response in turn; the last one repeats."""
        queue = list(responses)

        def answer(handler):
            with self._lock:
                response = queue.pop(0) if len(queue) > 1 else queue[0]
            response.send(handler)

        self.route(path, answer)
        return self.url(path)

    def fault(self, path: str, kind: str, body: bytes | str = "<html><body><p>late</p></body></html>",
              seconds: float = 5.0, size: int = 20_000_000, content_length: bool = True,
              chunk: int = 10, interval: float = 0.1) -> str:
        """Serve a misbehaving answer at ``path`` (kinds: see the module docstring)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        faults = {
            "slow-first-byte": lambda h: (self.wait(seconds), Response(data).send(h)),
            "stall-body": lambda h: self._stall_body(h, data, seconds),
            "slow-body": lambda h: self._slow_body(h, data, chunk, interval),
            "reset": self._reset,
            "truncated": lambda h: self._truncated(h, data),
            "huge": lambda h: self._huge(h, size, content_length),
        }
        self.route(path, faults[kind])
        return self.url(path)

    def wait(self, seconds: float) -> None:
        """Sleep in a route, but wake up at once when the server stops."""
        self._stopping.wait(seconds)

    # ---- what the server saw

    def requests(self, path: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self._log if path is None or r.path == path]

    def hits(self, path: str | None = None) -> int:
        return len(self.requests(path))

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self.max_in_flight = 0

    # ---- internals

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        with self._lock:
            self._log.append(LoggedRequest(handler.command, parts.path, parts.query, dict(handler.headers), time.time()))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            route = self._routes.get(parts.path)
        try:
            if route is None:
                Response("<html><body>not found</body></html>", status=404).send(handler)
            else:
                route(handler)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (size limit, timeout): expected in tests
        finally:
            with self._lock:
                self._in_flight -= 1

    def _stall_body(self, handler, data: bytes, seconds: float) -> None:
        _send_head(handler, len(data))
        handler.wfile.write(data[: len(data) // 2])
        handler.wfile.flush()
        self.wait(seconds)
        handler.wfile.write(data[len(data) // 2:])

    def _slow_body(self, handler, data: bytes, chunk: int, interval: float) -> None:
        _send_head(handler, len(data))
        for start in range(0, len(data), chunk):
            if self._stopping.is_set():
                return
            handler.wfile.write(data[start:start + chunk])
            handler.wfile.flush()
            self.wait(interval)

    @staticmethod
    def _reset(handler) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST instead of a FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True

    @staticmethod
    def _truncated(handler, data: bytes) -> None:
        _send_head(handler, len(data))
        handler.wfile.write(data[: len(data) // 2])
        handler.close_connection = True

    @staticmethod
    def _huge(handler, size: int, content_length: bool) -> None:
        _send_head(handler, size if content_length else None)
        block = b"<p>" + b"x" * 65_529 + b"</p>\n"  # 64 KiB of harmless HTML
        sent = 0
        while sent < size:
            piece = block[: size - sent]
            handler.wfile.write(piece)
            sent += len(piece)
        handler.close_connection = True


def _send_head(handler, length: int | None, content_type: str = "text/html; charset=utf-8") -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    if length is not None:
        handler.send_header("Content-Length", str(length))
    handler.end_headers()
    handler.wfile.flush()


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, and a body may end at connection close.
    protocol_version = "HTTP/1.0"
    server_version = "phylo-test-server"

    def do_GET(self):
        self.server.web._dispatch(self)

    do_HEAD = do_GET

    def log_message(self, format, *args):  # keep test output quiet
        pass
