"""An OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test.

`script[model]` is a list of behaviours consumed one per request (the last
one repeats); `default` applies to models without a script. Behaviours:
ok, wrong, slow:<seconds>, 429:<retry-after>, 500, malformed, cut,
echo_key (the Authorization header in a 401 body), echo_key_ok (in a 200 answer).
"""

from __future__ import annotations

import functools
import json
import re
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def solve(messages: list[dict[str, Any]], wrong: bool = False) -> str:
    """The right (or a wrong) answer to each probe kind's prompt."""
    content = messages[-1]["content"]
    text = (
        content
        if isinstance(content, str)
        else " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    )
    if wrong:
        return "I cannot help with that."
    if isinstance(content, list):  # vision: read the colour back from the PNG
        import base64
        import zlib

        url = next(p["image_url"]["url"] for p in content if p.get("type") == "image_url")
        png = base64.b64decode(url.split(",", 1)[1])
        start = png.index(b"IDAT") + 4
        length = int.from_bytes(png[start - 8 : start - 4], "big")
        r, g, b = zlib.decompress(png[start : start + length])[1:4]
        return {max((r, "red"), (g, "green"), (b, "blue"))[1]}.pop().capitalize() + "."
    if m := re.search(
        r'"code" \(the string "([0-9a-f]{8})"\) and "sum" \(the integer (\d+) \+ (\d+)\)', text
    ):
        return json.dumps({"code": m.group(1), "sum": int(m.group(2)) + int(m.group(3))})
    if m := re.search(r"function named (f_[0-9a-f]{8}) .* returns x \+ (\d+)", text):
        return f"```python\ndef {m.group(1)}(x):\n    return x + {m.group(2)}\n```"
    if m := re.search(r"write the reference ([0-9a-f]{8})", text):
        return f"Le chat noir dort dans le jardin.\n{m.group(1)}"
    if m := re.search(r"The vault code is ([0-9a-f]{8})", text):
        return m.group(1)
    if m := re.search(r"nothing else: ([0-9a-f]{8})", text):
        return m.group(1)
    return "?"


@dataclass
class Seen:
    model: str
    stream: bool
    authorization: str
    at: float
    host: str = ""


@dataclass
class Provider:
    script: dict[str, list[str]] = field(default_factory=dict)
    default: str = "ok"
    requests: list[Seen] = field(default_factory=list)
    url: str = ""
    sni: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_behaviour(self, model: str) -> str:
        with self.lock:
            steps = self.script.get(model)
            if not steps:
                return self.default
            return steps.pop(0) if len(steps) > 1 else steps[0]

    def count(self, model: str | None = None) -> int:
        with self.lock:
            return sum(1 for seen in self.requests if model is None or seen.model == model)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            model, stream = body.get("model", ""), bool(body.get("stream"))
            auth = self.headers.get("Authorization", "")
            host = self.headers.get("Host", "")
            with provider.lock:
                provider.requests.append(Seen(model, stream, auth, time.time(), host))
            behaviour = provider.next_behaviour(model)
            name, _, arg = behaviour.partition(":")
            if name == "slow":
                time.sleep(float(arg))
                name = "ok"
            if name == "429":
                self._send(429, b'{"error":"slow down"}', {"Retry-After": arg or "1"})
                return
            if name == "500":
                self._send(500, b'{"error":"internal"}')
                return
            if name == "echo_key":
                self._send(401, json.dumps({"error": f"bad key: {auth}"}).encode())
                return
            if name == "malformed":
                self._send(200, b'{"choices": [ {"message": ')
                return
            answer = solve(body["messages"], wrong=name == "wrong")
            if name == "echo_key_ok":
                answer = f"{answer} (you sent {auth})"
            if stream or name == "cut":
                self._stream(answer, cut=name == "cut")
                return
            self._send(
                200,
                json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": answer}}
                        ],
                        "usage": {"prompt_tokens": 12, "completion_tokens": 5},
                    }
                ).encode(),
            )

        def _stream(self, answer: str, cut: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pieces = [answer[i : i + 3] for i in range(0, len(answer), 3)] or [""]
            for n, piece in enumerate(pieces):
                if cut and n == len(pieces) // 2:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # the stream dies halfway
                    return
                event = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                self._chunk(f"data: {json.dumps(event)}\n\n".encode())
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

    return Handler


TLS_NAME = "svc.localhost"


@functools.cache
def tls_files() -> tuple[Path, Path]:
    """A self-signed certificate and key for svc.localhost, made by `openssl` for this test
    run in a temporary folder (no private key, even a test one, is kept in git)."""
    folder = Path(tempfile.mkdtemp(prefix="probe-tls-"))
    cert, key = folder / "svc.localhost.pem", folder / "svc.localhost.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={TLS_NAME}",
            "-addext",
            f"subjectAltName=DNS:{TLS_NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@contextmanager
def running_provider(*, tls: bool = False, **kwargs: Any) -> Iterator[Provider]:
    """The provider on 127.0.0.1: plain http, or with `tls` https as svc.localhost
    (a test resolves that name to 127.0.0.1 itself); `provider.sni` records the
    names clients asked for in their TLS handshakes."""
    provider = Provider(**kwargs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.daemon_threads = True
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls_files())

        def record_sni(_sock: Any, name: str | None, _context: Any) -> None:
            provider.sni.append(name)

        context.sni_callback = record_sni
        server.socket = context.wrap_socket(server.socket, server_side=True)
        provider.url = f"https://{TLS_NAME}:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
