"""The pipelines that run on phylo's stage runner, by name (``phylo run --pipeline NAME``).

Each module exposes ``STAGES`` (its list of ``phylo.runner.Stage``), ``add_arguments``
(its options on ``phylo run``) and ``main(args) -> int``.
"""

PIPELINES = {
    "news": "pipelines.news",
    "mlp": "pipelines.mlp",
    "wavelet": "pipelines.wavelet",
}
