"""The examples in docstrings run and give what they show."""

import doctest
import importlib

import pytest

MODULES = ["phylo.align.nw", "phylo.engine.imports", "phylo.align.distances", "phylo.align.mafft", "phylo.trees.grouping",
           "phylo.trees.shingles", "phylo.trees.dates", "phylo.monitor.sources", "phylo.studies.mlp.schedule",
           "phylo.align.encoding"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
