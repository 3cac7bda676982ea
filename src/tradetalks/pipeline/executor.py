"""Where the per-article work runs: any `concurrent.futures.Executor`.

By default a local process pool, for corpora of `PARALLEL_FROM` articles or more (below that,
starting processes costs more than the articles take, and they run in this process). Past one
machine, a Dask cluster (`tradetalks build --executor dask`, `dask_executor`). Either way the
results come back in the order of the articles, so the tables do not depend on where they ran.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Articles per task, and the corpus size from which the default executor uses worker processes.
CHUNK = 250
PARALLEL_FROM = 400


def run_chunks(fn: Callable[[list[T]], R], items: list[T], executor: Executor | None = None) -> Iterator[tuple[int, R]]:
    """(number of items, fn(chunk)) for each chunk of `CHUNK` items, in order.

    `executor`: where to run them (e.g. `dask_executor`); by default in worker processes when the
    items are many and the machine has several cores, else here. `fn` and the items are sent to
    the workers: a module-level function (or a `functools.partial` of one) and plain data. The
    default workers start afresh and import the caller's main module, as in any multiprocessing
    program: a script that builds runs under `if __name__ == "__main__":`.
    """
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    if executor is not None:
        yield from _in_order(executor, fn, chunks, window=None)
        return
    workers = os.cpu_count() or 1
    if len(items) < PARALLEL_FROM or workers < 2:
        for chunk in chunks:
            yield len(chunk), fn(chunk)
        return
    # Fresh worker processes, not forks of this one: it may hold Polars' threads, which a fork does not copy.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":  # the server imports `fn`'s module once; each worker is a fork of it
        context.set_forkserver_preload([getattr(fn, "func", fn).__module__])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # A few chunks per worker in flight: a result waits in this process's memory only until it is taken.
        yield from _in_order(pool, fn, chunks, window=3 * workers)


def _in_order(executor: Executor, fn: Callable[[list[T]], R], chunks: list[list[T]], window: int | None) -> Iterator[tuple[int, R]]:
    """Submit the chunks (at most `window` in flight; all at once when None) and yield their results in order."""
    pending: collections.deque[tuple[int, Future[R]]] = collections.deque()
    try:
        for chunk in chunks:
            pending.append((len(chunk), executor.submit(fn, chunk)))
            if window is not None and len(pending) >= window:
                n, future = pending.popleft()
                yield n, future.result()
        while pending:
            n, future = pending.popleft()
            yield n, future.result()
    finally:
        for _, future in pending:  # a failed or abandoned run leaves no work behind
            future.cancel()


@contextlib.contextmanager
def dask_executor(scheduler: str | None = None) -> Iterator[Executor]:
    """An executor on a Dask cluster: the scheduler at `scheduler` (e.g. tcp://10.0.0.5:8786),
    or a local cluster of this machine's cores when None. Needs the `dask` extra.

    The workers read the articles themselves: they must see the repository at the same path (a
    shared file system), and run the same version of tradetalks.
    """
    from distributed import Client, LocalCluster

    cluster = None if scheduler else LocalCluster(threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler if scheduler else cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
