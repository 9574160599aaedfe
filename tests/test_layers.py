"""Imports run one way: command line -> pipelines -> library -> engine.

Two checks. Statically, every import statement in the package (those inside functions
too, where a backward import would otherwise hide) names only a layer at or below its
own. At run time, every library module imports in a fresh interpreter in which the
pipelines and the command line cannot be imported at all.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Rank of each part: a module may import its own part or a part of lower rank.
RANKS = {
    "phylo": 0, "phylo.errors": 0, "phylo.engine": 0,   # the package root (version) and errors are shared
    "phylo.align": 1, "phylo.studies": 1,
    "phylo.trees": 2,
    "phylo.web": 3, "phylo.report": 3, "phylo.sim": 3,
    "phylo.monitor": 4,
    "pipelines": 5,
    "phylo.cli": 6, "phylo.api": 6, "phylo.__main__": 7,   # phylo.api runs a pipeline, as the command line does
}

# The one import allowed to run up the layers: phylo/__init__.py's lazy ``phylo.analyze``
# hook (a module __getattr__), so notebooks can write phylo.analyze without ``import phylo``
# loading the pipelines. It runs only when that attribute is asked for.
EXEMPT = {("phylo", "phylo.api")}


def part(module: str) -> str:
    """The entry of RANKS a dotted module name belongs to (its longest prefix there)."""
    pieces = module.split(".")
    for n in range(len(pieces), 0, -1):
        name = ".".join(pieces[:n])
        if name in RANKS:
            return name
    raise AssertionError(f"{module} belongs to no layer; add its package to RANKS in {__file__}")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imported(tree: ast.AST, here: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against this module's package
                base = ".".join(here.split(".")[:-node.level] + [node.module])
            # "from phylo.trees import forest" imports phylo.trees.forest
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in out if name.split(".")[0] in ("phylo", "pipelines")]


def test_every_import_runs_down_the_layers():
    wrong = []
    for path in sorted([*ROOT.glob("phylo/**/*.py"), *ROOT.glob("pipelines/**/*.py")]):
        here = module_name(path)
        mine = RANKS[part(here)]
        for line, name in imported(ast.parse(path.read_text(encoding="utf-8")), here):
            target = part(name)
            if (here, name) in EXEMPT:
                continue
            if target != part(here) and RANKS[target] >= mine and target not in ("phylo", "phylo.errors"):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} ({part(here)}) imports {name} ({target})")
    assert not wrong, "imports that run up or across a layer:\n" + "\n".join(wrong)


BLOCKER = """
import importlib, importlib.abc, pkgutil, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pipelines" or name.startswith("pipelines.") or name == "phylo.cli" or name.startswith("phylo.cli."):
            raise ImportError(f"{name} must not be imported by the library")
sys.meta_path.insert(0, Blocked())
import phylo
names = [m.name for m in pkgutil.walk_packages(phylo.__path__, "phylo.")
         if not m.name.startswith(("phylo.cli", "phylo.__main__", "phylo.api"))]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_library_imports_without_the_pipelines_or_the_command_line():
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 40  # every module was reached, not just a few


def test_the_checks_can_fail():
    # the static check sees an import hidden inside a function
    tree = ast.parse("def f():\n    from pipelines.news import make_tree\n")
    assert imported(tree, "phylo.monitor.outputs") == [(2, "pipelines.news.make_tree")]
    assert RANKS[part("pipelines.news.make_tree")] > RANKS[part("phylo.monitor.outputs")]
