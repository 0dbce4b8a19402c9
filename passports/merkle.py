"""The transparency log's Merkle tree: RFC 9162 section 2.1, SHA-256.

Pure: hashlib and hmac only, so the offline verifier ships with it.

Verification raises `ProofError` naming the rule that failed, and returns None
when the proof holds. An exception rather than a False: a caller who forgets
to look at the answer fails closed, and the offline verifier can print which
step failed. Generators raise ValueError on arguments no tree can answer (an
index outside the tree); they are the log's own inputs, not a client's.

Every proof is built from one primitive, the hash of a *complete* subtree
(`height`, `index`): MTH(D[index * 2**height : (index + 1) * 2**height]). The
in-memory functions read those from levels computed over a list of leaf
hashes; `passports.tiles` reads them from tlog-tiles, so the log can answer
from stored tiles and a client can check the tiles against the proof API.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 2.1.1: MTH({}) = HASH()
MAX_TREE_SIZE = 1 << 64  # tree sizes are uint64 in every log format we serve

# (height, index) -> the hash of that complete subtree.
SubtreeHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """An inclusion or consistency proof that does not prove what it claims."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 2.1.1: MTH({d0}) = HASH(0x00 || d0)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 2.1.1: an interior node is HASH(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (RFC 9162 2.1.1); n >= 2."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_hash(start: int, end: int, subtree: SubtreeHash) -> bytes:
    """MTH(D[start:end]) for a range the RFC recursion produces.

    Precondition: end > start, and start is a multiple of the smallest power of
    two >= end - start (true of every subtree in RFC 9162's MTH, PATH and PROOF).
    """
    n = end - start
    if n & (n - 1) == 0:
        height = n.bit_length() - 1
        return subtree(height, start >> height)
    k = _split(n)
    return node_hash(_range_hash(start, start + k, subtree), _range_hash(start + k, end, subtree))


def _path(index: int, start: int, end: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[start:end]), with m counted from `start`."""
    if end - start == 1:
        return []
    k = _split(end - start)
    if index < k:
        return [*_path(index, start, start + k, subtree), _range_hash(start + k, end, subtree)]
    return [*_path(index - k, start + k, end, subtree), _range_hash(start, start + k, subtree)]


def _subproof(
    old_size: int, start: int, end: int, complete: bool, subtree: SubtreeHash
) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], b)."""
    n = end - start
    if old_size == n:
        return [] if complete else [_range_hash(start, end, subtree)]
    k = _split(n)
    if old_size <= k:
        return [
            *_subproof(old_size, start, start + k, complete, subtree),
            _range_hash(start + k, end, subtree),
        ]
    return [
        *_subproof(old_size - k, start + k, end, False, subtree),
        _range_hash(start, start + k, subtree),
    ]


def root_from(*, tree_size: int, subtree: SubtreeHash) -> bytes:
    """RFC 9162 2.1.1 MTH(D[0:tree_size]) from complete-subtree hashes."""
    if not 0 <= tree_size < MAX_TREE_SIZE:
        raise ValueError(f"tree size {tree_size} is out of range")
    return EMPTY_ROOT if tree_size == 0 else _range_hash(0, tree_size, subtree)


def inclusion_proof_from(*, index: int, tree_size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(index, D[0:tree_size]) from complete-subtree hashes."""
    if not 0 <= index < tree_size < MAX_TREE_SIZE:
        raise ValueError(f"leaf index {index} is not in a tree of size {tree_size}")
    return _path(index, 0, tree_size, subtree)


def consistency_proof_from(*, old_size: int, new_size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(old_size, D[0:new_size]) from complete-subtree hashes.

    RFC 9162 defines PROOF for 0 < old_size < new_size; old_size == new_size
    gives the empty proof that `verify_consistency` accepts for equal trees. No
    proof exists from the empty tree (every tree extends it; nothing to prove).
    """
    if not 0 < old_size <= new_size < MAX_TREE_SIZE:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size == new_size:
        return []
    return _subproof(old_size, 0, new_size, True, subtree)


def tree_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """The complete subtrees of a tree: levels[h][i] is subtree (h, i).

    Level 0 is the leaf hashes themselves; level h holds floor(n / 2**h) hashes.
    Costs n - 1 node hashes.
    """
    for position, value in enumerate(leaf_hashes):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ValueError(f"leaf hash {position} is not {HASH_SIZE} bytes")
    levels = [list(leaf_hashes)]
    while len(levels[-1]) >= 2:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def _level_reader(levels: list[list[bytes]]) -> SubtreeHash:
    return lambda height, index: levels[height][index]


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.1 MTH of the tree with these leaf hashes (the empty tree: HASH())."""
    return root_from(tree_size=len(leaf_hashes), subtree=_level_reader(tree_levels(leaf_hashes)))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(index, D[n]), n = len(leaf_hashes): sibling hashes, leaf first."""
    levels = tree_levels(leaf_hashes)
    return inclusion_proof_from(
        index=index, tree_size=len(leaf_hashes), subtree=_level_reader(levels)
    )


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(old_size, D[n]), n = len(leaf_hashes); see consistency_proof_from."""
    levels = tree_levels(leaf_hashes)
    return consistency_proof_from(
        old_size=old_size, new_size=len(leaf_hashes), subtree=_level_reader(levels)
    )


def _require_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")
    return value


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_TREE_SIZE:
        raise ProofError(f"{what} {value!r} is not a tree size")
    return value


def verify_inclusion(
    *, index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 2.1.3.2: that `leaf_hash` is leaf `index` of the tree of `tree_size` with `root`.

    Returns None when it holds; raises ProofError otherwise. Beyond the RFC's
    steps, every hash must be exactly 32 bytes (a short root or leaf is a
    malformed proof, never a match).
    """
    _check_size(index, "leaf index")
    _check_size(tree_size, "tree size")
    # Step 1.
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is not below tree size {tree_size}")
    value = _require_hash(leaf_hash, "leaf hash")
    _require_hash(root, "root hash")
    path = [_require_hash(p, f"proof hash {i}") for i, p in enumerate(proof)]
    # Steps 2-4.
    fn, sn = index, tree_size - 1
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            value = node_hash(p, value)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, p)
        fn, sn = fn >> 1, sn >> 1
    # Step 5.
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if not hmac.compare_digest(value, root):
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: that the tree (`old_size`, `old_root`) is a prefix of (`new_size`, `new_root`).

    Returns None when it holds; raises ProofError otherwise. RFC 9162 defines
    the check for 0 < old_size < new_size; at the edges:
    - old_size == 0 is refused: every tree extends the empty one, so such a
      "proof" proves nothing and a client asking for it has a bug;
    - old_size == new_size holds only with an empty proof and identical roots
      (compared as given: nothing is hashed, so nothing constrains their form).
    Otherwise every hash must be exactly 32 bytes.
    """
    _check_size(old_size, "old size")
    _check_size(new_size, "new size")
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0:
        raise ProofError("no consistency proof from the empty tree")
    if old_size == new_size:
        if len(proof) != 0:
            raise ProofError("trees of equal size need an empty consistency proof")
        if not isinstance(old_root, bytes) or not isinstance(new_root, bytes):
            raise ProofError("a root hash is not bytes")
        if not hmac.compare_digest(old_root, new_root):
            raise ProofError("trees of equal size have different roots")
        return
    _require_hash(old_root, "old root hash")
    _require_hash(new_root, "new root hash")
    path = [_require_hash(p, f"proof hash {i}") for i, p in enumerate(proof)]
    # Step 1.
    if not path:
        raise ProofError("consistency proof is empty")
    # Step 2: an old tree of 2**k leaves is itself a node of the new tree.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3-5.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    # Step 7.
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the new root")
    if not hmac.compare_digest(fr, old_root):
        raise ProofError("consistency proof does not lead to the old root hash")
    if not hmac.compare_digest(sr, new_root):
        raise ProofError("consistency proof does not lead to the new root hash")
