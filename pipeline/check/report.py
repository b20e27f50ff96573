"""Reports of `pipeline check`: terminal summary, JSON (rules.md contract), self-contained HTML.

Nothing here prints medical text: messages are the rules' own sentences, never what a
doctor wrote (conclusions, infirmities).
"""
from __future__ import annotations

import datetime as dt
import html
import json
from typing import Iterable

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

    t = Table(title="Synthèse du lot", show_lines=False)
    t.add_column("Dossier")
    t.add_column("Statut")
    t.add_column("Bloquants", justify="right")
    t.add_column("Avertissements", justify="right")
    t.add_column("Pièces manquantes")
    for r in reports:
        colour = "green" if r.status == "complet" else "red"
        t.add_row(r.dossier, f"[{colour}]{r.status}[/]", str(r.count("bloquant")), str(r.count("avertissement")),
                  ", ".join(p.id for p in r.pieces if p.status == "manquante") or "—")
    console.print(t)
    s = summary(reports)
    console.print(f"{s['dossiers']} dossier(s) : {s['complets']} complet(s), {s['incomplets']} incomplet(s).")


# ---------------------------------------------------------------- HTML
_CSS = """
@page { size: A4 portrait; margin: 15mm 14mm; }
* { box-sizing: border-box; }
.evidence img.crop { max-width: 100%; border: 1px solid #999; margin-top: 2px; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0; }
@media screen { body { max-width: 190mm; margin: 8mm auto; } }
header.doc { border-bottom: 2px solid #222; margin-bottom: 8mm; padding-bottom: 3mm; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; }
h2 { font-size: 13.5pt; margin: 0 0 3mm 0; }
h3 { font-size: 11pt; margin: 5mm 0 2mm 0; }
section.dossier { page-break-before: always; break-before: page; }
section.dossier:first-of-type { page-break-before: auto; break-before: auto; }
.status { display: inline-block; padding: 1mm 3mm; border-radius: 2mm; font-weight: bold; border: 1px solid; }
.status.complet { color: #0a5c1f; border-color: #0a5c1f; background: #e6f4ea; }
.status.incomplet { color: #8a1010; border-color: #8a1010; background: #fbe9e9; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; page-break-inside: auto; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #999; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.sev { font-weight: bold; white-space: nowrap; }
.rule { white-space: nowrap; font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
.sev.bloquant { color: #8a1010; } .sev.avertissement { color: #8a5a00; } .sev.info { color: #1a4d8a; }
.manquante { color: #8a1010; font-weight: bold; }
.small { font-size: 8.5pt; color: #444; }
ul.sum { margin: 1mm 0 3mm 5mm; padding: 0; }
"""


def _evidence_html(f) -> str:
    """What was read for the finding: page, text, and the crop of the page (« à vérifier » when weak)."""
    ev = getattr(f, "evidence", None)
    if not ev:
        return ""
    e = html.escape
    weak = ev.get("etat") == "illisible"
    read = ev.get("texte") or "rien"
    out = (f'<div class="evidence"><span class="small">Lu page {ev.get("page")} : « {e(read)} »'
           + (' — <strong>à vérifier</strong>' if weak else "") + "</span>")
    if ev.get("image", "").startswith("data:image/png;base64,"):
        out += f'<br><img class="crop" alt="Extrait de la page {ev.get("page")}" src="{ev["image"]}">'
    return out + "</div>"


def to_html(reports: list, title: str = "Contrôle des dossiers de retraite pour invalidité") -> str:
    from pipeline.dossier.pieces import load_catalogue

    labels = {p.id: p.libelle for p in load_catalogue().pieces}
    e = html.escape
    s = summary(reports)
    out = [
        "<!DOCTYPE html>", '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>", f"<style>{_CSS}</style></head><body>",
        '<header class="doc">', f"<h1>{e(title)}</h1>",
        f'<div class="small">Rapport établi le {dt.date.today().strftime("%d/%m/%Y")} — '
        f"{s['dossiers']} dossier(s) : {s['complets']} complet(s), {s['incomplets']} incomplet(s).</div>",
        "</header>",
    ]
    for r in reports:
        out.append(f'<section class="dossier" id="{e(r.dossier)}">')
        out.append(f'<h2>Dossier {e(r.dossier)} <span class="status {r.status}">{e(STATUS_LABEL[r.status])}</span></h2>')
        counts = {k: r.count(k) for k in SEVERITY_LABEL}
        out.append('<ul class="sum">' + "".join(
            f"<li>{SEVERITY_LABEL[k]} : {n}</li>" for k, n in counts.items()) + "</ul>")
        missing = [p for p in r.pieces if p.status == "manquante"]
        if missing:
            out.append("<h3>Pièces manquantes</h3><ul>")
            out += [f'<li class="manquante">{e(p.libelle or labels.get(p.id, p.id))} ({e(p.id)})</li>' for p in missing]
            out.append("</ul>")
        out.append("<h3>Constats, par pièce</h3>")
        groups: dict[str, list] = {}
        for f in r.findings:
            groups.setdefault(f.piece or "", []).append(f)
        if not groups:
            out.append("<p>Aucun problème détecté : le dossier peut être envoyé.</p>")
        order = [p.id for p in r.pieces] + sorted(k for k in groups if k not in {p.id for p in r.pieces})
        for key in order:
            if key not in groups:
                continue
            name = labels.get(key, "Autres fichiers") if key else "Autres fichiers"
            out.append(f"<h3>{e(name)}</h3><table><thead><tr><th>Gravité</th><th>Règle</th>"
                       "<th>Constat et action à mener</th><th>Fichier</th></tr></thead><tbody>")
            for f in groups[key]:
                where = e(f.file or "—") + (f", page {f.page}" if f.page else "")
                out.append(f'<tr><td class="sev {f.severity}">{e(SEVERITY_LABEL[f.severity])}</td>'
                           f'<td class="rule">{e(f.rule)}</td>'
                           f"<td>{e(f.message)}{_evidence_html(f)}<div class=\"small\">Source : {e(f.source)}</div></td>"
                           f"<td>{where}</td></tr>")
            out.append("</tbody></table>")
        out.append("<h3>État des pièces</h3><table><thead><tr><th>Pièce</th><th>État</th><th>Fichiers</th></tr></thead><tbody>")
        for p in r.pieces:
            if p.status == "non_requise" and not p.files:
                continue
            cls = ' class="manquante"' if p.status == "manquante" else ""
            out.append(f"<tr><td>{e(p.libelle or p.id)}</td><td{cls}>{e(PIECE_STATUS_LABEL[p.status])}</td>"
                       f"<td>{e(', '.join(p.files) or '—')}</td></tr>")
        out.append("</tbody></table></section>")
    out.append("</body></html>")
    return "\n".join(out)


def rule_pages() -> dict[str, dict]:
    """Why each rule exists and what to do (validators/rules_pages.yaml), by rule id."""
    from pipeline import resources

    return resources.load_yaml_shared("validators", "rules_pages.yaml") or {}


def rules_catalogue() -> list[dict]:
    from pipeline.validators.registry import all_rules

    pages = rule_pages()
    return [{"id": r.id, "severity": r.severity, "checks": r.checks, "source": r.source,
             "pourquoi": pages.get(r.id, {}).get("pourquoi", ""),
             "que_faire": pages.get(r.id, {}).get("que_faire", "")} for r in all_rules()]


def iter_reports(reports: Iterable) -> list:
    return list(reports)
