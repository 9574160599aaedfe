"""Distances from identities and from a multiple alignment; TSV and PHYLIP writers."""

import math

import numpy as np
import pytest
from skbio import DistanceMatrix

from phylo.align.distances import (JC_MAX, from_identities, from_msa, identity_to_distance,
                                   msa_identities, write_phylip, write_tsv)
from phylo.errors import PhyloError, UsageError


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
    with pytest.raises(UsageError):
        identity_to_distance(0.5, "k2p")


def test_from_identities():
    dm = from_identities(["a", "b", "c"], [(0, 1), (0, 2), (1, 2)], [0.9, 0.8, 0.7])
    assert dm.ids == ("a", "b", "c")
    assert dm["a", "c"] == pytest.approx(0.2) and dm["c", "b"] == pytest.approx(0.3)
    with pytest.raises(PhyloError, match="no alignment for the pair"):
        from_identities(["a", "b", "c"], [(0, 1)], [0.9])


def test_msa_ignores_columns_gapped_in_both():
    msa = {"a": "AC-GT", "b": "AC-GA", "c": "A--GT"}
    labels, pairs, ident = msa_identities(msa)
    # a/b: 4 columns (col 3 is gap in both), 3 matches; a/c: 4 columns, 3 matches
    assert dict(zip(pairs, ident)) == {(0, 1): 0.75, (0, 2): 0.75, (1, 2): 0.5}
    assert from_msa(msa)["a", "b"] == pytest.approx(0.25)
    with pytest.raises(PhyloError):
        from_msa({"a": "ACG", "b": "AC"})


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
