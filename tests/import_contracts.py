"""The layers contract of ``pyproject.toml``, with layers nested in a lower one.

Our dependency rule is ``service.runtime > api > service.storage > service > domain``:
``service.runtime`` and ``service.storage`` sit inside ``service``, which import-linter's own
``layers`` contract refuses ("Modules have shared descendants"). Here a layer that contains
higher layers stands for its modules outside them, read from the import graph on each run:
a new use-case module is checked without being listed anywhere. (The package's own
``service/__init__.py`` is left out: it cannot be a layer without containing the others.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import cast

import grimp
from importlinter.contracts.layers import Layer, LayersContract, ModuleTail
from importlinter.domain.contract import ContractCheck


class NestedLayersContract(LayersContract):
    type_name = "nested_layers"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        layers = cast(Sequence[Layer], self.layers)
        declared = {tail.name for layer in layers for tail in layer.module_tails}
        self.layers = [_outside_nested(layer, declared, graph) for layer in layers]  # type: ignore[assignment]
        return super().check(graph, verbose)


def _outside_nested(layer: Layer, declared: set[str], graph: grimp.ImportGraph) -> Layer:
    """``layer``, with each module that contains other layers replaced by its modules
    outside them (siblings of one layer may import each other)."""
    names: set[str] = set()
    for tail in layer.module_tails:
        nested = {name for name in declared if name.startswith(tail.name + ".")}
        names |= set(_children_outside(tail.name, nested, graph)) if nested else {tail.name}
    if names == {tail.name for tail in layer.module_tails}:
        return layer
    return Layer({ModuleTail(name) for name in names}, is_independent=False)


def _children_outside(package: str, nested: set[str], graph: grimp.ImportGraph) -> Iterator[str]:
    for child in sorted(graph.find_children(package)):
        if child in nested:
            continue
        if any(name.startswith(child + ".") for name in nested):
            yield from _children_outside(child, nested, graph)
        else:
            yield child
