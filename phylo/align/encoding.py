"""Text <-> DNA with the DNA writer table (see ``shared/dnawriter.md``).

The default is the *faithful* mode of the original web tool: upper-case the text the
way JavaScript's ``toUpperCase`` does (``ß`` -> ``SS``), write each character found in
the table as its codon and silently drop every other character. ``normalize=True``
first runs :func:`normalize_text`, which loses less (accents folded, not dropped).
``transliterate=True`` first writes other scripts in Latin letters (:func:`transliterate_text`:
Cyrillic, Greek, Chinese, Arabic... through ``anyascii``), so coverage in those languages
can be aligned at all: the table keeps only A-Z, 0-9, space and period, and a Russian
article in the faithful mode keeps little more than its spaces. :func:`kept_share` says
how much of a text an encoding keeps.

Every character is exactly one codon, so :func:`to_codes` can hand the aligner one
integer per character (unit ``codon``) or one per nucleotide (unit ``nt``).
"""

from __future__ import annotations

import random
import re
import unicodedata

import numpy as np

#: Characters in table order; the index of a character is its code for the aligner.
CHARS = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .") + ["start", "stop"]
_CODONS = (
    "ACT CAT TCA TAC CTA GCT GTC CGT CTG TGC TCG ATC ACA CTC TGT GAG TAT CAC TGA TAG "
    "GAT GTA ATG AGT GAC GCA ATA TCT GCG GTG AGA CGC ATT ACC AGG CAA AGC ACG TTG TAA"
).split()
#: The DNA writer table: character (or ``start``/``stop``) -> codon, 40 entries.
TABLE: dict[str, str] = dict(zip(CHARS, _CODONS))
#: Reverse table: codon -> character (``start``/``stop`` decode as those words).
CODON_TO_CHAR: dict[str, str] = {codon: char for char, codon in TABLE.items()}
START, STOP = TABLE["start"], TABLE["stop"]
UNITS = ("codon", "nt")

_JUNK_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# normalize_text: letters NFKD does not decompose, and typographic punctuation.
_FOLD = str.maketrans({
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-",  # hyphens stay hyphens (dropped by the table, as before)
    "\u2012": " ", "\u2013": " ", "\u2014": " ", "\u2015": " ", "\u2212": " ",  # dashes part words
})
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Normalise text so that encoding loses less than the original tool.

    Steps: typographic quotes become ASCII quotes, en/em dashes and the minus sign become
    a space (they separate words, and the table would glue the words together), letters
    without a decomposition are spelled out (``æ`` -> ``ae``, ``ø`` -> ``o``), then NFKD
    splits accented letters into base letter + combining marks and the marks are removed
    (``é`` -> ``e``, ``ﬁ`` -> ``fi``), and every run of whitespace (newlines included)
    becomes one space, stripped at both ends.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_text("Café — “naïve”\\n\\n façade")
    'Cafe "naive" facade'
    """
    text = text.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", folded).strip()


_IDEOGRAPHS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def transliterate_text(text: str) -> str:
    """Other scripts in Latin letters (``anyascii``), then :func:`normalize_text`.

    Chinese characters become syllables set apart by spaces (``北京`` -> ``Bei Jing``), so
    the text keeps word-sized units rather than one run of letters per sentence.

    >>> transliterate_text("Москва, 北京")
    'Moskva, Bei Jing'
    """
    from anyascii import anyascii

    spaced = _IDEOGRAPHS.sub(r" \1 ", text)
    return normalize_text(anyascii(spaced))


def prepare(text: str, *, normalize: bool = False, transliterate: bool = False) -> str:
    """The text as the table sees it: transliterated, or normalised, or as given."""
    if transliterate:
        return transliterate_text(text)
    return normalize_text(text) if normalize else text


def kept_share(text: str, *, normalize: bool = False, transliterate: bool = False) -> float:
    """The share of the text's characters (whitespace aside) that the encoding writes.

    A character counts as kept when what the encoding makes of it contains a table
    character; whitespace is left out of both counts (every run of it is one space).
    English prose keeps about 97% (punctuation goes); Russian in the faithful mode, a
    few per cent (digits and full stops).

    >>> kept_share("Hello, world!"), kept_share("Привет, мир!"), kept_share("Привет, мир!", transliterate=True)
    (0.8333333333333334, 0.0, 0.8181818181818182)
    """
    seen: dict[str, bool] = {}
    kept = total = 0
    for char in text:
        if char.isspace():
            continue
        if char not in seen:
            made = prepare(char, normalize=normalize, transliterate=transliterate)
            seen[char] = any(c in TABLE for c in made.upper())
        kept += seen[char]
        total += 1
    return kept / total if total else 0.0


def _codons_of(text: str) -> str:
    """Upper-case (JS semantics: full Unicode case mapping) and look up; drop the rest."""
    return "".join(TABLE.get(c, "") for c in text.upper())


def encode(text: str, *, normalize: bool = False, transliterate: bool = False, frame: bool = False,
           seed: int | None = None) -> str:
    """Write text as DNA with the DNA writer table.

    Parameters
    ----------
    text : str
    normalize : bool
        Run :func:`normalize_text` first (not part of the original tool).
    transliterate : bool
        Run :func:`transliterate_text` first (other scripts in Latin letters; implies
        ``normalize``; not part of the original tool).
    frame : bool
        Add "non-coding DNA" as the original's option does: 2-4 random letters,
        ``TTG`` (start), the message, ``TAA`` (stop), 2-4 random letters.
    seed : int, optional
        Seed for the random junk, so framed output is reproducible.

    Returns
    -------
    str
        Upper-case A/C/G/T, three letters per kept character.

    Examples
    --------
    >>> encode("Hi!")
    'CGTCTG'
    """
    message = _codons_of(prepare(text, normalize=normalize, transliterate=transliterate))
    if not frame:
        return message
    rng = random.Random(seed)

    def junk() -> str:
        # 2-4 letters A-Z, written with the same table, like the original
        return _codons_of("".join(rng.choice(_JUNK_LETTERS) for _ in range(rng.randint(2, 4))))

    return junk() + START + message + STOP + junk()


def decode(seq: str) -> str:
    """Read DNA back as text, the way the original tool does.

    Triplets are read from position 0 with no resynchronisation; unknown codons and a
    trailing partial codon are dropped; start/stop codons decode as the words
    ``start``/``stop``. Case is ignored.

    Examples
    --------
    >>> decode(encode("Hello, World! 42."))
    'HELLO WORLD 42.'
    """
    seq = seq.upper()
    return "".join(CODON_TO_CHAR.get(seq[i:i + 3], "") for i in range(0, len(seq) - 2, 3))


_NOT_DNA = re.compile(r"[^ACGTacgt]")


def sequence_problem(seq: str, unit: str = "codon") -> str | None:
    """Why ``seq`` is not a DNA writer sequence that can be aligned in ``unit``, or None.

    Nucleotides only (A, C, G, T, either case), something at all, and in unit ``codon``
    whole codons of the table: anything else would be dropped without a word by
    :func:`to_codes` and the alignment would compare what is left.

    >>> sequence_problem("ACTCAT"), sequence_problem("MKVL"), sequence_problem("ACTCA")
    (None, "it has 'M' at position 1; DNA has only A, C, G and T", 'its 5 nt are not whole codons (5 is not a multiple of 3)')
    """
    if not seq:
        return "it is empty"
    bad = _NOT_DNA.search(seq)
    if bad:
        return f"it has {bad.group()!r} at position {bad.start() + 1}; DNA has only A, C, G and T"
    if unit == "codon":
        if len(seq) % 3:
            return f"its {len(seq)} nt are not whole codons ({len(seq)} is not a multiple of 3)"
        upper = seq.upper()
        for k in range(0, len(upper), 3):
            if upper[k:k + 3] not in CODON_TO_CHAR:
                return (f"codon {k // 3 + 1} ({upper[k:k + 3]}) is not in the DNA writer table, "
                        "so it is not DNA writer output")
    return None


# Byte -> 2-bit nucleotide value (A0 C1 G2 T3, either case); 255 = not a nucleotide.
_NT = np.full(256, 255, dtype=np.uint8)
for _value, _letter in enumerate("ACGT"):
    _NT[ord(_letter)] = _NT[ord(_letter.lower())] = _value
# 6-bit codon value (16*nt1 + 4*nt2 + nt3) -> table index 0..39; 255 = unused codon.
_CODON_INDEX = np.full(64, 255, dtype=np.uint8)
for _index, _codon in enumerate(_CODONS):
    _CODON_INDEX[16 * _NT[ord(_codon[0])] + 4 * _NT[ord(_codon[1])] + _NT[ord(_codon[2])]] = _index
#: Table index -> 6-bit codon value (what the aligner compares position by position).
CODON_BITS = np.array(
    [16 * _NT[ord(c[0])] + 4 * _NT[ord(c[1])] + _NT[ord(c[2])] for c in _CODONS], dtype=np.uint8
)


def to_codes(seq: str, unit: str = "codon") -> np.ndarray:
    """Turn a DNA string into integer codes for the aligner.

    Parameters
    ----------
    seq : str
        DNA, either case.
    unit : {"codon", "nt"}
        ``codon``: one code per triplet read from position 0, the index of the codon in
        the table (``CHARS`` order, 0..39). Exactly like :func:`decode`, codons outside
        the table (and anything containing a non-ACGT letter, e.g. ``-`` or ``N``) and a
        trailing partial codon are skipped.
        ``nt``: A, C, G, T -> 0, 1, 2, 3; every other character (gaps, ``N``) is skipped.

    Returns
    -------
    numpy.ndarray of uint8

    Examples
    --------
    >>> to_codes("ACTCATAAA", "codon").tolist()
    [0, 1]
    >>> to_codes("ACGT-n", "nt").tolist()
    [0, 1, 2, 3]
    """
    raw = np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)
    nt = _NT[raw]
    if unit == "nt":
        return nt[nt != 255]
    if unit != "codon":
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    triplets = nt[: len(nt) - len(nt) % 3].reshape(-1, 3).astype(np.int32)
    valid = (triplets != 255).all(axis=1)
    # value = 16*first + 4*second + third: the codon as a 6-bit number
    values = 16 * triplets[valid, 0] + 4 * triplets[valid, 1] + triplets[valid, 2]
    index = _CODON_INDEX[values]
    return index[index != 255]
