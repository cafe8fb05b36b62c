"""What the compiled (numba) kernels share: the way they are compiled, and the test of a point against one piece.

Importing this module imports numba.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["Floats", "Ints", "jit", "piece_test"]

Floats = NDArray[np.float64]
Ints = NDArray[Any]  # integer arrays (int16, int32 or int64)


def jit(fn: Any) -> Any:
    """Compile ``fn`` with numba, without the GIL, its machine code cached on disk where numba finds a place.

    Numba caches next to this file, or in the user's cache folder when that is
    read-only (or in ``NUMBA_CACHE_DIR``); with neither writable, each process
    compiles the kernel afresh (a few seconds) instead of failing.

    Parameters
    ----------
    fn
        The Python function.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        The compiled function.
    """
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, error_model="numpy")(fn)


@jit
def piece_test(px: float, py: float, pz: float, piece: Floats, s: int) -> tuple[float, float]:
    """Unclamped position on, and squared chord to, piece ``s`` of ``piece`` (rows: start 3, direction 3, 1/|d|²).

    Parameters
    ----------
    px, py, pz
        The point, ECEF metres less the origin.
    piece
        The pieces, one row each.
    s
        Which piece.

    Returns
    -------
    tuple of float
        ``t`` (0 and 1 at the piece's ends) before clamping, and the squared chord (m²) to the nearest point.
    """
    wx = px - piece[s, 0]
    wy = py - piece[s, 1]
    wz = pz - piece[s, 2]
    t_raw = (wx * piece[s, 3] + wy * piece[s, 4] + wz * piece[s, 5]) * piece[s, 6]
    t = min(max(t_raw, 0.0), 1.0)
    wx -= t * piece[s, 3]
    wy -= t * piece[s, 4]
    wz -= t * piece[s, 5]
    return t_raw, wx * wx + wy * wy + wz * wz
