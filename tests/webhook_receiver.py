"""A webhook receiver on 127.0.0.1 for the tests: records each request, answers scripted codes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Receiver"]


class Receiver:
    """Listening from construction until ``close()``; ``script[path]`` lists the status codes to
    answer in turn (the last one repeats; 200 when none)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any, bytes]] = []  # (path, headers: case-insensitive, body)
        self.script: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((self.path, self.headers, body))
                codes = receiver.script.get(self.path) or [200]
                code = codes.pop(0) if len(codes) > 1 else codes[0]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str = "/hook") -> list[tuple[Any, bytes]]:
        """The (headers, body) of each request to ``path``, in order."""
        return [(h, b) for p, h, b in self.requests if p == path]

    @property
    def bodies(self) -> list[Any]:
        """Every request's body, JSON-decoded, in order."""
        return [json.loads(b) for _, _, b in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
