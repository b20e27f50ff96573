"""A form's fields read from its pages, driven by its description (validators/forms/*.yaml)."""
from __future__ import annotations

import re
from typing import Optional

from pipeline import resources
from pipeline.read.document import FileData, Word
from pipeline.read.labels import (
    _label_re,
    _start,
    _wfold,
    find_label,
    text_block,
    text_date,
    text_tick,
    text_value,
    text_yesno_marks,
)
from pipeline.read.ocr import tesseract
from pipeline.read.pixels import TICK_THRESHOLD, box_is_ticked, box_value, ink_right_of, render
from pipeline.read.reader import page_words


def load_form(name: str) -> dict:
    """A form's zones and labels (validators/forms/NAME.yaml); shared, do not change it."""
    return resources.load_yaml_shared("validators", "forms", f"{name}.yaml")


def _page_of(fd: FileData, label: str, hint: Optional[int]) -> list[int]:
    rx = _label_re(label, False)
    found = [p.index for p in fd.pages if rx.search(p.folded)]
    if hint is not None and (hint - 1) in found:
        found.remove(hint - 1)
        found.insert(0, hint - 1)
    return found

def _words_after(words: list[Word], label: str, start: int = 0) -> Optional[int]:
    hit = find_label(words, label, start)
    return None if hit is None else hit[1]

def _label_words(label: str) -> str:
    """A plain phrase from a label regex, for word-position search (first alternative)."""
    s = re.sub(r"\([^()]*\)\?", "", label)
    s = re.sub(r"\(([^|()]*)\|[^()]*\)", r"\1", s)
    s = s.split("|")[0]
    s = re.sub(r"\\[bsw]", " ", s)
    return re.sub(r"[\\?()\[\]^$*+.]", "", s)

def _nearest(words: list[Word], anchor: Word, suffix: str) -> Optional[Word]:
    """The word ending in `suffix` on the anchor's line (to its right) or just below it.

    OCR does not keep reading order for boxes: look by position, not by sequence.
    """
    h = max(4.0, anchor.bottom - anchor.top)
    best = None
    for w in words:
        if w is anchor or not _wfold(w.text).endswith(suffix) or len(_wfold(w.text)) > len(suffix) + 2:
            continue
        dy = w.top - anchor.top
        if dy < -0.6 * h or dy > 3.5 * h:
            continue
        same_line = abs(dy) <= 0.6 * h
        if same_line and w.x0 < anchor.x1 - 1:
            continue
        key = (0 if same_line else 1, abs(dy) if not same_line else w.x0 - anchor.x1)
        if best is None or key < best[0]:
            best = (key, w)
    return best[1] if best else None

def dark_yesno(fd: FileData, index: int, label: str) -> Optional[bool]:
    """Yes / no by the darkness of the boxes before « Oui » and « Non » (scans, drawn boxes)."""
    words = page_words(fd, index)
    end = _words_after(words, _label_words(label))
    if end is None:
        return None
    anchor = words[end]
    # The question may end with « (ATI) ? » after the label: start from the line's last word.
    oui, non = _nearest(words, anchor, "oui"), _nearest(words, anchor, "non")
    if oui is None or non is None:
        return None
    vo, vn = box_value(fd, index, oui), box_value(fd, index, non)
    if vo is None or vn is None:
        return None
    # Relative: dust in an empty box must not beat the cross in the other one.
    if vo > TICK_THRESHOLD and vo > 1.8 * vn:
        return True
    if vn > TICK_THRESHOLD and vn > 1.8 * vo:
        return False
    return None

def dark_tick(fd: FileData, index: int, label: str) -> Optional[bool]:
    words = page_words(fd, index)
    hit = find_label(words, _label_words(label))
    if hit is None:
        return None
    return box_is_ticked(fd, index, words[hit[0]])

def read_fields(fd: FileData, form: dict) -> dict:
    """Every field of a form description (validators/forms/*.yaml) read from a file."""
    # Reading by layout (labels with synonyms, value right or below, three-state boxes) comes
    # first and wins where it finds the label; the text reader reads only the fields it did not
    # find (reading them twice drew every checkbox twice, for a value thrown away).
    from pipeline.read.form_layout import read_form_layout

    values, evidence = read_form_layout(fd, form)
    text = fd.folded
    out: dict = {}
    known = [s["libelle"] for s in form.get("champs", {}).values() if s.get("libelle")]
    known += form.get("libelles", [])
    for name, spec in form.get("champs", {}).items():
        if name in values:
            out[name] = values[name]
            continue
        kind = spec["type"]
        label = spec.get("libelle", "")
        after = spec.get("apres")
        hint = spec.get("page")
        if kind == "valeur":
            out[name] = text_value(text, label, after, known)
        elif kind == "date":
            out[name] = text_date(text, label, after)
        elif kind == "nir":
            out[name] = text_nirs(text, label)
        elif kind == "bloc":
            out[name] = text_block(text, label, spec.get("arret", []), after)
        elif kind == "ouinon":
            out[name] = _read_yesno(fd, text, label, hint)
        elif kind == "case":
            out[name] = _read_tick(fd, text, label, after, hint)
        elif kind == "choix":
            if spec.get("si") and not out.get(spec["si"]):
                out[name] = None  # e.g. the kind of imputability when not imputable
                continue
            out[name] = _read_choice(fd, text, spec["options"], after, hint)
        elif kind == "signature":
            out[name] = _read_signature(fd, text, label, after, hint)
        elif kind == "membres":
            block = text_block(text, label, spec.get("arret", []))
            out[name] = parse_members(block, form) if block is not None else None
    out.update(values)
    if evidence:
        fd.metadata.setdefault("_evidence", {}).update(evidence)
    return out

def _read_yesno(fd: FileData, text: str, label: str, hint) -> Optional[bool]:
    pages = _page_of(fd, label, hint)
    for i in pages:
        if fd.pages[i].ocr:
            ans = dark_yesno(fd, i, label)
            if ans is not None:
                return ans
    ans, found, glyphs = text_yesno_marks(text, label)
    if ans is None and found and not glyphs:
        for i in pages:  # drawn boxes without glyphs: look at the page
            ans = dark_yesno(fd, i, label)
            if ans is not None:
                return ans
    return ans

def _bracket_tick(text: str, label: str, after) -> bool:
    s = _start(text, after)
    m = _label_re(label, False).search(text, max(s, 0))
    return bool(m and re.search(r"\[\s*x\s*\]\s*$", text[max(0, m.start() - 6):m.start()]))

def _read_choice(fd: FileData, text: str, options: dict, after, hint) -> Optional[str]:
    """The one ticked option: from the text marks when decisive, else by darkness."""
    if not any(fd.pages[i].ocr for lab in options.values() for i in _page_of(fd, lab, hint)):
        marks = {opt: text_tick(text, lab, after)[0] for opt, lab in options.items()}
        ticked = [o for o, m in marks.items() if m]
        if len(ticked) == 1:
            return ticked[0]
        if not any(m is not None for m in marks.values()):
            pass  # no glyph at all: drawn boxes, look at the page
        elif not ticked:
            return None
    ticked = [opt for opt, lab in options.items() if _read_tick(fd, text, lab, after, hint)]
    return ticked[0] if len(ticked) == 1 else None

def _read_tick(fd: FileData, text: str, label: str, after, hint) -> Optional[bool]:
    pages = _page_of(fd, label, hint)
    ans, found = text_tick(text, label, after)
    for i in pages:
        if fd.pages[i].ocr:
            if ans is False or (found and _bracket_tick(text, label, after)):
                return ans  # OCR reads « [ ] » and « [X] » reliably; other glyphs by darkness
            return bool(dark_tick(fd, i, label))
    if ans is None and found:
        for i in pages:
            ans = dark_tick(fd, i, label)
            if ans is not None:
                return ans
    return bool(ans)

def _read_signature(fd: FileData, text: str, label: str, after, hint) -> Optional[bool]:
    value = text_value(text, label, after)
    if value is None:
        return None
    if value.strip(" _.…-"):
        return True
    # Handwritten: a stroke after the label, seen as ink (pdfplumber gives the label's place).
    anchor = _label_words(after) if after else None
    for i in _page_of(fd, label, hint):
        words = page_words(fd, i)
        start = 0
        if anchor:
            a = find_label(words, anchor)
            if a is None:
                continue
            start = a[1] + 1
        hit = find_label(words, _label_words(label), start)
        if hit is None:
            continue
        return ink_right_of(fd, i, words[hit[1]]) > 0.01
    return False

_OCR_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1"})

def text_nirs(text: str, label: str) -> list[str]:
    """NIRs written after a NIR label (normalised; 13-15 characters, valid or not)."""
    out = []
    for m in _label_re(label, False).finditer(text):
        tail = text[m.end():m.end() + 40].lstrip(" :\n")
        v = re.match(r"([0-9abilo][0-9abilo \u00a0.]{11,24})(?![a-z])", tail)
        if v:
            raw = v.group(1).translate(_OCR_DIGITS)  # OCR reads 0 as o, 1 as l or i
            digits = re.sub(r"[^0-9ab]", "", raw).upper()
            if 12 <= len(digits) <= 16:
                out.append(digits)
    return out

def parse_members(block: str, form: dict) -> list[dict]:
    """AF4 member lines: role, name, presence mode, signed (tolerant of missing or noisy separators)."""
    roles = form.get("roles", {})
    presences = form.get("presences", {})
    words = r"\b(par|presente?s?|visio\w*|absente?s?|non[\s-]*signee?s?|signee?s?)\b"
    members = []
    for line in block.split("\n"):
        role, m = None, None
        for rid, rx in roles.items():
            m = re.match(r"[\W_]*(?:" + rx + r")", line)
            if m:
                role = rid
                break
        if role is None:
            continue
        rest = line[m.end():]  # never search « présent » inside « représentant »
        presence = None
        for pid, rx in presences.items():
            if re.search(r"(?<![a-z])(?:" + rx + r")", rest):
                presence = pid
                break
        signed = None
        if re.search(r"non[\s-]*sign", rest):
            signed = False
        elif re.search(r"sign", rest):
            signed = True
        cells = [c.strip(" .,:;!-_") for c in re.split(r"[|\[\]{}]", rest)]
        cells = [c for c in cells if c]
        name = re.sub(words, " ", cells[0] if cells else "")
        members.append({"role": role, "nom": re.sub(r"\s+", " ", name).strip(" :-,."),
                        "presence": presence or "present", "signe": True if signed is None else signed})
    return members

def reread_line_after(fd: FileData, label: str, dpi: int = 300, whitelist: str = "0123456789AB ") -> list[str]:
    """OCR again, finer and digits only, the line right of `label` on every OCR'd page.

    Used to confirm a suspicious value (a NIR whose key looks wrong) before accusing it.
    """
    out = []
    for page in fd.pages:
        if not page.ocr or not page.words:
            continue
        hit = find_label(page.words, label)
        while hit is not None:
            w = page.words[hit[1]]
            h = max(6.0, w.bottom - w.top)
            crop = (w.x1 + 1, w.top - 0.6 * h, min(page.width, w.x1 + 260), w.bottom + 0.6 * h)
            img = render(fd, page.index, dpi=dpi, crop=crop)
            txt = tesseract(img, "--psm", "7", "-c", f"tessedit_char_whitelist={whitelist}", timeout=60)
            out.append(re.sub(r"[^0-9AB]", "", txt.upper()))
            hit = find_label(page.words, label, hit[1] + 1)
    return out


def reread_zone(fd: FileData, index: int, box, dpi: int = 300) -> list[str]:
    """OCR again, finer and digits only, a zone of a page (a NIR's label and value): each line's digits."""
    x0, top, x1, bottom = box
    page = fd.pages[index]
    crop = (max(0.0, x0 - 4), max(0.0, top - 4), min(page.width, max(x1, x0 + 260) + 4), min(page.height, bottom + 4))
    img = render(fd, index, dpi=dpi, crop=crop)
    txt = tesseract(img, "--psm", "6", "-c", "tessedit_char_whitelist=0123456789AB ", timeout=60)
    out = []
    whole = re.sub(r"[^0-9AB]", "", txt.upper())
    if 13 <= len(whole) <= 15:  # a number wrapped on two or three lines of a narrow column
        out.append(whole)
    for line in txt.splitlines():
        d = re.sub(r"[^0-9AB]", "", line.upper())
        if len(d) >= 13:
            out += [d, d[-15:]] if len(d) > 15 else [d]  # the label's letters may give stray digits first
    return out
