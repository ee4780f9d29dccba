"""The one in-process cache helper of the server: a bounded map that forgets the least recently
used entry. It holds parsed and validated documents (execution.py), persisted and trusted
documents (persisted.py) and cost analyses (cost.py); each is keyed by what fully decides it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` entries and, with `weigh`, at most `max_weight` in total (persisted
    documents are bounded in characters too: a few huge ones must not hold the memory)."""

    def __init__(
        self, size: int, *, max_weight: int = 0, weigh: Callable[[V], int] | None = None
    ) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one entry")
        self.size = size
        self.max_weight = max_weight
        self.weigh = weigh
        self.weight = 0
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        old = self._data.pop(key, None)
        if self.weigh is not None:
            self.weight += self.weigh(value) - (self.weigh(old) if old is not None else 0)
        self._data[key] = value
        while len(self._data) > self.size or (self.weigh and self.weight > self.max_weight):
            _, dropped = self._data.popitem(last=False)
            if self.weigh is not None:
                self.weight -= self.weigh(dropped)

    def __len__(self) -> int:
        return len(self._data)
