"""A corridor on a cluster's workers: the reference tasks carry instead of it, and how a worker finds and warms it.

No ``distributed`` here: :mod:`geo.parallel` and the tasks import this module without it;
:mod:`geo._cluster` puts the corridors into :data:`MODELS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["MODELS", "Shipped", "model", "warm"]

#: In each worker process of a cluster: the corridors shipped there (:func:`geo._cluster.ship`), by token.
MODELS: dict[str, Corridor] = {}
#: Points in the warm-up query: enough to take the compiled path (``geo.query._COMPILED_FROM``).
_WARM_POINTS = 20_000


@dataclass(frozen=True)
class Shipped:
    """A corridor already on a cluster's workers (:func:`geo._cluster.ship`): what a task carries instead of it."""

    token: str


def warm(corridor: Corridor) -> None:
    """Build ``corridor``'s search structures and load (or compile) the query kernel, with one small query."""
    from .query import query

    lon = np.linspace(36.2, 37.0, _WARM_POINTS)  # along the M4
    query(corridor, lon, np.full(_WARM_POINTS, 35.8), workers=1)


def model(ref: Corridor | Shipped) -> Corridor:
    """Return the corridor a task was given: ``ref`` itself, or the one shipped to this worker.

    Raises
    ------
    RuntimeError
        ``ref`` was shipped to another cluster's workers (a lazy result computed on another client).
    """
    if not isinstance(ref, Shipped):
        return ref
    try:
        return MODELS[ref.token]
    except KeyError:
        raise RuntimeError(
            "the corridor was shipped to another cluster's workers; build the query again with this cluster's client"
        ) from None
