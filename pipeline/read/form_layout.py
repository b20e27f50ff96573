"""Read the fields of a form description (validators/forms/*.yaml) from the pages' layout.

Each field names its label synonyms (`synonymes`, data); the label is found on the page's
lines, the value taken right of it or under it. Checkboxes have three answers: ticked, empty,
unreadable; an unreadable one leaves the field at None and says so in `evidence` (page, box,
text read), never the opposite answer. Fields whose label is nowhere are left out of the
result, so the caller can fall back on the text reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from pipeline.text import strip_accents
from pipeline.read import layout as L
from pipeline.read.document import wordy as _wordy

LOW_INK, TICK_INK = 0.05, 0.12
CLEAN_INK = 0.01  # an empty box's middle on a clean scan
WRITTEN_INK = 0.01  # dark share right of a label: something is written there (as for a signature)
BARE_MARK, BARE_BLANK = 0.025, 0.006  # dark share left of an answer: a bare ✓ (≈ 0.045), nothing (≈ 0)


@dataclass
class Evidence:
    page: int  # 1-based
    box: tuple  # (x0, top, x1, bottom) in points
    text: str
    state: str = "lu"  # lu | vide | illisible

    def as_dict(self) -> dict:
        return {"page": self.page, "box": [round(v, 1) for v in self.box], "texte": self.text, "etat": self.state}


def page_lines(fd, index: int, doc=None) -> list:
    """Lines of a page (cached on the page): OCR words, else the text layer's words."""
    page = fd.pages[index]
    cached = getattr(page, "_lines", None)
    if cached is not None and cached[0] is page.words:  # a page OCR'd again (whole after its top) has new words
        return cached[1]
    if page.words is None and page.has_text_layer and fd.kind == "pdf":
        import pypdfium2 as pdfium

        own = doc is None
        doc = doc or pdfium.PdfDocument(str(fd.path))
        try:
            p = doc[index]
            page.words = L.pdf_words(p, page.height)
            p.close()
        finally:
            if own:
                doc.close()
    lines = L.make_lines(page.words or [])
    page._lines = (page.words, lines)
    return lines


def _box(words) -> tuple:
    if not words:
        return (0, 0, 0, 0)
    return (min(w.x0 for w in words), min(w.top for w in words), max(w.x1 for w in words), max(w.bottom for w in words))


def _plain(rx: str) -> str:
    """A readable phrase from a label regex (first alternative), for anchors given as regexes."""
    s = re.sub(r"\([^()]*\)\?", "", rx)
    s = re.sub(r"\(([^|()]*)\|[^()]*\)", r"\1", s)
    s = s.split("|")[0]
    s = re.sub(r"\\[bsw]", " ", s)
    return re.sub(r"[\\?()\[\]^$*+.]", "", s).strip()


_SYN: dict = {}


def synonyms(spec_value) -> list[str] | dict:
    """A field's label synonyms: its own list, or a name in validators/forms/synonymes.yaml."""
    if isinstance(spec_value, str):
        if not _SYN:
            from pipeline import resources

            _SYN.update(resources.load_yaml_shared("validators", "forms", "synonymes.yaml"))
        return _SYN.get(spec_value, [spec_value])
    return spec_value or []


def _after(spec) -> Optional[str]:
    return spec.get("apres_texte") or spec.get("apres")


class FormReader:
    def __init__(self, fd, form: dict):
        self.fd, self.form = fd, form
        self.pages = [p.index for p in fd.pages if (p.text or p.words) and not getattr(p, "outside", False)]
        self.lines: dict[int, list] = {}
        self.labels: dict[int, L.Labels] = {}
        phrases = list(form.get("libelles_texte", []))
        for spec in form.get("champs", {}).values():
            syn = synonyms(spec.get("synonymes"))
            if spec.get("type") in ("ouinon", "case", "choix"):
                continue  # a question's wording may be a value's words (« Inaptitude absolue… »)
            if isinstance(syn, list):
                phrases += syn
        phrases += [_plain(x) for x in form.get("libelles", [])]
        self.phrases = [p for p in phrases if L.phrase_key(p)]
        self.evidence: dict[str, dict] = {}
        doc = None
        if fd.kind == "pdf" and any(fd.pages[i].words is None for i in self.pages):
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(str(fd.path))
        try:
            for i in self.pages:
                self.lines[i] = page_lines(fd, i, doc)
                self.labels[i] = L.Labels(self.lines[i], self.phrases, fuzzy=fd.pages[i].ocr)
        finally:
            if doc is not None:
                doc.close()
        cols = [x for lab in self.labels.values() for x in lab.cols]
        for lab in self.labels.values():
            lab.promote(cols)

    # -- where -----------------------------------------------------------------------------
    def hits(self, synonyms: list[str], after: Optional[str] = None, start_only: bool = True):
        """(page index, Hit) in reading order, after the anchor when one is given."""
        anchor = None
        if after:
            anchor = self._first(self._syn(after), start_only=False)
            if anchor is None:
                return []
        out = []
        for i in self.pages:
            if anchor is not None and i < anchor[0]:
                continue
            found = L.find_labels(self.lines[i], synonyms, fuzzy=self.fd.pages[i].ocr, start_only=start_only)
            if start_only:
                # A label that opens the page's second column though it follows a value closely.
                seen = {h.line for h in found}
                found += [h for h in L.find_labels(self.lines[i], synonyms, fuzzy=self.fd.pages[i].ocr)
                          if h.line not in seen and self.labels[i].at(h.line, h.first)]
                found.sort(key=lambda h: h.line)
            for h in found:
                if anchor is not None and i == anchor[0] and h.line < anchor[1].line:
                    continue
                if anchor is not None and i == anchor[0] and h.line == anchor[1].line and h.first <= anchor[1].last:
                    continue
                out.append((i, h))
        return out

    def _first(self, synonyms, start_only=True):
        hs = self.hits(synonyms, start_only=start_only)
        return hs[0] if hs else None

    def _syn(self, after: str) -> list[str]:
        return [_plain(a) for a in after.split("|")] if "|" in after and "(" not in after else [_plain(after)]

    def note(self, name, i, words, text, state="lu"):
        self.evidence[name] = Evidence(i + 1, _box(words), text, state).as_dict()

    # -- fields ----------------------------------------------------------------------------
    def read(self, prior: Optional[dict] = None) -> dict:
        """Every field whose label is on the pages; `prior`: values already known (fillable fields)."""
        out: dict = {}
        prior = prior or {}
        for name, spec in self.form.get("champs", {}).items():
            syn = synonyms(spec.get("synonymes"))
            if not syn:
                continue
            kind = spec["type"]
            cond = prior.get(spec["si"]) if spec.get("si") else None
            if spec.get("si") and out.get(spec["si"]) is not None:
                cond = out[spec["si"]]
            if kind == "choix" and spec.get("si") and cond is not True:
                if cond is False:
                    out[name] = None
                continue
            try:
                value = getattr(self, f"_{kind}")(name, spec, syn)
            except _NotFound:
                continue
            out[name] = value
        return out

    def _text(self, name, spec, syn, block=False):
        hs = self.hits(syn, _after(spec))
        if not hs:
            raise _NotFound
        # On a scan a near match comes first sometimes (« Date de la séance » for « Date de l'AF3 »):
        # the surest hit wins, the first in reading order among equals.
        i, h = max(hs, key=lambda ih: ih[1].score)
        stops = tuple(spec.get("arret", ())) if block else ()
        text, words = L.value_of(self.lines[i], h, self.labels[i], block=block, stops=stops)
        ln = self.lines[i][h.line]
        glued = _glued_start(ln.words[h.last].text, h.label)
        if glued:  # « NIR2 78 11… »: the value's first digits went into the label's word
            text, words = f"{glued} {text}".strip(), [ln.words[h.last]] + words
        if block and self.fd.pages[i].ocr:
            # A ruled table under the label (the AF3's infirmities and rates): read with the page,
            # the OCR drops rows, cells or the header (then the rows seem too far to be the value)
            # and runs past the table's end. Read cell by cell, the table is the value.
            table = self._table_below(i, h)
            if table is not None and not self._table_is_value(i, h, table, words):
                table = None
            if table is not None:
                text = " ".join(c for row in table.rows for c in row if c)
                label = _box(ln.words[h.first:h.last + 1])
                box = (min(label[0], table.box[0]), label[1], max(label[2], table.box[2]), table.box[3])
                sure = not _unsure_block(table.words, self.fd.pages[i])  # a table filled by hand
                self.evidence[name] = Evidence(i + 1, box, text + " (tableau relu case par case)",
                                               "lu" if sure else "illisible").as_dict()
                return (text if sure else None), i, h
        if text and self.fd.pages[i].ocr and (_unsure_block(words, self.fd.pages[i]) if block
                                              else _unsure(words, self.fd.pages[i])):
            # Handwriting or a smudge the OCR guessed at: unreadable, never a confident wrong value.
            self.note(name, i, ln.words[h.first:h.last + 1] + words, text, "illisible")
            return None, i, h
        if text and self.fd.pages[i].ocr and not re.search(r"[^\W_]", text):
            # Only specks read (« ‘ », « ° »): a value written by hand the OCR did not see, or dust.
            # Ink where the value stands (right of the label, or the line under it) tells:
            # unreadable if written, empty if not.
            from pipeline.read.document import Word
            from pipeline.read.pixels import ink_right_of

            first = min(words, key=lambda w: (w.top, w.x0))  # specks read are words: never none here
            before = Word("", first.x0 - 10, first.top, first.x0 - 9, first.bottom)
            written = ink_right_of(self.fd, i, before) > WRITTEN_INK
            lines = self.lines[i]
            nxt = h.line + 1
            if not written and (nxt >= len(lines) or lines[nxt].top > ln.bottom + 1.2 * ln.height
                                or not any(self.labels[i].at(nxt, k) for k in range(len(lines[nxt].words)))):
                # The value may stand under its label (« HEURE » then « 10:40 » by hand): the band
                # under the label, unless the next label is there.
                lab = ln.words[h.first]
                under = Word("", lab.x0 - 1, ln.bottom + 1, lab.x0, ln.bottom + 1 + ln.height)
                written = ink_right_of(self.fd, i, under) > WRITTEN_INK
            self.note(name, i, ln.words[h.first:h.last + 1] + words, text, "illisible" if written else "vide")
            return (None if written else ""), i, h
        if not text and self.fd.pages[i].ocr and _doubtful_stop(self.lines[i], h, self.labels[i], self.fd.pages[i]):
            # The value seemed to end at once on a « label » the OCR guessed (a handwritten
            # « Docteur » read « Date », confidence 0): unreadable, never « empty », which is a
            # blocking finding for some fields.
            self.note(name, i, ln.words[h.first:h.last + 1], "", "illisible")
            return None, i, h
        self.note(name, i, ln.words[h.first:h.last + 1] + words, text, "lu" if text else "vide")
        return text, i, h

    def _valeur(self, name, spec, syn):
        return self._text(name, spec, syn)[0]

    def _bloc(self, name, spec, syn):
        return self._text(name, spec, syn, block=True)[0]

    def _date(self, name, spec, syn):
        from pipeline.read.labels import parse_date

        text = self._text(name, spec, syn)[0]
        if text is None:
            return None
        value = parse_date(re.sub(r"(?<=\d) (?=[/.\-])|(?<=[/.\-]) (?=\d)", "", text))
        if value is None and re.search(r"\d", text) and name in self.evidence:
            self.evidence[name]["etat"] = "illisible"  # a date is written, not one we can read: not missing
        return value

    def _nir(self, name, spec, syn):
        text = self._text(name, spec, syn)[0]
        if text is None:
            return []
        raw = text.lower().translate(str.maketrans({"o": "0", "l": "1", "i": "1"}))
        m = re.match(r"[0-9ab][0-9ab .\u00a0]{11,26}", raw)
        digits = re.sub(r"[^0-9ab]", "", m.group(0)).upper() if m else ""
        return [digits] if 12 <= len(digits) <= 16 else []

    def _ouinon(self, name, spec, syn):
        hs = self.hits(syn, _after(spec), start_only=False)
        if not hs:
            raise _NotFound
        for i, h in hs:
            opts = L.find_options(self.lines[i], h, {"oui": ["oui"], "non": ["non"]})
            if len(opts.found) < 2:
                continue
            return self._decide(name, i, opts, {"oui": True, "non": False})
        raise _NotFound

    def _decide(self, name, i, opts: L.Options, values: dict):
        lines = self.lines[i]
        marks = dict(opts.marks)
        page = self.fd.pages[i]
        words = {o: lines[li].words[k] for o, (li, k) in opts.found.items()}
        # Typed brackets read by the OCR (« [X] » / « [ ] ») are clearer than their ink, whose
        # strokes weigh like a tick: measure only what the text leaves open.
        ocr_clear = page.ocr and all(m in ("ticked", "empty") for m in marks.values()) \
            and list(marks.values()).count("ticked") == 1
        if not ocr_clear and (page.ocr or any(m in (None, "unknown") for m in marks.values())
                              or list(marks.values()).count("ticked") != 1):
            trimmed = _trimmed(words)
            if page.ocr:  # the box's own edge, seen on the page, rather than a width per letter
                trimmed = {o: self._after_box(i, o, words[o]) or w for o, w in trimmed.items()}
            inks = {o: self._ink(i, w) for o, w in trimmed.items()}
            if all(v is not None for v in inks.values()):
                ticked = [o for o, v in inks.items() if _clearly_ticked(v, [inks[p] for p in inks if p != o])]
                if len(ticked) == 1 and page.ocr and any(m == "ticked" and o != ticked[0] for o, m in marks.items()):
                    # The OCR read « [X] » before one answer, the ink says another: the measure
                    # caught a lone bracket of a typed « [ ] » (seen: « [ J Non »). Unreadable.
                    marks = {o: "unknown" for o in inks}
                elif len(ticked) == 1:
                    marks = {o: "ticked" if o == ticked[0] else "empty" for o in inks}
                elif all(v < LOW_INK for v in inks.values()):
                    marks = {o: "empty" for o in inks}
                elif not page.ocr and (list(marks.values()).count("ticked") == 1
                                       or all(m == "empty" for m in marks.values())):
                    pass  # the printed glyphs (☒ / ☐) said it already
                else:
                    marks = {o: "unknown" for o in inks}
            elif page.ocr:
                marks = self._bare_marks(i, trimmed, inks) or marks
        ticked = [o for o, m in marks.items() if m == "ticked"]
        text = " ".join(f"{'[X]' if marks[o] == 'ticked' else '[ ]' if marks[o] == 'empty' else '[?]'} {words[o].text}"
                        for o in words)
        ws = list(words.values())
        if len(ticked) == 1 and all(m in ("empty", None) for o, m in marks.items() if o != ticked[0]):
            self.note(name, i, ws, text)
            return values[ticked[0]]
        if all(m == "empty" for m in marks.values()) or all(m is None for m in marks.values()):
            self.note(name, i, ws, text, "vide")
            return None
        self.note(name, i, ws, text, "illisible")
        return None

    def _bare_marks(self, i, trimmed: dict, inks: dict) -> Optional[dict]:
        """Forms that print no box: a bare « ✓ » before the answer, nothing before the others
        (`trimmed`: the answers' words cut to their letters).

        The OCR drops the ✓; on the page its place holds a stroke, the other places are blank.
        Only a blank place against a clear stroke decides (a drawn empty box has its border).
        """
        from pipeline.read.pixels import ink_left_of

        try:
            left = {o: ink_left_of(self.fd, i, w) for o, w in trimmed.items()}
        except Exception:
            return None
        marked = [o for o, v in left.items() if v > BARE_MARK]
        blank = [o for o, v in left.items() if v < BARE_BLANK and inks[o] is None]
        if len(marked) == 1 and len(blank) == len(left) - 1:
            return {o: "ticked" if o == marked[0] else "empty" for o in left}
        return None

    def _table_is_value(self, i, h, table, words) -> bool:
        """Whether the table under the label is its value: no label between them (« Conclusions »
        then « Taux d'invalidité » then the table), and no text of the value's own above it."""
        top = table.box[1] + 2
        lines = self.lines[i]
        if any(self.labels[i].at(li, 0) for li in range(h.line + 1, len(lines)) if lines[li].bottom <= top):
            return False
        return not any(w.bottom <= top for w in words)

    def _ruled_table(self, i, h, bottom: float, starts_within: Optional[float] = None):
        """The ruled table under the label down to `bottom` (points), read cell by cell on the
        page's image (pipeline/read/table.py); None when there is none."""
        from pipeline.read.table import ruled_rows

        page = self.fd.pages[i]
        zone = (page.width * 0.04, _label_middle(self.lines[i][h.line], h), page.width * 0.96, bottom)
        try:
            return ruled_rows(self.fd, i, zone, starts_within=starts_within)
        except Exception:
            return None

    def _table_below(self, i, h):
        """The ruled table that starts just under the label, read cell by cell; None when there
        is none, or when its rows below the first (its header) are all empty."""
        ln = self.lines[i][h.line]
        bottom = min(self.fd.pages[i].height, _label_middle(ln, h) + TABLE_REACH)
        table = self._ruled_table(i, h, bottom, starts_within=3 * ln.height)
        if table is None or not any(c for row in table.rows[1:] for c in row):
            return None
        return table

    def _members_by_cell(self, i, h, end) -> Optional[tuple]:
        """(members, table) of a ruled table read cell by cell on the page's image, when its rules
        give whole rows and the rows give a complete table; None otherwise."""
        if end is None or end[0] != i:
            return None  # a table running onto the next page: not cut here
        table = self._ruled_table(i, h, end[1])
        if table is None:
            return None
        rows = [" ".join(c for c in row if c) for row in table.rows]
        members, lost = self._parse_members(rows)
        if not members or lost or _members_unsure(members, rows) or _unsure_block(table.words, self.fd.pages[i]):
            return None
        return members, table

    def _parse_members(self, rows: list[str]) -> tuple[list, list]:
        """(members, rows with a presence but no role read: a member the OCR garbled)."""
        roles = {k: [v.split() for v in vs] for k, vs in self.form.get("roles_mots", {}).items()}
        presences = {k: [v.split() for v in vs] for k, vs in self.form.get("presences_mots", {}).items()}
        not_names = tuple(L.phrase_key(" ".join(self.form.get("mots_hors_nom", []))).split())
        lost: list = []
        return L.parse_member_rows(rows, roles, presences, not_names, lost), lost

    def _after_box(self, i, option: str, word):
        """The answer's word from its first letter, when the OCR glued the box to it (« [Non »);
        None when it did not, or when the page shows no box before the letters."""
        from pipeline.read.document import Word
        from pipeline.read.pixels import letters_start

        raw = strip_accents(word.text).lower()
        if not (option and raw.endswith(option) and len(raw) > len(option)):
            return None
        try:
            x = letters_start(self.fd, i, word)
        except Exception:
            return None
        return None if x is None else Word(word.text, x, word.top, word.x1, word.bottom, word.line, word.conf)

    def _ink(self, i, word) -> Optional[float]:
        from pipeline.read.pixels import box_value

        try:
            return box_value(self.fd, i, word)
        except Exception:
            return None

    def _case(self, name, spec, syn):
        hs = self.hits(syn, _after(spec), start_only=False)
        if not hs:
            raise _NotFound
        i, h = hs[0]
        ln = self.lines[i][h.line]
        mark = L.mark_before(ln, h.first)
        if mark in (None, "unknown"):  # a clear « [X] » / « [ ] » read by the OCR is kept
            v = self._ink(i, ln.words[h.first])
            if v is not None:
                mark = "ticked" if v > TICK_INK else "empty" if v < LOW_INK else "unknown"
        words = ln.words[h.first:h.last + 1]
        if mark == "ticked":
            self.note(name, i, words, "[X] " + ln.text(h.first, h.last + 1))
            return True
        if mark in ("empty", None):
            self.note(name, i, words, "[ ] " + ln.text(h.first, h.last + 1), "vide")
            return False
        self.note(name, i, words, "[?] " + ln.text(h.first, h.last + 1), "illisible")
        return None

    def _choix(self, name, spec, syn):
        found = {}
        for opt, labels in syn.items() if isinstance(syn, dict) else []:
            hs = self.hits(labels, _after(spec), start_only=False)
            if hs:
                i, h = hs[0]
                ln = self.lines[i][h.line]
                mark = L.mark_before(ln, h.first)
                if mark in (None, "unknown"):  # a clear « [X] » / « [ ] » read by the OCR is kept
                    first = ln.words[h.first]
                    if self.fd.pages[i].ocr:  # « [Accident »: the box glued to the option's first word
                        first = self._after_box(i, h.label.split()[0], first) or first
                    v = self._ink(i, first)
                    if v is not None:
                        mark = "ticked" if v > TICK_INK else "empty" if v < LOW_INK else "unknown"
                found[opt] = (mark, i, ln.words[h.first:h.last + 1])
        if not found:
            raise _NotFound
        ticked = [o for o, (m, _, _) in found.items() if m == "ticked"]
        if len(ticked) != 1 and any(self.fd.pages[i].ocr for _, i, _ in found.values()):
            found = self._choice_by_ink(found)
            ticked = [o for o, (m, _, _) in found.items() if m == "ticked"]
        if len(ticked) == 1 and not any(m == "unknown" for m, _, _ in found.values()):
            m, i, ws = found[ticked[0]]
            self.note(name, i, ws, ticked[0])
            return ticked[0]
        m, i, ws = next(iter(found.values()))
        marks = [m for m, _, _ in found.values()]
        # Nothing ticked is « vide » only when every box was seen empty (or none is printed at all):
        # a box not found beside boxes seen empty may be the ticked one.
        empty = not ticked and "unknown" not in marks and (None not in marks or set(marks) == {None})
        self.note(name, i, ws, ", ".join(f"{o}: {m}" for o, (m, _, _) in found.items()),
                  "vide" if empty else "illisible")
        return None

    def _choice_by_ink(self, found: dict) -> dict:
        """On a scan, boxes the OCR read all alike (a filled « ■ » read « [] » as the empty ones):
        the one box clearly darker than the others is the ticked one."""
        inks = {}
        for o, (m, i, ws) in found.items():
            first = self._after_box(i, L.wfold(ws[0].text), ws[0]) or ws[0]
            inks[o] = self._ink(i, first)
        if any(v is None for v in inks.values()):
            return found
        ticked = [o for o, v in inks.items() if _clearly_ticked(v, [inks[p] for p in inks if p != o])]
        if len(ticked) == 1:
            return {o: ("ticked" if o == ticked[0] else "empty", i, ws) for o, (m, i, ws) in found.items()}
        return found

    def _signature(self, name, spec, syn):
        from pipeline.read.pixels import ink_right_of

        hs = self.hits(syn, _after(spec))
        if not hs:
            raise _NotFound
        i, h = hs[0]
        text, words = L.value_of(self.lines[i], h, self.labels[i])
        ln = self.lines[i][h.line]
        words = [w for w in words if w in ln.words]  # a line below is another field (« Cachet : »)
        text = " ".join(w.text for w in words).strip(" :_.…")
        if text and not re.fullmatch(r"[\s_.…\-]*", text):
            self.note(name, i, ln.words[h.first:h.last + 1] + words, text)
            return True
        ink = ink_right_of(self.fd, i, ln.words[h.last])
        self.note(name, i, ln.words[h.first:h.last + 1], "trait manuscrit" if ink > 0.01 else "",
                  "lu" if ink > 0.01 else "vide")
        return ink > 0.01

    def _membres(self, name, spec, syn):
        # The list's own label opens its line (« Membres : »), not « … signé par les membres ».
        hs = self.hits(syn) or self.hits(syn, start_only=False)
        if not hs:
            raise _NotFound
        i, h = hs[0]
        stops = [L.phrase_key(s) for s in spec.get("arret_texte", [])]
        rows, words = [], []
        page, start, stopped, end = i, h.line + 1, False, None
        while not stopped:
            lines = self.lines[page]
            for li in range(start, len(lines)):
                ln = lines[li]
                key = " ".join(k for k in ln.keys if k)
                if L._is_heading(ln) or any(key.startswith(s) for s in stops if s):
                    stopped, end = True, (page, ln.bottom)
                    break
                if re.fullmatch(r"(page )?\d{1,2}( sur \d{1,2})?|(af[34] ?\d{4} ?)?\d{0,2}", key):
                    continue  # a page number or the form's code: not a row
                rows.append(ln.text())
                if page == i:
                    words += ln.words
            # A table running past the page's foot goes on at the top of the next page.
            if not stopped and page + 1 in self.lines and self.pages and page + 1 <= self.pages[-1]:
                page, start = page + 1, 0
            else:
                break
        members, lost = self._parse_members(rows)
        how = ""
        if self.fd.pages[i].ocr and (not members or lost or _members_unsure(members, rows)):
            # A ruled table the OCR read in part (a cell or a row lost) or not at all: read again
            # cell by cell. Still incomplete, it is unreadable, never a member counted absent or
            # « non signé » by mistake.
            again = self._members_by_cell(i, h, end)
            if again is not None:
                (members, table), how = again, ", tableau relu case par case"
            elif members:
                self.note(name, i, words, f"{len(members)} membre(s) lus, tableau incomplet", "illisible")
                return None
        self.note(name, i, words, f"{len(members)} membre(s) lus{how}", "lu" if members else "vide")
        if how:  # the crop shown is the table read again
            self.evidence[name]["box"] = [round(v, 1) for v in table.box]
        return [{"role": m["role"], "nom": m["nom"], "presence": m["presence"], "signe": m["signe"]} for m in members]


TABLE_REACH = 320.0  # points under a label where its ruled table is looked for
UNSURE_WORD = 50.0  # Tesseract confidence under which a word is a guess (handwriting reads 0–50)
UNSURE_HAND = 80.0  # on a page filled by hand, a misread letter still scores 50–70: demand more
HAND_SHARE = 0.08  # share of guessed words that marks a page filled by hand (printed pages: 0–4 %)


def _hand_page(page) -> bool:
    cached = getattr(page, "_hand", None)
    if cached is not None and cached[0] is page.words:
        return cached[1]
    ws = [w for w in page.words or [] if _wordy(w)]
    hand = len(ws) >= 30 and sum(w.conf < UNSURE_WORD for w in ws) / len(ws) >= HAND_SHARE
    page._hand = (page.words, hand)
    return hand


def _doubtful_stop(lines: list, h, labels, page) -> bool:
    """Whether the line under a label with nothing right of it opens on a label whose first word
    the OCR guessed: the value may be written there, misread as a label."""
    ln = lines[h.line]
    if any(_wordy(w) for w in ln.words[h.last + 1:]):
        return False
    nxt = next((k for k in range(h.line + 1, len(lines)) if lines[k].top > ln.bottom), None)
    if nxt is None or lines[nxt].top - ln.bottom > 2.2 * max(6.0, ln.bottom - ln.top):
        return False
    limit = UNSURE_HAND if _hand_page(page) else UNSURE_WORD
    first = lines[nxt].words[0]
    return labels.at(nxt, 0) and first.conf < limit


def _unsure(words, page) -> bool:
    """A value with a word the OCR guessed (two letters or digits or more, low confidence)."""
    limit = UNSURE_HAND if _hand_page(page) else UNSURE_WORD
    return any(w.conf < limit and _wordy(w) for w in words)


def _members_unsure(members: list[dict], rows: list[str]) -> bool:
    """A ruled table the OCR read in part: a signature column with cells missing, or no président
    (the conseil médical always has one, so his row was lost)."""
    from pipeline.read.layout import phrase_key

    signed = [bool(re.search(r"sign|emarg", m["texte"])) for m in members]
    sign_column = any(signed) or any(re.search(r"signature|emargement", phrase_key(r)) for r in rows)
    if sign_column and not all(signed):
        return True
    # Rows run together (two people's cells read as one line): a « name » longer than a person's.
    if any(len([t for t in m["nom"].split() if t not in NAME_PARTICLES]) > MAX_NAME_WORDS for m in members):
        return True
    return not any(m["role"] == "president" for m in members)


NAME_PARTICLES = frozenset({"de", "du", "des", "la", "le", "d", "l", "dr", "pr", "mme", "m", "me"})
MAX_NAME_WORDS = 5  # prénoms composés and double names included ("jean pierre dupont durand")


def _unsure_block(words, page) -> bool:
    """Free text (conclusions, circonstances) mostly guessed by the OCR: a handwritten block."""
    limit = UNSURE_HAND if _hand_page(page) else UNSURE_WORD
    ws = [w for w in words if _wordy(w)]
    return len(ws) >= 4 and sum(w.conf < limit for w in ws) >= 0.3 * len(ws)


def _label_middle(ln, h) -> float:
    """Where to look for a table under a label: from the middle of the label's own words (the
    OCR may put a table's garbled header on the label's line, and on a skewed scan the table's
    top rule may run level with the label's foot)."""
    ws = ln.words[h.first:h.last + 1]
    return (min(w.top for w in ws) + max(w.bottom for w in ws)) / 2


def _clearly_ticked(v: float, others: list) -> bool:
    """A box clearly darker than the other answers' boxes. A scanned empty box keeps its blurred
    border (ink up to ~0.18): the ticked one is darker by ratio and by a margin. A thin tick
    (« ☑ » blurred, ~0.07) counts only against boxes left quite clean."""
    if v > TICK_INK:
        return all(v > 1.45 * o and v - o > 0.08 for o in others)
    return v >= LOW_INK and all(o <= CLEAN_INK for o in others)


def _glued_start(word: str, label: str) -> str:
    """The start of a value glued to the label's last word (« NIR2 » → « 2 », « naiss.21/11/1978 »
    → « 21/11/1978 »); '' when the word is the label's own (« AF3 » ends « Date de l'AF3 »)."""
    m = re.match(r"(.*?)(\d[\d/.\-]*)$", word)
    if not m or not label or not m.group(1):
        return ""
    return m.group(2) if L.wfold(m.group(1)) == label.split()[-1] else ""


def _trimmed(words: dict) -> dict:
    """The answers' words cut to their letters: the OCR sometimes reads a box and the word after
    it as one word (« ☑Non »), which hides the box from the ink measure."""
    from pipeline.read.document import Word

    per_char = min((w.x1 - w.x0) / max(1, len(w.text)) for w in words.values())
    out = {}
    for o, w in words.items():
        letters = len(re.sub(r"[^A-Za-zÀ-ÿ]", "", w.text)) or len(w.text)
        if w.x1 - w.x0 > 1.35 * per_char * letters:
            w = Word(w.text, w.x1 - per_char * letters, w.top, w.x1, w.bottom, w.line, w.conf)
        out[o] = w
    return out


class _NotFound(Exception):
    pass


def acroform_values(fd, form: dict) -> dict:
    """Fields of a fillable PDF through the form's field map (`champs_pdf`, per version)."""
    from pipeline.read.labels import parse_date

    if not fd.form_fields:
        return {}
    out: dict = {}
    specs = form.get("champs", {})
    for mapping in (form.get("champs_pdf") or {}).values():
        for pdf_name, target in mapping.items():
            if pdf_name not in fd.form_fields:
                continue
            raw = str(fd.form_fields[pdf_name]).strip()
            name, _, opt = target.partition("=")
            kind = specs.get(name, {}).get("type")
            if opt:
                if raw not in ("/Off", "Off", ""):
                    out[name] = opt == "oui"
            elif kind == "date":
                out[name] = parse_date(raw)
            elif kind == "nir":
                digits = re.sub(r"[^0-9ABab]", "", raw).upper()
                out[name] = [digits] if digits else []
            else:
                out[name] = raw
    return out


def read_form_layout(fd, form: dict) -> tuple[dict, dict]:
    """(values, evidence) of the fields whose label is found on the pages (fillable fields first)."""
    if not any(s.get("synonymes") for s in form.get("champs", {}).values()):
        return {}, {}
    r = FormReader(fd, form)
    acro = acroform_values(fd, form)
    values = r.read(acro)
    values.update(acro)  # a fillable field's value is what was typed: it wins
    return values, r.evidence
