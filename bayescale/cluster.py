"""Dask for many fits: connect to a cluster (or start one on this machine's cores) and
send tasks of one law to the same few workers, so each worker compiles a law once.

A worker keeps every model it compiled (:mod:`bayescale.sampling` caches them per
process) and refits it to new data by swapping its data containers; tasks of one law
therefore cost least when they run on one worker. Each group of tasks (one law) gets a
"home": one worker when laws outnumber workers, else a share of the workers in proportion
to its tasks. Homes are loose: an idle worker still takes (steals) queued tasks of a busy
one, and the tasks of a lost worker move to the others.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bayescale.errors import BayescaleInputError

if TYPE_CHECKING:
    from distributed import Client, Future

CONNECT_TIMEOUT = "10s"


def local_workers(workers: int | None = None, cores_per_task: int = 1) -> int:
    """Worker processes of an embedded cluster: ``workers``, else as many as the cores hold tasks
    that each keep ``cores_per_task`` cores busy (a fit runs its chains on separate cores)."""
    if workers is not None and workers < 1:
        raise BayescaleInputError(f"workers={workers} must be at least 1")
    return workers or max(1, (os.cpu_count() or 1) // max(1, cores_per_task))


@contextmanager
def connect(
    scheduler: str | Client | None = None, workers: int | None = None, cores_per_task: int = 1
) -> Iterator[Client]:
    """A Dask client: of the scheduler at an address (``"tcp://host:8786"``), the given
    client itself, or a cluster of ``workers`` single-threaded processes on this machine
    (by default as many as the cores hold tasks of ``cores_per_task`` cores), closed on exit.

    Examples
    --------
    >>> with connect(workers=2) as client:  # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result()
    3
    """
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=local_workers(workers, cores_per_task),
            threads_per_worker=1,  # PyTensor compiles under global flags: one fit at a time per process
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},  # its health routes on a free port, no dashboard
            silence_logs=logging.ERROR,
        )
        with cluster, Client(cluster, set_as_default=False) as client:
            yield client
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise BayescaleInputError(
            f"scheduler={scheduler!r}: give a Dask scheduler address such as 'tcp://10.0.0.5:8786', "
            "a distributed.Client, or None for a cluster on this machine"
        )
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as problem:
        raise BayescaleInputError(f"scheduler={scheduler!r}: no Dask scheduler answered there ({problem})") from None
    with client:
        yield client


@contextmanager
def local_io() -> Iterator[None]:
    """File and pickling work in this process under Dask's local scheduler: with a Dask client as
    the default scheduler, xarray takes a lock on the cluster for every netCDF it writes (a
    round trip per file), and cannot for one written to memory, as a pickled fit is."""
    import dask

    with dask.config.set(scheduler="threads"):
        yield


def _pack(func: Callable, args: tuple) -> bytes:
    import cloudpickle

    with local_io():
        return cloudpickle.dumps((func, args))


def call_packed(payload: bytes) -> Any:
    """Run a task pickled by the submitting process (see :func:`submit_grouped`)."""
    import cloudpickle

    func, args = cloudpickle.loads(payload)
    return func(*args)


def _shares(counts: Sequence[int], n_workers: int) -> list[int]:
    """Workers per group, at least one each, in proportion to the group's tasks (largest remainder)."""
    total = sum(counts)
    quotas = [n_workers * c / total for c in counts]
    shares = [max(1, int(q)) for q in quotas]
    while sum(shares) > n_workers:
        i = max((i for i, s in enumerate(shares) if s > 1), key=lambda i: shares[i] - quotas[i])
        shares[i] -= 1
    while sum(shares) < n_workers:
        i = max(range(len(shares)), key=lambda i: quotas[i] - shares[i])
        shares[i] += 1
    return shares


def home_workers(groups: Sequence[Hashable], workers: Sequence[str]) -> dict[Hashable, list[str]]:
    """The workers each group's tasks should run on.

    With at least as many groups as workers, each group gets one worker (largest group to
    the least loaded worker); otherwise each gets a slice of the workers in proportion to
    its tasks, so a law compiles on as few workers as keep every worker busy.

    Examples
    --------
    >>> home_workers(["a", "a", "a", "b"], ["w1", "w2", "w3", "w4"])
    {'a': ['w1', 'w2', 'w3'], 'b': ['w4']}
    """
    counts = Counter(groups)
    workers = sorted(workers)
    if not workers or not counts:
        return {}
    order = sorted(counts, key=lambda g: (-counts[g], str(g)))
    if len(order) >= len(workers):
        load = dict.fromkeys(workers, 0)
        homes = {}
        for group in order:
            worker = min(workers, key=lambda w: load[w])
            homes[group] = [worker]
            load[worker] += counts[group]
        return homes
    homes, start = {}, 0
    for group, share in zip(order, _shares([counts[g] for g in order], len(workers)), strict=True):
        homes[group] = workers[start : start + share]
        start += share
    return homes


def submit_grouped(
    client: Client,
    func: Callable,
    args: Sequence[tuple],
    groups: Sequence[Hashable] | None = None,
    labels: Sequence[str] | None = None,
) -> list[Future]:
    """Submit ``func(*a)`` for each ``a`` in ``args``, tasks of one group to their home workers.

    ``labels`` name the tasks (the scheduler's dashboard and duration estimates go by them).
    Each task is pickled here, under :func:`local_io`, and sent as bytes.
    """
    from dask.utils import funcname

    groups = list(groups) if groups is not None else [None] * len(args)
    labels = list(labels) if labels is not None else [funcname(func)] * len(args)
    workers = list(client.scheduler_info()["workers"])
    homes = home_workers(groups, workers) if any(g is not None for g in groups) else {}
    return [
        client.submit(func, *a, key=f"{label}-{uuid.uuid4().hex}", workers=homes.get(g), allow_other_workers=g in homes)
        for a, g, label in zip(args, groups, labels, strict=True)
    ]


def is_scheduler(where: Any) -> bool:
    """Whether ``where`` names a Dask cluster: a scheduler address or a ``distributed.Client``."""
    distributed = sys.modules.get("distributed")
    return isinstance(where, str) or (distributed is not None and isinstance(where, distributed.Client))


def map_tasks(
    func: Callable, items: Sequence[Any], scheduler: str | Client, groups: Sequence[Hashable] | None = None
) -> list:
    """``[func(item) for item in items]`` on a Dask cluster, in order; the first error is raised."""
    with connect(scheduler) as client:
        futures = submit_grouped(client, func, [(item,) for item in items], groups)
        try:
            return client.gather(futures)
        finally:
            client.cancel(futures)
