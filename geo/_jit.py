"""What the compiled (numba) kernels share: the way they are compiled, and the test of a point against one piece.

Importing this module imports numba.
"""

from __future__ import annotations

from typing import Any, Literal

import numba
import numpy as np
from numba.core import caching
from numpy.typing import NDArray

__all__ = ["Floats", "Ints", "inlined", "jit", "piece_test"]

Floats = NDArray[np.float64]
Ints = NDArray[Any]  # integer arrays (int16, int32 or int64)


_FunctionCache: Any = caching.FunctionCache  # numba's methods carry no annotations


class _HealingCache(_FunctionCache):  # type: ignore[misc]  # a subclass of an untyped class
    """numba's on-disk cache of one function, made to compile afresh when its files cannot be read or written.

    A cache file cut short (a full disk, a crash mid-write) or garbled makes numba's own
    cache raise (``UnpicklingError``, ``EOFError``) at every call that would load it. Here
    the entry is dropped instead: the index is rewritten empty, the function compiled, and
    the new machine code saved over the bad files. A cache that cannot be written (the
    disk still full, a read-only folder) is switched off for this process.
    """

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        """Return the cached compilation of ``sig``, or None (compile it) when there is none or it is unreadable."""
        try:
            return super().load_overload(sig, target_context)
        except Exception:  # any unreadable cache file: the compiler gives the same code afresh
            self._start_afresh()
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        """Save a compilation; a cache that cannot take it is switched off, the compiled code is used anyway."""
        try:
            super().save_overload(sig, data)
        except Exception:  # a cache write is an optimisation: never worth failing a query
            self.disable()

    def _start_afresh(self) -> None:
        """Forget every entry of the unreadable index (rewritten empty), or switch the cache off if it cannot be."""
        try:
            self.flush()
        except OSError:
            self.disable()


def jit(fn: Any, inline: Literal["never", "always"] = "never") -> Any:
    """Compile ``fn`` with numba, without the GIL, its machine code cached on disk where numba finds a place.

    Numba caches in ``__pycache__`` next to this file, or in the user's cache folder
    when that is read-only (or in ``NUMBA_CACHE_DIR``); with neither writable, each
    process compiles the kernel afresh (a few seconds) instead of failing. A cache
    file that cannot be read (cut short by a full disk, garbled) is compiled afresh
    and overwritten with good code; one that cannot be written is skipped.

    Parameters
    ----------
    fn
        The Python function.
    inline
        numba's ``inline`` option: ``"always"`` for :func:`inlined`.

    Returns
    -------
    numba.core.registry.CPUDispatcher
        The compiled function.
    """
    try:
        dispatcher: Any = numba.njit(cache=True, nogil=True, error_model="numpy", inline=inline)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, error_model="numpy", inline=inline)(fn)
    dispatcher._cache = _HealingCache(fn)
    return dispatcher


def inlined(fn: Any) -> Any:
    """:func:`jit` for a helper a kernel calls once a point or a value: compiled into each caller (numba's inlining).

    A call of a compiled function from another passes every array argument with a
    reference count taken and dropped; inlined, the caller's arrays are used as they
    are. Over ten million points the kernel of :mod:`geo._query_jit` runs about 20%
    faster so.
    """
    return jit(fn, inline="always")


@inlined
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
