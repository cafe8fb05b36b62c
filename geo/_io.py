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
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

__all__ = ["Interrupted", "atomic_path", "check_output_path", "file_mode", "raise_on_signals", "write_bytes_atomic"]

#: The folder of devices: no output is written in it.
_DEVICES = Path("/dev")
#: What :func:`atomic_path` adds to a name for its temporary file: a dot, a dash, 12 hex digits, ``.tmp``.
_TMP_EXTRA = len(".-") + 12 + len(".tmp")

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


def check_output_path(path: Path) -> None:
    """Refuse, before anything is read or written, an output that cannot be written.

    An existing ``path`` must be a regular file: a directory, a device, a FIFO or a
    socket is refused without being opened (and nothing is written under ``/dev``).
    The folder must exist and be writable, and the name (and the temporary name of
    :func:`atomic_path`) must fit the folder's ``NAME_MAX``.

    Parameters
    ----------
    path
        The output file.

    Raises
    ------
    ValueError
        One line naming the output and the problem.
    """
    folder = path.parent
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise ValueError(f"output {path}: is a directory; name a file in it")
    if mode is not None and not stat.S_ISREG(mode):
        raise ValueError(f"output {path}: is a device, FIFO or socket, not a regular file; refusing to write to it")
    if not folder.is_dir():
        raise ValueError(f"output {path}: the folder {folder} does not exist")
    if folder.resolve() == _DEVICES or _DEVICES in folder.resolve().parents:
        raise ValueError(f"output {path}: refusing to write under {_DEVICES}, the folder of devices")
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    size = len(os.fsencode(path.name))
    if size + _TMP_EXTRA > name_max:
        raise ValueError(
            f"output {path}: the name is too long ({size} bytes; the folder allows {name_max}, "
            f"less {_TMP_EXTRA} for the temporary copy)"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"output {path}: the folder {folder} is not writable")


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal (SIGTERM, SIGINT); :attr:`signum` is the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def raise_on_signals(signums: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT)) -> Iterator[None]:
    """Turn the signals ``signums`` into :class:`Interrupted` while the block runs, so its cleanup runs.

    SIGTERM's default action ends the process at once, leaving :func:`atomic_path`'s
    temporary file behind; raised as an exception, it unwinds the ``with`` blocks
    instead. The previous handlers are restored afterwards. Outside the main thread
    (where Python cannot set handlers) the block runs unchanged.

    Parameters
    ----------
    signums
        The signals to catch.

    Yields
    ------
    None
        While the block runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise_interrupted) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


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
