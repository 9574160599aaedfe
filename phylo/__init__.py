"""phylo: who copied whom, told the way a biologist tells it for genes.

``phylo.analyze(...)`` runs the news pipeline from Python (``phylo/api.py``); it is
imported on first use, so ``import phylo`` stays light.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name in ("analyze", "Analysis"):
        from phylo import api  # the top layer, loaded lazily (tests/test_layers.py exempts this hook)

        return getattr(api, name)
    raise AttributeError(f"module 'phylo' has no attribute {name!r}")
