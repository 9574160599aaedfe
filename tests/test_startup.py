"""What a command imports: nothing heavy to parse its arguments, no torch for the news pipeline.

Timings are measured by ``bench/startup.py``, never asserted here; these tests check the
imports that decide them, in fresh interpreters (``sys.modules`` at exit).
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "fixtures" / "tiny"

# Runs ARGS through phylo's main in this process, then prints what was imported. A finder
# placed first records every attempt to import torch, so the check means the same whether
# or not torch is installed (skbio's own probe is answered by phylo.align.scikit_bio before
# it gets here).
PROBE = """
import importlib.abc, json, sys
attempts = []
class Record(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            attempts.append(name)
        return None
sys.meta_path.insert(0, Record())
from phylo.cli.main import main
status = main(ARGS)
print("RESULT", json.dumps({"status": status, "attempts": attempts,
                            "modules": sorted(m for m in sys.modules if "." not in m)}))
"""


def run_probe(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE.replace("ARGS", repr(args))], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stderr
    return json.loads(lines[-1][len("RESULT "):])


def test_the_news_pipeline_never_imports_torch(tmp_path):
    fasta = tmp_path / "seqs.fasta"
    fasta.write_text(">a\nACTCATTCA\n>b\nACTCATTCT\n>c\nTAGCATTCA\n")  # DNA writer codons
    for args in (["run", str(TINY / "urls.txt"), "--out", str(tmp_path / "run"), "--executor", "serial",
                  "--no-progress"],
                 ["run", str(TINY / "urls.txt"), "--stories", "--out", str(tmp_path / "stories"), "--executor",
                  "serial", "--no-progress"],
                 ["align", str(fasta), "--out", str(tmp_path / "aligned")],
                 ["tree", str(tmp_path / "aligned" / "distances.tsv")]):
        result = run_probe(args)
        assert result["status"] == 0, args
        assert result["attempts"] == [] and "torch" not in result["modules"], args
    # the whole run used scikit-bio (trees); phylo align wrote its matrices without it
    assert "skbio" in run_probe(["tree", str(tmp_path / "aligned" / "distances.tsv")])["modules"]
    assert "skbio" not in run_probe(["align", str(fasta), "--out", str(tmp_path / "again")])["modules"]


def test_parsing_the_command_line_imports_nothing_heavy():
    code = ("import sys\nfrom phylo.cli.main import build_parser\nbuild_parser()\n"
            "print(' '.join(sorted(m for m in sys.modules if '.' not in m)))")
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                                 check=True).stdout.split())
    heavy = {"numpy", "numba", "skbio", "scipy", "torch", "tqdm", "datasketch", "matplotlib", "requests", "Bio",
             "trafilatura", "jinja2", "multiprocessing", "concurrent"}
    assert modules & heavy == set()
    assert {"phylo", "pipelines", "argparse"} <= modules  # it did build every parser


def test_import_without_answers_only_the_probing_package(tmp_path):
    (tmp_path / "heavydep.py").write_text("LOADED = True\n")
    (tmp_path / "prober").mkdir()
    (tmp_path / "prober" / "__init__.py").write_text(
        "try:\n    import heavydep\nexcept ImportError:\n    heavydep = None\n")
    code = ("import sys\nsys.path.insert(0, sys.argv[1])\n"
            "from phylo.engine.imports import import_without\n"
            "prober = import_without('prober', ('heavydep',))\n"
            "print(prober.heavydep is None, 'heavydep' in sys.modules)\n"
            "import heavydep\nprint(heavydep.LOADED)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout.split()
    assert out == ["True", "False", "True"]  # the probe found nothing; anyone else imports it as usual
