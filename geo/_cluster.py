"""The corridor on a ``dask.distributed`` cluster: shipped to each worker once, warmed there; the client chosen.

A graph that carried the corridor in every task would unpickle it, build its grid and load
the compiled kernel in every task. Here :func:`ship` registers a worker plugin holding it: the
scheduler sends it to each worker once (and to every worker that joins later), and its
:meth:`CorridorPlugin.setup` builds the search structures and runs the kernel once there, before
any task. Tasks then carry a :class:`Shipped` reference, a few bytes, that :func:`geo._shipped.model`
resolves in the worker.

Importing this module imports ``distributed`` (the ``[dask]`` extra); :mod:`geo.parallel` and
:mod:`geo.dataset` import it only when a cluster is in use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, WorkerPlugin, get_client

from ._shipped import MODELS, Shipped, warm

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["CorridorPlugin", "active_client", "open_client", "ship"]


class CorridorPlugin(WorkerPlugin):  # type: ignore[misc]  # distributed is taken as untyped
    """Hold one corridor on a worker: unpickled once there, its kernel warmed before any task runs."""

    def __init__(self, corridor: Corridor, token: str) -> None:
        self.corridor = corridor
        self.token = token

    def setup(self, worker: Any) -> None:
        """Warm the corridor and keep it for the tasks (once per worker process, whatever registers it again)."""
        if self.token not in MODELS:
            warm(self.corridor)
            MODELS[self.token] = self.corridor


def ship(corridor: Corridor, client: Client) -> Shipped:
    """Put ``corridor`` on every worker of ``client``'s cluster once (a worker plugin), warmed; return its reference.

    Shipping the same corridor again is cheap: the plugin's name comes from the corridor's
    content, and a worker that has it already keeps it.
    """
    token = hashlib.sha256(pickle.dumps(corridor, protocol=5)).hexdigest()[:20]
    client.register_plugin(CorridorPlugin(corridor, token), name=f"idlib-corridor-{token}")
    return Shipped(token)


def active_client() -> Client | None:
    """Return the ``distributed.Client`` in use (``Client()`` made the default, or inside a task), or None."""
    try:
        return get_client()
    except ValueError:  # no client
        return None


def open_client(scheduler: str) -> tuple[Client, LocalCluster | None]:
    """Connect to ``scheduler``: ``"local"`` starts a LocalCluster of one single-threaded worker per core.

    Parameters
    ----------
    scheduler
        ``"local"``, or a scheduler's address (``tcp://host:8786``, ``tls://...``).

    Returns
    -------
    tuple
        The client, and the cluster started (None for an address): close both when done.

    Raises
    ------
    ValueError
        An address no scheduler answers at, in one line.
    """
    if scheduler == "local":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        cluster = LocalCluster(
            n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
        )
        return Client(cluster), cluster
    if "://" not in scheduler:
        raise ValueError(f"--scheduler {scheduler!r}: expected local or a scheduler address such as tcp://host:8786")
    try:
        return Client(scheduler, timeout="10s"), None
    except OSError as exc:  # includes the TimeoutError of no answer
        raise ValueError(f"--scheduler {scheduler}: no dask scheduler answers there ({exc})") from None
