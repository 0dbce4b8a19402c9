"""core.lru.SizedLru: least recently used out past the limit, read at each put."""

from __future__ import annotations

from core.lru import SizedLru


def test_least_recently_used_goes_first_past_the_limit() -> None:
    limit = [10]
    store: SizedLru[str, bytes] = SizedLru(size=len, limit=lambda: limit[0])
    store.put("a", b"1234")
    store.put("b", b"1234")
    assert store.get("a") == b"1234"  # now b is the least recently used
    store.put("c", b"1234")  # 12 > 10: b goes
    assert (store.get("b"), store.get("a"), store.get("c")) == (None, b"1234", b"1234")
    assert len(store) == 2
    store.put("a", b"12345678")  # a key already kept is not replaced nor counted twice
    assert store.get("a") == b"1234"
    store.put("big", b"x" * 11)  # larger than the whole limit: not kept, nothing evicted
    assert (store.get("big"), len(store)) == (None, 2)
    limit[0] = 4  # a lower limit applies at the next put
    store.put("d", b"12")
    assert (store.get("a"), store.get("c"), store.get("d")) == (None, None, b"12")
    store.clear()
    assert len(store) == 0
    store.put("e", b"1234")
    assert store.get("e") == b"1234"  # the count started again from zero
