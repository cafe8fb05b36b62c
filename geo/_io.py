"""Writing output files: one atomic write, one set of checks and one file mode for everything the package writes.

Every writer (the map, the exports, classify, ``fetch-osm``) goes through :func:`atomic_path`
(or :func:`atomic_folder` for a set of files): the data is written to a short temporary
name beside the target, given the mode a plain ``open(path, "w")`` would give (``0o666``
less the user's umask), and only then moved over the target. A failed or interrupted write
leaves the target as it was and no temporary file behind. An existing target that is not a
regular file (a directory, a device, a FIFO, a socket, or a symlink to one) is refused, never
replaced. :func:`check_output_path` and :func:`check_output_folder` say, before any work
starts, whether an output can be written at all.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType

__all__ = [
    "STDOUT_CLOSED",
    "STOP_SIGNALS",
    "Interrupted",
    "OutputError",
    "atomic_folder",
    "atomic_path",
    "check_output_folder",
    "check_output_path",
    "file_mode",
    "folder_mode",
    "output_errors",
    "raise_on_signals",
    "stdout_errors",
    "write_bytes_atomic",
]

#: The signals that stop a run, its temporary files removed: kill and timeout's SIGTERM, Ctrl-C's SIGINT, and
#: SIGHUP, sent when the terminal the command runs in is closed.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

#: The folder of devices: no output is written in it.
_DEVICES = Path("/dev")
#: A temporary name keeps at most this many bytes of the target's name, and its suffix only up to
#: :data:`_SUFFIX_BYTES`: so it is at most 58 bytes long, whatever the target's name (NAME_MAX is 255).
_STEM_BYTES = 24
_SUFFIX_BYTES = 16
#: NAME_MAX when the folder does not say.
_NAME_MAX = 255

# Files some writers (SQLite, for GeoPackage) may leave beside the one they were asked for.
_SIDECARS = ("-journal", "-wal", "-shm")


class OutputError(OSError, ValueError):
    """An output that could not be written (full disk, folder gone...): one line naming it.

    Both an ``OSError`` (it is one) and a ``ValueError`` (what the package raises for
    every other user error); :attr:`errno` is the cause's.
    """


def file_mode() -> int:
    """Return the permission bits a newly created file gets: ``0o666`` less the process umask.

    Returns
    -------
    int
        The mode, e.g. ``0o644`` under the common umask ``022``.
    """
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """Return the permission bits a newly created folder gets: ``0o777`` less the process umask.

    Returns
    -------
    int
        The mode, e.g. ``0o755`` under the common umask ``022``.
    """
    return 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(target: Path, kind: str = "tmp") -> Path:
    """Return a short unused name beside ``target``: ``.<start of its name>-<12 hex digits>.<kind><suffix>``."""
    suffix = target.suffix if len(os.fsencode(target.suffix)) <= _SUFFIX_BYTES else ""
    stem = os.fsdecode(os.fsencode(target.name[: len(target.name) - len(suffix)])[:_STEM_BYTES])
    while True:
        tmp = target.with_name(f".{stem}-{secrets.token_hex(6)}.{kind}{suffix}")
        if not os.path.lexists(tmp):
            return tmp


def _remove(path: Path) -> None:
    for name in (path.name, *(path.name + s for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()


#: What a file that is not a regular one is, by its ``stat`` test.
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    """Say what kind of file ``mode`` (an ``st_mode``) is: ``a regular file``, ``a FIFO (named pipe)``..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _refuse_non_regular(path: Path, what: str = "output") -> None:
    """Raise ValueError if ``path`` (followed if a symlink) exists and is not a regular file; never opens it."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISDIR(mode):
        raise ValueError(f"{what} {path}: is a directory; name a file in it")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{what} {path}: is {_kind(mode)}, not a regular file; refusing to write to it")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Give a temporary path to write instead of ``path``, then move it into place.

    The temporary path is in the same folder (so the final move is atomic), is short
    whatever ``path``'s length (at most 58 bytes), keeps ``path``'s suffix (drivers that
    go by it still work) and does not exist yet (writers that insist on creating their
    file can). When the ``with`` block ends normally the file gets :func:`file_mode` and
    replaces ``path`` (a symlink's target, as a shell's ``>`` writes through it); when it
    raises, the temporary file and any sidecar of it are removed and ``path`` is untouched.
    An existing ``path`` that is not a regular file (checked before the block and again
    before the move) is refused and left as it is.

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
    ValueError
        ``path`` is a directory, a device, a FIFO or a socket (or a symlink to one).
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
    target = through_link(Path(path))
    _refuse_non_regular(target)
    tmp = _temporary(target)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        _refuse_non_regular(target)  # made meanwhile: still never replaced
        os.replace(tmp, target)
    finally:
        _remove(tmp)


@contextlib.contextmanager
def output_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an ``OSError`` raised in the block (a full disk...) into one :class:`OutputError` naming ``path``.

    Parameters
    ----------
    path
        The output being written.

    Yields
    ------
    None
        While the block runs.

    Raises
    ------
    OutputError
        ``output PATH: cannot write: <the system's reason>``.
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        error = OutputError(f"output {path}: cannot write: {' '.join(reason.split())}")
        error.errno = exc.errno
        raise error from None


#: What a write to a standard output the program was started without (``>&-``) says.
STDOUT_CLOSED = "output -: the standard output is closed; redirect it (> FILE)"


@contextlib.contextmanager
def stdout_errors() -> Iterator[None]:
    """Turn an ``OSError`` of a write to the standard output into one ValueError naming it (``> /dev/full``).

    Such an error has no file name to say where it happened. A reader gone (``BrokenPipeError``)
    is left as it is: the program's quiet exit (141).

    Raises
    ------
    ValueError
        ``output -: cannot write to the standard output: <the system's reason>``.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ValueError(f"output -: cannot write to the standard output: {exc.strerror or exc}") from None


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return _NAME_MAX


def _check_name(path: Path, what: str) -> None:
    """Refuse a name longer than its folder's ``NAME_MAX`` (before anything asks the system about the path)."""
    size, name_max = len(os.fsencode(path.name)), _name_max(path.parent)
    if size > name_max:
        raise ValueError(f"{what} {path}: the name is too long ({size} bytes; the folder allows {name_max})")


def _check_folder(path: Path, folder: Path, what: str) -> None:
    """Refuse, in one line, a ``folder`` that is missing, not a folder, under /dev, or not writable."""
    if not folder.exists():
        raise ValueError(f"{what} {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"{what} {path}: {folder} is not a folder")
    if folder.resolve() == _DEVICES or _DEVICES in folder.resolve().parents:
        raise ValueError(f"{what} {path}: refusing to write under {_DEVICES}, the folder of devices")
    reason = _not_writable(folder)
    if reason:
        raise ValueError(f"{what} {path}: the folder {folder} is not writable ({reason})")


def _not_writable(folder: Path) -> str | None:
    """Say why no file can be created in ``folder`` (None if one can): ``os.access``, then a real try."""
    return "permission denied" if not os.access(folder, os.W_OK | os.X_OK) else _cannot_create_in(folder)


def _cannot_create_in(folder: Path) -> str | None:
    """Create and remove an empty file in ``folder``; return why that failed, or None.

    ``os.access`` says yes to root everywhere, even on a read-only file system or an
    immutable folder: only trying tells.
    """
    probe = folder / f".probe-{secrets.token_hex(6)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    os.close(fd)
    os.unlink(probe)
    return None


def check_output_path(path: Path) -> None:
    """Refuse, before anything is read or written, an output file that cannot be written.

    An existing ``path`` must be a regular file (a symlink is followed): a directory, a
    device, a FIFO or a socket is refused without being opened (and nothing is written
    under ``/dev``). The folder (a symlink's target's) must exist and be writable (tried by creating and
    removing an empty file, which also catches a read-only file system when run as
    root), and the name must fit the folder's ``NAME_MAX`` (255 bytes, usually).

    Parameters
    ----------
    path
        The output file.

    Raises
    ------
    ValueError
        One line naming the output and the problem.
    """
    _check_name(path, "output")
    _refuse_non_regular(path)
    _check_folder(path, through_link(path).parent, "output")


def through_link(path: Path) -> Path:
    """Return the file a symlink ``path`` points to (through every link; it may not exist yet), else ``path``.

    An output named by a link is written to its target, which is replaced; the link stays.
    """
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def refuse_inputs(output: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse an output that is one of the run's input files, however spelt (``./``, ``..``, a link, a hard link).

    Parameters
    ----------
    output
        A file the run will write (or replace).
    inputs
        The files it reads ("-", the standard input, is no file).

    Raises
    ------
    ValueError
        ``output OUT: the same file as the input IN``.
    """
    for given in inputs:
        src = Path(given)
        if str(given) == "-" or not src.exists():
            continue
        if src.resolve() == output.resolve() or (output.exists() and os.path.samefile(src, output)):
            raise ValueError(f"output {output}: the same file as the input {src}; the input is never replaced")


def check_output_folder(path: Path, names: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, an output folder that cannot be written or created.

    An existing ``path`` must be a folder (a symlink to one is followed), writable; its
    entries ``names`` (the files that will be replaced) must be regular files or absent.
    A missing ``path`` must have an existing, writable folder above it (only ``path``
    itself is created).

    Parameters
    ----------
    path
        The output folder.
    names
        The files that will be written in it.

    Raises
    ------
    ValueError
        One line naming the folder and the problem.
    """
    _check_name(path, "output folder")
    if path.is_dir():
        if path.resolve() == _DEVICES or _DEVICES in path.resolve().parents:
            raise ValueError(f"output folder {path}: refusing to write under {_DEVICES}, the folder of devices")
        reason = _not_writable(path)
        if reason:
            raise ValueError(f"output folder {path}: not writable ({reason})")
        for name in names:
            _refuse_non_regular(path / name, "output")
        return
    if os.path.lexists(path):
        try:
            found = _kind(os.stat(path).st_mode)
        except OSError:
            found = "a broken symlink"
        raise ValueError(f"output folder {path}: expected a folder to write the files into, found {found}")
    _check_folder(path, path.parent, "output folder")


def _folder_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextlib.contextmanager
def _deferred_signals(signums: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Hold back ``signums`` while the block runs; one that came is raised as :class:`Interrupted` after it.

    For the few renames that must all happen or none: a signal cannot stop them half-way.
    Outside the main thread the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: came.append(signum)) for s in _not_ignored(signums)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if came:
            raise Interrupted(came[0])


def _swap_in(stage: Path, folder: Path, names: list[str]) -> None:
    """Move the files ``names`` from ``stage`` into ``folder``, all or none.

    The files they replace are first moved into ``stage/.old``; if any move fails, every
    move done is undone, so ``folder`` holds its old files again.
    """
    old = stage / ".old"
    old.mkdir()
    saved: list[str] = []
    placed: list[str] = []
    try:
        for name in names:
            _refuse_non_regular(folder / name)  # made since the check: left alone, and nothing swapped
        for name in names:
            if os.path.lexists(folder / name):
                os.replace(folder / name, old / name)
                saved.append(name)
        for name in names:
            os.replace(stage / name, folder / name)
            placed.append(name)
    except BaseException:
        for name in reversed(placed):
            os.replace(folder / name, stage / name)
        for name in reversed(saved):
            os.replace(old / name, folder / name)
        raise


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Give a temporary folder to write a set of files into, then put the whole set in ``path`` at once.

    When ``path`` does not exist, the temporary folder is made beside it and renamed to
    ``path`` (one atomic step). When it exists, the temporary folder is made inside it and
    its files are moved over the files of the same names, all or none: if one move fails
    the others are undone. Other files already in ``path`` are left as they are (they are
    never deleted). Folders get :func:`folder_mode`, files :func:`file_mode`. When the
    block raises, or a move fails, the temporary folder is removed and ``path`` keeps
    exactly its old files (a missing ``path`` stays missing). SIGTERM and SIGINT wait
    until the moves are done or undone.

    Parameters
    ----------
    path
        The folder to write into; if missing, the folder above it must exist.

    Yields
    ------
    pathlib.Path
        The temporary folder: write the files (no subfolders) there.

    Raises
    ------
    ValueError
        A file to be replaced is a directory, a device, a FIFO or a socket.
    OSError
        From the writer or a move.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "layers"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    ...     _ = (tmp / "b.txt").write_text("b")
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt', 'b.txt']
    """
    target = Path(path)
    exists = target.is_dir()
    stage = _temporary(target / "idlib-export" if exists else target)
    os.mkdir(stage, 0o700)  # private until it is complete
    try:
        yield stage
        names = _folder_entries(stage)
        for name in names:
            os.chmod(stage / name, file_mode())
        with _deferred_signals():
            if exists:
                _swap_in(stage, target, names)
            else:
                os.chmod(stage, folder_mode())
                os.rename(stage, target)
    finally:
        with _deferred_signals():
            shutil.rmtree(stage, ignore_errors=True)


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal (SIGTERM, SIGINT, SIGHUP); :attr:`signum` is the signal's number.

    :attr:`written` says what the run left: nothing, as a rule (its temporary files are
    removed), unless a step that cannot be taken back had begun (a copy to a pipe).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.written = "nothing written"


def _not_ignored(signums: tuple[int, ...]) -> list[int]:
    """Return the signals of ``signums`` the process does not ignore (``nohup``, a background job's SIGINT)."""
    return [s for s in signums if signal.getsignal(s) is not signal.SIG_IGN]


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def raise_on_signals(signums: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Turn the signals ``signums`` into :class:`Interrupted` while the block runs, so its cleanup runs.

    SIGTERM's default action ends the process at once, leaving :func:`atomic_path`'s
    temporary file behind; raised as an exception, it unwinds the ``with`` blocks
    instead. The previous handlers are restored afterwards. A signal the process was
    started ignoring stays ignored (``nohup`` ignores SIGHUP; a shell ignores SIGINT
    for a job it runs in the background). Outside the main thread (where Python cannot
    set handlers) the block runs unchanged.

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
    previous = {s: signal.signal(s, _raise_interrupted) for s in _not_ignored(signums)}
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

    Raises
    ------
    ValueError
        ``path`` is a directory, a device, a FIFO or a socket (or a symlink to one).
    OutputError
        The data could not be written (a full disk...); ``path`` is left as it was.
    """
    target = Path(path)
    with raise_on_signals(), output_errors(target), atomic_path(target) as tmp:
        _write_new_file(tmp, data)
    return target


def _write_new_file(path: Path, data: bytes) -> None:
    """Create the file ``path`` (it must not exist) holding ``data``."""
    with open(path, "xb") as f:
        f.write(data)
