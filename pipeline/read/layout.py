"""Fields from the page's layout: words with boxes → lines → labels (with synonyms, tolerant of
case, accents, hyphenation and OCR noise) → the value right of or under each label.

Words come from the PDF text layer (pdfium character boxes, fast) or from the OCR's word
boxes. A value stops at the next known label; a label is never taken as a value.
"""
from __future__ import annotations

import ctypes
import re
from bisect import bisect_left
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Optional

from rapidfuzz.fuzz import ratio as _ratio

from pipeline.text import strip_accents


@lru_cache(maxsize=1 << 16)
def wfold(s: str) -> str:
    """A word folded for matching: lower case, no accents, letters and digits only."""
    s = strip_accents(s or "").lower().replace("œ", "oe")
    return _NOT_ALNUM.sub("", s)


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=4096)
def phrase_key(s: str) -> str:
    """A label folded for matching: folded words joined by single spaces (« Né(e) le » → « nee le »)."""
    s = strip_accents(s or "").lower().replace("œ", "oe").replace("’", "'")
    s = re.sub(r"\(([a-z]{1,3})\)", r"\1", s)  # « prénom(s) » → « prenoms », « né(e) » → « nee »
    return " ".join(w for w in (wfold(x) for x in re.split(r"[\s/]+", s)) if w)


# ------------------------------------------------------------------ words from a text layer
_TOKEN = re.compile(r"[^\s\x00\ufffe]+")


def pdf_words(source, height: float, text: Optional[str] = None):
    """Words of a pypdfium2 page (or of its text page, with its text when already read) with
    boxes in points, origin top-left (like pdfplumber)."""
    if hasattr(source, "get_textpage"):
        tp = source.get_textpage()
        try:
            return pdf_words(tp, height)
        finally:
            tp.close()
    import pypdfium2.raw as raw

    from pipeline.read.document import Word

    n = source.count_chars()
    if n <= 0:
        return []
    if text is None:
        text = source.get_text_range(0, n)
    # Each run of characters between spaces is asked for its rectangles: one rectangle is one
    # word (two calls instead of one per character, which was most of the cost). A run pdfium
    # lays out in several rectangles (two words glued without a space, a run across a line end)
    # is cut from its characters' own boxes.
    count, rect, tp = raw.FPDFText_CountRects, raw.FPDFText_GetRect, source.raw
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    pl, pr, pb, pt = ctypes.byref(l), ctypes.byref(r), ctypes.byref(b), ctypes.byref(t)
    out: list = []
    for m in _TOKEN.finditer(text, 0, n):
        i, j = m.span()
        if count(tp, i, j - i) == 1 and rect(tp, 0, pl, pt, pr, pb):
            out.append([m.group(), l.value, r.value, height - t.value, height - b.value])
        else:
            out.extend(_char_words(tp, text, i, j, height))
    return [Word(s, x0, top, x1, bottom) for s, x0, x1, top, bottom in out]


def _char_words(tp, text: str, i: int, j: int, height: float) -> list:
    """Words of characters i..j from each character's box: a gap wider than about half the
    line's height, or a change of line, starts a new word."""
    import pypdfium2.raw as raw

    get = raw.FPDFText_GetCharBox
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    pl, pr, pb, pt = ctypes.byref(l), ctypes.byref(r), ctypes.byref(b), ctypes.byref(t)
    out, cur = [], None
    for k in range(i, j):
        ch = text[k]
        if not get(tp, k, pl, pr, pb, pt):
            continue
        x0, x1, top, bottom = l.value, r.value, height - t.value, height - b.value
        if cur is not None:
            h = cur[4] - cur[3]
            h = h if h > 3.0 else 3.0
            # Overlapping boxes continue the word (ligatures: « ﬁ » gives two chars on one box).
            if (cur[1] - 1 <= x0 and x0 - cur[2] < 0.45 * h
                    and abs((top + bottom) / 2 - (cur[3] + cur[4]) / 2) < 0.6 * h):
                cur[0] += ch
                cur[2], cur[3], cur[4] = max(cur[2], x1), min(cur[3], top), max(cur[4], bottom)
                continue
        cur = [ch, x0, x1, top, bottom]
        out.append(cur)
    return out


# ------------------------------------------------------------------ lines
@dataclass
class Line:
    words: list
    top: float
    bottom: float
    keys: list[str] = field(default_factory=list)  # folded word per word ("" for a mark)
    _joins: dict = field(default_factory=dict, repr=False)  # word index → _joined(keys, i)

    def joined(self, i: int) -> tuple[str, list[int]]:
        got = self._joins.get(i)
        if got is None:
            got = self._joins[i] = _joined(self.keys, i)
        return got

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def height(self) -> float:
        return max(4.0, self.bottom - self.top)

    def text(self, i: int = 0, j: Optional[int] = None) -> str:
        return " ".join(w.text for w in self.words[i:j])


def skew_slope(words) -> float:
    """dy/dx of the text lines of an OCR'd page (a scan fed askew), 0 for a text layer.

    Tesseract numbers its lines even on a skewed page: the median slope of its longer lines.
    """
    groups: dict[int, list] = {}
    for w in words:
        if w.line:
            groups.setdefault(w.line, []).append(w)
    slopes = []
    for g in groups.values():
        if len(g) < 3:
            continue
        xs = [(w.x0 + w.x1) / 2 for w in g]
        ys = [(w.top + w.bottom) / 2 for w in g]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if max(xs) - min(xs) < 80 or sxx <= 0:
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx)
    if len(slopes) < 3:
        return 0.0
    slopes.sort()
    k = slopes[len(slopes) // 2]
    return k if 0.002 < abs(k) < 0.1 else 0.0


def make_lines(words) -> "Lines":
    """Words grouped into lines by vertical overlap, each line sorted left to right.

    On a skewed scan the words' heights are straightened first (the boxes themselves stay where
    the pixels are: checkboxes are measured there), so that a two-column row stays one line.
    """
    words = [w for w in words if w.text.strip()]
    k = skew_slope(words)
    if k:
        up = {id(w): k * (w.x0 + w.x1) / 2 for w in words}  # vertical shift to a straight page
        ws = sorted(words, key=lambda w: ((w.top + w.bottom) / 2 - up[id(w)], w.x0))
    else:  # a straight page (every text layer): no shift
        up = None
        ws = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    rows: list[list] = []  # [words, top, bottom] of each line while grouping
    for w in ws:
        top, bottom = (w.top - up[id(w)], w.bottom - up[id(w)]) if up else (w.top, w.bottom)
        mid = (top + bottom) / 2
        h = bottom - top if bottom - top > 3.0 else 3.0
        for row in reversed(rows[-3:]):
            lh = row[2] - row[1]
            if abs(mid - (row[1] + row[2]) / 2) < 0.45 * (h if h >= lh else lh) and not _stacked(w, row[0]):
                row[0].append(w)
                if top < row[1]:
                    row[1] = top
                if bottom > row[2]:
                    row[2] = bottom
                break
        else:
            rows.append([[w], top, bottom])
    lines = []
    for row_words, top, bottom in rows:
        row_words.sort(key=_x0)
        lines.append(Line(row_words, top, bottom, [wfold(w.text) for w in row_words]))
    lines.sort(key=_top)
    return Lines(lines)


def _stacked(w, row: list) -> bool:
    """Whether `w` stands over or under a word of the row: two lines the OCR told apart (a
    signature's stroke, read as a tall word, joins « Date 04/08/2026 » to the « Signature »
    under it). Text-layer words carry no OCR line and are never parted so."""
    if not w.line:
        return False
    for o in row:
        if o.line and o.line != w.line and min(w.x1, o.x1) - max(w.x0, o.x0) > 0.5 * min(w.x1 - w.x0, o.x1 - o.x0):
            return True
    return False


def _x0(w) -> float:
    return w.x0


def _top(ln) -> float:
    return ln.top


class Lines(list):
    """A page's lines, with where each folded word stands: the exact label search visits only
    the words a label can open on, not every word of the page for every label."""

    def spots(self, heads: frozenset, prefixes: tuple) -> list[tuple[int, list[int]]]:
        """(line, [word indexes]) in reading order, of the words equal to one of `heads` or
        starting with one of `prefixes`."""
        cache = self.__dict__.setdefault("_spots", {})
        got = cache.get((heads, prefixes))
        if got is None:
            where = self.__dict__.get("_where")
            if where is None:
                where = self._where = {}
                for li, ln in enumerate(self):
                    for i, k in enumerate(ln.keys):
                        if k:
                            where.setdefault(k, []).append((li, i))
            pos = [p for h in heads for p in where.get(h, ())]
            if prefixes:
                # The words a prefix opens are next to each other in the sorted vocabulary.
                vocab = self.__dict__.get("_vocab")
                if vocab is None:
                    vocab = self._vocab = sorted(where)
                seen = set(heads)
                for pre in prefixes:
                    j = bisect_left(vocab, pre)
                    while j < len(vocab) and vocab[j].startswith(pre):
                        if vocab[j] not in seen:
                            seen.add(vocab[j])
                            pos += where[vocab[j]]
                        j += 1
            got = []
            for li, i in sorted(pos):
                if got and got[-1][0] == li:
                    got[-1][1].append(i)
                else:
                    got.append((li, [i]))
            cache[(heads, prefixes)] = got
        return got


# ------------------------------------------------------------------ labels
@dataclass
class Hit:
    line: int
    first: int  # index of the label's first word in the line
    last: int  # index of its last word
    score: float
    label: str


def _joined(keys: list[str], i: int) -> tuple[str, list[int]]:
    """Folded words from i on, joined by spaces, with the word index of every character."""
    s, owner = "", []
    for j in range(i, len(keys)):
        if not keys[j]:
            continue
        if s:
            s += " "
            owner.append(j)
        s += keys[j]
        owner += [j] * len(keys[j])
    return s, owner


@lru_cache(maxsize=1024)
def _targets(synonyms: tuple) -> tuple[list[str], frozenset, tuple]:
    targets = [t for t in (phrase_key(s) for s in synonyms) if t]
    # Exact matching: the label's first word opens here (a one-word label of 6 letters or more
    # may also open a longer word).
    heads = frozenset(t.split(" ")[0] for t in targets)
    prefixes = tuple(t for t in targets if " " not in t and len(t) >= 6)
    return targets, heads, prefixes


@lru_cache(maxsize=4096)
def _digits(t: str) -> tuple:
    return tuple(c for c in t if c.isdigit())


def find_labels(lines: list[Line], synonyms: list[str], *, fuzzy: bool = False, start_only: bool = False,
                min_score: float = 86.0) -> list[Hit]:
    """Every place where one of `synonyms` is written, best first per line.

    Exact on folded words for a text layer (hyphenated labels too: « Nom-de naissance »); with
    `fuzzy` (OCR), rapidfuzz tolerates a few wrong letters. `start_only`: the label must open
    its line or follow a large gap (a field label, not a word inside a sentence).
    """
    targets, heads, prefixes = _targets(tuple(synonyms))
    if fuzzy or not isinstance(lines, Lines):
        spots = ((li, range(len(ln.words))) for li, ln in enumerate(lines))
    else:
        spots = lines.spots(heads, prefixes)  # the only words the tests below let through
    hits: list[Hit] = []
    for li, idx in spots:
        ln = lines[li]
        best = None
        for i in idx:
            k = ln.keys[i]
            if not k:
                continue
            if not fuzzy and k not in heads and not (prefixes and k.startswith(prefixes)):
                continue
            if start_only and i > 0 and not _opens_column(ln, i):
                continue
            s, owner = ln.joined(i)
            for t in targets:
                score = 0.0
                if s == t or s.startswith(t + " ") or (s.startswith(t) and (len(t) >= 6 or s[len(t):len(t) + 1].isdigit())):
                    score, end = 100.0, len(t)  # « nir2 78 11 … »: a value's digits glued to the label
                elif fuzzy and len(t) >= 5:
                    digits = _digits(t)
                    if digits and not all(c in s[:len(t) + 2] for c in digits):
                        continue  # « AF3 » is not « la séance »: a label's digits must be read

                    cand = s[:len(t) + 2]
                    cut = cand.rfind(" ", 0, len(t) + 2) if len(cand) > len(t) else len(cand)
                    best_local = (0.0, 0)
                    for end_ in {len(t), cut, min(len(s), len(t) + 1), max(1, len(t) - 1)}:
                        if end_ <= 0:
                            continue
                        # Below the cut-off rapidfuzz stops early and says 0: the same choice.
                        sc = _ratio(s[:end_], t, score_cutoff=min_score)
                        if sc > best_local[0]:
                            best_local = (sc, end_)
                    score, end = best_local
                    if score < min_score:
                        continue
                else:
                    continue
                last = owner[min(len(owner), end) - 1] if owner else i
                if not _short_ok(ln, i, t, owner):
                    continue
                cand_hit = Hit(li, i, last, score, t)
                if best is None or (score, len(t)) > (best.score, len(best.label)):
                    best = cand_hit
            if best is not None and best.score == 100.0:
                break
        if best is not None:
            hits.append(best)
    return hits


def _opens_column(ln: Line, i: int) -> bool:
    prev = ln.words[i - 1]
    gap = ln.words[i].x0 - prev.x1
    # Printed over the previous word (a long value running into the next column's label): a new column too.
    return gap > 1.5 * ln.height or gap < -0.3 * ln.height or (not ln.keys[i - 1] and i == 1)


def _colon_after(ln: Line, last: int) -> bool:
    """The label ending at word `last` is followed by a colon (or ends its line)."""
    if last + 1 >= len(ln.words):
        return True
    return ln.words[last].text.endswith(":") or ln.words[last + 1].text.startswith(":")


def _short_ok(ln: Line, i: int, key: str, owner: list[int]) -> bool:
    """A two-letter label (« Le » for a date) is a label only before a colon: « LE GALL » is a name."""
    if len(key) > 2:
        return True
    last = owner[len(key) - 1] if owner else i
    return last + 1 < len(ln.words) and _colon_after(ln, last)


def _by_head(keys) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k in keys:  # in the order given
        out.setdefault(k.split(" ", 1)[0], []).append(k)  # a label starts on its own first word
    return out


@lru_cache(maxsize=64)
def _label_keys(phrases: tuple) -> tuple[list[str], list[str], dict, frozenset, dict]:
    """A form's label keys, computed once for all its pages: all of them, the long ones, and
    both by first word (an exact match of a label starting on a word has that word first)."""
    keys = [k for k in (phrase_key(p) for p in phrases) if k]
    # Long labels (several words) that may follow a value too closely to open a column.
    long_keys = sorted({k for k in keys if " " in k and len(k) >= 8}, key=len, reverse=True)
    by_head = _by_head(keys)
    return keys, long_keys, by_head, frozenset(by_head), _by_head(long_keys)


class Labels:
    """All known labels of a form on a page: to stop a value at the next label."""

    def __init__(self, lines: list[Line], phrases: list[str], fuzzy: bool):
        self.starts: set[tuple[int, int]] = set()
        self.fuzzy = fuzzy
        keys, self.long_keys, by_head, heads, self._long_by_head = _label_keys(tuple(phrases))
        inner = []  # labels inside a line, too close to the value before them to open a column
        if fuzzy or not isinstance(lines, Lines):
            spots = ((li, range(len(ln.words))) for li, ln in enumerate(lines))
        else:
            spots = lines.spots(heads, ())  # exact: nothing below happens on another word
        for li, idx in spots:
            ln = lines[li]
            for i in idx:
                if not ln.keys[i] or (i > 0 and not _opens_column(ln, i) and ln.words[i - 1].text.strip(" :") != ""):
                    if i > 0 and ln.keys[i] in heads:
                        s, _ = ln.joined(i)
                        if any((s == k or s.startswith(k + " ")) and len(k) >= 4 for k in by_head[ln.keys[i]]):
                            inner.append((li, i))
                    if i > 0:
                        continue
                if not fuzzy and ln.keys[i] not in heads:
                    continue
                s, owner = ln.joined(i)
                for k in keys if fuzzy else by_head[ln.keys[i]]:
                    if (s == k or s.startswith(k + " ")) and _short_ok(ln, i, k, owner):
                        self.starts.add((li, i))
                        break
                    if fuzzy and len(k) >= 6:
                        from rapidfuzz import fuzz

                        if fuzz.ratio(s[:len(k)], k) >= 88:
                            self.starts.add((li, i))
                            break
        self.inner = [(li, i, lines[li].words[i].x0) for li, i in inner]
        self.cols = [lines[li].words[i].x0 for li, i in self.starts if i > 0]
        self.promote(self.cols)

    def promote(self, cols: list[float]) -> None:
        """A label inside a line that starts where a second column starts (other lines' labels,
        on this page or another page of the form) opens that column."""
        for li, i, x0 in self.inner:
            if any(abs(x0 - x) <= 3 for x in cols):
                self.starts.add((li, i))

    def at(self, li: int, i: int) -> bool:
        return (li, i) in self.starts

    def inside(self, ln: Line, j: int) -> Optional[int]:
        """Where, in word j of a value, a long label of the next column starts (tight two-column
        layouts: « MARCHAND NOM D'USAGE », « MARCHANDNOM MARITAL / D'USAGE : ») : the character
        offset in the word, None when no label starts there. The label must end the line or be
        followed by a colon, or open on a word of its own."""
        text = ln.words[j].text
        cuts = [0]
        if len(text) > 3 and text != text.lower():  # only capitals can hide a label's start
            cuts += [c for c in range(2, len(text) - 1)
                     if text[c].isupper() and text[c - 1].isupper() and text[c - 2].isalpha()]
        near = (0.0, None)
        for c in cuts:
            keys = [wfold(text[c:])] + ln.keys[j + 1:]
            s, owner = _joined(keys, 0)
            # An exact match shares its first word with the label: only those labels are tried,
            # unless the OCR's misread letters are to be tolerated.
            for k in self.long_keys if self.fuzzy and c > 0 else self._long_by_head.get(s.split(" ", 1)[0], ()):
                if s == k or s.startswith(k + " "):
                    last = j + owner[len(k) - 1]
                    if c == 0 or _colon_after(ln, last):
                        return c
                elif self.fuzzy and c > 0 and len(s) >= len(k) - 1:
                    from rapidfuzz.distance import Levenshtein

                    # OCR: « MARCHANDIOM MARITAL / D'USAGE : » (N read as I): the closest cut, the
                    # first among equals (a letter misread rather than a letter lost)
                    score = 100 * Levenshtein.normalized_similarity(s[:len(k)], k)
                    if score >= 88 and score > near[0] and _colon_after(ln, j + owner[min(len(owner), len(k)) - 1]):
                        near = (score, c)
        return near[1]

    def line_starts_with_label(self, li: int, first: int = 0) -> bool:
        return (li, first) in self.starts


HEADING = re.compile(r"^(partie|parties|cadre|section)\b")


def _is_heading(ln: Line) -> bool:
    key = " ".join(k for k in ln.keys if k)
    return bool(HEADING.match(key))


def value_of(lines: list[Line], hit: Hit, labels: Labels, *, block: bool = False, stops: tuple = (),
             max_lines: int = 12) -> tuple[str, list]:
    """The value written right of the label, else under it; (text, words). "" when empty."""
    ln = lines[hit.line]
    words = []
    i = hit.last + 1
    while i < len(ln.words) and ln.words[i].text.strip() in (":", ".", "-", "–", "_"):
        i += 1
    # Right of the label: up to the next label on the line (two columns) or a wide gap.
    right = []
    for j in range(i, len(ln.words)):
        if labels.at(hit.line, j):
            break
        cut = None if block else labels.inside(ln, j)
        if cut is not None:
            if cut > 0:  # the value glued to the next label: keep its own letters
                w = ln.words[j]
                share = cut / max(1, len(w.text))
                right.append(type(w)(w.text[:cut], w.x0, w.top, w.x0 + share * (w.x1 - w.x0), w.bottom, w.line, w.conf))
            break
        if right and ln.words[j].x0 - right[-1].x1 > 6 * ln.height and labels_near(labels, hit.line, j, ln):
            break
        right.append(ln.words[j])
    col_end = next((ln.words[j].x0 for j in range(i, len(ln.words)) if labels.at(hit.line, j)), None)
    words = right
    texts = [" ".join(w.text for w in right)] if right else []
    if right and not block:
        # A long value wraps: following lines that start where the value started.
        prev = ln
        for li in range(hit.line + 1, min(len(lines), hit.line + 6)):
            nxt = lines[li]
            k0 = _first_real(nxt)
            if (k0 is None or nxt.top - prev.bottom > 0.9 * ln.height or abs(nxt.words[k0].x0 - right[0].x0) > 3
                    or labels.at(li, k0)):
                break
            cont = [w for w in nxt.words[k0:] if col_end is None or w.x0 < col_end - 2]
            texts.append(" ".join(w.text for w in cont))
            words = words + cont
            prev = nxt
        return " ".join(texts).strip(" :_.…"), words
    # Under the label: following lines that start inside the label's column, until a label.
    x_min = ln.words[hit.first].x0 - 2.0 * ln.height
    prev_bottom = ln.bottom
    for li in range(hit.line + 1, min(len(lines), hit.line + 1 + max_lines)):
        nxt = lines[li]
        if nxt.top - prev_bottom > 2.2 * max(ln.height, nxt.height):
            break
        ws = [(k, w) for k, w in enumerate(nxt.words) if w.x0 >= x_min and (col_end is None or w.x0 < col_end - 2)]
        if not ws:
            if block:
                continue
            break
        k0 = ws[0][0]
        if labels.at(li, k0) or _is_heading(nxt):
            break
        key = " ".join(nxt.keys[k] for k, _ in ws if nxt.keys[k])
        if any(re.match(s, key) for s in stops):
            break
        # stop at another label further right on that line (two columns)
        cut = [w for k, w in ws if not any(labels.at(li, kk) for kk in range(k0 + 1, k + 1))]
        texts.append(" ".join(w.text for w in cut))
        words += cut
        if not block:
            # A long value wraps under itself: lines starting where it starts, close below.
            first, last = cut[0].x0 if cut else 0.0, nxt
            for lj in range(li + 1, min(len(lines), li + 4)):
                more = lines[lj]
                m0 = _first_real(more)
                if (m0 is None or len(texts[-1]) < 40 or more.top - last.bottom > 0.8 * last.height
                        or abs(more.words[m0].x0 - first) > 3 or labels.at(lj, m0) or _is_heading(more)):
                    break
                cont = [w for w in more.words[m0:] if col_end is None or w.x0 < col_end - 2]
                texts.append(" ".join(w.text for w in cont))
                words += cont
                last = more
            break
        prev_bottom = nxt.bottom
    return " ".join(t for t in texts if t).strip(" :_.…"), words


def _first_real(ln: Line) -> Optional[int]:
    """The line's first word that is not a speck the OCR read (« ° », « ' », « . » left of a
    wrapped value on a scan): narrow and without a letter or digit."""
    for k, w in enumerate(ln.words):
        if any(c.isalnum() for c in w.text) or w.x1 - w.x0 >= 0.6 * ln.height:
            return k
    return None


def labels_near(labels: Labels, li: int, j: int, ln: Line) -> bool:
    return labels.at(li, j)


# ------------------------------------------------------------------ checkboxes
TICK_GLYPHS = re.compile(r"^(?:☒|☑|■|✓|✔|✗|✘|x|X|\[[xX✓✔]\]|\([xX✓✔]\)|\[[xX]|[xX]\]|\(x|x\))$")
EMPTY_GLYPHS = re.compile(r"^(?:☐|□|\[\]|\[ \]|\(\)|\( \)|\[|\]|\(|\)|0|o|O|D|O\)|\[\)|\(\]|LI|L\]|\[1|1\])$")


def mark_before(ln: Line, k: int) -> Optional[str]:
    """« ticked » / « empty » / None (no mark written) from the token just before word k."""
    w = ln.words[k]
    text = w.text
    # Mark glued to the option: « ☒Oui », « [X]Oui »
    m = re.match(r"^(☒|☑|■|✓|✔|✗|✘|\[[xX]\]|\([xX]\))", text)
    if m:
        return "ticked"
    if re.match(r"^(☐|□|\[\s?\]|\(\s?\))", text):
        return "empty"
    toks = []
    j = k - 1
    while j >= 0 and len(toks) < 3 and w.x0 - ln.words[j].x1 < 3.0 * ln.height:
        if ln.keys[j] and ln.words[j].text not in ("x", "X", "o", "O", "D") and len(ln.keys[j]) > 1:
            break
        toks.insert(0, ln.words[j].text)
        w = ln.words[j]
        j -= 1
    s = "".join(toks).replace(" ", "")
    s = re.sub(r"^[?:;,.!«»\"'–-]+", "", s)  # the question's own punctuation is no mark
    if not s:
        return None
    # The OCR reads a round bracket as a curly one now and then (« {X) », « ( } »).
    if TICK_GLYPHS.match(s) or re.fullmatch(r"[\[({]?[xX✓✔☒☑][\])}]?", s):
        return "ticked"
    if EMPTY_GLYPHS.match(s) or re.fullmatch(r"[\[({]\s*[\])}]", s):
        return "empty"
    return "unknown"


@dataclass
class Options:
    found: dict  # option key → (line index, word index)
    marks: dict  # option key → ticked | empty | unknown | None


def find_options(lines: list[Line], hit: Hit, options: dict[str, list[str]], *, max_lines: int = 4) -> Options:
    """Where each option word (« oui », « non ») is written after a question label."""
    found, marks = {}, {}
    for li in range(hit.line, min(len(lines), hit.line + 1 + max_lines)):
        ln = lines[li]
        start = hit.last + 1 if li == hit.line else 0
        for k in range(start, len(ln.words)):
            key = ln.keys[k]
            if not key:
                continue
            for opt, names in options.items():
                if opt in found:
                    continue
                for name in names:
                    nk = phrase_key(name)
                    s, owner = _joined(ln.keys, k)
                    if s == nk or s.startswith(nk + " ") or (key.endswith(nk) and len(key) <= len(nk) + 2
                                                             and " " not in nk):
                        found[opt] = (li, k)
                        marks[opt] = mark_before(ln, k)
                        if marks[opt] is None and key != nk:
                            # « XOui », « ONon »: the mark was read glued to the word
                            head = ln.words[k].text[: len(ln.words[k].text) - len(name)]
                            marks[opt] = ("ticked" if re.fullmatch(r"[\[(]?[xX✓✔☒☑][\])]?", head)
                                          else "empty" if head else None)
                        break
        if len(found) == len(options):
            break
    return Options(found, marks)


# ------------------------------------------------------------------ AF4 members
def _has(words: set, spec) -> bool:
    # « ladministration » (l'administration) ends with the word; « representant » must not
    # count as « présent »: a word matches at its start, or at its end after an elided article.
    return all(any(w.startswith(p) or (w.endswith(p) and len(w) - len(p) <= 2) for w in words) for p in spec)


def _name_of(key: str, stop: set) -> str:
    """What is left of a member row once its role, college, presence and signature words are out."""
    out = []
    for w in key.split():
        base = w[1:] if w[:1] in ("l", "d") and w[1:] in stop else w
        if base in stop or w in stop or len(w) < 2 or w.isdigit():
            continue
        out.append(w)
    return " ".join(out)


def _unglue(key: str, vocab: set) -> str:
    """Words of two table cells printed against each other (« administrationsigné ») split again."""
    out = []
    for w in key.split():
        if len(w) >= 8 and w not in vocab:
            for c in range(4, len(w) - 2):
                a, b = w[:c], w[c:]
                if len(a) >= 4 and a in vocab and any(b.startswith(v) for v in vocab):
                    w = f"{a} {b}"
                    break
        out.append(w)
    return " ".join(out)


def parse_member_rows(rows: list[str], roles: dict, presences: dict, not_names: tuple = (),
                      unresolved: Optional[list] = None) -> list[dict]:
    """Member rows in any column order: role, presence mode, signature per row.

    `roles` / `presences`: id → list of word sets (all words of one set in the row).
    A line without a role continues the previous row (a wrapped cell). A row with a presence
    but no role read is no member; it goes to `unresolved` when given (a role the OCR misread).
    """
    merged: list[str] = []
    # A row opens with a role's first word or a presence word; a line with neither is a wrapped
    # cell of the row above (« Représentant de » / « l'administration »).
    anchors = [[spec[0]] for specs in roles.values() for spec in specs]
    anchors += [spec for specs in presences.values() for spec in specs]
    role_specs = [spec for specs in roles.values() for spec in specs]
    presence_specs = [spec for specs in presences.values() for spec in specs]
    vocab = {w for spec in role_specs + presence_specs for w in spec} | set(not_names) | {"signe", "signee"}
    vocab = {w for w in vocab if len(w) >= 3}
    for row in rows:
        key = _unglue(phrase_key(row), vocab)
        if not key:
            continue
        ws = set(key.split())
        opens = any(_has(ws, spec) for spec in anchors)
        if opens and merged and not any(_has(ws, r) for r in role_specs) \
                and not any(_has(set(merged[-1].split()), p) for p in presence_specs):
            opens = False  # « visioconférence » wrapped under « par »: the presence of the row above
        if opens or not merged:
            merged.append(key)
        else:
            merged[-1] += " " + key
    stop = {w for specs in list(roles.values()) + list(presences.values()) for spec in specs for w in spec}
    stop |= set(not_names)
    out = []
    for key in merged:
        ws = set(key.split())
        role = next((rid for rid, specs in roles.items() if any(_has(ws, s) for s in specs)), None)
        presence = next((pid for pid, specs in presences.items() if any(_has(ws, s) for s in specs)), None)
        if role is None:
            if presence is not None and unresolved is not None:
                unresolved.append(key)
            continue
        signed = not re.search(r"\bnon\s+sign|\bpas\s+sign", key) and bool(re.search(r"\bsign", key))
        if presence == "absent":
            signed = False
        out.append({"role": role, "presence": presence or "present", "signe": signed, "texte": key,
                    "nom": _name_of(key, stop)})
    return out
