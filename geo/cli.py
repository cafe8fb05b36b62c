"""The ``idlib-corridor`` command line: argument parsing and output formatting only."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._validate import is_missing
from ._words import counted
from .corridor import DEFAULT_WIDTH_KM, MAX_WIDTH_KM, Corridor, load_corridor
from .dates import parse_day, validate_partial_date

__all__ = ["console", "main"]

#: SIGPIPE's number (13 on every POSIX system; the signal module has no SIGPIPE on Windows).
_SIGPIPE = 13


def _corridor(args: argparse.Namespace) -> Corridor:
    return load_corridor(m4=args.m4, width_km=args.width_km)


def _cmd_summary(args: argparse.Namespace) -> int:
    s = _corridor(args).summary()
    print(json.dumps(s.as_dict(), indent=2, ensure_ascii=False) if args.json else s)
    return 0


#: How ``query`` prints a column: a label and the text, from the record and the corridor's width (km). A column
#: not listed prints its name, value and unit; one listed as None is printed with another.
_QUERY_TEXT: dict[str, tuple[str, Callable[[dict[str, Any], float], str]] | None] = {
    "distance_m": ("distance to M4", lambda r, w: f"{r['distance_m']:,.1f} m"),
    "in_corridor": (
        "in corridor",
        lambda r, w: f"{'yes' if r['in_corridor'] else 'no'} ({w:g} km each side of the patrol segment)",
    ),
    "side": ("side", lambda r, w: f"{r['side']} of the M4"),
    "chainage_km": ("chainage", lambda r, w: f"{r['chainage_km']:.3f} km from Trumba along the patrol segment"),
    "nearest_post": ("nearest post", lambda r, w: f"{r['nearest_post']} ({r['nearest_post_m'] / 1000:,.2f} km)"),
    "nearest_post_m": None,
}


def _query_lines(record: dict[str, Any], width_km: float) -> list[str]:
    """Return the plain answer of ``query``: the point, then a line for every query column (see :data:`_QUERY_TEXT`)."""
    from .columns import QUERY_COLUMNS

    lines = [f"{'point':<15} lon {record['lon']}, lat {record['lat']}"]
    for c in QUERY_COLUMNS:
        how = _QUERY_TEXT.get(c.name, (c.name, lambda r, w, c=c: f"{r[c.name]} {c.unit}".rstrip()))
        if how is not None:
            label, text = how
            lines.append(f"{label:<15} {text(record, width_km)}")
    return lines


def _cmd_query(args: argparse.Namespace) -> int:
    from .columns import QUERY_COLUMNS

    c = _corridor(args)
    row = c.query(args.lon, args.lat).iloc[0]
    record = {"lon": args.lon, "lat": args.lat, **{col.name: col.to_python(row[col.name]) for col in QUERY_COLUMNS}}
    from .query import FAR_WARNING_M, swapped_check

    if record["distance_m"] > FAR_WARNING_M:
        print(
            f"warning: ({args.lon}, {args.lat}) is {record['distance_m'] / 1000:.0f} km from the M4 "
            f"(more than {FAR_WARNING_M / 1000:.0f} km): are longitude and latitude swapped? "
            "The command takes LON LAT.",
            file=sys.stderr,
        )
    else:
        looks_swapped, twin_m = swapped_check(c, args.lon, args.lat, record["distance_m"])
        if looks_swapped[0]:
            print(
                f"warning: ({args.lon}, {args.lat}) is {record['distance_m'] / 1000:.0f} km from the M4, but "
                f"({args.lat}, {args.lon}) is {twin_m[0] / 1000:.1f} km from it: did you mean "
                f"'query {args.lat} {args.lon}'? The command takes LON LAT.",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print("\n".join(_query_lines(record, c.width_km)))
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from ._io import check_output_path, refuse_inputs
    from .maps import build_map, save_map

    if args.output.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"output {args.output}: a map is an HTML file; name it .html")
    _refuse_options_without_file(args, args.points, "--points", ("color_by", "date_col", "no_dates"))
    check_output_path(args.output)  # before the map is built or a points file read
    refuse_inputs(args.output, [*(args.points or []), *([args.m4] if args.m4 else [])])
    c = _corridor(args)
    points = None
    if args.points:
        from .points import layer_name, unique_names

        names = unique_names([layer_name(p) for p in args.points])
        points = {name: _read_points_warned(c, p, args) for name, p in zip(names, args.points, strict=True)}
    m = build_map(
        c,
        offline=args.offline,
        points=points,
        point_color="in_corridor" if args.color_by is None else args.color_by,
        date_col=None if args.no_dates else True if args.date_col is None else args.date_col,
    )
    path = save_map(m, args.output)
    size = path.stat().st_size
    kind = "offline map: no network request" if args.offline else "one file: works offline, basemap tiles when online"
    with _written_whole(path):
        print(f"wrote {path} ({size / 1024:,.0f} KiB, {kind})")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from ._io import check_output_folder
    from .export import export_layers
    from .points import layer_name, unique_names

    _refuse_options_without_file(args, args.points, "--points")
    check_output_folder(args.output)  # before the model is built or a points file read
    c = _corridor(args)
    files = args.points or []
    names = unique_names([layer_name(p) for p in files], taken=c.layers() if files else ())  # events.csv: "events (2)"
    points = {name: _read_points_warned(c, path, args) for name, path in zip(names, files, strict=True)}
    paths = export_layers(c, args.output, fmt=args.format, points=points, inputs=args.points or [])
    with _written_whole(f"the export in {args.output}"):
        for p in paths:
            print(p)
    return 0


def _warn_rows(report: dict[str, Any], advice: str = "", where: str = "") -> None:
    """Print classify's warnings of a run (bad rows, rows that look swapped) on stderr, one line each.

    ``report`` is the run's figures (:meth:`geo.classify.ClassifyReport.as_dict`).
    """
    if report["bad_rows"]:
        print(
            f"warning: {where}{report['bad_rows']:,} of {report['rows']:,} rows had missing or invalid coordinates; "
            f"kept with empty results (first: {report['first_bad']}).{' ' + advice if advice else ''}",
            file=sys.stderr,
        )
    if report["swapped_rows"]:
        from .query import SWAP_FAR_M, SWAP_NEAR_M

        print(
            f"warning: {where}{counted(report['swapped_rows'], 'row looks', 'rows look')} "
            f"like swapped lat/lon: over {SWAP_FAR_M / 1000:g} km "
            f"from the M4 as given, within {SWAP_NEAR_M / 1000:g} km of it the other way round "
            f"(first: {report['first_swapped']}). They were answered as given; check --lon-col and --lat-col.",
            file=sys.stderr,
        )
    if report["representative_rows"]:
        print(
            f"note: {where}{report['representative_rows']:,} rows are lines or areas, answered at a point on each "
            "(a line's midpoint by length, an area's point inside it); a GeoParquet or vector output keeps their "
            "own geometry.",
            file=sys.stderr,
        )


#: How a file of points is read (:func:`_add_reading_options`), by its ``argparse`` names.
_READING = ("lon_col", "lat_col", "delimiter", "encoding", "layer")


def _read_points_warned(c: Any, path: str, args: argparse.Namespace) -> Any:
    """Read a user's points file (:func:`geo.read_points` with the reading options given), printing its warnings."""
    from .points import read_points

    options = {k: getattr(args, k) for k in _READING if getattr(args, k) is not None}
    gdf = read_points(c, path, **options)
    _warn_rows(gdf.attrs["classify_report"], where=f"{path}: ")
    return gdf


def _refuse_options_without_file(
    args: argparse.Namespace, files: Any, option: str, also: tuple[str, ...] = ()
) -> None:
    """Refuse an option of how a file is read (or drawn) when no such file is given, rather than ignore it."""
    if files:
        return
    for name in (*_READING, *also):
        if getattr(args, name) not in (None, False):
            flag = "--" + name.replace("_", "-")
            raise ValueError(f"{flag} applies to a file of points ({option} FILE), and none is given")


def _cmd_profile(args: argparse.Namespace) -> int:
    from ._io import check_output_path, raise_on_signals, refuse_inputs, write_bytes_atomic
    from .spacetime import chart_bytes, plot_spacetime

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ValueError("profile draws with matplotlib: pip install 'idlib-corridor[notebooks]'") from None

    out = Path(args.output)
    kind = out.suffix.lower().lstrip(".")
    if kind not in _PROFILE_FORMATS:
        raise ValueError(f"output {out}: unknown extension {out.suffix!r}, expected one of .png, .svg, .html")
    _refuse_options_without_file(args, args.input, "profile")
    check_output_path(out)  # before the model is built or the events read
    refuse_inputs(out, [p for p in (args.input, args.m4) if p])  # a chart never replaces what it reads
    c = _corridor(args)
    events = None
    if args.input is not None:
        events = _read_points_warned(c, args.input, args)
    color_by = args.color_by if args.color_by is not None else "type" if events is None else "in_corridor"
    try:
        ax = plot_spacetime(c, events, color_by=color_by, date_col=args.date_col, within_km=args.within_km)
    except ValueError as exc:  # a column or a date of the user's file: name it
        raise ValueError(f"{args.input}: {exc}" if events is not None else str(exc)) from None
    with raise_on_signals():
        write_bytes_atomic(out, chart_bytes(ax.figure, kind))
    with _written_whole(out):
        print(f"wrote {out}: {ax.get_title()}")
    return 0


#: The chart formats of ``profile``, by extension.
_PROFILE_FORMATS = ("png", "svg", "html")


def _cmd_fetch_osm(args: argparse.Namespace) -> int:
    from .osm import OVERPASS_URL, fetch_m4, m4_from_overpass, m4_output_path, write_m4_geojson

    m4_output_path(args.output)  # checked before the network is asked
    line, way_ids = m4_from_overpass(fetch_m4(args.url or OVERPASS_URL))
    path = write_m4_geojson(line, way_ids, args.output)
    with _written_whole(path):
        print(f"wrote {path}: M4 from {len(way_ids)} OpenStreetMap ways; use it with --m4 {path}")
    return 0


def _cmd_events(args: argparse.Namespace) -> int:
    from .events import filter_events, read_events
    from .history import corridor_as_of

    events = read_events()
    if args.as_of is not None:
        day = parse_day(args.as_of, what="--as-of")
        with warnings.catch_warnings():  # past the data's end: said below in one line, not as a Python warning
            warnings.simplefilter("ignore", UserWarning)
            state = corridor_as_of(load_corridor(), day, events=events)
        print(json.dumps(state.as_dict(), indent=2, ensure_ascii=False) if args.json else state)
        if args.json and state.past_data_end:
            print(f"idlib-corridor: {state.data_end_note}", file=sys.stderr)
        return 0
    ev = filter_events(events, start=args.start, end=args.end, types=args.type)
    if args.json:
        import shapely.geometry

        cols = ["id", "date", "date_precision", "date_end", "date_by", "type", "name", "description"]
        cols += ["post", "place", "road_at", "route", "source", "confidence", "location_confidence", "date_note"]
        records = []
        for i in range(len(ev)):
            rec = {c: (None if is_missing(ev[c].iloc[i]) else ev[c].iloc[i]) for c in cols if c in ev.columns}
            post = rec.get("post")
            rec["post"] = None if post is None else int(post)
            geom = ev.geometry.iloc[i]
            rec["geometry"] = None if geom is None else shapely.geometry.mapping(geom)
            records.append(rec)
        print(json.dumps(records, indent=2, ensure_ascii=False, default=list))
        return 0
    rows = [("date", "type", "event", "where")]
    for i in range(len(ev)):
        r = ev.iloc[i]
        when = r["date"] if is_missing(r["date_end"]) else f"{r['date']}/{r['date_end']}"
        if not is_missing(r["post"]):
            where = f"post {int(r['post'])}"
        elif not is_missing(r["place"]):
            where = str(r["place"])
        elif not is_missing(r.get("road_at")):
            where = f"M4 at {r['road_at']}"
        elif not is_missing(r["route"]):
            where = "M4 " + " - ".join(r["route"])
        else:
            where = "-"
        rows.append((when, r["type"], r["name"], where))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    print(f"{len(ev)} event(s); month-only dates (YYYY-MM) are kept as the source gives them")
    return 0


def _partial_date(text: str) -> str:
    try:
        return validate_partial_date(text.strip(), where="date") or ""
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {str(exc).removeprefix('date: ')}") from None


def _cmd_classify(args: argparse.Namespace) -> int:
    from ._io import check_output_path
    from .classify import classify_file
    from .dataset import is_dataset

    dataset = str(args.input) != "-" and (is_dataset(args.input) or args.scheduler is not None)
    if dataset:
        return _classify_dataset(args)
    to_stdout = str(args.output) == "-"
    if not to_stdout:
        check_output_path(args.output)  # before the model is built
    c = _corridor(args)
    with _progress_bar(args) as update:
        report = classify_file(
            c, args.input, args.output, layer=args.layer, input_format=args.input_format,
            output_format=args.output_format, progress=update, **_reading_options(args),
        )  # fmt: skip
    with _written_whole("the standard output's rows" if to_stdout else args.output):
        _report_classify(args, report, out=sys.stderr if to_stdout else sys.stdout)
    return 0


def _reading_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the options classify takes alike for a file and for a dataset's every file."""
    return {
        "lon_col": args.lon_col, "lat_col": args.lat_col, "chunk_rows": args.chunk_rows, "strict": args.strict,
        "delimiter": args.delimiter, "encoding": args.encoding or "utf-8",
        "prefix": None if args.refuse_clashes else args.prefix, "keep_text": args.keep_text,
    }  # fmt: skip


def _classify_dataset(args: argparse.Namespace) -> int:
    """Classify a folder or glob of files into a GeoParquet dataset (``classify DIR -o OUT_DIR/``)."""
    from ._io import check_output_folder
    from .dataset import classify_dataset

    for given, option in (
        (args.layer, "--layer"), (args.input_format, "--input-format"), (args.output_format, "--output-format")
    ):  # fmt: skip
        if given is not None:
            raise ValueError(f"{option} applies to one file; a dataset's files are CSV or Parquet, by extension")
    if _is_file_name(args.output) or str(args.output) == "-":
        raise ValueError(f"output {args.output}: a dataset is written as a folder of GeoParquet files; name a folder")
    check_output_folder(args.output)  # before the model is built
    c = _corridor(args)
    with _progress_bar(args) as update:
        report = classify_dataset(
            c, str(args.input), args.output, scheduler=args.scheduler, progress=update, **_reading_options(args)
        )
    where = "in this process" if report.scheduler == "in-process" else f"{report.scheduler}, {report.workers} workers"
    _report_classify(args, report, f"{report.files} GeoParquet files ({where}), ")
    return 0


def _is_file_name(path: Path) -> bool:
    """Tell whether ``path`` ends like a file classify writes (``.csv``, ``.parquet``...), not a folder."""
    from ._point_files import format_of

    try:
        format_of(path, "output")
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def _progress_bar(args: argparse.Namespace) -> Iterator[Callable[[int], Any] | None]:
    """Give classify's progress callback: a bar on a terminal's stderr (none with --quiet), closed afterwards."""
    if args.quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(unit=" rows", unit_scale=True, desc="classifying", file=sys.stderr, dynamic_ncols=True)
    try:
        yield bar.update
    finally:
        bar.close()


def _report_classify(args: argparse.Namespace, report: Any, what: str = "", out: Any = None) -> None:
    """Print a classify run's warnings, then its figures (``--json``) or its one summary line, on ``out``.

    ``out`` is the standard output unless the rows went there (``-o -``).
    """
    figures = report.as_dict()
    _warn_rows(figures, "Use --strict to stop at the first one.")
    out = out or sys.stdout
    if args.json:
        print(json.dumps(figures, ensure_ascii=False), file=out)
    elif not args.quiet:
        where = "the standard output" if str(report.output) == "-" else report.output
        print(
            f"wrote {where}: {what}{counted(report.rows, 'row')} in {report.seconds:.1f} s "
            f"({report.rows_per_second:,.0f} rows/s)",
            file=out,
        )


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


class _Parser(argparse.ArgumentParser):
    """A parser whose usage errors are one line, like every other error of the command (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Print ``idlib-corridor: error: MESSAGE (see PROG --help)`` on stderr and exit with status 2.

        The line starts as every other error of the program does; the help it points to is the command's own.
        """
        self.exit(2, f"{self.prog.split()[0]}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--m4", metavar="FILE", help="use this M4 line (GeoJSON, GeoPackage...) instead of the shipped one"
    )
    common.add_argument(
        "--width-km", type=_finite, default=DEFAULT_WIDTH_KM,
        help=f"corridor depth each side of the road, over 0 and up to {MAX_WIDTH_KM:g} (default {DEFAULT_WIDTH_KM:g})",
    )  # fmt: skip

    p = _Parser(
        prog="idlib-corridor",
        description="The Idlib security corridor of 5 March 2020: M4, patrol segment, corridor and observation posts.",
    )
    from . import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("summary", parents=[common], help="print the model's lengths and area")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=_cmd_summary)

    q = sub.add_parser("query", parents=[common], help="distance, corridor, side, chainage and nearest post of a point")
    q.add_argument("lon", type=_finite, help="longitude, degrees (WGS84)")
    q.add_argument("lat", type=_finite, help="latitude, degrees (WGS84)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=_cmd_query)

    m = sub.add_parser("map", parents=[common], help="write the interactive HTML map")
    m.add_argument("-o", "--output", type=Path, default=Path("idlib_corridor_map.html"), help="HTML file to write")
    m.add_argument("--offline", action="store_true", help="no basemap tile layers: no network request at all")
    m.add_argument(
        "--points",
        action="append",
        metavar="PATH",
        help="a file of your points classify reads, drawn clustered as a layer named for the file (repeatable)",
    )
    m.add_argument("--color-by", help="colour the points by in_corridor (default), side, or a column of the file")
    dates = m.add_mutually_exclusive_group()
    dates.add_argument("--date-col", help="the points' date column, for the time slider (default: event_date, date...)")
    dates.add_argument("--no-dates", action="store_true", help="leave the points out of the time slider")
    _add_reading_options(m)
    m.set_defaults(func=_cmd_map)

    _add_export(sub, common)
    _add_profile(sub, common)
    _add_classify(sub, common)

    o = sub.add_parser("fetch-osm", help="fetch the real M4 line from OpenStreetMap (needs the internet)")
    o.add_argument("-o", "--output", type=Path, required=True, help="folder (or .geojson file) to write")
    o.add_argument("--url", help="Overpass API endpoint (default: the public one, geo.osm.OVERPASS_URL)")
    o.set_defaults(func=_cmd_fetch_osm)

    _add_events(sub)
    return p


def _add_profile(sub: Any, common: argparse.ArgumentParser) -> None:
    pr = sub.add_parser(
        "profile", parents=[common], help="chart events along the patrol route in space and time (PNG, SVG, HTML)"
    )
    pr.add_argument("input", nargs="?", help="a file of events classify reads (default: the project's own events)")
    pr.add_argument("-o", "--output", type=Path, required=True, help="the chart: .png, .svg or .html")
    pr.add_argument("--color-by", help="the column that colours the events (default: type, or in_corridor for a file)")
    pr.add_argument("--date-col", help="the events' date column (default: event_date, date, ... any case)")
    pr.add_argument("--within-km", type=_finite, help="keep events this near the patrol segment (default: the width)")
    _add_reading_options(pr)
    pr.set_defaults(func=_cmd_profile)


def _add_export(sub: Any, common: argparse.ArgumentParser) -> None:
    from .export import DEFAULT_EXPORT_FORMAT, EXPORT_FORMATS

    e = sub.add_parser("export", parents=[common], help="write every layer for QGIS / Google Earth")
    e.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    e.add_argument("--format", choices=list(EXPORT_FORMATS), default=DEFAULT_EXPORT_FORMAT)
    e.add_argument(
        "--points",
        action="append",
        metavar="FILE",
        help="also export this file of points (any file classify reads, classified or not) as a layer named "
        "after it; repeatable",
    )
    _add_reading_options(e)
    e.set_defaults(func=_cmd_export)


def _add_reading_options(p: argparse.ArgumentParser) -> None:
    """Add how to read a file of points (classify's input, profile's, --points): columns, separator, encoding, layer."""
    from ._point_files import LAT_NAMES, LON_NAMES

    p.add_argument("--lon-col", help=f"longitude column (default: {', '.join(LON_NAMES[:-1])} or {LON_NAMES[-1]})")
    p.add_argument("--lat-col", help=f"latitude column (default: {', '.join(LAT_NAMES[:-1])} or {LAT_NAMES[-1]})")
    p.add_argument("--delimiter", help="a CSV's separator (default: sniffed among , ; tab |)")
    p.add_argument("--encoding", help="a CSV's encoding, e.g. latin-1 or cp1252 (default: utf-8)")
    p.add_argument("--layer", help="the GeoPackage layer or Excel sheet to read (default: the only one / the first)")


def _add_classify(sub: Any, common: argparse.ArgumentParser) -> None:
    from ._point_files import DEFAULT_CHUNK_ROWS, FILE_FORMATS
    from ._point_writers import DEFAULT_PREFIX

    formats = FILE_FORMATS.values()
    labels = "/".join(f.label for f in formats)
    k = sub.add_parser("classify", parents=[common], help=f"append the query columns to every row of a {labels} file")
    extensions = ", ".join(e for f in formats for e in f.extensions)
    k.add_argument(
        "input", type=Path,
        help=f"input file ({extensions}), or - for the standard input; or a folder or quoted glob of CSV/Parquet "
        "files (a dataset: written as a folder of GeoParquet files)",
    )  # fmt: skip
    writable = ", ".join(e for f in formats if f.output for e in f.extensions)
    k.add_argument(
        "-o", "--output", type=Path, required=True,
        help=f"output file ({writable}), format from its extension; - for the standard output (CSV, or "
        "--output-format), written once the run is complete; for a dataset, a new or empty folder",
    )  # fmt: skip
    k.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="classify a dataset on a dask cluster: local (a LocalCluster, one worker per core) or a scheduler's "
        "address such as tcp://host:8786 (default: in this process)",
    )  # fmt: skip
    by_rows = ", ".join(f.label for f in formats if f.by_rows)
    k.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, help=f"rows per chunk ({by_rows})")
    k.add_argument(
        "--input-format", choices=list(FILE_FORMATS), help="the input's format (default: from its extension; csv for -)"
    )
    k.add_argument(
        "--output-format", choices=[name for name, f in FILE_FORMATS.items() if f.output],
        help="the format written to the standard output, with -o - (default: csv)",
    )  # fmt: skip
    _add_reading_options(k)
    k.add_argument("--strict", action="store_true", help="stop at the first row with missing or invalid coordinates")
    k.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
    k.add_argument(
        "--keep-text", action="store_true",
        help="write a CSV's columns as text (default: a column of numbers, ISO dates or times gets that type)",
    )  # fmt: skip
    k.add_argument(
        "--json", action="store_true",
        help="print the run's figures as one JSON object on stdout (on stderr with -o -)",
    )  # fmt: skip
    k.add_argument(
        "--prefix", default=DEFAULT_PREFIX,
        help=f"put before an added column's name when the input has that column already (default {DEFAULT_PREFIX})",
    )  # fmt: skip
    k.add_argument(
        "--refuse-clashes", action="store_true",
        help="refuse the run, rather than prefix, when the input has a column the output adds",
    )  # fmt: skip
    k.set_defaults(func=_cmd_classify)


def _add_events(sub: Any) -> None:
    from .events import EVENT_TYPES

    v = sub.add_parser("events", help="print the dated events of the corridor's history (or its state on a day)")
    v.add_argument("--from", dest="start", type=_partial_date, metavar="DATE", help="from this date (YYYY[-MM[-DD]])")
    v.add_argument("--to", dest="end", type=_partial_date, metavar="DATE", help="up to this date, inclusive")
    v.add_argument(
        "--type", action="append", metavar="TYPE",
        help=f"keep events of this type (repeatable): {', '.join(EVENT_TYPES)}",
    )  # fmt: skip
    v.add_argument("--as-of", metavar="DAY", help="print the state of the corridor and posts at the end of this day")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.set_defaults(func=_cmd_events)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 on success; 2 with one line on stderr for a user error; 128 + the signal's number
    when stopped by SIGTERM (143) or SIGINT (130); 141 (128 + SIGPIPE, what a shell
    reports for a command killed by it) without a word when the reader of the output
    has gone (``idlib-corridor events | head -1``).
    """
    from ._io import Interrupted, raise_on_signals

    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit:  # --help, a usage error: argparse printed (and ignored a closed pipe)
            _flush_stdout()
            raise
        stdout = _NamedStdout(sys.stdout if sys.stdout is not None else _ClosedStdout())
        # A command's temporary files and folders are removed on SIGTERM too.
        with contextlib.redirect_stdout(stdout), raise_on_signals():
            status = int(args.func(args))
            _flush_stdout()  # a reader gone shows here, not at exit
        return status
    except BrokenPipeError:
        return _reader_gone()
    except (ValueError, OSError) as exc:  # DataError, input and output errors: a clear message, no traceback
        print(f"idlib-corridor: error: {_option_words(_one_line(exc))}", file=sys.stderr)
        return 2
    except Interrupted as exc:  # SIGTERM or SIGINT: the output's temporary file is gone already
        print(f"idlib-corridor: stopped by {exc}; {exc.written}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:  # Ctrl-C outside a run that catches it
        print("idlib-corridor: stopped by SIGINT", file=sys.stderr)
        return 130


def _flush_stdout() -> None:
    """Flush the standard output, if the program was started with one (not ``>&-``, where it is None)."""
    if sys.stdout is not None:
        sys.stdout.flush()


class _NamedStdout:
    """The standard output, whose write errors name it (``> /dev/full``): an OSError there has no file name.

    A reader gone (BrokenPipeError) is left as it is: the program's quiet exit (141).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text``."""
        from ._io import stdout_errors

        with stdout_errors():
            return int(self._stream.write(text))

    def flush(self) -> None:
        """Flush what is buffered."""
        from ._io import stdout_errors

        with stdout_errors():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStdout:
    """The standard output of a program started without one (``>&-``): a write to it fails, saying so.

    Python would drop what is printed there, and a command whose work is to print would end
    well having said nothing.
    """

    def write(self, text: str) -> int:
        """Refuse ``text``."""
        from ._io import STDOUT_CLOSED

        raise ValueError(STDOUT_CLOSED)

    def flush(self) -> None:
        """Nothing is held to flush."""

    #: No binary stream beneath (``classify -o -`` looks for one before it reads a row).
    buffer = None

    def isatty(self) -> bool:
        """No terminal."""
        return False

    def fileno(self) -> int:
        """No file descriptor."""
        raise OSError(errno.EBADF, "the standard output is closed")


@contextlib.contextmanager
def _written_whole(what: object) -> Iterator[None]:
    """Print the lines that tell of outputs written; a standard output that fails says ``what`` is whole all the same.

    The lines are flushed here, so a closed or full standard output fails within this block.
    """
    try:
        yield
        sys.stdout.flush()
    except ValueError as exc:
        raise ValueError(f"{exc}; {what} is written whole all the same") from None


def _reader_gone() -> int:
    """Quietly end a run whose standard output was closed by its reader; returns 141 (128 + SIGPIPE).

    What Python's documentation advises (``signal``, "Note on SIGPIPE"): point the
    standard output at ``os.devnull``, so the interpreter's last flush at exit does not
    fail a second time and print a traceback.
    """
    with contextlib.suppress(OSError, ValueError):  # a stdout with no file descriptor (a test's capture)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 128 + _SIGPIPE


def _one_line(exc: BaseException) -> str:
    """Return the error's message on one line (an OSError's errno text and file when it has them)."""
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    else:
        text = str(exc)
    return " ".join(text.split())


#: A message's ``name=value`` of a library parameter (a value given: quoted, or a number), and the option that sets it.
_PARAMETER_GIVEN = re.compile(r"\b(width_km|within_km|chunk_rows|point_color|color_by|date_col)=(?=['\"\d.-])")
_OPTION_OF = {"point_color": "--color-by"}
#: A library's words for what the program says with an option of no value, or with no value given.
_PHRASES = {"date_col=None": "--no-dates", "(date_col=)": "(--date-col)"}


def _option_words(message: str) -> str:
    """Return a library message in the program's words: ``width_km=0.0`` becomes ``--width-km 0.0``.

    Examples
    --------
    >>> _option_words("a.csv: point_color='nope' is not a column")
    "a.csv: --color-by 'nope' is not a column"
    >>> _option_words("a.csv: row 1 holds 'xx' (date_col=None for none)")
    "a.csv: row 1 holds 'xx' (--no-dates for none)"
    """
    for words, option in _PHRASES.items():
        message = message.replace(words, option)
    return _PARAMETER_GIVEN.sub(lambda m: _OPTION_OF.get(m[1], "--" + m[1].replace("_", "-")) + " ", message)


def console() -> int:
    """Run the ``idlib-corridor`` program, a process of its own; returns :func:`main`'s exit status.

    The objects alive once the modules are imported, and again once the command is done,
    are moved out of reach of Python's cyclic garbage collector (:func:`gc.freeze`). Else
    its collections during a long run walk the million objects of pandas, GeoPandas,
    numba and LLVM again and again, and its collection at exit walks them all once more:
    0.2 to 0.3 s of a 10-million-row ``classify``, nothing of which is garbage. Not for
    :func:`main` called within a longer-lived process (a test, a notebook), whose garbage
    would then never be collected.

    GDAL's own messages (``ERROR 1: ...``, printed by its default handler, some from threads
    where no other handler is installed) go to the null device unless ``CPL_LOG`` says
    otherwise: an error GDAL reports reaches the user as the program's one line, and one it
    does not report is caught by the checks that follow it (a file cut short, a count short).
    """
    os.environ.setdefault("CPL_LOG", os.devnull)
    gc.freeze()
    status = main()
    gc.freeze()  # the process ends: nothing is left to collect
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())
