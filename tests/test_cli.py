"""The command line: summary and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from geo.cli import main


def test_summary_prints_lengths_and_area(capsys):
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "M4 highway" in out
    assert "km²" in out
    assert "Observation posts" in out


def test_summary_json_matches_the_python_summary(capsys, corridor):
    assert main(["summary", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == corridor.summary().as_dict()


def test_summary_with_another_width_reports_it(capsys):
    assert main(["summary", "--json", "--width-km", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["width_km"] == 3


def test_a_bad_m4_file_is_a_clear_error_without_traceback(tmp_path, capsys):
    bad = tmp_path / "m4.geojson"
    bad.write_text("{", encoding="utf-8")
    assert main(["summary", "--m4", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("idlib-corridor: error: ")
    assert "m4.geojson" in err
    assert "Traceback" not in err


def test_a_non_numeric_width_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["summary", "--width-km", "wide"])
    assert exc.value.code == 2
    assert "'wide' is not a number" in capsys.readouterr().err


def test_version_prints_the_installed_distributions_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"idlib-corridor {version('idlib-corridor')}\n"


def test_console_script_runs_as_a_module():
    run = subprocess.run([sys.executable, "-m", "geo.cli", "summary"], capture_output=True, text=True, check=True)
    assert "Patrol segment" in run.stdout


def test_the_installed_program_is_the_console_entry():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "idlib-corridor"]
    assert script.value == "geo.cli:console"


def test_the_program_freezes_its_objects_out_of_the_collectors_reach_and_keeps_its_status(tmp_path):
    # What the exit sees: the objects frozen (so the collection at exit walks none of them), the status main's.
    probe = (
        "import atexit, gc, sys\n"
        "from geo.cli import console\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['idlib-corridor', *sys.argv[1:]]\n"
        "sys.exit(console())\n"
    )
    ok = subprocess.run([sys.executable, "-c", probe, "summary"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    assert "Patrol segment" in ok.stdout
    assert int(ok.stderr.split("frozen ")[1]) > 10_000  # the modules of pandas, GeoPandas and the rest (none: 0)
    bad = subprocess.run(
        [sys.executable, "-c", probe, "summary", "--m4", str(tmp_path / "none.geojson")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "idlib-corridor: error: " in bad.stderr


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["summary", "--width-km", "true"], "argument --width-km: 'true' is not a number"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["query", "36.6"], "the following arguments are required: lat"),
        (["export", "--format", "shp", "-o", "x"], "invalid choice: 'shp'"),
    ],
    ids=["not-a-number", "unknown-command", "missing-argument", "unknown-format"],
)
def test_a_usage_error_is_one_line_naming_the_value_and_exit_2(capsys, argv, named):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert named in err
    assert err.startswith("idlib-corridor: error: ")  # not 'idlib-corridor query: error:'
    assert err.rstrip().endswith(f"(see idlib-corridor {'' if argv == ['bogus'] else argv[0] + ' '}--help)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", "{csv}", "-o", "{out}.csv", "--width-km", "0"], "--width-km 0.0: expected a finite width"),
        (["classify", "{csv}", "-o", "{out}.csv", "--chunk-rows", "0"], "--chunk-rows 0: expected a positive"),
        (["map", "-o", "{out}.html", "--offline", "--points", "{csv}", "--color-by", "nope"],
         "events.csv: --color-by 'nope' is not a column"),
        (["map", "-o", "{out}.html", "--offline", "--points", "{csv}", "--date-col", "nope"],
         "events.csv: --date-col 'nope' is not a column"),
        (["profile", "{csv}", "-o", "{out}.png", "--color-by", "nope"], "events.csv: --color-by 'nope': not a column"),
        (["profile", "{csv}", "-o", "{out}.png", "--within-km", "-1"], "--within-km -1.0: expected a distance of 0 km"),
        (["profile", "{csv}", "-o", "{out}.png", "--color-by", ""], "events.csv: --color-by '': not a column"),
        (["map", "-o", "{out}.html", "--offline", "--points", "{csv}", "--color-by", ""],
         "--color-by '': expected 'in_corridor', 'side' or a column"),
        # An option of how the points are read or drawn, given with no points, was silently ignored.
        (["map", "-o", "{out}.html", "--offline", "--color-by", "side"], "--color-by applies to a file of points"),
        (["map", "-o", "{out}.html", "--offline", "--no-dates"], "--no-dates applies to a file of points"),
        (["map", "-o", "{out}.html", "--offline", "--encoding", "latin-1"], "--encoding applies to a file of points"),
        (["export", "-o", "{out}", "--lat-col", "y"], "--lat-col applies to a file of points (--points FILE)"),
        (["profile", "-o", "{out}.png", "--delimiter", ";"], "--delimiter applies to a file of points (profile FILE)"),
    ],
)  # fmt: skip
def test_a_bad_option_value_is_named_by_its_option_not_the_librarys_parameter(tmp_path, capsys, argv, message):
    csv = tmp_path / "events.csv"
    csv.write_text("id,event_date,lat,lon\n1,2020-03-05,35.80,36.61\n", encoding="utf-8")
    assert main([a.format(csv=csv, out=tmp_path / "out") for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert list(tmp_path.iterdir()) == [csv]


@pytest.mark.parametrize("command", ["profile", "map", "export"])
def test_every_command_reading_points_takes_the_reading_options(tmp_path, capsys, command):
    # A Latin-1 CSV with ';', decimal commas and coordinate columns of no common name, as a European spreadsheet has it.
    src = tmp_path / "été.csv"
    src.write_bytes("id;event_date;lieu;Y;X\n1;2020-03-05;Sarāqib é;35,80;36,61\n".encode("latin-1", "replace"))
    options = ["--delimiter", ";", "--encoding", "latin-1", "--lat-col", "Y", "--lon-col", "X"]
    out = tmp_path / {"profile": "chart.svg", "map": "map.html", "export": "layers"}[command]
    argv = [command, *([str(src)] if command == "profile" else ["--points", str(src)]), "-o", str(out), *options]
    assert main(argv + (["--offline"] if command == "map" else [])) == 0, capsys.readouterr().err
    if command == "profile":
        assert "1 event within 6 km" in capsys.readouterr().out
    elif command == "map":
        assert "Sar?qib \\u00e9" in out.read_text(encoding="utf-8") or "Sar?qib é" in out.read_text(encoding="utf-8")
    else:
        import geopandas as gpd

        got = gpd.read_file(out / "été.geojson")
        assert got["lieu"].tolist() == ["Sar?qib é"]
        assert got.geometry.x.round(2).tolist() == [36.61]


@pytest.mark.parametrize(
    "argv", [["summary", "--json"], ["events"], ["classify", "{csv}", "-o", "-"]], ids=["summary", "events", "classify"]
)
def test_a_full_standard_output_is_one_line_naming_it(tmp_path, argv):
    # '> /dev/full': the write fails with ENOSPC and no file name; it said only "No space left on device".
    csv = tmp_path / "events.csv"
    csv.write_text("id,lat,lon\n1,35.80,36.61\n", encoding="utf-8")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "geo.cli", *(a.format(csv=csv) for a in argv)],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "idlib-corridor: error: output -: cannot write to the standard output: No space left on device\n"
    )


@pytest.mark.parametrize("stdout", ["closed", "full"])
@pytest.mark.parametrize("command", ["classify", "map", "profile", "export"])
def test_an_output_file_written_whole_is_said_so_when_only_its_line_on_the_standard_output_fails(
    tmp_path, command, stdout
):
    # 'classify in.csv -o out.csv > /dev/full' said only that the standard output was full: out.csv was whole.
    csv = tmp_path / "events.csv"
    csv.write_text("id,lat,lon,event_date\n1,35.80,36.61,2020-03-15\n", encoding="utf-8")
    out = tmp_path / {"classify": "out.csv", "map": "map.html", "profile": "chart.svg", "export": "layers"}[command]
    argv = {
        "classify": [str(csv), "-o", str(out)], "map": ["--offline", "-o", str(out)],
        "profile": [str(csv), "-o", str(out)], "export": ["-o", str(out)],
    }[command]  # fmt: skip
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "geo.cli", command, *argv], stderr=subprocess.PIPE, text=True, check=False,
            **({"stdout": full} if stdout == "full" else {"preexec_fn": lambda: os.close(1)}),
        )  # fmt: skip
    reason = "the standard output is closed; redirect it (> FILE)" if stdout == "closed" else (
        "cannot write to the standard output: No space left on device"
    )  # fmt: skip
    what = f"the export in {out}" if command == "export" else str(out)
    assert (run.returncode, run.stderr) == (
        2, f"idlib-corridor: error: output -: {reason}; {what} is written whole all the same\n"
    )  # fmt: skip
    if command == "classify":
        assert out.read_text(encoding="utf-8").splitlines()[1].startswith('"1","35.80","36.61","2020-03-15",')
    elif command == "export":
        assert len(list(out.iterdir())) > 5
    else:
        assert out.stat().st_size > 10_000


def test_the_summary_line_counts_one_row_as_a_row(tmp_path, capsys):
    csv = tmp_path / "events.csv"
    csv.write_text("id,lat,lon\n1,35.80,36.61\n", encoding="utf-8")
    assert main(["classify", str(csv), "-o", str(tmp_path / "out.csv")]) == 0
    assert f"wrote {tmp_path / 'out.csv'}: 1 row in " in capsys.readouterr().out
