"""A C2SP tlog-witness for the registry's log: python -m passports.witness --key FILE
--log-key VERIFIER_KEY --port N [--state FILE] [--name NAME] [--print-key].

POST /add-checkpoint takes "old <size>\\n", the consistency proof lines (base64), an
empty line and a checkpoint. The witness cosigns (cosignature/v1) only a checkpoint
that the log's key signed and that extends the latest one it cosigned: a different
old size is 409 with the size it knows (text/x.tlog.size), a bad proof 422, the
same size with another root (a fork) 409. The check and the new state are one
step under a lock, and the state file is replaced atomically before answering.
Serves 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .cosignature import cosign, cosigner_vkey
from .merkle import ProofError, verify_consistency
from .note import NoteError, parse_checkpoint, parse_verifier_key, verify_note
from .signing import KEY_BYTES, KeyPair, SignatureFormatError, b64url, b64url_decode_strict

MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63


class Rejected(Exception):
    def __init__(self, status: int, message: str, content_type: str = "text/plain") -> None:
        super().__init__(message)
        self.status = status
        self.content_type = content_type


def load_or_make_key(path: Path) -> KeyPair:
    """The witness's private key (a private JWK, 0600), made when the file does not exist."""
    if path.exists():
        jwk = json.loads(path.read_text(encoding="ascii"))
        return KeyPair.from_seed(b64url_decode_strict(jwk["d"], length=KEY_BYTES, what="key"))
    pair = KeyPair.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="ascii") as out:
        json.dump(
            {"kty": "OKP", "crv": "Ed25519", "d": b64url(pair.seed), "x": b64url(pair.public)}, out
        )
    return pair


class Witness:
    def __init__(self, *, pair: KeyPair, name: str, log_key: str, state: Path) -> None:
        self.pair, self.name, self.state_path = pair, name, state
        self.log = parse_verifier_key(log_key)
        self.lock = threading.Lock()

    @property
    def vkey(self) -> str:
        return cosigner_vkey(name=self.name, public_key=self.pair.public)

    def _state(self) -> dict[str, Any]:
        if not self.state_path.exists():
            return {}
        loaded: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return loaded

    def _store(self, state: dict[str, Any]) -> None:
        handle, temp = tempfile.mkstemp(dir=self.state_path.parent, prefix=".witness-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, self.state_path)

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line, or Rejected with the tlog-witness status."""
        try:
            text = body.decode("utf-8")
            head, separator, note = text.partition("\n\n")
            if not separator:
                raise ValueError("no empty line before the checkpoint")
            lines = head.split("\n")
            if not lines[0].startswith("old ") or not lines[0][4:].isdigit():
                raise ValueError("the first line is not 'old <size>'")
            old = int(lines[0][4:])
            if len(lines) - 1 > MAX_PROOF_LINES:
                raise ValueError("more than 63 proof lines")
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
            checkpoint = parse_checkpoint(note.partition("\n\n")[0] + "\n")
        except (UnicodeDecodeError, ValueError, binascii.Error, NoteError) as exc:
            raise Rejected(400, f"malformed request: {exc}") from exc
        if checkpoint.origin != self.log.name:
            raise Rejected(404, f"unknown log {checkpoint.origin[:100]!r}")
        try:
            verify_note(note, [self.log])
        except NoteError as exc:
            raise Rejected(403, f"no valid signature by the log's key: {exc}") from exc
        if old > checkpoint.size:
            raise Rejected(400, "old size is larger than the checkpoint's")
        with self.lock:
            state = self._state()
            known = state.get(checkpoint.origin, {"size": 0, "root": None})
            if old != known["size"]:
                raise Rejected(409, f"{known['size']}\n", "text/x.tlog.size")
            if old == 0:
                if proof:
                    raise Rejected(422, "a proof from size 0 must be empty")
            elif old == checkpoint.size:
                if base64.b64decode(known["root"]) != checkpoint.root_hash:
                    raise Rejected(409, f"{known['size']}\n", "text/x.tlog.size")
            else:
                try:
                    verify_consistency(
                        old_size=old,
                        new_size=checkpoint.size,
                        old_root=base64.b64decode(known["root"]),
                        new_root=checkpoint.root_hash,
                        proof=proof,
                    )
                except ProofError as exc:
                    raise Rejected(422, f"consistency proof does not verify: {exc}") from exc
            state[checkpoint.origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root_hash).decode("ascii"),
            }
            self._store(state)
        body_text = note.partition("\n\n")[0] + "\n"
        return cosign(
            body_text, name=self.name, private_seed=self.pair.seed, timestamp=int(time.time())
        )


def serve(witness: Witness, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/add-checkpoint":
                self._answer(404, "not found\n")
                return
            length = self.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > MAX_BODY:
                self._answer(400, "a body of at most 64 KiB with a Content-Length\n")
                return
            try:
                self._answer(200, witness.add_checkpoint(self.rfile.read(int(length))))
            except Rejected as exc:
                self._answer(exc.status, str(exc), exc.content_type)

        def _answer(self, status: int, text: str, content_type: str = "text/plain") -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"witness {witness.vkey} on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m passports.witness")
    parser.add_argument(
        "--key", type=Path, required=True, help="the witness's private JWK (made if missing)"
    )
    parser.add_argument("--log-key", required=True, help="the log's verifier key (GET /api/v1/log)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", type=Path, help="where the latest cosigned sizes are kept")
    parser.add_argument("--name", default="witness.local/w1")
    parser.add_argument("--print-key", action="store_true", help="print the cosigner key and exit")
    args = parser.parse_args(argv)
    try:
        witness = Witness(
            pair=load_or_make_key(args.key),
            name=args.name,
            log_key=args.log_key,
            state=args.state or args.key.with_suffix(".state.json"),
        )
    except (OSError, ValueError, KeyError, NoteError, SignatureFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.print_key:
        print(witness.vkey)
        return 0
    serve(witness, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
