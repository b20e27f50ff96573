"""iCalendar export of a timeline (RFC 5545, written by hand: a few all-day events).

Reproducible: DTSTAMP is the dossier's date_etablissement and each UID is
derived from the dossier id and the step, so importing a newer export updates
the events instead of duplicating them. Events name the dossier id, not the
agent: a calendar is often synchronised to services outside the collectivité.
"""
from __future__ import annotations

import datetime as dt

from pipeline.compute.timeline import ONE_DAY, Timeline, timeline
from pipeline.dossier.model import Dossier
from pipeline.money import fmt_date
from pipeline.text import slug

PRODID = "-//pipeline-invalidite//Calendrier du dossier//FR"
DOMAIN = "pipeline-invalidite.local"
ALARM_DAYS = 30  # reminder before an end of rights or the age limit


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (§3.1)."""
    out, current, size = [], "", 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75  # continuation lines start with a space
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _event(uid: str, stamp: str, start: dt.date, end_inclusive: dt.date, summary: str,
           description: str = "", alarm_days: int | None = None) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}@{DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(start)}",
        f"DTEND;VALUE=DATE:{_date(end_inclusive + ONE_DAY)}",  # DTEND is exclusive
        f"SUMMARY:{escape_text(summary)}",
        "TRANSP:TRANSPARENT",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if alarm_days:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:-P{alarm_days}D",
                  f"DESCRIPTION:{escape_text(summary)}", "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def to_ics(d: Dossier, t: Timeline | None = None) -> str:
    t = t or timeline(d)
    ident = d.dossier.id
    uid_base = slug(ident) or "dossier"
    stamp = f"{_date(d.dossier.date_etablissement)}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(f'Dossier {ident} – retraite pour invalidité')}"]
    for e in t.etapes:
        if e.date is None:
            continue
        desc = f"Statut : {e.statut}." + (f" {e.note[:1].upper()}{e.note[1:]}." if e.note else "")
        lines += _event(f"{uid_base}-{e.code}", stamp, e.date, e.date_fin or e.date,
                        f"[{ident}] {e.libelle}", desc)
    for f in t.fins_droits:
        if f.fin_droits is None or not (f.en_cours or f.fin_droits >= t.date_reference):
            continue
        lines += _event(f"{uid_base}-fin-droits-{f.type.value.lower()}-{_date(f.debut)}", stamp, f.fin_droits,
                        f.fin_droits, f"[{ident}] Fin des droits : {f.libelle}",
                        f"Période commencée le {fmt_date(f.debut)} : {f.detail}.", ALARM_DAYS)
    if t.limite_age:
        lines += _event(f"{uid_base}-limite-age", stamp, t.limite_age, t.limite_age,
                        f"[{ident}] Limite d'âge de l'agent",
                        "L'inaptitude doit être reconnue par le conseil médical plénier avant cette date.",
                        ALARM_DAYS)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
