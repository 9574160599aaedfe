"""The DNA writer encoding: the table, faithful mode, normalisation, framing, codes."""

import numpy as np
import pytest

from phylo.align.encoding import CHARS, TABLE, decode, encode, normalize_text, to_codes

UNUSED = "AAA AAC AAG AAT CAG CCA CCC CCG CCT CGA CGG CTT GAA GCC GGA GGC GGG GGT GTT TCC TGG TTA TTC TTT".split()


def test_table_has_40_distinct_codons_and_none_of_the_unused():
    assert len(TABLE) == 40
    assert len(set(TABLE.values())) == 40
    assert not set(UNUSED) & set(TABLE.values())
    assert len(set(UNUSED) | set(TABLE.values())) == 64


def test_bicycle_is_75_nt():
    dna = encode("I want to ride my bicycle")
    assert len(dna) == 75
    assert dna.startswith(TABLE["I"] + TABLE[" "] + TABLE["W"])


def test_round_trip_drops_what_the_table_lacks():
    assert decode(encode("Hello, World! 42.")) == "HELLO WORLD 42."


def test_faithful_mode_uses_js_upper_case_and_drops_accents():
    assert encode("ß") == TABLE["S"] * 2  # toUpperCase: ß -> SS
    assert decode(encode("née")) == "NE"  # é is not in the table: dropped
    assert encode("a\nb") == TABLE["A"] + TABLE["B"]  # newlines dropped too


def test_normalize_keeps_accented_letters():
    assert decode(encode("née café", normalize=True)) == "NEE CAFE"
    assert normalize_text("l’été — déjà\n\n vu") == "l'ete deja vu"
    assert normalize_text("Ærø  ﬁne") == "AEro fine"


def test_framing_is_deterministic_with_a_seed():
    a = encode("hello", frame=True, seed=7)
    assert a == encode("hello", frame=True, seed=7)
    assert encode("hello") == decode_frame_message(a)
    text = decode(a)
    head, rest = text.split("start")
    body, tail = rest.split("stop")
    assert body == "HELLO"
    assert 2 <= len(head) <= 4 and 2 <= len(tail) <= 4 and (head + tail).isalpha()
    assert {encode("hello", frame=True, seed=s) for s in range(20)} != {a}


def decode_frame_message(dna):
    start = dna.index(TABLE["start"])
    stop = dna.rindex(TABLE["stop"])
    return dna[start + 3:stop]


def test_decode_follows_the_original():
    assert decode("acttcaTT") == "AC"  # case ignored, trailing partial codon dropped
    assert decode("ACTAAACAT") == "AB"  # unknown codon dropped, no resynchronisation
    assert decode("TTGACTTAA") == "startAstop"


def test_to_codes_codon_and_nt():
    dna = encode("AB 9.")
    assert to_codes(dna, "codon").tolist() == [CHARS.index(c) for c in "AB 9."]
    assert to_codes("ACT" + "AAA" + "CA", "codon").tolist() == [0]  # unknown and partial skipped
    assert to_codes("ACT-NCAT", "codon").tolist() == [0]  # frame read from 0: '-NC' skipped, 'AT' partial
    assert to_codes("acgtN-", "nt").tolist() == [0, 1, 2, 3]
    assert to_codes("", "nt").dtype == np.uint8
    with pytest.raises(ValueError):
        to_codes("ACT", "aa")
