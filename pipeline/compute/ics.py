"""iCalendar export of a timeline (RFC 5545, written by the `icalendar` library).

Reproducible: DTSTAMP is the dossier's date_etablissement and each UID is
derived from the dossier id and the step, so importing a newer export updates
the events instead of duplicating them. Events name the dossier id, not the
agent: a calendar is often synchronised to services outside the collectivité.
"""
from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from pipeline.compute.timeline import ONE_DAY, Timeline, timeline
from pipeline.dossier.model import Dossier
from pipeline.money import fmt_date
from pipeline.text import slug

PRODID = "-//pipeline-invalidite//Calendrier du dossier//FR"
DOMAIN = "pipeline-invalidite.local"
ALARM_DAYS = 30  # reminder before an end of rights or the age limit


def _event(uid: str, stamp: dt.datetime, start: dt.date, end_inclusive: dt.date, summary: str,
           description: str = "", alarm_days: int | None = None) -> Event:
    ev = Event()
    ev.add("uid", f"{uid}@{DOMAIN}")
    ev.add("dtstamp", stamp)
    ev.add("dtstart", start)
    ev.add("dtend", end_inclusive + ONE_DAY)  # DTEND is exclusive
    ev.add("summary", summary)
    ev.add("transp", "TRANSPARENT")
    if description:
        ev.add("description", description)
    if alarm_days:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", dt.timedelta(days=-alarm_days))
        alarm.add("description", summary)
        ev.add_component(alarm)
    return ev


def calendar(d: Dossier, t: Timeline | None = None) -> Calendar:
    t = t or timeline(d)
    ident = d.dossier.id
    uid_base = slug(ident) or "dossier"
    e0 = d.dossier.date_etablissement
    stamp = dt.datetime(e0.year, e0.month, e0.day, tzinfo=dt.timezone.utc)
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Dossier {ident} – retraite pour invalidité")
    for e in t.etapes:
        if e.date is None:
            continue
        desc = f"Statut : {e.statut}." + (f" {e.note[:1].upper()}{e.note[1:]}." if e.note else "")
        cal.add_component(_event(f"{uid_base}-{e.code}", stamp, e.date, e.date_fin or e.date,
                                 f"[{ident}] {e.libelle}", desc))
    for f in t.fins_droits:
        if f.fin_droits is None or not (f.en_cours or f.fin_droits >= t.date_reference):
            continue
        cal.add_component(_event(
            f"{uid_base}-fin-droits-{f.type.value.lower()}-{f.debut:%Y%m%d}", stamp, f.fin_droits, f.fin_droits,
            f"[{ident}] Fin des droits : {f.libelle}", f"Période commencée le {fmt_date(f.debut)} : {f.detail}.",
            ALARM_DAYS))
    if t.limite_age:
        cal.add_component(_event(
            f"{uid_base}-limite-age", stamp, t.limite_age, t.limite_age, f"[{ident}] Limite d'âge de l'agent",
            "L'inaptitude doit être reconnue par le conseil médical plénier avant cette date.", ALARM_DAYS))
    return cal


def to_ics(d: Dossier, t: Timeline | None = None) -> str:
    # Properties in the order added (BEGIN, VERSION, PRODID…), lines folded at 75 octets, CRLF.
    return calendar(d, t).to_ical(sorted=False).decode("utf-8")
