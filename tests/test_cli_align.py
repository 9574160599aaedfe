"""``phylo encode``, ``decode`` and ``align`` as a user runs them (python -m phylo)."""

import subprocess
import sys

import pytest
from skbio import DistanceMatrix

ARTICLES = {
    "orig": "The council approved the new budget on Monday after a long debate about schools.",
    "copy": "The council approved the new budget on Monday after a long debate about the schools.",
    "other": "Heavy rain is expected across the region this weekend, forecasters said.",
}


def phylo(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "phylo", *args], input=stdin, capture_output=True, text=True)


def test_encode_decode_round_trip(tmp_path):
    src = tmp_path / "hello.txt"
    src.write_text("Hello, World! 42.", encoding="utf-8")
    enc = phylo("encode", str(src))
    assert enc.returncode == 0, enc.stderr
    assert enc.stdout.startswith(">hello\n")
    dec = phylo("decode", "-", stdin=enc.stdout)
    assert dec.returncode == 0 and dec.stdout == "HELLO WORLD 42.\n"


def test_encode_options():
    out = phylo("encode", "--normalize", "--id", "x", stdin="née")
    assert phylo("decode", "--ids", stdin=out.stdout).stdout == "x\tNEE\n"
    a = phylo("encode", "--frame", "--seed", "3", stdin="hi").stdout
    assert a == phylo("encode", "--frame", "--seed", "3", stdin="hi").stdout
    bad = phylo("encode", "--seed", "3", stdin="hi")
    assert bad.returncode == 2 and bad.stderr == "ERROR: --seed only makes sense with --frame\n"
    missing = phylo("encode", "nope.txt")
    assert missing.returncode == 2 and missing.stderr == ("ERROR: nope.txt: no such file; give a UTF-8 text file, or - for standard "
                                                   "input\n")


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "seqs.fasta"
    parts = []
    for label, text in ARTICLES.items():
        parts.append(phylo("encode", "--id", label, stdin=text).stdout)
    path.write_text("".join(parts))
    return path


@pytest.mark.parametrize("unit, mode", [("codon", "full"), ("nt", "auto")])
def test_align_nw(tmp_path, fasta, unit, mode):
    out = tmp_path / "out"
    r = phylo("align", str(fasta), "--aligner", "nw", "--unit", unit, "--mode", mode, "--out", str(out))
    assert r.returncode == 0, r.stderr
    dm = DistanceMatrix.read(str(out / "distances.tsv"), format="lsmat")
    assert dm.ids == ("orig", "copy", "other")
    assert dm["orig", "copy"] < 0.1 < dm["orig", "other"]
    assert DistanceMatrix.read(str(out / "distances.phy"), format="phylip_dm").ids == dm.ids
    assert not (out / "msa.fasta").exists()


def test_align_counts_gap_runs_or_columns_as_asked(tmp_path, fasta):
    # "copy" adds one word ("the "): one gap run of 12 nt. Counting runs, the p-distance is
    # that run as one differing site; affine adds 12/15 of a site; columns: all 12 differ.
    from phylo.align.nw import align_pair
    from phylo.align.encoding import encode

    r = align_pair(encode(ARTICLES["orig"]), encode(ARTICLES["copy"]))
    assert r["gap_runs"] == 1 and r["columns"] - r["pairs"] == 12
    got = {}
    for gaps in ("runs", "affine", "columns"):
        out = tmp_path / gaps
        done = phylo("align", str(fasta), "--gaps", gaps, "--correction", "none", "--out", str(out))
        assert done.returncode == 0, done.stderr
        got[gaps] = DistanceMatrix.read(str(out / "distances.tsv"), format="lsmat")["orig", "copy"]
    assert got["runs"] == pytest.approx(1 - r["matches"] / (r["pairs"] + 1), abs=1e-9)
    assert got["affine"] == pytest.approx(1 - r["matches"] / (r["pairs"] + 1 + 12 / 15), abs=1e-9)
    assert got["columns"] == pytest.approx(1 - r["matches"] / r["columns"], abs=1e-9)
    assert got["runs"] < got["affine"] < got["columns"]


def test_align_mafft(tmp_path, fasta):
    out = tmp_path / "out"
    r = phylo("align", str(fasta), "--aligner", "mafft", "--strategy", "fftns2", "--correction", "none",
              "--threads", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    dm = DistanceMatrix.read(str(out / "distances.tsv"), format="lsmat")
    assert dm["orig", "copy"] < dm["orig", "other"]
    assert (out / "msa.fasta").read_text().count(">") == 3


def test_align_errors(tmp_path, fasta):
    r = phylo("align", str(tmp_path / "none.fasta"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr == (f"ERROR: {tmp_path / 'none.fasta'}: no such file; give a FASTA file "
                                          "such as 'phylo encode' writes\n")
    one = tmp_path / "one.fasta"
    one.write_text(">a\nACT\n")
    r = phylo("align", str(one), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "needs at least two FASTA records" in r.stderr
    env_missing = subprocess.run([sys.executable, "-m", "phylo", "align", str(fasta), "--aligner", "mafft",
                                  "--out", str(tmp_path / "o")], capture_output=True, text=True,
                                 env={"PATH": "", "PHYLO_MAFFT": str(tmp_path / "nope")})
    assert env_missing.returncode == 2 and "mafft is not installed" in env_missing.stderr


def test_help_of_each_command():
    for cmd in ("encode", "decode", "align"):
        r = phylo(cmd, "--help")
        assert r.returncode == 0 and cmd in r.stdout
