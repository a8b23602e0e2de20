"""What an item's ``responseProcessing`` means, as far as the bank can use it.

QTI keeps keys and feedback logic in rules, not data. Items made by the standard templates (match_correct,
map_response, map_response_point) carry their key in the response declaration; items migrated from QTI 1.2
or written by Onyx, TAO or Moodle often carry it only in rules such as "if RESPONSE matches A, set SCORE to
1", and show feedback by setting outcomes under conditions. This module walks the rules once and records, for
every outcome value set, the condition under which it is set, reduced to the few cases the bank can store:

* ``always`` — every submission (general feedback: the explanation);
* ``correct`` / ``incorrect`` — the response matches (or not) the declared correct response;
* ``chosen`` — the response is (or contains) one value: an option's or an accepted answer's feedback, or a key;
  ``not_chosen`` its opposite (a feedback hidden when that value is chosen); ``combination`` — the response is
  exactly a set of values (a multiple-choice key written as a rule);
* ``near`` — a number within a tolerance (numeric keys);
* ``empty`` — nothing answered; ``other`` — anything else (the importer reports it rather than guessing).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree as ET

from question_bank.formats.base import parse_decimal
from question_bank.formats.qti.xhtml import find, find_all, local


@dataclass(frozen=True)
class Cond:
    """A reduced condition; ``response`` names the response variable, ``value`` a chosen value."""

    kind: str
    response: str | None = None
    value: str | None = None
    tolerance: Decimal | None = None
    relative: bool = False


ALWAYS = Cond("always")
OTHER = Cond("other")
#: "Something was answered" narrows nothing the bank stores: feedback under it is as good as unconditional.
_NEUTRAL = {"always", "answered"}


@dataclass(frozen=True)
class _Echo:
    """An outcome set to the response itself (``FEEDBACK := RESPONSE``): feedback per chosen value."""

    response: str


def _conj(outer: Cond, inner: Cond) -> Cond:
    if outer.kind in _NEUTRAL:
        return inner
    if inner.kind in _NEUTRAL:
        return outer
    return OTHER


def _complement(previous: list[Cond]) -> Cond:
    kinds = {c.kind for c in previous} - {"empty"}
    if not previous:
        return ALWAYS
    if kinds == {"correct"}:
        return Cond("incorrect", previous[-1].response)
    if kinds == {"incorrect"}:
        return Cond("correct", previous[-1].response)
    if kinds == {"empty"} or not kinds:
        return Cond("answered")
    return OTHER


class Processing:
    """The analysed ``responseProcessing`` of one item."""

    def __init__(self, root: ET.Element):
        self.responses = {d.get("identifier") for d in find_all(root, "responseDeclaration")}
        self.defaults: dict[str, list[str]] = {}
        for declaration in find_all(root, "outcomeDeclaration"):
            default = find(declaration, "defaultValue")
            self.defaults[declaration.get("identifier")] = (
                [(v.text or "").strip() for v in find_all(default, "value")] if default is not None else [])
        processing = find(root, "responseProcessing")
        source = processing.get("template") or processing.get("templateLocation") or "" if processing is not None else ""
        #: The standard template's name ("match_correct", "map_response", ...), or None for custom rules.
        self.template = source.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml") or None
        self.assignments: dict[str, list[tuple[object, Cond]]] = {}
        #: (condition, points added or set; None when not a constant) for every rule that raises SCORE.
        self.scores: list[tuple[Cond, Decimal | None]] = []
        # Without any rules the declared mapping is the best statement of what is accepted.
        self.uses_mapping = processing is None or self.template in ("map_response", "map_response_point")
        if processing is not None:
            self._walk(list(processing), ALWAYS)

    # -- walking the rules ---------------------------------------------------------------------------
    def _walk(self, rules: list[ET.Element], path: Cond) -> None:
        for rule in rules:
            name = local(rule.tag)
            if name == "responseCondition":
                previous: list[Cond] = []
                for branch in rule:
                    kind = local(branch.tag)
                    if kind in ("responseIf", "responseElseIf") and len(branch):
                        for cond in self._alternatives(branch[0]):
                            self._walk(list(branch)[1:], _conj(path, cond))
                            previous.append(cond)
                    elif kind == "responseElse":
                        self._walk(list(branch), _conj(path, _complement(previous)))
            elif name == "setOutcomeValue" and len(rule):
                self._set(rule.get("identifier"), rule[0], path)

    def _set(self, outcome: str, expression: ET.Element, path: Cond) -> None:
        name = local(expression.tag)
        if any(local(e.tag) == "mapResponse" for e in expression.iter()):
            self.uses_mapping = True
        if outcome == "SCORE":
            amount = self._points(expression)
            if amount is None or amount > 0:
                self.scores.append((path, amount))
            return
        if name == "baseValue":
            self.assignments.setdefault(outcome, []).append(((expression.text or "").strip(), path))
        elif name == "variable" and expression.get("identifier") in self.responses:
            self.assignments.setdefault(outcome, []).append((_Echo(expression.get("identifier")), path))
        elif name == "multiple" and all(local(e.tag) == "baseValue" for e in expression):
            for value in expression:
                self.assignments.setdefault(outcome, []).append(((value.text or "").strip(), path))
        else:  # a boolean expression: the outcome is "true" exactly when it holds
            self.assignments.setdefault(outcome, []).append(("true", _conj(path, self.classify(expression))))

    def _alternatives(self, expression: ET.Element) -> list[Cond]:
        """``or`` of comparisons ("RESPONSE is A, or within 0.1 of 2.5") is one branch per comparison."""
        if local(expression.tag) == "or" and len(expression) > 1:
            conds = [self.classify(child) for child in expression]
            if all(c.kind in ("chosen", "near") for c in conds):
                return conds
        return [self.classify(expression)]

    @staticmethod
    def _points(expression: ET.Element) -> Decimal | None:
        """Points a SCORE rule gives: a constant, or SCORE + constant; 0 for resetting; None when unknown."""
        name = local(expression.tag)
        if name == "baseValue":
            return parse_decimal(expression.text or "")
        if name == "sum":
            constants = [parse_decimal(e.text or "") for e in expression if local(e.tag) == "baseValue"]
            others = [e for e in expression if local(e.tag) != "baseValue"]
            if all(local(e.tag) == "variable" and e.get("identifier") == "SCORE" for e in others) and \
                    all(c is not None for c in constants) and constants:
                return sum(constants, Decimal(0))
        return None

    def classify(self, expression: ET.Element) -> Cond:
        """Reduce one condition expression (see the module docstring)."""
        name = local(expression.tag)
        kids = list(expression)
        if name in ("and", "or") and len(kids) == 1:
            return self.classify(kids[0])
        if name == "not" and len(kids) == 1 and self.classify(kids[0]).kind == "empty":
            return Cond("answered")
        if name == "isNull" and len(kids) == 1 and local(kids[0].tag) == "variable":
            return Cond("empty", kids[0].get("identifier"))
        if name in ("match", "equal", "stringMatch") and len(kids) == 2:
            return self._comparison(expression, kids)
        if name == "member" and len(kids) == 2 and local(kids[0].tag) == "baseValue" \
                and local(kids[1].tag) == "variable" and kids[1].get("identifier") in self.responses:
            return Cond("chosen", kids[1].get("identifier"), (kids[0].text or "").strip())
        return OTHER

    def _comparison(self, expression: ET.Element, kids: list[ET.Element]) -> Cond:
        names = [local(k.tag) for k in kids]
        if "variable" not in names:
            return OTHER
        variable = kids[names.index("variable")]
        other = kids[1 - names.index("variable")]
        identifier = variable.get("identifier")
        tolerance, relative = None, False
        if local(expression.tag) == "equal" and expression.get("toleranceMode", "exact") != "exact":
            bounds = [parse_decimal(t) for t in (expression.get("tolerance") or "0").split()]
            if any(b is None for b in bounds):
                return OTHER
            tolerance, relative = min(bounds), expression.get("toleranceMode") == "relative"
        if local(other.tag) == "correct" and other.get("identifier") == identifier:
            if local(expression.tag) == "equal":
                return Cond("near", identifier, None, tolerance or Decimal(0), relative)
            return Cond("correct", identifier)
        if local(other.tag) == "multiple" and all(local(e.tag) == "baseValue" for e in other):
            if identifier in self.responses and local(expression.tag) == "match":
                return Cond("combination", identifier, " ".join((e.text or "").strip() for e in other))
            return OTHER
        if local(other.tag) != "baseValue":
            return OTHER
        value = " ".join((other.text or "").split())
        if identifier in self.responses:
            if local(other.tag) == "baseValue" and " " in value and local(expression.tag) == "match":
                # Several identifiers in one value: a whole combination of options (QTI 1.2 migrations).
                return Cond("combination", identifier, value)
            if local(expression.tag) == "equal":
                return Cond("near", identifier, value, tolerance or Decimal(0), relative)
            return Cond("chosen", identifier, value)
        # An outcome compared with a value (Onyx: FEEDBACK_x := match(FEEDBACKBASIC, "correct")).
        conds = [c for v, c in self.assignments.get(identifier, []) if v == value]
        return conds[0] if len(conds) == 1 else OTHER

    # -- questions the reader asks -------------------------------------------------------------------
    def feedback_condition(self, outcome: str, identifier: str, show_hide: str) -> Cond:
        """When a feedback element (modal, inline or block) with these attributes is shown."""
        assigned = self.assignments.get(outcome, [])
        if (show_hide or "show") != "show":
            # Shown unless the outcome holds the identifier: with FEEDBACK := RESPONSE, "not this option".
            echoes = [v for v, c in assigned if isinstance(v, _Echo) and c.kind in _NEUTRAL]
            if len(echoes) == len(assigned) == 1:
                return Cond("not_chosen", echoes[0].response, identifier)
            return OTHER
        default = self.defaults.get(outcome, [])
        if not assigned:
            return ALWAYS if identifier in default else OTHER
        conds = [c for v, c in assigned if v == identifier]
        conds += [Cond("chosen", v.response, identifier) for v, c in assigned
                  if isinstance(v, _Echo) and c.kind in _NEUTRAL]
        if identifier in default or len(conds) != 1:
            return OTHER
        return conds[0]

    def keys(self, response: str) -> list[str]:
        """Values that earn points by a rule "if RESPONSE is (or contains) X" (the QTI 1.2 way of keying)."""
        return list(dict.fromkeys(c.value for c, amount in self.scores
                                  if c.kind == "chosen" and c.response == response and (amount is None or amount > 0)))

    def combinations(self, response: str) -> list[list[str]]:
        """Whole combinations of options that earn points ("if RESPONSE is exactly {A, C}")."""
        return [c.value.split() for c, amount in self.scores
                if c.kind == "combination" and c.response == response and (amount is None or amount > 0)]

    def points(self, response: str) -> dict[str, Decimal]:
        """Points each chosen value adds by such rules (for weighted multiple choice), when all are constants."""
        found = {c.value: amount for c, amount in self.scores if c.kind == "chosen" and c.response == response}
        return found if found and all(a is not None for a in found.values()) else {}

    def near(self, response: str) -> list[Cond]:
        """Numeric comparisons that earn points for ``response`` (value None: the declared correct value)."""
        return [c for c, amount in self.scores if c.kind == "near" and c.response == response]

    def scored_correct(self, response: str) -> bool:
        """Whether some rule gives points when ``response`` matches its declared correct response."""
        return any(c.kind == "correct" and c.response == response for c, _ in self.scores)
