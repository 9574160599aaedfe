"""MAFFT: the exact argument list, a real run, and the error paths of phylo.engine.external."""

import os

import pytest

from phylo.align.mafft import mafft_command, run_mafft
from phylo.align.encoding import encode
from phylo.errors import PhyloError, ToolMissing, InputError


SEQS = {
    "a": encode("The council approved the budget on Monday."),
    "b": encode("The council approved the new budget on Monday."),
    "c": encode("Council approves budget"),
}


def test_command_is_an_exact_list():
    assert mafft_command("in.fasta", threads=2) == ["mafft", "--auto", "--nuc", "--thread", "2", "in.fasta"]
    assert mafft_command("x.fa", strategy="fftns2", threads=1) == ["mafft", "--retree", "2", "--nuc", "--thread", "1", "x.fa"]
    assert mafft_command("x.fa", strategy="linsi", threads=4, executable="/opt/mafft") == [
        "/opt/mafft", "--localpair", "--maxiterate", "1000", "--nuc", "--thread", "4", "x.fa"]


def test_threads_default_to_cpu_count():
    assert mafft_command("x.fa")[-2] == str(os.cpu_count())


def test_unknown_strategy():
    with pytest.raises(InputError, match="unknown MAFFT strategy"):
        mafft_command("x.fa", strategy="fastest")


def test_real_run_aligns():
    msa = run_mafft(SEQS, threads=1)
    assert list(msa) == ["a", "b", "c"]
    assert len({len(s) for s in msa.values()}) == 1
    for label, seq in SEQS.items():
        assert msa[label].replace("-", "") == seq


def test_missing_tool_via_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYLO_MAFFT", str(tmp_path / "no-such-mafft"))
    with pytest.raises(ToolMissing, match="mafft is not installed"):
        run_mafft(SEQS)


def test_missing_tool_on_path(monkeypatch):
    monkeypatch.delenv("PHYLO_MAFFT", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissing) as err:
        run_mafft(SEQS)
    assert str(err.value) == ("mafft is not installed: install it with 'apt-get install mafft' "
                              "(Debian/Ubuntu) or set PHYLO_MAFFT")


def fake_tool(tmp_path, body):
    path = tmp_path / "fake-mafft"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_failure_surfaces_stderr(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYLO_MAFFT", fake_tool(tmp_path, "echo 'progress...' >&2\necho 'bad input line 3' >&2\nexit 1"))
    with pytest.raises(PhyloError, match="(?s)mafft failed with exit status 1.*bad input line 3"):
        run_mafft(SEQS)


def test_sigkill_hints_at_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYLO_MAFFT", fake_tool(tmp_path, "kill -9 $$"))
    with pytest.raises(PhyloError, match="out of memory"):
        run_mafft(SEQS)


def test_garbage_output_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYLO_MAFFT", fake_tool(tmp_path, "echo '>s0'; echo ACT"))
    with pytest.raises(PhyloError, match="not an alignment"):
        run_mafft(SEQS)
