"""Generate docs/rules/ (one French page per rule, and an index) from the rule definitions.

The explanation of a rule lives with its definition (validators/rules_*.py, `@rule(...)`):
this script only lays it out. `python scripts/gen_rule_docs.py` rewrites docs/rules/;
`--check` exits 1 when docs/rules/ is not up to date (a test runs it).
"""
from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
SEVERITY = {"bloquant": "bloquant", "avertissement": "avertissement", "info": "information"}


def _source(r) -> str:
    return r.source + ("" if r.source_verified else " *(intitulé ou article exact non vérifié)*")


def rule_page(r) -> str:
    return (f"# {r.id}\n\n"
            f"Gravité : **{SEVERITY[r.severity]}**\n\n"
            f"## Ce qu'elle vérifie\n\n{r.checks[0].upper() + r.checks[1:]}.\n\n"
            f"## Pourquoi\n\n{r.why}\n\n"
            f"## Que faire\n\n{r.todo}\n\n"
            f"## Exemple\n\n{r.example}\n\n"
            f"## Source\n\n{_source(r)}\n\n"
            "---\n*Page générée par `scripts/gen_rule_docs.py` à partir de la définition de la règle "
            "(`validators/`) ; ne pas la modifier à la main. Aussi : `pipeline rules " + r.id + "`.*\n")


def index(rules) -> str:
    lines = ["# Règles du contrôle (`pipeline check`)", "",
             "Chaque constat du contrôle porte l'identifiant d'une de ces règles. Les identifiants sont "
             "stables : on en ajoute, on n'en renomme jamais. `pipeline rules` affiche ce catalogue, "
             "`pipeline rules IDENTIFIANT` la page d'une règle.", "",
             "| Règle | Gravité | Ce qu'elle vérifie |", "| --- | --- | --- |"]
    for r in rules:
        lines.append(f"| [`{r.id}`]({r.id}.md) | {SEVERITY[r.severity]} | {r.checks} |")
    lines += ["", "*Index généré par `scripts/gen_rule_docs.py` ; ne pas le modifier à la main.*", ""]
    return "\n".join(lines)


def render() -> dict[str, str]:
    """File name → content of every page of docs/rules/."""
    from pipeline.validators.registry import all_rules

    rules = all_rules()
    pages = {f"{r.id}.md": rule_page(r) for r in rules}
    pages["README.md"] = index(rules)
    return pages


def stale(folder: Path = DOCS) -> list[str]:
    """Names of the pages that differ from the generator's output (or should not be there)."""
    pages = render()
    out = [n for n, text in pages.items()
           if not (folder / n).is_file() or (folder / n).read_text(encoding="utf-8") != text]
    if folder.is_dir():
        out += [p.name for p in folder.glob("*.md") if p.name not in pages]
    return sorted(out)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        if bad:
            print("docs/rules/ n'est pas à jour (lancez python scripts/gen_rule_docs.py) : " + ", ".join(bad))
            return 1
        return 0
    DOCS.mkdir(parents=True, exist_ok=True)
    pages = render()
    for p in DOCS.glob("*.md"):
        if p.name not in pages:
            p.unlink()
    for name, text in pages.items():
        (DOCS / name).write_text(text, encoding="utf-8")
    print(f"{len(pages)} pages écrites dans {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
