"""The pipelines that run on phylo's stage runner, by name (``phylo run --pipeline NAME``).

Each module exposes ``STAGES`` (its list of ``phylo.runner.Stage``) and ``main(args) -> int``;
options live on ``phylo run`` (news) or in the pipeline's TOML config plus ``--set`` (mlp, wavelet).
"""

PIPELINES = {
    "news": "pipelines.news",
    "mlp": "pipelines.mlp",
    "wavelet": "pipelines.wavelet",
}
