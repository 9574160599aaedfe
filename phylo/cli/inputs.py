"""Reading the files named on the command line: text, or one line saying why not."""

from __future__ import annotations

import sys
from pathlib import Path

from phylo.errors import InputError


def read_text_input(source: str, what: str) -> str:
    """The UTF-8 text of the file ``source`` (``-``: standard input).

    ``what`` says what the command expects (``"a FASTA file such as 'phylo encode'
    writes"``); it ends each message, so the user knows what to give instead.
    """
    where = "standard input" if source == "-" else source
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{source}: no such file; give {what}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{source}: cannot read it ({exc.strerror}); give {what}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{where}: not a text file (not UTF-8); give {what}") from None
