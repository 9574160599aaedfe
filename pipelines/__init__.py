"""The pipelines that run on phylo's stage runner, by name (``phylo run --pipeline NAME``).

Each module exposes ``STAGES`` (its list of ``phylo.engine.runner.Stage``),
``register(parser)``, which adds its own options to ``phylo run``, and
``main(args) -> int``, which turns those options into plain parameters and runs the
stages. Pipelines import only ``phylo``; nothing in ``phylo`` but the command line
imports them.
"""

PIPELINES = {
    "news": "pipelines.news",
    "mlp": "pipelines.mlp",
    "wavelet": "pipelines.wavelet",
}
