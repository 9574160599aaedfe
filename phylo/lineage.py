"""Who copied whom: give the tree's neighbourhoods a direction with publication dates.

A distance tree has no arrows. Copying only runs forward in time, so an article's
likely source is the closest article published before it; an article with nothing
earlier within ``max_distance`` has no source in the set.
"""

from __future__ import annotations

import numpy as np

from phylo.trees import date_interval


def infer_sources(labels: list[str], matrix: np.ndarray, dates: dict[str, str | None],
                  max_distance: float = 0.75) -> list[dict]:
    """For each article: ``{"label", "source", "distance", "note"}`` (source None if none).

    Undated articles may have any dated article as their source, and are flagged. A bare
    date spans its whole day, so an article dated only by day may have a same-day source.
    """
    when = {label: date_interval(dates.get(label)) for label in labels}
    out = []
    for i, label in enumerate(labels):
        mine = when[label]
        candidates = [
            j for j, other in enumerate(labels)
            if j != i and when[other] is not None and (mine is None or when[other][0] < mine[1])
        ]
        best = min(candidates, key=lambda j: matrix[i, j], default=None)
        if best is not None and matrix[i, best] <= max_distance:
            note = "undated: source chosen among all dated articles" if mine is None else ""
            out.append({"label": label, "source": labels[best], "distance": float(matrix[i, best]), "note": note})
        else:
            note = "undated" if mine is None else "no earlier article is close enough"
            out.append({"label": label, "source": None, "distance": None, "note": note})
    return out
