"""The transparency log as a client outside the registry sees it.

The client here is written from the specifications, not from passports.merkle or
passports.note: its own Merkle tree hash (RFC 9162 2.1.1), inclusion and
consistency checks (2.1.3.2, 2.1.4.2) and signed-note check (C2SP), with PyNaCl.
The tiles and the proof API are two paths to the same tree and must agree.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import struct
from typing import Any

import nacl.signing
import pytest
import rfc8785

from registry.services import passport_import
from tests.conftest import served

pytestmark = pytest.mark.django_db


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 over leaf hashes."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2."""
    if m == n:
        return not proof and old == new
    if not proof:
        return False
    if m & (m - 1) == 0:
        proof = [old, *proof]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01" + c + fr), _h(b"\x01" + c + sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0


def open_note(note: str, verifier_key: str) -> str:
    """C2SP signed-note with one Ed25519 key: the text, once its signature checks."""
    name, key_id_hex, key_b64 = verifier_key.split("+", 2)
    material = base64.b64decode(key_b64)
    assert material[0] == 1
    public = material[1:]
    assert _h(name.encode() + b"\n\x01" + public)[:4].hex() == key_id_hex
    text, _blank, signatures = note.rpartition("\n\n")
    text += "\n"
    line = next(s for s in signatures.splitlines() if s.startswith(f"\u2014 {name} "))
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4].hex() == key_id_hex
    nacl.signing.VerifyKey(public).verify(text.encode(), raw[4:])
    return text


def entry_of(document: dict[str, Any]) -> bytes:
    passport = document["passport"]
    signed = rfc8785.dumps({k: v for k, v in passport.items() if k != "signature"})
    return rfc8785.dumps(
        {
            "type": "passport",
            "slug": passport["unfragile"]["artifact"]["slug"],
            "version": passport["version"],
            "digest": "sha256:" + hashlib.sha256(signed).hexdigest(),
            "keyId": passport["keyId"],
            "signedAt": passport["signedAt"],
        }
    )


def checkpoint_of(client: Any, verifier_key: str) -> tuple[int, bytes]:
    response = client.get("/log/checkpoint")
    assert (response.status_code, response["Content-Type"]) == (200, "text/plain; charset=utf-8")
    origin, size, root = open_note(response.content.decode(), verifier_key).splitlines()
    assert origin == "registry.local/log"
    return int(size), base64.b64decode(root)


def tile_leaves(client: Any, size: int) -> list[bytes]:
    assert size < 256
    response = client.get(f"/log/tile/0/000.p/{size}")
    assert response.status_code == 200
    data = response.content
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def test_an_outside_client_checks_checkpoint_inclusion_and_consistency(
    seeds: list[str], api: Any, client: Any, seed_documents: dict[str, Any]
) -> None:
    log = api.get("/api/v1/log").json()
    assert (log["origin"], log["treeSize"]) == ("registry.local/log", 4)
    assert log["verifierKey"].startswith("registry.local/log+")
    size, root = checkpoint_of(client, log["verifierKey"])
    assert size == 4
    leaves = tile_leaves(client, size)
    assert mth(leaves) == root

    for slug in seeds:
        document = served(api, slug)
        proof = api.get("/api/v1/log/proof", {"slug": slug}).json()
        entry = entry_of(document)
        assert proof["entry"].encode() == entry
        leaf = _h(b"\x00" + entry)
        assert leaves[proof["index"]] == leaf
        assert (proof["treeSize"], base64.b64decode(proof["rootHash"])) == (size, root)
        path = [base64.b64decode(h) for h in proof["inclusion"]]
        assert verify_inclusion(proof["index"], size, leaf, path, root)
        assert not verify_inclusion(proof["index"], size, leaf, [path[0][::-1], *path[1:]], root)
        assert open_note(proof["checkpoint"], log["verifierKey"]).startswith(
            f"registry.local/log\n{size}\n"
        )

    bundle = client.get("/log/tile/entries/000.p/4").content
    entries, at = [], 0
    while at < len(bundle):
        (length,) = struct.unpack(">H", bundle[at : at + 2])
        entries.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    assert [_h(b"\x00" + e) for e in entries] == leaves

    # A new version: the new tree extends the old one.
    changed = copy.deepcopy(seed_documents["liquid-lfm-2-24b-a2b"])
    changed["passport"]["unfragile"]["capabilities"][0]["description"] += " Changed."
    assert passport_import(document=changed).status == "updated"
    new_size, new_root = checkpoint_of(client, log["verifierKey"])
    assert new_size == 5
    assert mth(tile_leaves(client, new_size)) == new_root
    consistency = api.get("/api/v1/log/consistency", {"from": size, "to": new_size}).json()
    assert (consistency["from"], consistency["to"]) == (4, 5)
    proof = [base64.b64decode(h) for h in consistency["proof"]]
    assert verify_consistency(size, new_size, root, new_root, proof)
    assert not verify_consistency(size, new_size, root, new_root, proof[:-1])
    latest = api.get("/api/v1/log/proof", {"slug": "liquid-lfm-2-24b-a2b"}).json()
    assert latest["index"] == 4
    older = api.get("/api/v1/log/proof", {"slug": "liquid-lfm-2-24b-a2b", "version": 1}).json()
    assert older["index"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "4"}, "from"),
        ({"from": "1"}, "to"),
        ({"from": "0", "to": "4"}, "from"),
        ({"from": "3", "to": "9"}, "to"),
        ({"from": "4", "to": "3"}, "from"),
        ({"from": "x", "to": "4"}, "from"),
        ({"from": "\u00b2", "to": "4"}, "from"),
    ],
)
def test_bad_consistency_sizes_are_400s_naming_the_field(
    seeds: list[str], api: Any, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/v1/log/consistency", params)
    assert (response.status_code, response.json()["error"]["field"]) == (400, field)


def test_tiles_that_do_not_exist_are_404s(seeds: list[str], client: Any, api: Any) -> None:
    assert client.get("/log/tile/0/000").status_code == 404  # full tile of a 4-leaf tree
    assert client.get("/log/tile/0/000.p/5").status_code == 404
    assert client.get("/log/tile/0/001.p/1").status_code == 404
    assert client.get("/log/tile/0/0").status_code == 404  # not canonical
    assert client.get("/log/tile/1/000.p/1").status_code == 404
    full = client.get("/log/tile/0/000.p/4")
    assert (full.status_code, len(full.content)) == (200, 4 * 32)
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    response = api.get("/api/v1/log/proof", {"slug": "no-such-passport"})
    assert (response.status_code, response.json()["error"]["field"]) == (404, "slug")
