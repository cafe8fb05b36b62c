"""Specification of how the package's modules depend on each other.

The import graph is read with grimp, which sees every import statement, the ones inside
functions included; imports under ``if TYPE_CHECKING:`` are for annotations only and
never run, so they are left out.
"""

from __future__ import annotations

import subprocess
import sys

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


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("geo", exclude_type_checking_imports=True)


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


def test_the_map_functions_are_still_there_on_first_use():
    loaded = _loaded_after("import geo; geo.build_map, geo.map_html, geo.save_map")
    assert {"folium", "geo.maps"} <= loaded
