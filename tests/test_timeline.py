"""Timeline: procedure dates, CNRACL answer window, end of sick-leave rights, warnings, iCalendar."""
from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import estimate as cli_estimate
from pipeline.compute.ics import to_ics
from pipeline.dossier.load import load_dossier
from pipeline.dossier.model import Conge, TypeConge
from pipeline.compute.timeline import add_months, notice_context, radiation_date, timeline

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(ROOT.glob("samples/0*/dossier.yaml"))
SAMPLE1 = ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"
D = dt.date


@pytest.fixture(scope="module")
def base():
    return load_dossier(SAMPLE1)  # établi le 05/10/2026, plénier le 22/09/2026


def with_(d, **update):
    return d.model_copy(update=update, deep=True)


def with_dates(d, **dates):
    return with_(d, dates=d.dates.model_copy(update=dates))


def with_leaves(d, *leaves, envoi=D(2026, 10, 5)):
    conges = [Conge(type=t, debut=a, fin=b) for t, a, b in leaves]
    return with_dates(with_(d, conges=conges), envoi_peps=envoi)


def step(t, code):
    return next(e for e in t.etapes if e.code == code)


def test_add_months_clamps_to_month_end():
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert add_months(D(2026, 10, 5), 8) == D(2027, 6, 5)


def test_sample_steps_and_dates(base):
    t = timeline(base)
    assert step(t, "pleniere").date == D(2026, 9, 22) and step(t, "pleniere").statut == "réalisé"
    assert t.date_radiation_potentielle == D(2026, 9, 23)  # day after the plenary council
    assert step(t, "envoi_peps").date is None and step(t, "envoi_peps").statut == "à venir"
    # Not sent yet: window counted from the date the dossier is drawn up.
    assert t.fenetre == (D(2027, 4, 5), D(2027, 6, 5))
    assert radiation_date(base) is None
    assert t.alertes == []


def test_window_counts_from_the_peps_sending(base):
    d = with_dates(base, envoi_peps=D(2026, 10, 20))
    t = timeline(d)
    assert t.fenetre == (D(2027, 4, 20), D(2027, 6, 20))
    assert notice_context(d)["fenetre_reponse"] == "entre le 20/04/2027 et le 20/06/2027"


def test_radiation_after_cnracl_opinion(base):
    d = with_dates(base, envoi_peps=D(2026, 10, 20), avis_cnracl=D(2027, 5, 12))
    assert radiation_date(d) == D(2027, 5, 12)
    t = timeline(d)
    assert t.radiation_alternative == D(2027, 6, 1)
    assert all(e.code != "fenetre_cnracl" for e in t.etapes)
    regle = notice_context(d)["regle_radiation"]
    assert "12/05/2027" in regle and "01/06/2027" in regle and "jamais rétroactive" in regle


def test_sample_leave_rights(base):
    t = timeline(base)
    by_type = {f.type: f for f in t.fins_droits}
    assert by_type[TypeConge.CLM].fin_droits == D(2026, 9, 10)  # 3 years from 11/09/2023
    dispo = by_type[TypeConge.disponibilite_office]
    assert dispo.en_cours and dispo.fin_droits == D(2029, 9, 10) and dispo.fin_maximale == D(2030, 9, 10)
    assert "10/09/2027" in dispo.detail  # first year


def test_warning_when_rights_end_before_the_answer(base):
    d = with_leaves(base, (TypeConge.CLD, D(2022, 1, 10), None))
    t = timeline(d)
    assert t.fins_droits[0].fin_droits == D(2027, 1, 9)
    assert len(t.alertes) == 1
    assert "congé de longue durée (CLD) prennent fin le 09/01/2027" in t.alertes[0]
    assert "05/06/2027" in t.alertes[0]


def test_consecutive_leaves_of_one_type_are_one_run(base):
    d = with_leaves(base, (TypeConge.CMO, D(2026, 3, 1), D(2026, 5, 31)), (TypeConge.CMO, D(2026, 6, 1), None))
    t = timeline(d)
    assert [f.fin_droits for f in t.fins_droits] == [D(2027, 2, 28)]
    assert any("CMO" in a for a in t.alertes)


def test_exhausted_rights_and_citis(base):
    d = with_leaves(base, (TypeConge.CLM, D(2022, 1, 1), None))
    assert "épuisés depuis le 01/01/2025" in timeline(d).alertes[0]
    citis = with_leaves(base, (TypeConge.CITIS, D(2022, 1, 1), None))
    t = timeline(citis)
    assert t.fins_droits[0].fin_droits is None and t.alertes == []


def test_age_limit_warning(base):
    old = with_(base, agent=base.agent.model_copy(update={"date_naissance": D(1960, 1, 15)}))
    t = timeline(old)
    assert t.limite_age == D(2027, 1, 15)
    assert any("limite d'âge le 15/01/2027" in a for a in t.alertes)
    active = with_(base, agent=base.agent.model_copy(update={"date_naissance": D(1965, 1, 15),
                                                             "categorie_active": True}))
    assert timeline(active).limite_age == D(2027, 1, 15)


def test_notice_context_shape_and_no_medical_detail(base):
    ctx = notice_context(base)
    assert set(ctx) == {"etapes", "fenetre_reponse", "date_radiation_potentielle", "regle_radiation", "contacts"}
    assert ctx["date_radiation_potentielle"] == "23/09/2026"
    assert {"libelle": "Conseil médical en formation plénière (imprimé AF4)", "date": "22/09/2026",
            "statut": "réalisé"} in ctx["etapes"]
    assert set(ctx["contacts"]) == {"cnas", "assurance_retraite", "cnracl"}
    assert all(isinstance(v, str) for block in ctx["contacts"].values() for v in block.values())
    assert "cnas.fr" in ctx["contacts"]["cnas"]["site"]
    text = json.dumps(ctx, ensure_ascii=False)
    for inf in base.infirmites:
        assert inf.libelle not in text
    assert base.conseil_medical.restreint.avis not in text
    for word in ("CLM", "CLD", "CMO", "maladie"):
        assert word not in text


# --- iCalendar --------------------------------------------------------------------

def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def test_ics_is_valid_rfc5545_shape(base):
    ics = to_ics(base)
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # CRLF only
    assert all(len(line.encode("utf-8")) <= 75 for line in ics.split("\r\n"))
    lines = unfold(ics)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") > 5
    i = lines.index("SUMMARY:[INV-2026-0001] Conseil médical en formation plénière (imprimé AF4)")
    event = lines[lines[:i].index("BEGIN:VEVENT", max(0, i - 8)): i]
    assert "DTSTART;VALUE=DATE:20260922" in event and "DTEND;VALUE=DATE:20260923" in event
    # The answer window is one multi-day event (DTEND exclusive).
    assert "DTSTART;VALUE=DATE:20270405" in lines and "DTEND;VALUE=DATE:20270606" in lines
    # End of rights of the current position carries a reminder.
    assert "TRIGGER:-P30D" in lines
    assert to_ics(base) == ics  # reproducible: no clock, stable UIDs
    assert base.agent.nom_naissance not in ics


def test_ics_reads_back_with_icalendar(base):
    """A calendar program sees the same events: read back by the icalendar parser."""
    import datetime as dt

    from icalendar import Calendar

    cal = Calendar.from_ical(to_ics(base))
    events = [c for c in cal.walk("VEVENT")]
    by_summary = {str(e["SUMMARY"]): e for e in events}
    pleniere = by_summary["[INV-2026-0001] Conseil médical en formation plénière (imprimé AF4)"]
    assert pleniere.decoded("DTSTART") == dt.date(2026, 9, 22)
    assert pleniere.decoded("DTEND") == dt.date(2026, 9, 23)
    assert str(pleniere["UID"]) == "inv_2026_0001-pleniere@pipeline-invalidite.local"
    assert pleniere.decoded("DTSTAMP") == dt.datetime(2026, 10, 5, tzinfo=dt.timezone.utc)  # date_etablissement
    assert len({str(e["UID"]) for e in events}) == len(events)  # one UID per event
    alarms = [a for e in events for a in e.walk("VALARM")]
    assert alarms and all(a.decoded("TRIGGER") == dt.timedelta(days=-30) for a in alarms)
    assert str(cal["X-WR-CALNAME"]) == "Dossier INV-2026-0001 – retraite pour invalidité"


def test_ics_text_with_commas_semicolons_and_newlines_round_trips(base):
    """Free text (notes) is escaped on write and comes back unchanged."""
    from icalendar import Calendar

    from pipeline.compute.ics import calendar

    text = "Note ; avec, virgule\\ et\nretour " + "é" * 60
    cal = calendar(base)
    first = next(iter(cal.walk("VEVENT")))
    first["DESCRIPTION"] = text
    raw = cal.to_ical(sorted=False)
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    back = next(iter(Calendar.from_ical(raw).walk("VEVENT")))
    assert str(back["DESCRIPTION"]) == text


# --- Command line ---------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.parent.name)
def test_timeline_command_on_every_sample(sample, tmp_path):
    app = typer.Typer()
    cli_estimate.register(app)
    out = tmp_path / "calendrier.ics"
    res = CliRunner().invoke(app, ["timeline", str(sample), "--ics", str(out)])
    assert res.exit_code == 0, res.output
    assert "Fenêtre de réponse de la CNRACL : entre le" in res.stdout
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
