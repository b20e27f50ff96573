#!/usr/bin/env python3
"""Import graph of the `pipeline` package, read from the source with `ast` (nothing is imported).

Prints, for each stage package, the stages it imports; then the import cycles between modules
and the upward imports (a lower floor importing a higher one, floors as in the README's
« Architecture » section). Exit status 1 if there is a cycle or an upward import.

    python scripts/import_graph.py            # summary by stage
    python scripts/import_graph.py --modules  # every module and what it imports
    python scripts/import_graph.py --dot      # Graphviz, by stage
"""
from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Where each import package lives in the repository (see [tool.setuptools.package-dir]).
SOURCES = {"pipeline": REPO / "pipeline", "pipeline.validators": REPO / "validators",
           "pipeline.form_templates": REPO / "form_templates", "pipeline.config": REPO / "config"}
# Floors, lowest first: a module may import its own floor or a lower one, never a higher one.
FLOORS = {"foundation": 1, "dossier": 2, "compute": 3, "build": 4, "read": 5, "validators": 6,
          "form_templates": 6, "config": 6, "check": 7, "bundle": 8, "status": 8, "watch": 9, "web": 10,
          "cli": 11, "__main__": 11}


def modules(sources: dict[str, Path] = SOURCES) -> dict[str, Path]:
    """Dotted module name → source file, for every .py of the package."""
    out = {}
    for package, root in sources.items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            if any(part.startswith(".") or part in ("__pycache__", "migrations") for part in rel.parts[:-1]):
                continue
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([package, *parts])
            if package == "pipeline" and parts and parts[0] in ("validators", "form_templates", "config"):
                continue  # those live in their top-level folders
            out[name] = path
    return out


def stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "foundation"
    if parts[1] in FLOORS:
        return parts[1]
    return "foundation"  # pipeline.errors, pipeline.fsutil, ...


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package imported by `module` (at the top or inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            # the longest known module that is the name or contains it
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def graph(sources: dict[str, Path] = SOURCES) -> dict[str, set[str]]:
    mods = modules(sources)
    known = set(mods)
    return {m: imports_of(m, p, known) for m, p in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def upward(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a lower floor imports a higher one."""
    return sorted((a, b) for a, bs in g.items() for b in bs if FLOORS[stage(a)] < FLOORS[stage(b)])


def by_stage(g: dict[str, set[str]]) -> dict[str, set[str]]:
    out = defaultdict(set)
    for a, bs in g.items():
        out[stage(a)]
        for b in bs:
            if stage(b) != stage(a):
                out[stage(a)].add(stage(b))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", action="store_true", help="every module and its imports")
    ap.add_argument("--dot", action="store_true", help="Graphviz output, by stage")
    args = ap.parse_args(argv)
    g = graph()
    stages = by_stage(g)
    order = sorted(stages, key=lambda s: (FLOORS[s], s))
    if args.dot:
        print("digraph pipeline {\n  rankdir=BT;")
        for s in order:
            for t in sorted(stages[s], key=lambda x: FLOORS[x]):
                print(f'  "{s}" -> "{t}";')
        print("}")
        return 0
    if args.modules:
        for m in sorted(g):
            print(f"{m} → {', '.join(sorted(g[m])) or '—'}")
        print()
    print("Étages (du plus bas au plus haut) et ce que chacun importe :")
    for s in order:
        deps = sorted(stages[s], key=lambda x: (FLOORS[x], x))
        print(f"  {FLOORS[s]:>2} {s:<15} → {', '.join(deps) or '—'}")
    cyc, up = cycles(g), upward(g)
    print(f"\nCycles d'import : {len(cyc)}")
    for c in cyc:
        print("  " + " ↔ ".join(c))
    print(f"Imports vers un étage supérieur : {len(up)}")
    for a, b in up:
        print(f"  {a} ({stage(a)}, étage {FLOORS[stage(a)]}) → {b} ({stage(b)}, étage {FLOORS[stage(b)]})")
    return 1 if cyc or up else 0


if __name__ == "__main__":
    sys.exit(main())
