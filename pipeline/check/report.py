"""Reports of `pipeline check`: terminal summary, JSON (rules.md contract), self-contained HTML.

Nothing here prints medical text: messages are the rules' own sentences, never what a
doctor wrote (conclusions, infirmities).
"""
from __future__ import annotations

import datetime as dt
import functools
import json

SCHEMA = "pipeline-check/1"
SEVERITY_LABEL = {"bloquant": "Bloquant", "avertissement": "Avertissement", "info": "Information"}
STATUS_LABEL = {"complet": "COMPLET", "incomplet": "INCOMPLET"}
PIECE_STATUS_LABEL = {"presente": "présente", "manquante": "manquante", "non_requise": "non requise"}


def summary(reports: list) -> dict:
    complets = sum(1 for r in reports if r.status == "complet")
    return {"dossiers": len(reports), "complets": complets, "incomplets": len(reports) - complets}


def to_dict(reports: list) -> dict:
    """The report as the pipeline-check/1 contract (README)."""
    return {"schema": SCHEMA, "dossiers": [r.as_dict() for r in reports], "summary": summary(reports)}


def to_json(reports: list) -> str:
    return json.dumps(to_dict(reports), ensure_ascii=False, indent=2) + "\n"


def exit_status(reports: list) -> int:
    return 0 if all(r.status == "complet" for r in reports) else 1


# ---------------------------------------------------------------- terminal
def terminal(report, console) -> None:
    """A short French summary a non-programmer can read."""
    ok = report.status == "complet"
    colour = "green" if ok else "red"
    console.print(f"[bold]Dossier {report.dossier}[/] : [bold {colour}]{STATUS_LABEL[report.status]}[/]")
    missing = [p for p in report.pieces if p.status == "manquante"]
    present = [p for p in report.pieces if p.status == "presente"]
    console.print(f"  Pièces présentes : {len(present)} ; manquantes : {len(missing)}")
    for p in missing:
        console.print(f"    [red]✗[/] {p.libelle} ({p.id})")
    counts = {s: report.count(s) for s in SEVERITY_LABEL}
    console.print("  Constats : " + ", ".join(
        f"{n} {SEVERITY_LABEL[s].lower()}{'s' if n > 1 and s != 'info' else ''}" for s, n in counts.items()))
    for f in report.findings:
        if f.rule == "PIECE-MANQUANTE":
            continue  # already listed above
        mark = {"bloquant": "[red]✗[/]", "avertissement": "[yellow]![/]", "info": "[blue]i[/]"}[f.severity]
        where = f" [dim]({f.file}{', page ' + str(f.page) if f.page else ''})[/]" if f.file else ""
        console.print(f"    {mark} [bold]{f.rule}[/] : {html_free(f.message)}{where}", highlight=False)
    if ok and not report.findings:
        console.print("  Aucun problème détecté : le dossier peut être envoyé.")


def html_free(s: str) -> str:
    return s.replace("[", "\\[")


def batch_table(reports: list, console) -> None:
    from rich.table import Table

    t = Table(title="Synthèse du lot", show_lines=True)
    # Readable at 80 columns: names, statuses and counts are never cut; the missing pièces
    # go under the dossier's name and wrap between ids.
    t.add_column("Dossier et pièces manquantes", ratio=1, overflow="fold")  # fold: only a name longer than the column
    t.add_column("Statut", no_wrap=True, min_width=9)
    t.add_column("Bloquants", justify="right", no_wrap=True)
    t.add_column("Avert.", justify="right", no_wrap=True)
    for r in reports:
        colour = "green" if r.status == "complet" else "red"
        missing = ", ".join(p.id for p in r.pieces if p.status == "manquante")
        cell = f"[bold]{html_free(r.dossier)}[/]" + (f"\nmanquantes : {missing}" if missing else "")
        t.add_row(cell, f"[{colour}]{r.status}[/]", str(r.count("bloquant")), str(r.count("avertissement")))
    console.print(t)
    s = summary(reports)
    console.print(f"{s['dossiers']} dossier(s) : {s['complets']} complet(s), {s['incomplets']} incomplet(s).")


# ---------------------------------------------------------------- HTML


def _evidence(f):
    """What the reading stage read for a finding (read.form_layout: page, box, texte, etat, and the
    crop as a PNG data URI added by the check), as the template shows it; None without evidence."""
    ev = getattr(f, "evidence", None)
    if ev is None:
        return None
    image = ev.get("image")
    if image and not str(image).startswith("data:image/png;base64,"):
        image = None  # the report stays self-contained: only an inline PNG is shown
    return {"page": ev.get("page"), "text": ev.get("texte"), "image": image, "box": ev.get("box"),
            "weak": ev.get("etat") == "illisible"}  # shown as « à vérifier »


class _FindingView:
    """A finding as the template sees it (with its evidence, when the reading gave one)."""

    def __init__(self, f):
        self._f = f
        self.evidence = _evidence(f)

    def __getattr__(self, name):
        return getattr(self._f, name)


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("pipeline.check", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)



def to_html(reports: list, title: str = "Contrôle des dossiers de retraite pour invalidité") -> str:
    from pipeline.dossier.pieces import load_catalogue

    labels = {p.id: p.libelle for p in load_catalogue().pieces}
    dossiers = []
    for r in reports:
        groups: dict[str, list] = {}
        for f in r.findings:
            groups.setdefault(f.piece or "", []).append(_FindingView(f))
        order = [p.id for p in r.pieces] + sorted(k for k in groups if k not in {p.id for p in r.pieces})
        named = [((labels.get(key, "Autres fichiers") if key else "Autres fichiers"), groups[key])
                 for key in order if key in groups]
        dossiers.append({"report": r, "groups": named,
                         "missing": [p for p in r.pieces if p.status == "manquante"]})
    return _environment().get_template("report.html.j2").render(
        title=title, today=dt.date.today().strftime("%d/%m/%Y"), summary=summary(reports),
        dossiers=dossiers, labels=labels, severity_label=SEVERITY_LABEL, status_label=STATUS_LABEL,
        piece_status_label=PIECE_STATUS_LABEL)


def rules_catalogue() -> list[dict]:
    """The rule catalogue with each rule's page (why, what to do, example), from the rule definitions."""
    from pipeline.validators.registry import all_rules

    return [{"id": r.id, "severity": r.severity, "checks": r.checks, "source": r.source,
             "source_verifiee": r.source_verified, "pourquoi": r.why, "que_faire": r.todo,
             "exemple": r.example} for r in all_rules()]
