"""Distances from identities and from a multiple alignment; TSV and PHYLIP writers."""

import math

import numpy as np
import pytest
from skbio import DistanceMatrix

from phylo.align.distances import (JC_MAX, from_identities, identity_to_distance, msa_counts, site_identity,
                                   write_phylip, write_tsv)
from phylo.align.pairwise import msa_distance_data
from phylo.errors import PhyloError, InputError


def test_p_and_jukes_cantor():
    assert identity_to_distance(1.0) == 0.0
    assert identity_to_distance(0.75) == pytest.approx(0.25)
    p = 0.2
    assert identity_to_distance(1 - p, "jc") == pytest.approx(-0.75 * math.log(1 - 4 / 3 * p))
    assert identity_to_distance(1.0, "jc") == 0.0


def test_jukes_cantor_saturation_is_capped():
    assert identity_to_distance(0.25, "jc") == pytest.approx(JC_MAX)  # p = 3/4: undefined
    assert identity_to_distance(0.0, "jc") == pytest.approx(JC_MAX)
    assert np.isfinite(identity_to_distance(np.array([0.0, 0.1, 0.9]), "jc")).all()
    with pytest.raises(InputError):
        identity_to_distance(0.5, "k2p")


def test_from_identities():
    dm = from_identities(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], [0.9, 0.8, 0.7])
    assert dm.ids == ("a", "b", "c")
    assert dm["a", "c"] == pytest.approx(0.2) and dm["c", "b"] == pytest.approx(0.3)
    with pytest.raises(PhyloError, match="no alignment for the pair"):
        from_identities(["a", "b", "c"], [(0, 1)], [0.9])


def test_msa_ignores_columns_gapped_in_both():
    msa = {"a": "AC-GT", "b": "AC-GA", "c": "A--GT"}
    labels, pairs, counts = msa_counts(msa)
    ident = [site_identity(c, "columns") for c in counts]
    # a/b: 4 columns (col 3 is gap in both), 3 matches; a/c: 4 columns, 3 matches
    assert dict(zip(pairs, ident)) == {(0, 1): 0.75, (0, 2): 0.75, (1, 2): 0.5}
    assert msa_distance_data(msa, gaps="columns", correction=None)["matrix"][0, 1] == pytest.approx(0.25)
    with pytest.raises(PhyloError):
        msa_distance_data({"a": "ACG", "b": "AC"})


def test_msa_counts_gap_runs_per_pair():
    # a/b: a run of two columns where b has the gaps, with a column gapped in both inside
    # it (not part of this pair, so the run goes on), then a column where a has the gap;
    # a/c: one gap column, one mismatch
    msa = {"a": "AC-GT-A", "b": "A---TCA", "c": "ACTGT-T"}
    labels, pairs, counts = msa_counts(msa)
    ab, ac = counts[0], counts[1]
    assert (ab["columns"], ab["pairs"], ab["matches"], ab["gap_runs"]) == (6, 3, 3, 2)
    assert (ac["columns"], ac["pairs"], ac["matches"], ac["gap_runs"]) == (6, 5, 4, 1)
    assert ab["identity"] == pytest.approx(3 / 6)
    # runs: each gap run is one differing site; affine: plus one per 15 gap columns
    ident = [site_identity(c, "runs") for c in counts]
    assert ident[0] == pytest.approx(3 / 5) and ident[1] == pytest.approx(4 / 6)
    ident = [site_identity(c) for c in counts]
    assert ident[0] == pytest.approx(3 / (3 + 2 + 3 / 15)) and ident[1] == pytest.approx(4 / (5 + 1 + 1 / 15))


def test_a_gap_run_between_different_gaps_in_each_sequence_counts_twice():
    # a's gap run and then b's gap run, next to each other: two runs
    _, _, counts = msa_counts({"a": "AC--GT", "b": "ACTA--"})
    assert counts[0]["gap_runs"] == 2 and counts[0]["pairs"] == 2


def test_site_identity_counts_gaps_as_asked():
    counts = {"matches": 95, "columns": 300, "pairs": 100, "gap_runs": 2}  # 200 gap columns
    assert site_identity(counts, "columns") == pytest.approx(95 / 300)
    assert site_identity(counts, "runs") == pytest.approx(95 / 102)
    assert site_identity(counts) == pytest.approx(95 / (102 + 200 / 15))
    with pytest.raises(InputError, match="gap counting"):
        site_identity(counts, "blocks")
    with pytest.raises(InputError, match="linear gap"):
        site_identity(dict(counts, gap_runs=None))


def test_writers_round_trip(tmp_path):
    labels = ["reuters_2024-01-02_a-long-label", "b", "c"]
    dm = from_identities(labels, [(0, 1), (0, 2), (1, 2)], [0.9, 0.8, 0.7], correction="jc")
    write_tsv(dm, tmp_path / "d.tsv")
    write_phylip(dm, tmp_path / "d.phy")
    header = (tmp_path / "d.tsv").read_text().splitlines()[0]
    assert header.split("\t") == [""] + labels
    tsv = DistanceMatrix.read(str(tmp_path / "d.tsv"), format="lsmat")
    phy = DistanceMatrix.read(str(tmp_path / "d.phy"), format="phylip_dm")
    assert tsv.ids == phy.ids == tuple(labels)
    assert np.allclose(tsv.data, dm.data) and np.allclose(phy.data, dm.data)
    assert (tmp_path / "d.phy").read_text().splitlines()[0].strip() == "3"
    with pytest.raises(PhyloError, match="whitespace"):
        write_phylip(DistanceMatrix([[0, 1], [1, 0]], ids=["a b", "c"]), tmp_path / "x.phy")


def test_writers_write_what_skbio_writes_from_plain_data_too(tmp_path):
    import io

    labels = ["a.2024-01-02", "b", "c.2"]
    dm = from_identities(labels, [(0, 1), (0, 2), (1, 2)], [0.91, 0.8, 1 / 3], correction="jc")
    for data in (dm, {"labels": labels, "matrix": dm.data}):  # a DistanceMatrix, or plain data without skbio
        write_tsv(data, tmp_path / "d.tsv")
        write_phylip(data, tmp_path / "d.phy")
        for name, options in (("d.tsv", {"format": "lsmat"}), ("d.phy", {"format": "phylip_dm", "layout": "square"})):
            theirs = io.StringIO()
            dm.write(theirs, **options)  # scikit-bio's own writer is the reference
            assert (tmp_path / name).read_text() == theirs.getvalue(), name
