"""C2SP tlog-tiles: the log's Merkle tree served as tiles of height 8, and its entry bundles.

Pure, like passports.merkle, whose RFC 9162 arithmetic this lays out as
static resources (https://c2sp.org/tlog-tiles):

- tile (L, N) holds up to 256 hashes of level L*8 of the tree: hash i is
  MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L]), a complete subtree;
- a tree of size S has floor(S / 256**L) such hashes at level L, so its last
  tile at that level is partial with width floor(S / 256**L) mod 256 (if not 0);
- paths are `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, N split into
  3-digit groups, all but the last prefixed with `x` (1234067 -> x001/x234/067);
- an entry bundle is its entries, each as a big-endian uint16 length then its bytes.

Malformed paths, tiles and bundles raise TileError (a ValueError).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .merkle import (
    HASH_SIZE,
    MAX_TREE_SIZE,
    SubtreeHash,
    consistency_proof_from,
    inclusion_proof_from,
    node_hash,
    root_from,
    tree_levels,
)

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63  # tlog-tiles: "a decimal ASCII integer between 0 and 63"
MAX_ENTRY_BYTES = 0xFFFF  # the uint16 length prefix of an entry bundle

ENTRIES: Literal["entries"] = "entries"
Level = int | Literal["entries"]

# (level, index) -> the hashes of tile (level, index), full or partial.
TileReader = Callable[[int, int], Sequence[bytes]]

_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


class TileError(ValueError):
    """A tile path, tile or entry bundle that is not well-formed, or a tile the tree lacks."""


@dataclass(frozen=True)
class TileAddress:
    level: Level
    index: int
    width: int | None  # None for a full tile


def _check_level(level: object) -> Level:
    if level == ENTRIES:
        return ENTRIES
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
        raise TileError(f"tile level must be 0..{MAX_LEVEL} or {ENTRIES!r}, not {level!r}")
    return level


def encode_index(index: int) -> str:
    """A tile index as 3-digit path elements, all but the last prefixed with `x`."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < MAX_TREE_SIZE:
        raise TileError(f"tile index {index!r} is out of range")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def tile_path(level: Level, index: int, width: int | None = None) -> str:
    """The tlog-tiles path of tile (level, index), or of entry bundle `index` for level "entries".

    `width` None or 256 names the full tile; 1..255 a partial one (`.p/<W>`).
    """
    level = _check_level(level)
    path = f"tile/{level}/{encode_index(index)}"
    if width is None or width == TILE_WIDTH:
        return path
    if isinstance(width, bool) or not isinstance(width, int) or not 0 < width < TILE_WIDTH:
        raise TileError(f"partial tile width must be 1..255, not {width!r}")
    return f"{path}.p/{width}"


def parse_tile_path(path: str) -> TileAddress:
    """The tile a path names; only the one canonical spelling of each tile is accepted."""
    match = _TILE_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        raise TileError(f"not a tile path: {str(path)[:100]!r}")
    level: Level = ENTRIES if match["level"] == ENTRIES else int(match["level"])
    _check_level(level)
    index = int(match["index"].replace("x", "").replace("/", ""))
    if encode_index(index) != match["index"]:
        raise TileError(f"tile index {match['index']!r} is not in canonical form")
    width = int(match["width"]) if match["width"] is not None else None
    if width is not None and width >= TILE_WIDTH:
        raise TileError(f"partial tile width must be 1..255, not {width}")
    return TileAddress(level=level, index=index, width=width)


def tile_width(*, level: Level, index: int, tree_size: int) -> int:
    """How many hashes (or entries) tile (level, index) has in a tree of `tree_size`.

    256 for a full tile, 1..255 for the partial one; TileError if the tree
    has no such tile (tlog-tiles: empty tiles are never served).
    """
    height = 0 if _check_level(level) == ENTRIES else int(level) * TILE_HEIGHT
    if not 0 <= tree_size < MAX_TREE_SIZE or index < 0:
        raise TileError(f"tile index {index} or tree size {tree_size} is out of range")
    available = (tree_size >> height) - index * TILE_WIDTH
    if available <= 0:
        raise TileError(f"a tree of size {tree_size} has no tile {level}/{index}")
    return min(available, TILE_WIDTH)


def tile_hashes(
    *, level: int, index: int, tree_size: int, leaf_hashes: Sequence[bytes]
) -> list[bytes]:
    """The hashes stored in tile (level, index) of the tree of the first `tree_size` leaves."""
    if not 0 <= tree_size <= len(leaf_hashes):
        raise ValueError(f"tree size {tree_size} exceeds the {len(leaf_hashes)} leaves given")
    if _check_level(level) == ENTRIES:
        raise TileError("entry bundles hold entries, not hashes")
    width = tile_width(level=level, index=index, tree_size=tree_size)
    levels = tree_levels(leaf_hashes[:tree_size])
    first = index * TILE_WIDTH
    return levels[level * TILE_HEIGHT][first : first + width]


def split_tile(data: bytes) -> list[bytes]:
    """A served tile's bytes as its hashes: 1..256 concatenated 32-byte hashes."""
    if not data or len(data) % HASH_SIZE or len(data) > TILE_WIDTH * HASH_SIZE:
        raise TileError(f"a tile of {len(data)} bytes is not 1..256 hashes of {HASH_SIZE} bytes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def tile_subtree_reader(read_tile: TileReader) -> SubtreeHash:
    """Complete-subtree hashes read from tiles (each tile read once), for merkle's *_from functions.

    Subtree (h, i), h = 8L + r, is the root of the 2**r level-L hashes from
    i * 2**r on, which lie in one tile because 2**r divides 256.
    """
    cache: dict[tuple[int, int], Sequence[bytes]] = {}

    def subtree(height: int, index: int) -> bytes:
        level, rest = divmod(height, TILE_HEIGHT)
        count = 1 << rest
        tile_index, offset = divmod(index * count, TILE_WIDTH)
        if (level, tile_index) not in cache:
            cache[level, tile_index] = read_tile(level, tile_index)
        hashes = list(cache[level, tile_index][offset : offset + count])
        if len(hashes) != count or any(len(h) != HASH_SIZE for h in hashes):
            raise TileError(
                f"tile {level}/{tile_index} lacks hashes {offset}..{offset + count - 1}"
            )
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    return subtree


def root_from_tiles(*, tree_size: int, read_tile: TileReader) -> bytes:
    """RFC 9162 2.1.1 MTH of the tree of `tree_size`, from its tiles."""
    return root_from(tree_size=tree_size, subtree=tile_subtree_reader(read_tile))


def inclusion_proof_from_tiles(*, index: int, tree_size: int, read_tile: TileReader) -> list[bytes]:
    """RFC 9162 2.1.3.1 inclusion proof, from the tiles of the tree of `tree_size`."""
    return inclusion_proof_from(
        index=index, tree_size=tree_size, subtree=tile_subtree_reader(read_tile)
    )


def consistency_proof_from_tiles(
    *, old_size: int, new_size: int, read_tile: TileReader
) -> list[bytes]:
    """RFC 9162 2.1.4.1 consistency proof, from the tiles of the tree of `new_size`."""
    return consistency_proof_from(
        old_size=old_size, new_size=new_size, subtree=tile_subtree_reader(read_tile)
    )


def entry_bundle(entries: Iterable[bytes]) -> bytes:
    """tlog-tiles entry bundle: 1..256 entries, each a big-endian uint16 length then its bytes."""
    parts: list[bytes] = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, bytes) or len(entry) > MAX_ENTRY_BYTES:
            raise TileError(f"entry {position} is not bytes of at most {MAX_ENTRY_BYTES} bytes")
        parts.append(len(entry).to_bytes(2, "big") + entry)
    if not 0 < len(parts) <= TILE_WIDTH:
        raise TileError(f"an entry bundle holds 1..{TILE_WIDTH} entries, not {len(parts)}")
    return b"".join(parts)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; TileError on a truncated or overlong bundle."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if len(entries) == TILE_WIDTH:
            raise TileError(f"an entry bundle holds at most {TILE_WIDTH} entries")
        if offset + 2 > len(data):
            raise TileError(f"entry {len(entries)} has a truncated length prefix")
        size = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + size > len(data):
            raise TileError(f"entry {len(entries)} claims {size} bytes; fewer remain")
        entries.append(bytes(data[offset : offset + size]))
        offset += size
    if not entries:
        raise TileError("an entry bundle holds at least one entry")
    return entries
