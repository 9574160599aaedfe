"""Lineage rows as the report and the exports read them: every key of the lineage schema
(``shared/SCHEMA.md`` of the project notes; ``phylo.trees.lineage`` produces the rows),
with defaults for rows written before verdicts existed, and the copy edges they imply.

A row from an older run has only ``label``, ``source``, ``identity``, ``confidence``,
``containment`` and ``note``: its verdict is then read from those (a source: copied; the
note "earliest article": earliest; otherwise independent), so old stores and the monitor's
stored lineages still render.
"""

from __future__ import annotations

VERDICTS = ("copied", "independent", "unseen-source", "earliest")

#: What each verdict means, in the words the report shows.
VERDICT_TEXT = {
    "copied": "copied from an earlier article in the set",
    "independent": "an independent report (shares at most quoted statements, names and numbers)",
    "unseen-source": "shares text with others through a source that is not in the set",
    "earliest": "the earliest article with this text in the set",
}

#: lineage.csv (and lineage.tsv) columns: the evidence dict flattened as the schema says.
FLAT_COLUMNS = ["label", "source", "verdict", "secondary_sources", "confidence", "identity", "containment",
                "shared_passages", "longest_passage", "share_taken", "unseen_group", "note"]


def read_row(row: dict) -> dict:
    """``row`` with every schema key present (missing ones filled in from the old keys)."""
    source = row.get("source") or None
    verdict = row.get("verdict")
    if verdict not in VERDICTS:
        if source:
            verdict = "copied"
        elif (row.get("note") or "").startswith("earliest"):
            verdict = "earliest"
        else:
            verdict = "independent"
    evidence = dict(row.get("evidence") or {})
    evidence.setdefault("against", source)
    evidence.setdefault("passages", None)
    evidence.setdefault("longest_words", None)
    evidence.setdefault("share", None)
    evidence["quotes"] = list(evidence.get("quotes") or [])
    secondary = [{"label": s["label"], "share": _number(s.get("share"))}
                 for s in row.get("secondary_sources") or [] if isinstance(s, dict) and s.get("label")]
    return {
        "label": row["label"], "source": source, "verdict": verdict, "secondary_sources": secondary,
        "confidence": _number(row.get("confidence")), "identity": _number(row.get("identity")),
        "containment": _number(row.get("containment")), "evidence": evidence,
        "unseen_group": row.get("unseen_group") or (f"unseen-{row['label']}" if verdict == "unseen-source" else None),
        "note": row.get("note") or "",
    }


def share_taken(row: dict) -> float | None:
    """How much of the article its source explains: the passages' share when the evidence
    was measured against that source, else the shingle containment."""
    evidence = row["evidence"]
    if evidence.get("share") is not None and evidence.get("against") == row["source"]:
        return evidence["share"]
    return row["containment"]


def copy_edges(rows: list[dict]) -> list[dict]:
    """The arrows of the lineage, from ``read_row`` rows.

    ``kind``: ``copy`` (source -> copy), ``merge`` (a secondary source -> the copy),
    ``unseen`` (an unseen-source group -> its member) and ``quote`` (an independent report
    and the article it shares quoted statements with; not a copy, drawn without a head).
    """
    present = {r["label"] for r in rows}
    out = []
    for r in rows:
        if r["source"] in present:
            out.append({"source": r["source"], "target": r["label"], "kind": "copy", "share": share_taken(r),
                        "identity": r["identity"], "confidence": r["confidence"]})
        for sec in r["secondary_sources"]:
            if sec["label"] in present:
                out.append({"source": sec["label"], "target": r["label"], "kind": "merge", "share": sec["share"],
                            "identity": None, "confidence": None})
        if r["verdict"] == "unseen-source":
            out.append({"source": r["unseen_group"], "target": r["label"], "kind": "unseen",
                        "share": r["evidence"]["share"], "identity": None, "confidence": r["confidence"]})
        against = r["evidence"].get("against")
        if r["verdict"] == "independent" and against in present and against != r["label"]:
            out.append({"source": against, "target": r["label"], "kind": "quote", "share": r["evidence"]["share"],
                        "identity": None, "confidence": r["confidence"]})
    return out


def unseen_groups(rows: list[dict]) -> dict[str, list[str]]:
    """Each unseen-source group and its members, in row order."""
    groups: dict[str, list[str]] = {}
    for r in rows:
        if r["verdict"] == "unseen-source":
            groups.setdefault(r["unseen_group"], []).append(r["label"])
    return groups


def flat_row(row: dict) -> dict:
    """One ``read_row`` row with the nested parts as the TSV/CSV cells of the schema."""
    evidence = row["evidence"]
    return {
        "label": row["label"], "source": row["source"], "verdict": row["verdict"],
        "secondary_sources": ";".join(f"{s['label']}:{s['share']:.2f}" if s["share"] is not None else s["label"]
                                      for s in row["secondary_sources"]),
        "confidence": row["confidence"], "identity": row["identity"], "containment": row["containment"],
        "shared_passages": evidence.get("passages"), "longest_passage": evidence.get("longest_words"),
        # the coverage of the passages behind the verdict (for an independent report: of what it
        # shares with the closest earlier article); rows without evidence: what the source explains
        "share_taken": evidence["share"] if evidence.get("share") is not None else share_taken(row),
        "unseen_group": row["unseen_group"] if row["verdict"] == "unseen-source" else None,
        "note": row["note"],
    }


def _number(value) -> float | None:
    """A float, or None for missing or empty values (TSV rows read back give strings)."""
    if value is None or value == "":
        return None
    return float(value)
