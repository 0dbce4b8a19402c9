"""RFC 9162 Merkle arithmetic against the public vectors, and as properties of every small tree."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from passports.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from passports.tiles import (
    consistency_proof_from_tiles,
    inclusion_proof_from_tiles,
    root_from_tiles,
    tile_hashes,
)

REPO = Path(__file__).resolve().parents[2]
MERKLE_VECTORS = REPO.parent / "shared" / "vectors" / "merkle_rfc6962"

# The RFC 6962 test tree of certificate-transparency's merkle_tree_test.cc, from
# which the transparency-dev vectors in MERKLE_VECTORS were generated.
CT_ENTRIES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
    + ["606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAVES = [leaf_hash(entry) for entry in CT_ENTRIES]


def b64(value: str) -> bytes:
    return base64.b64decode(value)


def vector_cases(kind: str) -> list[Any]:
    cases = []
    for path in sorted((MERKLE_VECTORS / kind).rglob("*.json")):
        case = json.loads(path.read_text())
        case["proof"] = [b64(p) for p in case["proof"] or []]
        cases.append(pytest.param(case, id=str(path.relative_to(MERKLE_VECTORS))))
    return cases


def test_vector_directory_is_complete() -> None:
    inclusion, consistency = vector_cases("inclusion"), vector_cases("consistency")
    assert (len(inclusion), len(consistency)) == (98, 98)
    valid = [c for c in inclusion + consistency if not c.values[0]["wantErr"]]
    assert len(valid) == 12


@pytest.mark.parametrize("case", vector_cases("inclusion"))
def test_inclusion_vector(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            index=case["leafIdx"],
            tree_size=case["treeSize"],
            leaf_hash=b64(case["leafHash"]),
            proof=case["proof"],
            root=b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()  # raises ProofError if the proof does not hold


@pytest.mark.parametrize("case", vector_cases("consistency"))
def test_consistency_vector(case: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            old_size=case["size1"],
            new_size=case["size2"],
            old_root=b64(case["root1"]),
            new_root=b64(case["root2"]),
            proof=case["proof"],
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()  # raises ProofError if the proof does not hold


def happy_paths(kind: str) -> list[Any]:
    return [c for c in vector_cases(kind) if c.id.split("/")[1].isdigit() and "happy" in c.id]


def test_hashes_of_the_ct_test_tree() -> None:
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert node_hash(CT_LEAVES[0], CT_LEAVES[1]).hex() == CT_ROOTS[2]
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert [root_hash(CT_LEAVES[:n]).hex() for n in range(9)] == CT_ROOTS


@pytest.mark.parametrize("case", happy_paths("inclusion"))
def test_inclusion_proof_generates_the_vector(case: dict[str, Any]) -> None:
    leaves = CT_LEAVES[: case["treeSize"]]
    assert root_hash(leaves) == b64(case["root"])
    assert leaves[case["leafIdx"]] == b64(case["leafHash"])
    assert inclusion_proof(case["leafIdx"], leaves) == case["proof"]


@pytest.mark.parametrize("case", happy_paths("consistency"))
def test_consistency_proof_generates_the_vector(case: dict[str, Any]) -> None:
    leaves = CT_LEAVES[: case["size2"]]
    assert root_hash(leaves[: case["size1"]]) == b64(case["root1"])
    assert root_hash(leaves) == b64(case["root2"])
    assert consistency_proof(case["size1"], leaves) == case["proof"]


def test_happy_path_vectors_are_the_ten_numbered_ones() -> None:
    assert len(happy_paths("inclusion")) == 5
    assert len(happy_paths("consistency")) == 5


def distinct_leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def mutations(proof: list[bytes]) -> list[list[bytes]]:
    """Each hash with its first byte flipped, one too few hashes, one too many."""
    flipped = [
        [*proof[:i], bytes([p[0] ^ 1]) + p[1:], *proof[i + 1 :]] for i, p in enumerate(proof)
    ]
    return [*flipped, proof[:-1], [*proof, proof[-1]]] if proof else [[EMPTY_ROOT]]


@pytest.mark.parametrize("size", range(1, 71))
def test_every_proof_of_a_small_tree_verifies_and_no_mutation_does(size: int) -> None:
    leaves = distinct_leaves(size)
    root = root_hash(leaves)
    for index in range(size):
        proof = inclusion_proof(index, leaves)
        verify_inclusion(
            index=index, tree_size=size, leaf_hash=leaves[index], proof=proof, root=root
        )
        for bad in mutations(proof):
            with pytest.raises(ProofError):
                verify_inclusion(
                    index=index, tree_size=size, leaf_hash=leaves[index], proof=bad, root=root
                )
    for old_size in range(1, size + 1):
        old_root = root_hash(leaves[:old_size])
        proof = consistency_proof(old_size, leaves)
        assert (proof == []) is (old_size == size)
        verify_consistency(
            old_size=old_size, new_size=size, old_root=old_root, new_root=root, proof=proof
        )
        for bad in mutations(proof):
            with pytest.raises(ProofError):
                verify_consistency(
                    old_size=old_size, new_size=size, old_root=old_root, new_root=root, proof=bad
                )


@pytest.mark.parametrize("size", range(1, 71))
def test_tiles_give_the_same_root_and_proofs(size: int) -> None:
    leaves = distinct_leaves(size)

    def read_tile(level: int, index: int) -> list[bytes]:
        return tile_hashes(level=level, index=index, tree_size=size, leaf_hashes=leaves)

    assert root_from_tiles(tree_size=size, read_tile=read_tile) == root_hash(leaves)
    for index in range(size):
        assert inclusion_proof_from_tiles(
            index=index, tree_size=size, read_tile=read_tile
        ) == inclusion_proof(index, leaves)
    for old_size in range(1, size + 1):
        assert consistency_proof_from_tiles(
            old_size=old_size, new_size=size, read_tile=read_tile
        ) == consistency_proof(old_size, leaves)


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [(5, 5, "leaf index 5 is not below tree size 5"), (-1, 5, "leaf index -1 is not a tree size")],
)
def test_verify_inclusion_names_the_rule(index: int, size: int, message: str) -> None:
    leaves = distinct_leaves(5)
    with pytest.raises(ProofError) as caught:
        verify_inclusion(
            index=index, tree_size=size, leaf_hash=leaves[0], proof=[], root=root_hash(leaves)
        )
    assert str(caught.value) == message


def test_verify_inclusion_rejects_a_short_leaf_hash() -> None:
    leaves = distinct_leaves(2)
    with pytest.raises(ProofError) as caught:
        verify_inclusion(
            index=0,
            tree_size=2,
            leaf_hash=leaves[0][:31],
            proof=[leaves[1]],
            root=root_hash(leaves),
        )
    assert str(caught.value) == "leaf hash is not a 32-byte hash"


@pytest.mark.parametrize(
    ("old_size", "new_size", "message"),
    [
        (0, 3, "no consistency proof from the empty tree"),
        (4, 3, "old size 4 is larger than new size 3"),
        (2, 3, "consistency proof is empty"),
    ],
)
def test_verify_consistency_names_the_rule(old_size: int, new_size: int, message: str) -> None:
    with pytest.raises(ProofError) as caught:
        verify_consistency(
            old_size=old_size, new_size=new_size, old_root=EMPTY_ROOT, new_root=EMPTY_ROOT, proof=[]
        )
    assert str(caught.value) == message


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 3)])
def test_inclusion_proof_refuses_an_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError, match=f"leaf index {index} is not in a tree of size {size}"):
        inclusion_proof(index, distinct_leaves(size))


@pytest.mark.parametrize(("old_size", "size"), [(0, 3), (4, 3), (0, 0)])
def test_consistency_proof_refuses_impossible_sizes(old_size: int, size: int) -> None:
    with pytest.raises(ValueError, match=f"no consistency proof from size {old_size} to size"):
        consistency_proof(old_size, distinct_leaves(size))


def test_generators_refuse_leaf_hashes_that_are_not_hashes() -> None:
    with pytest.raises(ValueError, match="leaf hash 1 is not 32 bytes"):
        root_hash([leaf_hash(b"a"), b"entry itself"])


def test_proof_failures_name_the_rule() -> None:
    leaves = distinct_leaves(6)
    root, old_root = root_hash(leaves), root_hash(leaves[:3])
    path = inclusion_proof(2, leaves)
    flipped = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
    for proof, message in [
        ([*path, path[-1]], "inclusion proof is longer than the path to the root"),
        (path[:-1], "inclusion proof is shorter than the path to the root"),
        (flipped, "inclusion proof does not lead to the root hash"),
    ]:
        with pytest.raises(ProofError) as caught:
            verify_inclusion(index=2, tree_size=6, leaf_hash=leaves[2], proof=proof, root=root)
        assert str(caught.value) == message
    proof = consistency_proof(3, leaves)
    for bad, roots, message in [
        (
            [*proof, proof[-1]],
            (old_root, root),
            "consistency proof is longer than the path to the new root",
        ),
        (
            proof[:-1],
            (old_root, root),
            "consistency proof is shorter than the path to the new root",
        ),
        (proof, (root, root), "consistency proof does not lead to the old root hash"),
        (proof, (old_root, old_root), "consistency proof does not lead to the new root hash"),
    ]:
        with pytest.raises(ProofError) as caught:
            verify_consistency(
                old_size=3, new_size=6, old_root=roots[0], new_root=roots[1], proof=bad
            )
        assert str(caught.value) == message
