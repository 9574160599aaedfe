"""Leaf labels: unique, stable, readable, and safe in Newick without quoting.

Only letters, digits, ``-`` and ``.`` are used: Newick writers quote labels with spaces,
punctuation or (scikit-bio) underscores, and quoted labels trip up other tools.
"""

from __future__ import annotations

import re
import unicodedata


def slug(text: str, max_len: int = 28) -> str:
    """Lower-case ASCII letters, digits and single hyphens: ``"Harbor Herald!"`` -> ``harbor-herald``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return s[:max_len].rstrip("-") or "article"


def site_name(site: str) -> str:
    """A host name used as a site name loses ``www.`` and its top-level domain."""
    site = site.strip()
    if " " not in site and "." in site:
        parts = site.lower().removeprefix("www.").split(".")
        return ".".join(parts[:-1]) if len(parts) > 1 else parts[0]
    return site


def make_labels(rows: list[dict]) -> list[str]:
    """``site.YYYY-MM-DD`` per row, with ``.2``, ``.3``... on clashes, in row order.

    Only a row's own site and date go into its label (plus its rank among clashes), so
    the label of an article does not change when other articles join the list.
    """
    labels, seen = [], {}
    for row in rows:
        base = slug(site_name(row.get("site") or "article"))
        date = (row.get("published") or "")[:10]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            base = f"{base}.{date}"
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}.{seen[base]}")
    return labels
