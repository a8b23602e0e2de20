"""A question body -> a QTI 2.1 ``assessmentItem``.

Keys are written as ``correctResponse`` (and a ``mapping`` for weighted options and accepted texts), scored by
the standard templates when nothing else is needed. Option and answer feedback become ``modalFeedback`` shown
through a FEEDBACK outcome, the explanation a modal feedback shown every time (a SOLUTION outcome whose
default value names it); when feedback is present the template's rules are written out in full, since a
template cannot be combined with further rules. Formulas become MathML carrying their LaTeX (xhtml.py).
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from question_bank.formats.base import ImportProblem, choice_weights, cloze_display_text, format_number, \
    html_to_text
from question_bank.formats.qti.xhtml import fill

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
_RP = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
_GAP = re.compile(r"\{\{([^{}]+)\}\}")
_GAP_TOKEN = re.compile("\ue100([^\ue101]*)\ue101")
#: What an item identifier may be (an XML NCName without colons).
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _q(parent: ET.Element, name: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, name, **attrs)


def _declaration(item: ET.Element, cardinality: str, base_type: str, values: list[str],
                 identifier: str = "RESPONSE") -> ET.Element:
    declaration = _q(item, "responseDeclaration", identifier=identifier, cardinality=cardinality,
                     baseType=base_type)
    if values:
        correct = _q(declaration, "correctResponse")
        for value in values:
            _q(correct, "value").text = value
    return declaration


def _mapping(declaration: ET.Element, entries: list[tuple[str, str]], **bounds) -> None:
    mapping = _q(declaration, "mapping", defaultValue="0", **bounds)
    for key, value in entries:
        _q(mapping, "mapEntry", mapKey=key, mappedValue=value, caseSensitive="false")


def _set(parent: ET.Element, outcome: str, base_type: str, value: str) -> None:
    _q(_q(parent, "setOutcomeValue", identifier=outcome), "baseValue", baseType=base_type).text = value


class _Writer:
    """Builds one item; ``rules`` collects custom response rules, ``feedback`` (identifier, html) pairs."""

    def __init__(self, body: dict, identifier: str, title: str):
        self.body = body
        self.root = ET.Element("assessmentItem", identifier=identifier, title=title, adaptive="false",
                               timeDependent="false")
        self.item_body = ET.Element("itemBody")
        self.template: str | None = "match_correct"
        self.rules: list[ET.Element] = []
        self.feedback: list[tuple[str, str]] = []
        self.feedback_cardinality = "single"

    def scoring(self, template: str | None) -> None:
        self.template = template

    def expanded_template(self) -> list[ET.Element]:
        """The rules of the standard template, for items that need further rules (feedback)."""
        condition = ET.Element("responseCondition")
        if self.template == "match_correct":
            branch = _q(condition, "responseIf")
            match = _q(branch, "match")
            _q(match, "variable", identifier="RESPONSE")
            _q(match, "correct", identifier="RESPONSE")
            _set(branch, "SCORE", "float", "1")
            _set(_q(condition, "responseElse"), "SCORE", "float", "0")
        else:  # map_response
            branch = _q(condition, "responseIf")
            _q(_q(branch, "isNull"), "variable", identifier="RESPONSE")
            _set(branch, "SCORE", "float", "0")
            otherwise = _q(_q(condition, "responseElse"), "setOutcomeValue", identifier="SCORE")
            _q(otherwise, "mapResponse", identifier="RESPONSE")
        return [condition]

    def build(self) -> ET.Element:
        root, body = self.root, self.body
        kind = body["type"]
        if kind == "cloze":
            self._cloze()
        else:
            fill(_q(self.item_body, "div", **{"class": "stem"}), body["stem"])
            _WRITERS[kind](self)
        # responseDeclarations, then outcomeDeclarations, itemBody, responseProcessing, modalFeedback.
        _q(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
        if self.feedback:
            _q(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality=self.feedback_cardinality,
               baseType="identifier")
        if body.get("explanation"):
            solution = _q(root, "outcomeDeclaration", identifier="SOLUTION", cardinality="single",
                          baseType="identifier")
            # A default value shows the explanation after every submission without extra rules.
            _q(_q(solution, "defaultValue"), "value").text = "explanation"
        root.append(self.item_body)
        if self.feedback and self.template:
            self.rules = self.expanded_template() + self.rules
            self.template = None
        if self.template:
            _q(root, "responseProcessing", template=_RP + self.template)
        elif self.rules:
            _q(root, "responseProcessing").extend(self.rules)
        for identifier, markup in self.feedback:
            fill(_q(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=identifier, showHide="show"),
                 markup)
        if body.get("explanation"):
            fill(_q(root, "modalFeedback", outcomeIdentifier="SOLUTION", identifier="explanation", showHide="show"),
                 body["explanation"])
        return root

    # -- per type ------------------------------------------------------------------------------------
    def choices(self, single: bool) -> None:
        options = self.body["options"]
        ids = [f"c{i + 1}" for i in range(len(options))]
        cardinality = "single" if single else "multiple"
        declaration = _declaration(self.root, cardinality, "identifier",
                                   [i for i, o in zip(ids, options) if o.get("correct")])
        if not single and any("weight" in o for o in options):
            weights = choice_weights(options)
            _mapping(declaration, [(i, format_number(w / 100)) for i, w in zip(ids, weights) if w],
                     lowerBound="0", upperBound="1")
            self.scoring("map_response")
        interaction = _q(self.item_body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                         maxChoices="1" if single else "0")
        for identifier, option in zip(ids, options):
            fill(_q(interaction, "simpleChoice", identifier=identifier), option["text"])
        self._echo_feedback([(i, o.get("feedback")) for i, o in zip(ids, options)], cardinality)

    def _echo_feedback(self, entries: list[tuple[str, str | None]], cardinality: str) -> None:
        # FEEDBACK := RESPONSE: the feedback whose identifier is the chosen option is shown.
        self.feedback += [(i, f) for i, f in entries if f]
        if self.feedback:
            self.feedback_cardinality = cardinality
            echo = ET.Element("setOutcomeValue", identifier="FEEDBACK")
            _q(echo, "variable", identifier="RESPONSE")
            self.rules.append(echo)

    def true_false(self) -> None:
        _declaration(self.root, "single", "identifier", ["true" if self.body["answer"] else "false"])
        interaction = _q(self.item_body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                         maxChoices="1")
        _q(interaction, "simpleChoice", identifier="true").text = "Đúng"
        _q(interaction, "simpleChoice", identifier="false").text = "Sai"

    def short_answer(self) -> None:
        answers = self.body["answers"]
        numeric = ["value" in a for a in answers]
        if any(numeric) and not all(numeric):
            raise ValueError("QTI không ghi được câu trả lời ngắn vừa có đáp án chữ vừa có đáp án số.")
        _q(_q(self.item_body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="20")
        if not all(numeric):
            declaration = _declaration(self.root, "single", "string", [answers[0]["text"]])
            _mapping(declaration, [(a["text"], "1") for a in answers], upperBound="1")
            self.scoring("map_response")
            for number, answer in enumerate(answers, 1):
                if answer.get("feedback"):
                    condition, branch = _condition()
                    test = _q(branch, "stringMatch", caseSensitive="false")
                    _q(test, "variable", identifier="RESPONSE")
                    _q(test, "baseValue", baseType="string").text = answer["text"]
                    self._answer_feedback(branch, number, answer)
                    self.rules.append(condition)
            return
        _declaration(self.root, "single", "float", [format_number(answers[0]["value"])])
        self.scoring(None)
        for number, answer in enumerate(answers, 1):
            # One condition per accepted number: readers see each value with its own tolerance.
            tolerance = format_number(answer.get("tolerance") or 0)
            condition, branch = _condition()
            equal = _q(branch, "equal", toleranceMode="absolute", tolerance=f"{tolerance} {tolerance}")
            _q(equal, "variable", identifier="RESPONSE")
            _q(equal, "baseValue", baseType="float").text = format_number(answer["value"])
            _set(branch, "SCORE", "float", "1")
            self._answer_feedback(branch, number, answer)
            self.rules.append(condition)

    def _answer_feedback(self, branch: ET.Element, number: int, answer: dict) -> None:
        if answer.get("feedback"):
            _set(branch, "FEEDBACK", "identifier", f"answer{number}")
            self.feedback.append((f"answer{number}", answer["feedback"]))

    def essay(self) -> None:
        _declaration(self.root, "single", "string", [])
        _q(self.item_body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="15")
        if self.body.get("rubric"):
            fill(_q(self.item_body, "rubricBlock", view="scorer"), self.body["rubric"])
        self.scoring(None)

    def _pairs(self, sources: list[str], targets: list[tuple[str, str]], links: list[str], match_max: str) -> None:
        _declaration(self.root, "multiple", "directedPair", links)
        interaction = _q(self.item_body, "matchInteraction", responseIdentifier="RESPONSE", shuffle="true",
                         maxAssociations=str(len(sources)))
        left, right = _q(interaction, "simpleMatchSet"), _q(interaction, "simpleMatchSet")
        for index, text in enumerate(sources):
            fill(_q(left, "simpleAssociableChoice", identifier=f"s{index + 1}", matchMax="1"), text)
        for identifier, text in targets:
            fill(_q(right, "simpleAssociableChoice", identifier=identifier, matchMax=match_max), text)

    def matching(self) -> None:
        pairs = self.body["pairs"]
        self._pairs([p["left"] for p in pairs], [(f"t{i + 1}", p["right"]) for i, p in enumerate(pairs)],
                    [f"s{i + 1} t{i + 1}" for i in range(len(pairs))], "1")

    def true_false_group(self) -> None:
        statements = self.body["statements"]
        self._pairs([s["text"] for s in statements], [("true", "Đúng"), ("false", "Sai")],
                    [f"s{i + 1} {'true' if s.get('correct') else 'false'}" for i, s in enumerate(statements)],
                    str(len(statements)))

    def ordering(self) -> None:
        ids = [f"i{i + 1}" for i in range(len(self.body["items"]))]
        _declaration(self.root, "ordered", "identifier", ids)
        interaction = _q(self.item_body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
        for identifier, entry in zip(ids, self.body["items"]):
            fill(_q(interaction, "simpleChoice", identifier=identifier), entry["text"])

    def _cloze(self) -> None:
        body = self.body
        gaps = {gap["id"]: gap for gap in body.get("gaps") or []}
        order: list[str] = []

        def token(match):
            if match.group(1) not in gaps:
                raise ValueError(f"Câu điền khuyết nhắc tới chỗ trống {{{{{match.group(1)}}}}} không có đáp án.")
            order.append(match.group(1))
            return f"\ue100{len(order)}\ue101"

        container = fill(_q(self.item_body, "div", **{"class": "stem"}), _GAP.sub(token, cloze_display_text(body)))
        # Gaps were carried through the HTML conversion as private-use tokens; now make them interactions.
        for element in list(container.iter()):
            for attr in ("text", "tail"):
                value = getattr(element, attr)
                if not value or "\ue100" not in value:
                    continue
                pieces = _GAP_TOKEN.split(value)
                setattr(element, attr, pieces[0])
                parent = element if attr == "text" else _parent(container, element)
                position = 0 if attr == "text" else list(parent).index(element) + 1
                for number, text_after in zip(pieces[1::2], pieces[2::2]):
                    entry = ET.Element("textEntryInteraction", responseIdentifier=f"RESPONSE_{number}",
                                       expectedLength="15")
                    entry.tail = text_after
                    parent.insert(position, entry)
                    position += 1
        for number, gap_id in enumerate(order, 1):
            answers = gaps[gap_id]["answers"]
            declaration = _declaration(self.root, "single", "string", [answers[0]], identifier=f"RESPONSE_{number}")
            _mapping(declaration, [(a, "1") for a in answers], upperBound="1")
        self.scoring(None)
        for number in range(1, len(order) + 1):
            # Add one point per gap whose answer is in that gap's mapping.
            condition, branch = _condition()
            _q(_q(branch, "not"), "isNull").append(ET.Element("variable", identifier=f"RESPONSE_{number}"))
            total = _q(_q(branch, "setOutcomeValue", identifier="SCORE"), "sum")
            _q(total, "variable", identifier="SCORE")
            _q(total, "mapResponse", identifier=f"RESPONSE_{number}")
            self.rules.append(condition)


def _condition() -> tuple[ET.Element, ET.Element]:
    """A new ``responseCondition`` and its ``responseIf``."""
    condition = ET.Element("responseCondition")
    return condition, _q(condition, "responseIf")


def _parent(container: ET.Element, child: ET.Element) -> ET.Element:
    for element in container.iter():
        if child in list(element):
            return element
    return container


_WRITERS = {"single_choice": lambda w: w.choices(True), "multiple_choice": lambda w: w.choices(False),
            "true_false": _Writer.true_false, "short_answer": _Writer.short_answer, "essay": _Writer.essay,
            "matching": _Writer.matching, "true_false_group": _Writer.true_false_group,
            "ordering": _Writer.ordering}


def build_item(item: dict, identifier: str, warnings: list[ImportProblem] | None = None,
               number: int | None = None) -> ET.Element:
    """Build a QTI 2.1 ``assessmentItem`` element for ``{"body", "meta"}``; ValueError if not expressible.

    The item identifier is the question's ``idnumber`` when that is a valid QTI identifier; otherwise
    ``identifier`` is used and, for an idnumber that cannot be written, a warning added to ``warnings``.
    """
    body, meta = item["body"], item.get("meta") or {}
    # Without a name, the start of the text as the importer sees it (a cloze's stem is part of its text).
    shown = cloze_display_text(body) if body["type"] == "cloze" else body.get("stem") or ""
    title = body.get("name") or meta.get("name") or html_to_text(shown)[:80] or identifier
    idnumber = body.get("idnumber") or ""
    if idnumber and IDENTIFIER.match(idnumber):
        identifier = idnumber
    elif idnumber and warnings is not None:
        warnings.append(ImportProblem(number, None, f"Mã câu hỏi (idnumber) '{idnumber}' không phải định danh QTI "
                                                    "hợp lệ (chữ cái đầu, không dấu cách) — không được ghi.",
                                      ("idnumber",)))
    writer = _Writer(body, identifier, title)
    return writer.build()
