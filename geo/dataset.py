"""Classify a dataset of many point files (or a dask frame) into a partitioned GeoParquet dataset, here or on a cluster.

:func:`classify_dataset` takes a folder, a glob or a list of CSV / Parquet / GeoParquet files
(or a dask DataFrame or dask-geopandas GeoDataFrame) and writes one GeoParquet file per input
file (per partition, for a frame) into an output folder, with a ``_metadata`` file that indexes
them all. Each file is classified by :func:`geo.classify_file`'s own run, streaming, so the
output is typed as a single file's is and every bad row is reported with its file and line.

Where the work runs:

* in this process by default, one file after another, the query kernel on every core;
* on a ``dask.distributed`` cluster: a :class:`distributed.Client` the caller has (Coiled,
  Kubernetes, SLURM, a ``LocalCluster``), or one the call opens (``scheduler="local"``: a
  ``LocalCluster`` of one single-threaded worker per core; ``"tcp://host:8786"``: a running
  scheduler). The corridor is put on each worker once, warmed (:func:`geo._cluster.ship`); a
  task reads its file, answers it and writes its part itself, so only the run's figures come
  back. The workers must see the input files and the output folder (one machine, or a shared
  filesystem).

The output appears whole or not at all (:func:`geo._io.atomic_folder`): a file that fails
stops the run with one line naming it, after the running tasks end, and nothing is left. A
worker lost mid-run is replaced and its task run again by the scheduler.

Every file must have the same columns (in any order: the output takes the first file's); the
first file that differs is named in the error. A column whose type differs between files
(a CSV's column of integers in one file and decimals in another) is written with the type
Arrow promotes both to (``float64``; a column empty in one file takes the other's type);
types that do not promote (numbers in one file, text in another) are an error naming the
column and the two files (``keep_text=True`` keeps every CSV column as text).
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ._io import atomic_folder, check_output_folder, raise_on_signals
from ._point_files import (
    DEFAULT_CHUNK_ROWS,
    FILE_FORMATS,
    GEOPARQUET_INPUT,
    Chunk,
    FileFormat,
    ReadOptions,
    format_of,
    reading_format,
    wkb_chunk,
)
from ._point_readers import csv_columns, tabular_chunks
from ._point_writers import DEFAULT_PREFIX, GEOMETRY_CRS_KEY, GEOMETRY_KEY, GEOMETRY_TYPE_KEY, dictionary_columns
from ._shipped import Shipped, model
from .classify import _CSV_BLOCK_BYTES, BadRow, ClassifyReport, classify_chunks, classify_file
from .parallel import is_dask_collection

if TYPE_CHECKING:
    from .corridor import Corridor

__all__ = ["DATASET_FORMATS", "DatasetReport", "classify_dataset", "dataset_files", "is_dataset"]

#: The formats a dataset's files may have (by :data:`geo.classify.FILE_FORMATS` name).
DATASET_FORMATS = ("csv", "csv.gz", "parquet")
#: The characters that make an input a glob pattern.
_GLOB = "*?["


@dataclass
class DatasetReport(ClassifyReport):
    """What :func:`classify_dataset` did: :class:`geo.classify.ClassifyReport`'s figures over every file, and where."""

    files: int = 0
    scheduler: str = "in-process"
    workers: int = 1

    def as_dict(self) -> dict[str, Any]:
        """Return the run's figures as plain JSON values: :meth:`ClassifyReport.as_dict`'s and the files, scheduler.

        Returns
        -------
        dict
            Those of a file's run, with ``files``, ``scheduler`` and ``workers``.
        """
        return {**super().as_dict(), "files": self.files, "scheduler": self.scheduler, "workers": self.workers}


def is_dataset(source: Any) -> bool:
    """Tell whether ``source`` names a dataset: a folder, a glob pattern, a list of files or a dask frame."""
    if is_dask_collection(source) or isinstance(source, (list, tuple)):
        return True
    text = os.fspath(source)
    return Path(text).is_dir() or (any(c in text for c in _GLOB) and not Path(text).exists())


def dataset_files(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Return a dataset's files, in name order: a folder's CSV and Parquet files, a glob's matches, or a list.

    Parameters
    ----------
    source
        A folder (its files of :data:`DATASET_FORMATS`, not its subfolders, nor hidden or ``_`` files),
        a glob pattern (``"events/2020-*.csv"``, ``**`` allowed), or a list of files.

    Returns
    -------
    list of Path
        The files, sorted by name.

    Raises
    ------
    ValueError
        No file, or a file of another format.
    """
    if not isinstance(source, (str, os.PathLike)):
        files = [Path(p) for p in source]
        what = "the list of inputs"
    elif Path(source).is_dir():
        folder = Path(source)
        files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_"))]
        files = [p for p in files if _format_name(p) in DATASET_FORMATS]
        what = f"input folder {folder}"
    else:
        files = [Path(p) for p in glob.glob(os.fspath(source), recursive=True) if Path(p).is_file()]
        what = f"input {os.fspath(source)}"
    if not files:
        readable = ", ".join(e for n in DATASET_FORMATS for e in FILE_FORMATS[n].extensions)
        raise ValueError(f"{what}: no file to classify (expected files ending {readable})")
    for path in files:
        if not path.is_file():
            raise ValueError(f"input {path}: no such file")
        if _format_name(path) not in DATASET_FORMATS:
            labels = ", ".join(FILE_FORMATS[n].label for n in DATASET_FORMATS)
            raise ValueError(f"input {path}: a dataset holds {labels} files; classify this one on its own")
    return sorted(files)


def _format_name(path: Path) -> str | None:
    try:
        return format_of(path, "input").name
    except ValueError:
        return None


def _columns(path: Path, opts: ReadOptions) -> list[str]:
    """Return the columns of one input file (a CSV's header, a Parquet file's schema)."""
    fmt = FILE_FORMATS[_format_name(path) or "csv"]
    if fmt.lines:
        return csv_columns(path, opts)
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ValueError(f"{path}: cannot read as Parquet ({exc})") from None


def _same_columns(files: list[Path], opts: ReadOptions) -> None:
    """Refuse, before any work, a file whose columns are not the first file's (in any order)."""
    first = _columns(files[0], opts)
    for path in files[1:]:
        names = _columns(path, opts)
        if set(names) != set(first) or len(names) != len(first):
            missing = [n for n in first if n not in names]
            extra = [n for n in names if n not in first]
            raise ValueError(
                f"{path}: its columns are not those of {files[0]} (missing {missing}, extra {extra}); "
                "every file of a dataset must have the same columns"
            )


def _part_names(sources: list[str]) -> list[str]:
    """Name each output part after its input, numbered so that name order is input order."""
    width = max(5, len(str(len(sources) - 1)))
    stems = [Path(s).name.split(".")[0][:100] or "part" for s in sources]
    return [f"part.{i:0{width}d}.{stem}.parquet" for i, stem in enumerate(stems)]


# --- the tasks ----------------------------------------------------------------------------------------------


#: The file a run puts in its output's temporary folder when it fails: the tasks not yet started then do nothing.
_STOP = ".stop"


def _stopped(dst: str) -> bool:
    """Tell whether the run has failed already (its temporary folder holds :data:`_STOP`): a task then does nothing."""
    return (Path(dst).parent / _STOP).exists()


def _classify_file_task(ref: Corridor | Shipped, src: str, dst: str, kwargs: dict[str, Any]) -> ClassifyReport | None:
    """Classify one file into its part (on a worker: the corridor shipped there, one thread); None if stopped."""
    if _stopped(dst):
        return None
    return classify_file(model(ref), src, dst, **kwargs)


def _frame_chunks(part: Any, name: Path, opts: ReadOptions) -> tuple[Callable[[], Iterator[Chunk]], FileFormat]:
    """Return a partition's chunks (and the format they read as): a GeoDataFrame by its geometry, else lon/lat."""
    import geopandas as gpd
    import pyproj

    if isinstance(part, gpd.GeoDataFrame):
        if part.crs is None:
            raise ValueError(f"{name}: the dask GeoDataFrame has no CRS; set one (e.g. .set_crs('EPSG:4326'))")
        column = part.geometry.name
        table = pa.table(part.to_arrow(index=False, geometry_encoding="WKB"))
        crs = pyproj.CRS.from_user_input(part.crs)
        to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        own = {GEOMETRY_KEY: column.encode(), GEOMETRY_TYPE_KEY: b"Point", GEOMETRY_CRS_KEY: crs.to_wkt().encode()}
        table = table.replace_schema_metadata(None)

        def geo_chunks() -> Iterator[Chunk]:
            for batch in table.to_batches(max_chunksize=opts.chunk_rows) or [table.schema.empty_table()]:
                yield wkb_chunk(pa.Table.from_batches([batch], schema=table.schema), column, to_lonlat, own)

        return geo_chunks, GEOPARQUET_INPUT
    table = pa.Table.from_pandas(part, preserve_index=False).replace_schema_metadata(None)

    def lonlat_chunks() -> Iterator[Chunk]:
        return tabular_chunks(name, table.schema, iter(table.to_batches(max_chunksize=opts.chunk_rows)), opts)

    return lonlat_chunks, FILE_FORMATS["parquet"]


def _classify_partition_task(
    ref: Corridor | Shipped, part: Any, number: int, dst: str, opts: ReadOptions, kwargs: dict[str, Any]
) -> ClassifyReport | None:
    """Classify one partition of a dask frame into its part; None if stopped."""
    if _stopped(dst):
        return None
    name = Path(f"partition {number}")
    reader, fmt = _frame_chunks(part, name, opts)
    return classify_chunks(model(ref), name, reader, fmt, Path(dst), opts=opts, **kwargs)


# --- running them -------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The work of one run: a task per part, each giving its report."""

    sources: list[str]  # what each part comes from, for messages and reported rows
    names: list[str]  # each part's file name
    submit: Callable[[Any, list[Path]], Iterable[Any]]  # (client or None, destinations) -> reports, or futures


def _run_tasks(plan: _Plan, client: Any, stage: Path, progress: Callable[[int], Any] | None) -> list[ClassifyReport]:
    """Run every part's task, here or on ``client``'s cluster; the first failure raised once every task has ended.

    On a failure (or a signal) the tasks not yet started are told to do nothing (:data:`_STOP`), and the
    running ones are waited for, so that none writes into the temporary folder once it is being removed.
    """
    targets = [stage / n for n in plan.names]
    if client is None:
        done = []
        for report in plan.submit(None, targets):
            done.append(report)
            if progress is not None:
                progress(report.rows)
        return done
    from distributed import as_completed, wait

    with client.as_current():  # distributed's helpers use the current client, which need not be the default
        futures = list(plan.submit(client, targets))
        index = {f.key: i for i, f in enumerate(futures)}
        reports: list[ClassifyReport | None] = [None] * len(futures)
        try:
            for future in as_completed(futures):
                if future.status == "error":
                    (stage / _STOP).touch()
                    continue  # raised below, once, in input order
                report = future.result()
                reports[index[future.key]] = report
                if progress is not None and report is not None:
                    progress(report.rows)
        except BaseException:
            (stage / _STOP).touch()
            raise
        finally:
            wait(futures)  # no task may still write into the stage when it is removed
    for i, future in enumerate(futures):
        if future.status == "error":
            exc = future.exception()
            message = " ".join(str(exc).split())
            source = plan.sources[i]
            raise ValueError(message if source in message else f"{source}: {type(exc).__name__}: {message}")
    return [r for r in reports if r is not None]


def _drop_strays(stage: Path, names: list[str]) -> None:
    """Remove from the temporary folder what is not a part: a temporary file of a worker lost mid-write."""
    for entry in stage.iterdir():
        if entry.name not in names and entry.is_file():
            entry.unlink()


def _string_is_empty(path: Path, column: str) -> bool:
    """Tell whether a text column of a part holds nothing but nulls and blanks (a CSV column left empty)."""
    values = pq.read_table(path, columns=[column]).column(0)
    return bool(pc.all(pc.or_kleene(pc.is_null(values), pc.equal(pc.utf8_trim_whitespace(values), ""))).as_py())


def _unify(stage: Path, names: list[str], sources: list[str]) -> pa.Schema:
    """Give every part the same schema (the first part's column order, types promoted); return it.

    A part is rewritten only when its schema differs (rare: see the module's rules).
    """
    schemas = [pq.read_schema(stage / n) for n in names]
    first = schemas[0]
    order = first.names
    fields: list[pa.Field] = []
    for column in order:
        types = []
        for name, schema, source in zip(names, schemas, sources, strict=True):
            t = schema.field(column).type
            differ = len({str(s.field(column).type) for s in schemas}) > 1
            if differ and pa.types.is_string(t) and _string_is_empty(stage / name, column):
                t = pa.null()  # a column left empty in this file: the other files' type
            types.append((t, source))
        try:
            merged = pa.unify_schemas([pa.schema([(column, t)]) for t, _ in types], promote_options="permissive")
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            (t0, s0), (t1, s1) = next(
                (a, b) for a in types for b in types if a[0] != b[0] and not pa.types.is_null(a[0])
            )
            raise ValueError(
                f"column {column!r} is {t0} in {s0} but {t1} in {s1}; give every file the same kind of values "
                "(or keep a CSV's columns as text, --keep-text)"
            ) from None
        t = merged.field(0).type
        fields.append(pa.field(column, pa.string() if pa.types.is_null(t) else t))
    schema = pa.schema(fields, metadata=first.metadata)
    for name, own in zip(names, schemas, strict=True):
        if not own.equals(schema, check_metadata=False):
            table = pq.read_table(stage / name).select(order).cast(schema)
            pq.write_table(table, stage / name, use_dictionary=dictionary_columns(schema))
    return schema


def _write_metadata(stage: Path, names: list[str], schema: pa.Schema) -> None:
    """Write ``_metadata``: every part's row groups indexed in one file, so a reader need not open each part."""
    collected = []
    for name in names:
        meta = pq.read_metadata(stage / name)
        meta.set_file_path(name)
        collected.append(meta)
    pq.write_metadata(schema, stage / "_metadata", metadata_collector=collected)


def _merge(reports: list[ClassifyReport], sources: list[str], total: DatasetReport) -> None:
    """Add every part's figures into ``total``; its first bad or swapped row is the first file's, with that file."""
    for report, source in zip(reports, sources, strict=True):
        total.rows += report.rows
        total.bad_rows += report.bad_rows
        total.swapped_rows += report.swapped_rows
        total.representative_rows += report.representative_rows
        total.chunks += report.chunks
        for reason, count in report.bad_by_reason.items():
            total.bad_by_reason[reason] = total.bad_by_reason.get(reason, 0) + count
        if total.first_bad is None and report.first_bad is not None:
            total.first_bad = _in_file(report.first_bad, source)
        if total.first_swapped is None and report.first_swapped is not None:
            total.first_swapped = _in_file(report.first_swapped, source)
    total.columns_added = list(reports[0].columns_added) if reports else []


def _in_file(row: BadRow, source: str) -> BadRow:
    return dataclasses.replace(row, file=source)


def classify_dataset(  # noqa: PLR0913 - one public call; every option past the input and output is keyword-only
    corridor: Corridor,
    source: Any,
    output: str | os.PathLike[str],
    *,
    client: Any = None,
    scheduler: str | None = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    strict: bool = False,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    prefix: str | None = DEFAULT_PREFIX,
    keep_text: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> DatasetReport:
    """Append the corridor query columns to every row of a dataset, into a folder of GeoParquet parts.

    Parameters
    ----------
    corridor
        The model, from :func:`geo.load_corridor`.
    source
        A folder of CSV / Parquet / GeoParquet files, a glob pattern, a list of files
        (see :func:`dataset_files`), or a dask DataFrame (lon/lat columns) or dask-geopandas
        GeoDataFrame (points in any CRS), such as ``dask_geopandas.read_parquet("s3://bucket/events/")``.
    output
        The output folder: new, or empty. It gets one ``part.NNNNN.<input name>.parquet``
        per input file (per partition of a frame, ``part.NNNNN.partition.parquet``), in input
        order, and ``_metadata``.
    client
        A ``distributed.Client`` to run on (any cluster: the workers must see the files and
        ``output``). None: the one ``scheduler`` opens, or this process.
    scheduler
        With no ``client``: ``"local"`` starts a ``LocalCluster`` (one single-threaded worker
        per core) for the run; an address (``"tcp://host:8786"``) connects to a running
        scheduler; None runs here, a file at a time with the query on every core.
    lon_col, lat_col, chunk_rows, strict, delimiter, encoding, prefix, keep_text
        As for :func:`geo.classify_file`, for every file.
    progress
        Called with the number of rows of each file (partition) done.

    Returns
    -------
    DatasetReport
        Rows, bad rows (the first one with its file and line), files, where it ran, time taken.

    Raises
    ------
    ValueError
        No input file, a file of another format or whose columns differ from the first's,
        an output folder that is not empty or cannot be written, any file's own error (as
        :func:`geo.classify_file` gives it, naming the file), types that cannot be made one
        (see the module's rules), a scheduler that does not answer. Nothing is written then.
    """
    if client is not None and scheduler is not None:
        raise ValueError("give a client or a scheduler, not both")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows!r}: expected a positive whole number of rows")
    out = Path(output)
    check_output_folder(out)
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"output folder {out}: not empty; a dataset is written into a new or empty folder")
    opts = ReadOptions(lon_col, lat_col, chunk_rows, _CSV_BLOCK_BYTES, delimiter, encoding)
    if is_dask_collection(source):
        plan = _frame_plan(corridor, source, opts, strict=strict, prefix=prefix, keep_text=keep_text)
    else:
        plan = _files_plan(corridor, source, opts, strict=strict, prefix=prefix, keep_text=keep_text)
    report = DatasetReport(output=out, files=len(plan.names))
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            from ._cluster import open_client

            client, cluster = open_client(scheduler)
            stack.callback(client.close)
            if cluster is not None:
                stack.callback(cluster.close)
        if client is not None:
            report.scheduler = "local" if scheduler == "local" else str(client.scheduler.address)
            report.workers = len(client.scheduler_info()["workers"])
        stack.enter_context(raise_on_signals())
        with atomic_folder(out) as stage:
            reports = _run_tasks(plan, client, stage, progress)
            _drop_strays(stage, plan.names)
            schema = _unify(stage, plan.names, plan.sources)
            _write_metadata(stage, plan.names, schema)
    _merge(reports, plan.sources, report)
    report.seconds = time.perf_counter() - start
    return report


def _files_plan(
    corridor: Corridor, source: Any, opts: ReadOptions, *, strict: bool, prefix: str | None,
    keep_text: bool,
) -> _Plan:  # fmt: skip
    """Plan a task per file (checked first: the files and their columns)."""
    files = dataset_files(source)
    for path in files:  # an unreadable file is named before any work (a CSV's separator, a Parquet footer)
        reading_format(path, format_of(path, "input"))
    _same_columns(files, opts)
    sources = [str(p) for p in files]
    kwargs = {
        "lon_col": opts.lon_col, "lat_col": opts.lat_col, "chunk_rows": opts.chunk_rows, "strict": strict,
        "delimiter": opts.delimiter, "encoding": opts.encoding, "prefix": prefix, "keep_text": keep_text,
    }  # fmt: skip

    def submit(client: Any, targets: list[Path]) -> Iterable[Any]:
        if client is None:  # one file after another, as the caller takes them
            return (_classify_file_task(corridor, s, str(t), kwargs) for s, t in zip(sources, targets, strict=True))
        from ._cluster import ship

        ref = ship(corridor, client)
        return [
            client.submit(_classify_file_task, ref, s, str(t), {**kwargs, "threads": 1}, pure=False)
            for s, t in zip(sources, targets, strict=True)
        ]

    return _Plan(sources, _part_names(sources), submit)


def _frame_plan(
    corridor: Corridor, frame: Any, opts: ReadOptions, *, strict: bool, prefix: str | None, keep_text: bool
) -> _Plan:
    """Plan a task per partition of a dask frame (read by the workers, never gathered here)."""
    parts = frame.to_delayed()
    sources = [f"partition {i}" for i in range(len(parts))]
    kwargs = {"strict": strict, "prefix": prefix, "keep_text": keep_text}

    def submit(client: Any, targets: list[Path]) -> Iterable[Any]:
        from dask.base import compute
        from dask.delayed import delayed

        task = delayed(_classify_partition_task, pure=False)
        pairs = list(enumerate(zip(parts, targets, strict=True)))
        if client is None:  # here, a partition at a time, the query on every core
            tasks = [task(corridor, p, i, str(t), opts, kwargs) for i, (p, t) in pairs]
            return list(compute(*tasks, scheduler="sync"))  # type: ignore[no-untyped-call]
        from ._cluster import ship

        ref = ship(corridor, client)
        one = {**kwargs, "threads": 1}
        on_cluster = [task(ref, p, i, str(t), opts, one) for i, (p, t) in pairs]
        futures: list[Any] = client.compute(on_cluster)
        return futures

    return _Plan(sources, _part_names(["partition"] * len(parts)), submit)
