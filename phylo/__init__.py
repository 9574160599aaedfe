"""phylo: who copied whom, told the way a biologist tells it for genes."""

__version__ = "0.1.0"
