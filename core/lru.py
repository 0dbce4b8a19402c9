"""A per-process store of values that never change, least recently used out past a size
limit: registry.served keeps rendered passports by bytes, registry.list_page list pages by
rows. A lock, for servers that run a view in several threads of one process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLru(Generic[K, V]):
    """`size(value)` counts against `limit()`, read at each put (a setting, so a test or a
    deploy can change it); a value larger than the whole limit is not kept."""

    def __init__(self, *, size: Callable[[V], int], limit: Callable[[], int]) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = size
        self._limit = limit
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        limit, size = self._limit(), self._size(value)
        if size > limit:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self._total += size
            while self._total > limit:
                _, dropped = self._entries.popitem(last=False)
                self._total -= self._size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._total = 0

    def __len__(self) -> int:
        return len(self._entries)
