"""Branch support: resampling helpers and split counting."""

import numpy as np

from phylo.trees.support import add_support, block_weights, resample_blocks, resample_columns, splits
from phylo.trees.build import from_newick, to_newick


def test_block_weights_sum_to_the_block_count_and_depend_on_the_seed():
    w = block_weights(20, seed=3)
    assert w.sum() == 20 and len(w) == 20
    assert (w == block_weights(20, seed=3)).all() and not (w == block_weights(20, seed=4)).all()


def test_resample_blocks_keeps_whole_codons_and_repeats_blocks():
    seq = "AAACCCGGGTTT"
    assert resample_blocks(seq, np.array([1, 1, 1, 1])) == seq
    assert resample_blocks(seq, np.array([2, 0, 0, 2])) == "AAAAAATTTTTT"
    out = resample_blocks(seq * 10, block_weights(7, seed=1))
    assert len(out) % 3 == 0


def test_resample_columns_draws_the_same_columns_for_every_sequence():
    msa = {"a": "ACGT-A", "b": "ACGTTA"}
    out = resample_columns(msa, seed=2)
    assert len(out["a"]) == 6
    pairs = set(zip(out["a"], out["b"]))
    assert pairs <= set(zip(msa["a"], msa["b"]))


def test_support_is_the_share_of_replicates_with_the_same_split():
    tree = from_newick("((a:1,b:1):1,(c:1,d:1):1,e:1);")
    reps = ["((a,b),(c,d),e);", "((a,b),(c,e),d);", "((a,c),(b,d),e);", "((b,a),c,(d,e));"]
    labelled = to_newick(add_support(tree, reps))
    assert "(a:1.0,b:1.0)75:" in labelled  # {a,b} in 3 of 4 replicates
    assert "(c:1.0,d:1.0)25:" in labelled
    assert splits(from_newick("((a,b),(c,d),e);")) == splits(from_newick("(e,(d,c),(b,a));"))
