"""What is costly to make is made once per process and kept: compiled models, found modes, prior draws.

Refits may sample in threads (see :mod:`bayescale.extrapolation`), so a memo is thread-safe:
a value is made once, even when two threads ask for it at once.
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
        self._lock = threading.Lock()  # guards the two maps, never held while a value is made
        self._making: dict[Hashable, threading.Lock] = {}  # one per key being made

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept for ``key``, made by ``make()`` if there is none. Values of different
        keys are made at once in different threads; a thread asking for a key being made waits."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:  # made by the thread this one waited for
                    return self._values[key]
            try:
                value = make()
                with self._lock:
                    self._values[key] = value
                    if len(self._values) > self._size:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._making.pop(key, None)
            return value

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
