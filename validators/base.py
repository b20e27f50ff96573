"""What a rule is: an id, a severity, what it checks, why, what to do, an example, a public
source, and a function of the facts.

Like a linter's codes: the explanation lives with the rule, `pipeline rules ID` and the
generated pages of docs/rules/ (scripts/gen_rule_docs.py) come from it, and the ids are a
public interface: add new ids, never rename.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

SEVERITIES = ("bloquant", "avertissement", "info")


@dataclass(frozen=True)
class Hit:
    """What a rule found: a French message saying what is wrong and what to do."""

    message: str
    piece: Optional[str] = None
    file: Optional[str] = None
    page: Optional[int] = None  # 1-based
    # What was read, for a person to confirm: {page, box, texte, etat} (see read.form_layout).
    evidence: Optional[dict] = field(default=None, compare=False)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    source: str
    piece: Optional[str] = None
    file: Optional[str] = None
    page: Optional[int] = None
    evidence: Optional[dict] = field(default=None, compare=False)  # the crop (« image ») is added by the check

    def as_dict(self) -> dict:
        out = {"rule": self.rule, "severity": self.severity, "piece": self.piece, "file": self.file,
               "page": self.page, "message": self.message, "source": self.source}
        if self.evidence:
            out["evidence"] = {k: v for k, v in self.evidence.items() if k != "image"}
        return out


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    checks: str  # what it checks, in French (for `pipeline rules`)
    source: str  # a public text: décret, article, CNRACL page title, CDG guidance
    func: Callable[..., Iterable[Hit]] = field(compare=False, repr=False)
    why: str = ""  # « Pourquoi » : what the CNRACL does with it
    todo: str = ""  # « Que faire » : the action to take
    example: str = ""  # « Exemple » : a typical case that fires the rule
    source_verified: bool = True  # False: the exact title / article could not be checked

    def run(self, ctx) -> Iterator[Finding]:
        for hit in self.func(ctx) or ():
            yield Finding(self.id, self.severity, hit.message, self.source, hit.piece, hit.file, hit.page,
                          dict(hit.evidence) if hit.evidence else None)


REGISTRY: dict[str, Rule] = {}


def rule(id: str, severity: str, checks: str, source: str, *, why: str, todo: str, example: str,
         source_verified: bool = True):
    """Register a rule function `f(ctx) -> iterable of Hit`, with its explanation."""
    if severity not in SEVERITIES:
        raise ValueError(f"sévérité inconnue : {severity}")

    def deco(func):
        if id in REGISTRY:
            raise ValueError(f"règle déclarée deux fois : {id}")
        REGISTRY[id] = Rule(id, severity, checks, source, func, why, todo, example, source_verified)
        return func

    return deco
