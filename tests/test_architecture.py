"""Specification of how the package's modules depend on each other.

The import graph is read with grimp, which sees every import statement, the ones inside
functions included; imports under ``if TYPE_CHECKING:`` are for annotations only and
never run, so they are left out.

The rules:

* The model (``MODEL``) reaches no front end (``FRONTS``: the map, the command line, classify,
  the exports), with one exception, ``DISPLAY_ONLY``: a model object may draw itself with a
  front end, as pandas' ``DataFrame.plot`` imports matplotlib, by an import inside the function
  that draws (``Corridor.explore``, and the corridor's notebook display, import ``geo.maps``).
  Such an import runs when the function is called, never when the module is imported; the
  test checks with ``ast`` that every import along an allowed edge is inside a function, and
  an allowance with no such import left is stale and fails too.
* Leaving those edges out, the import-time graph has no cycle, and ``import geo`` loads
  neither the map stack nor ``geo.maps``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

#: The map stack: loaded only when a map is built.
MAP_STACK = ("folium", "branca", "jinja2", "xyzservices")

#: Modules that model and answer (the corridor, its data, dates, queries, history): none of them
#: may reach the map, the command line, classify or the exports.
MODEL = (
    "geo.corridor", "geo.data", "geo.dates", "geo._validate", "geo.events", "geo.geodesy", "geo.history", "geo.query",
)  # fmt: skip
FRONTS = ("geo.maps", "geo.cli", "geo.classify", "geo.export")
#: Edges from the model to a front end allowed as imports inside a function only (display: ``Corridor.explore``).
DISPLAY_ONLY = (("geo.corridor", "geo.maps"),)


@pytest.fixture(scope="module")
def all_imports() -> grimp.ImportGraph:
    return grimp.build_graph("geo", exclude_type_checking_imports=True)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """The import-time graph: every import but those of ``DISPLAY_ONLY`` (inside functions, see the test below)."""
    found = grimp.build_graph("geo", exclude_type_checking_imports=True)
    for importer, imported in DISPLAY_ONLY:
        found.remove_import(importer=importer, imported=imported)
    return found


def _lines_of_imports_inside_functions(source: str) -> set[int]:
    """The line numbers of the import statements of ``source`` that are inside a function (or a method)."""
    inside: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(n.lineno for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return inside


def test_the_function_level_imports_are_told_from_the_top_level_ones():
    source = "import a\nfrom . import b\ndef f():\n    from .c import d\nclass K:\n    def m(self):\n        import e\n"
    assert _lines_of_imports_inside_functions(source) == {4, 7}


@pytest.mark.parametrize(("importer", "imported"), DISPLAY_ONLY)
def test_a_display_only_edge_is_made_of_imports_inside_functions(all_imports, importer, imported):
    details = all_imports.get_import_details(importer=importer, imported=imported)
    assert details, f"{importer} no longer imports {imported}: drop the allowance"
    source = Path(__import__(importer, fromlist=["_"]).__file__).read_text(encoding="utf-8")
    inside = _lines_of_imports_inside_functions(source)
    top_level = [d["line_contents"] for d in details if d["line_number"] not in inside]
    assert top_level == [], f"{importer} imports {imported} on import: {top_level}"


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among geo's modules (as the list of modules round it), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph.modules):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_module_imports_itself_round_a_cycle(graph):
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle():
    class Two:
        modules = frozenset({"a", "b"})

        @staticmethod
        def find_modules_directly_imported_by(module: str) -> set[str]:
            return {"b"} if module == "a" else {"a"}

    assert _cycle(Two()) == ["a", "b", "a"]  # type: ignore[arg-type]


@pytest.mark.parametrize("model", MODEL)
def test_the_model_reaches_no_front_end(graph, model):
    for front in FRONTS:
        if front in graph.modules:
            chain = graph.find_shortest_chain(importer=model, imported=front)
            assert chain is None, f"{model} reaches {front} via {chain}"


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_geo_leaves_the_map_stack_unloaded():
    loaded = _loaded_after("import geo")
    assert loaded.isdisjoint(MAP_STACK), sorted(loaded & set(MAP_STACK))
    assert "geo.maps" not in loaded


def test_the_command_line_help_leaves_the_map_stack_unloaded():
    loaded = _loaded_after("from geo.cli import _parser; _parser().format_help()")
    assert loaded.isdisjoint(MAP_STACK), sorted(loaded & set(MAP_STACK))


def test_a_corridor_and_its_text_leave_the_map_stack_unloaded_and_its_map_loads_it():
    loaded = _loaded_after("import geo; c = geo.load_corridor(); repr(c); c.summary()._repr_html_()")
    assert loaded.isdisjoint(MAP_STACK), sorted(loaded & set(MAP_STACK))
    assert {"folium", "geo.maps"} <= _loaded_after("import geo; geo.load_corridor().explore(timeline=False)")


def test_the_map_functions_are_still_there_on_first_use():
    loaded = _loaded_after("import geo; geo.build_map, geo.map_html, geo.save_map")
    assert {"folium", "geo.maps"} <= loaded
