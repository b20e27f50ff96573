"""Text folding shared by the loader, the extraction and the rules."""
from __future__ import annotations

import re
import unicodedata

_TITLES = {"dr", "docteur", "doctoresse", "pr", "professeur", "m", "mme", "mlle", "madame", "monsieur"}


def strip_accents(s: str) -> str:
    if s.isascii():
        return s  # NFKD leaves ASCII as it is: most words need no work
    # Character by character through a table (C speed on a whole page of French); the same
    # result as the decomposition below, which stays for the rare characters past the table.
    t = s.translate(_accents_table())
    if t.isascii() or max(t) < _TABLE_END:
        return t
    return _decompose(t)


def _decompose(s: str) -> str:
    """NFKD without its combining marks: « é » → « e », « ﬁ » → « fi »."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_TABLE_END = "\u3000"
_TABLE: dict[int, str] = {}


def _accents_table() -> dict[int, str]:
    """Each character below U+3000 (and the ligatures ﬁ, ﬂ…) that NFKD changes, mapped to its
    decomposition without combining marks: built once, on the first accented text."""
    if not _TABLE:
        table = {}
        for c in [*range(0x80, 0x3000), *range(0xFB00, 0xFB50)]:
            ch = chr(c)
            out = _decompose(ch)
            if out != ch:
                table[c] = out
        _TABLE.update(table)
    return _TABLE


def fold(s: str) -> str:
    """Lower case, no accents, single spaces: for tolerant comparisons."""
    s = strip_accents(s or "").lower()
    s = s.replace("’", "'").replace("œ", "oe")
    return re.sub(r"\s+", " ", s).strip()


def name_tokens(s: str) -> frozenset[str]:
    """Words of a person's name without titles, case, accents or order."""
    words = re.split(r"[^a-z0-9]+", fold(s))
    return frozenset(w for w in words if w and w not in _TITLES)


# What `pipeline init` writes for a value to fill, and what people type instead of a value.
_PLACEHOLDERS = {"a completer", "a remplir", "a preciser", "todo", "xxx"}


def is_placeholder(value) -> bool:
    """True for a value left to fill: « À COMPLÉTER », an empty text, "()" or only punctuation."""
    if not isinstance(value, str):
        return False
    folded = fold(value).strip(" .…")
    if folded in _PLACEHOLDERS or "a completer" in folded:
        return True
    return not any(ch.isalnum() for ch in value)


def same_person(a: str, b: str) -> bool:
    """True when two names designate the same person (ignoring titles and word order).

    A bare family name matches the full name that contains it ("Dr Martin" ~ "Paul MARTIN").
    """
    if is_placeholder(a) or is_placeholder(b):
        return False  # two names left to fill are not the same person
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    return ta <= tb or tb <= ta


def slug(s: str) -> str:
    """ASCII, lower case, underscores: for file names (no spaces, no accents)."""
    s = re.sub(r"[^a-z0-9]+", "_", fold(s))
    return s.strip("_")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV
    injection): career export, the CDG's table, the desk's export."""
    cell = "" if value is None else str(value)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell
