"""The process-wide memo behind compiled models and found modes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bayescale.memo import Memo


def test_a_value_is_made_once_when_threads_ask_at_once():
    memo: Memo[int] = Memo()
    made = []
    barrier = threading.Barrier(8)

    def make() -> int:
        made.append(1)
        time.sleep(0.01)  # long enough for the other threads to ask meanwhile
        return 42

    def ask(_) -> int:
        barrier.wait()
        return memo.get("model", make)

    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(ask, range(8)))
    assert values == [42] * 8
    assert len(made) == 1


def test_the_least_recently_used_value_goes_first():
    memo: Memo[str] = Memo(size=2)
    memo.get("a", lambda: "A")
    memo.get("b", lambda: "B")
    memo.get("a", lambda: "not made: kept")
    memo.get("c", lambda: "C")
    assert "a" in memo and "c" in memo and "b" not in memo
    assert memo["a"] == "A" and len(memo) == 2
