"""Writing output files: one atomic write and one file mode for everything the package writes.

Every writer (the map, the exports, classify, ``fetch-osm``) goes through :func:`atomic_path`:
the data is written to a temporary name beside the target, given the mode a plain
``open(path, "w")`` would give (``0o666`` less the user's umask), and only then moved over
the target. A failed or interrupted write leaves the target as it was and no temporary
file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "file_mode", "write_bytes_atomic"]

# Files some writers (SQLite, for GeoPackage) may leave beside the one they were asked for.
_SIDECARS = ("-journal", "-wal", "-shm")


def file_mode() -> int:
    """Return the permission bits a newly created file gets: ``0o666`` less the process umask.

    Returns
    -------
    int
        The mode, e.g. ``0o644`` under the common umask ``022``.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _remove(path: Path) -> None:
    for name in (path.name, *(path.name + s for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Give a temporary path to write instead of ``path``, then move it into place.

    The temporary path is in the same folder (so the final move is atomic), keeps
    ``path``'s suffix (drivers that go by it still work) and does not exist yet
    (writers that insist on creating their file can). When the ``with`` block ends
    normally the file gets :func:`file_mode` and replaces ``path``; when it raises,
    the temporary file and any sidecar of it are removed and ``path`` is untouched.

    Parameters
    ----------
    path
        The file to write; its folder must exist.

    Yields
    ------
    pathlib.Path
        Where to write.

    Raises
    ------
    OSError
        From the writer, or if the block wrote no file.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['out.txt'])
    """
    target = Path(path)
    while True:
        tmp = target.with_name(f".{target.stem}-{secrets.token_hex(6)}.tmp{target.suffix}")
        if not os.path.lexists(tmp):
            break
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    finally:
        _remove(tmp)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`) and return the path.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    data
        The whole content.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "xb") as f:
        f.write(data)
    return target
