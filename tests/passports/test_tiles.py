"""C2SP tlog-tiles: paths, tile widths and contents, entry bundles."""

from __future__ import annotations

import functools

import pytest

from passports.merkle import inclusion_proof, leaf_hash, root_hash, tree_levels
from passports.tiles import (
    TileAddress,
    TileError,
    entry_bundle,
    inclusion_proof_from_tiles,
    parse_entry_bundle,
    parse_tile_path,
    root_from_tiles,
    split_tile,
    tile_hashes,
    tile_path,
    tile_width,
)


def distinct_leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, None, "tile/0/x001/x234/067"),
        (0, 0, None, "tile/0/000"),
        (1, 1000, None, "tile/1/x001/000"),
        (2, 999, 256, "tile/2/999"),
        (0, 5, 7, "tile/0/005.p/7"),
        (63, 1, 255, "tile/63/001.p/255"),
        ("entries", 1234067, 112, "tile/entries/x001/x234/067.p/112"),
        ("entries", 2**64 - 1, None, "tile/entries/x018/x446/x744/x073/x709/x551/615"),
    ],
)
def test_tile_path_round_trips(level: int | str, index: int, width: int | None, path: str) -> None:
    assert tile_path(level, index, width) == path  # type: ignore[arg-type]
    expected_width = None if width == 256 else width
    assert parse_tile_path(path) == TileAddress(level=level, index=index, width=expected_width)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "index", "width"),
    [(-1, 0, None), (64, 0, None), ("hashes", 0, None), (0, -1, None), (0, 2**64, None)]
    + [(0, 0, 0), (0, 0, 257), (True, 0, None)],
)
def test_tile_path_refuses_what_no_tile_is(level: object, index: int, width: int | None) -> None:
    with pytest.raises(TileError):
        tile_path(level, index, width)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1234067",  # not split into groups
        "tile/0/x000/001",  # a leading zero group: not canonical
        "tile/00/000",  # leading zero in the level
        "tile/64/000",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/07",
        "tile/0/x001",  # the last group has no x
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/\u0660\u0660\u0660",  # Arabic-Indic digits are not ASCII digits
        "tile/entries/x018/x446/x744/x073/x709/x551/616",  # 2**64
        "tile/data/000",
    ],
)
def test_parse_tile_path_refuses(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


def test_tile_widths_of_the_spec_example() -> None:
    """tlog-tiles: a tree of 70,000 has 273 full level-0 tiles, one of width 112,
    one full level-1 tile, one of width 17, and one level-2 tile of width 1."""
    size = 70_000
    assert [tile_width(level=0, index=n, tree_size=size) for n in (0, 272, 273)] == [256, 256, 112]
    assert [tile_width(level=1, index=n, tree_size=size) for n in (0, 1)] == [256, 17]
    assert tile_width(level=2, index=0, tree_size=size) == 1
    assert tile_width(level="entries", index=273, tree_size=size) == 112
    for level, index in [(0, 274), (1, 2), (2, 1), (3, 0)]:
        with pytest.raises(TileError, match=f"a tree of size 70000 has no tile {level}/{index}"):
            tile_width(level=level, index=index, tree_size=size)


def test_a_tree_of_256_has_a_level_one_tile_of_width_one() -> None:
    assert tile_width(level=0, index=0, tree_size=256) == 256
    assert tile_width(level=1, index=0, tree_size=256) == 1
    with pytest.raises(TileError):
        tile_width(level=0, index=1, tree_size=256)


def test_tile_hashes_are_subtree_roots() -> None:
    leaves = distinct_leaves(600)
    assert tile_hashes(level=0, index=2, tree_size=600, leaf_hashes=leaves) == leaves[512:600]
    assert tile_hashes(level=0, index=1, tree_size=600, leaf_hashes=leaves) == leaves[256:512]
    assert tile_hashes(level=1, index=0, tree_size=600, leaf_hashes=leaves) == [
        root_hash(leaves[:256]),
        root_hash(leaves[256:512]),
    ]
    assert tile_hashes(level=1, index=0, tree_size=511, leaf_hashes=leaves) == [
        root_hash(leaves[:256])
    ]
    with pytest.raises(ValueError, match="tree size 601 exceeds the 600 leaves given"):
        tile_hashes(level=0, index=0, tree_size=601, leaf_hashes=leaves)
    with pytest.raises(TileError):
        tile_hashes(level="entries", index=0, tree_size=600, leaf_hashes=leaves)  # type: ignore[arg-type]


def test_three_levels_of_tiles_give_the_root_and_proofs() -> None:
    # 65,795 leaves: level 2 has one hash, level 1 a full tile and one of width 1,
    # level 0 257 full tiles and one of width 3.
    size = 65_536 + 256 + 3
    leaves = distinct_leaves(size)
    levels = tree_levels(leaves)
    reads: list[tuple[int, int]] = []

    @functools.cache
    def read_tile(level: int, index: int) -> list[bytes]:
        reads.append((level, index))
        hashes = tile_hashes(level=level, index=index, tree_size=size, leaf_hashes=leaves)
        assert hashes == levels[8 * level][256 * index : 256 * index + len(hashes)]
        return hashes

    assert root_from_tiles(tree_size=size, read_tile=read_tile) == root_hash(leaves)
    assert sorted(reads) == [(0, 257), (1, 1), (2, 0)]
    for index in (0, 65_535, 65_536, 65_791, 65_794):
        assert inclusion_proof_from_tiles(
            index=index, tree_size=size, read_tile=read_tile
        ) == inclusion_proof(index, leaves)


def test_tiles_that_lack_a_hash_are_refused() -> None:
    leaves = distinct_leaves(10)
    with pytest.raises(TileError, match="tile 0/0 lacks hashes 8..9"):
        root_from_tiles(tree_size=10, read_tile=lambda level, index: leaves[:9])


def test_split_tile() -> None:
    hashes = distinct_leaves(3)
    assert split_tile(b"".join(hashes)) == hashes
    for size in (0, 31, 33, 257 * 32):
        with pytest.raises(TileError):
            split_tile(b"\x00" * size)


def test_entry_bundle_bytes() -> None:
    entries = [b"", b"a", b"\x07" * 300]
    bundle = entry_bundle(entries)
    assert bundle == b"\x00\x00" + b"\x00\x01a" + b"\x01\x2c" + b"\x07" * 300
    assert parse_entry_bundle(bundle) == entries
    full = [bytes([i]) for i in range(256)]
    assert parse_entry_bundle(entry_bundle(full)) == full


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "an entry bundle holds 1..256 entries, not 0"),
        ([b"x"] * 257, "an entry bundle holds 1..256 entries, not 257"),
        ([b"x", b"y" * 65_536], "entry 1 is not bytes of at most 65535 bytes"),
        (["text"], "entry 0 is not bytes of at most 65535 bytes"),
    ],
)
def test_entry_bundle_refuses(entries: list[bytes], message: str) -> None:
    with pytest.raises(TileError) as caught:
        entry_bundle(entries)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "an entry bundle holds at least one entry"),
        (b"\x00", "entry 0 has a truncated length prefix"),
        (b"\x00\x01a\x00\x05abc", "entry 1 claims 5 bytes; fewer remain"),
        (b"\x00\x00" * 257, "an entry bundle holds at most 256 entries"),
    ],
)
def test_parse_entry_bundle_refuses(data: bytes, message: str) -> None:
    with pytest.raises(TileError) as caught:
        parse_entry_bundle(data)
    assert str(caught.value) == message
