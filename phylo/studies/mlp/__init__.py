"""The ``mlp`` study: "A Study in Red Herrings" rebuilt in PyTorch.

Six-hidden-layer MLPs at two abstraction levels (``matmul``: explicit tensors;
``layers``: ``nn.Linear`` stacks), trained on two paths (``loop``: a hand-written loop;
``fit``: skorch's high-level fit), on scikit-learn's iris, wine and digits, with every
difference between the original four scripts as a switch, so a knock-out/rescue
ablation can say which difference matters.

Where things happen:

- ``factors``: the switches, their allowed values, the four presets, the config defaults
  and the list of variants (presets + ablation) a run trains
- ``data``: data sets, stratified folds, feature scaling
- ``models``: the two model classes and their initialisation/bias switches
- ``schedule``: which rows each update trains on (batch coverage, shuffling, steps)
- ``loop`` / ``fit``: the two training paths
- ``train``: one (data set, variant, seed, fold) item, end to end
- ``ablation``: summary statistics and knock-out/rescue effects with intervals
- ``report``: figures, CSV/Markdown tables, TensorBoard event files
"""
