"""Labels and values in page text: tolerant of line breaks, OCR noise and tick-mark styles."""
from __future__ import annotations

import re
from typing import Optional

from pipeline.read.document import Word
from pipeline.text import strip_accents

KNOWN_LABELS: list[str] = [r"(partie|parties|cadre) [a-z]\b"]



def _wfold(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_accents(s).lower())

def find_label(words: list[Word], label: str, start: int = 0) -> Optional[tuple[int, int]]:
    """(first, last) word indexes whose letters spell `label` (accents, case, punctuation ignored)."""
    target = _wfold(label)
    if not target:
        return None
    for i in range(start, len(words)):
        if not _wfold(words[i].text):
            continue  # a box or punctuation read as a word: the label starts after it
        acc = ""
        for j in range(i, min(len(words), i + 12)):
            acc += _wfold(words[j].text)
            if acc == target or (acc.startswith(target) and j > i):
                return i, j
            if not target.startswith(acc):
                break
    return None

DATE_RE = re.compile(r"\b(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4})\b")

TICKED = re.compile(r"(☒|☑|■|✓|✔|✗|✘|\[\s*[x✓✔]\s*\]|\(\s*x\s*\)|(?<![a-z0-9])x(?![a-z0-9]))\s*$")

UNTICKED = re.compile(r"(☐|□|\[\s*\]|\(\s*\))\s*$")

def _label_re(label: str, colon: bool, line_start: bool = False) -> re.Pattern:
    """A label, tolerant of line breaks between its words; `colon`: followed by « : » or EOL."""
    label = label.replace(" ", r"\s+")
    # « : », or the end of the line, allowing a few specks of OCR noise (« Signature . »).
    tail = r"[ \t]*(?::|[^a-z0-9\n]{0,3}(?:\n|$))" if colon else ""
    head = r"^[^a-z0-9\n]{0,3}" if line_start else r"(?<![a-z0-9])"
    return re.compile(head + r"(?:" + label + r")(?![a-z0-9])" + tail, re.MULTILINE)

def _start(text: str, after: Optional[str]) -> int:
    if not after:
        return 0
    m = re.search(after, text)
    return m.end() if m else -1

def _find_label(text: str, label: str, after: Optional[str], colon: bool = True) -> Optional[re.Match]:
    """The label as a field heading (at a line start, followed by « : »), searched after the
    `after` pattern; None when either is absent. `colon=False`: the label anywhere (boxes)."""
    s = _start(text, after)
    if s < 0:
        return None
    rx = _label_re(label, True, True) if colon else _label_re(label, False)
    return rx.search(text, s)

def _looks_like_label(line: str, known=()) -> bool:
    if re.search(r"^[a-z'][^:]{1,60}:(\s|$)", line):
        return True
    return any(re.fullmatch(r"\W{0,3}(?:" + k + r")\W{0,3}", line) for k in list(known) + KNOWN_LABELS)

def text_value(text: str, label: str, after: Optional[str] = None, known=()) -> Optional[str]:
    """Value written after `label :` on its line, or alone on the next line."""
    m = _find_label(text, label, after)
    if not m:
        return None
    if m.group(0).endswith(":"):
        rest = text[m.end():].split("\n", 1)
        same = rest[0].strip()
        if same:
            return same
        nxt = rest[1].split("\n", 1)[0].strip() if len(rest) > 1 else ""
        return nxt if nxt and not _looks_like_label(nxt, known) else ""
    nxt = text[m.end():].lstrip("\n").split("\n", 1)[0].strip()
    return nxt if nxt and not _looks_like_label(nxt, known) else ""

def text_block(text: str, label: str, stops: list[str], after: Optional[str] = None) -> Optional[str]:
    """Everything between `label :` and the next stop label ("" when empty, None when no label)."""
    m = _find_label(text, label, after)
    if not m:
        return None
    rest = text[m.end():]
    end = len(rest)
    for stop in stops:
        sm = re.search(r"(?m)^[^a-z0-9\n]{0,3}(?:" + stop.replace(" ", r"\s+") + r")(?![a-z0-9])", rest)
        if sm and sm.start() < end:
            end = sm.start()
    return rest[:end].strip(" \n:|")

def parse_date(s: Optional[str]):
    """The first date written in `s`; None when there is none, or when it cannot be: no such day,
    or a year outside FIRST_YEAR – next year (« 27/05/1480 »: a misread dotted zero, never a
    date to reason on)."""
    import datetime as dt

    if not s:
        return None
    m = DATE_RE.search(s)
    if not m:
        return None
    try:
        d = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return d if FIRST_YEAR <= d.year <= dt.date.today().year + 1 else None


FIRST_YEAR = 1900  # no date on these forms (births included) is older

def text_date(text: str, label: str, after: Optional[str] = None):
    m = _find_label(text, label, after)
    if not m:
        return None
    return parse_date(text[m.end():m.end() + 40])

def _mark_before(text: str, pos: int) -> Optional[bool]:
    window = text[max(0, pos - 6):pos]
    if TICKED.search(window):
        return True
    if UNTICKED.search(window):
        return False
    return None

def text_yesno_marks(text: str, label: str) -> tuple[Optional[bool], bool, bool]:
    """(answer, label found, box glyphs found) from ☒/☐ or [X]/[ ] before « Oui » and « Non ».

    The label may also occur in running text (« si l'invalidité est imputable au service... »):
    the first occurrence followed by a decisive pair of boxes wins. Two empty boxes printed
    as glyphs are a decisive "not answered": no need to look at the page's ink.
    """
    found = glyphs = False
    for m in _label_re(label, False).finditer(text):
        found = True
        window = text[m.end():m.end() + 160]
        oui = re.search(r"(?<![a-z])oui(?![a-z])", window)
        non = re.search(r"(?<![a-z])non(?![a-z])", window)
        if not oui or not non:
            continue
        mo, mn = _mark_before(window, oui.start()), _mark_before(window, non.start())
        if mo and not mn:
            return True, True, True
        if mn and not mo:
            return False, True, True
        glyphs = glyphs or (mo is not None and mn is not None)
    return None, found, glyphs

def text_tick(text: str, label: str, after: Optional[str] = None) -> tuple[Optional[bool], bool]:
    m = _find_label(text, label, after, colon=False)
    if not m:
        return None, False
    return _mark_before(text, m.start()), True
