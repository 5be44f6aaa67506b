"""The process-wide memo behind compiled models and found modes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

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


def test_values_of_different_keys_are_made_at_once():
    memo: Memo[int] = Memo()
    inside = threading.Barrier(2, timeout=5)  # both makes must be running together to pass it

    def make(value: int):
        def made() -> int:
            inside.wait()
            return value

        return made

    with ThreadPoolExecutor(2) as pool:
        values = list(pool.map(lambda k: memo.get(k, make(k)), [1, 2]))
    assert values == [1, 2]


def test_a_failed_make_leaves_nothing_and_can_be_retried():
    memo: Memo[int] = Memo()

    def fail() -> int:
        raise ValueError("not computable")

    with pytest.raises(ValueError):
        memo.get("k", fail)
    assert "k" not in memo
    assert memo.get("k", lambda: 3) == 3
