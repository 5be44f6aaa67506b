"""What is costly to make is made once per process and kept: compiled models, found modes, prior draws.

Refits may sample in threads (see :mod:`bayescale.extrapolation`), so a memo is thread-safe:
a value is made once, under the memo's lock, even when two threads ask for it at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

SIZE = 32  # entries kept per memo; the least recently used goes first


class Memo[Value]:
    """A bounded map from keys to values made on first use, the least recently used dropped first."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept for ``key``, made by ``make()`` if there is none."""
        with self._lock:
            if key not in self._values:
                self._values[key] = make()
                if len(self._values) > self._size:
                    self._values.popitem(last=False)
            self._values.move_to_end(key)
            return self._values[key]

    def __getitem__(self, key: Hashable) -> Value:
        with self._lock:
            return self._values[key]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
