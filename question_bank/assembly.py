"""Assembling papers: filling a blueprint (ma trận đề) from the bank, shuffling, printed versions (mã đề).

Everything here is pure and seeded with ``random.Random(seed)``: the same inputs and seed give the same
paper, so an attempt or a printed version can be rebuilt from its seed instead of being stored twice.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from question_bank.errors import AssemblyError, BlueprintShortage
from question_bank.types import type_label, type_of

#: Cognitive levels (mức độ nhận thức) as named on Vietnamese blueprints.
LEVEL_LABELS = {
    "nhan_biet": "Nhận biết",
    "thong_hieu": "Thông hiểu",
    "van_dung": "Vận dụng",
    "van_dung_cao": "Vận dụng cao",
}
#: Codes of printed versions start here by custom (mã đề 101, 102, ...).
FIRST_PAPER_CODE = 101
#: How often to reshuffle a version that came out identical to an earlier one before giving up.
MAX_RESHUFFLES = 100
#: Types whose options may be reordered on a printed paper or in an attempt.
SHUFFLABLE_OPTION_TYPES = frozenset({"single_choice", "multiple_choice"})


def _matches(cell: Mapping, candidate: Mapping) -> bool:
    return all(
        cell.get(key) is None or cell.get(key) == candidate.get(key)
        for key in ("topic_id", "level", "type")
    )


def _shortage(cell: Mapping, needed: int, available: int) -> BlueprintShortage:
    qtype = cell.get("type")
    return BlueprintShortage(
        cell, needed, available,
        topic_label=cell.get("topic_name"),
        form_label=type_label(qtype) if qtype else None,
        level_label=LEVEL_LABELS.get(cell.get("level")),
    )


def fill_blueprint(cells: Sequence[Mapping], candidates: Sequence[Mapping], seed: Hashable) -> list:
    """Pick question ids for every blueprint cell; no question is used twice.

    ``cells`` are ``{topic_id|None, level, type|None, count}`` (``None`` matches anything; an optional
    ``topic_name`` improves messages); ``candidates`` are ``{id, version, topic_id, level, type}``. The
    scarcest cells are filled first, and each cell prefers questions that fewer other cells could use, so
    overlapping cells do not starve one another. Returns ids grouped by cell in the cells' order. Raises
    BlueprintShortage naming the first cell that cannot be filled.
    """
    for index, cell in enumerate(cells):
        count = cell.get("count") if isinstance(cell, Mapping) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise AssemblyError(f"Ô ma trận thứ {index + 1}: số câu phải là số nguyên không âm.")
    rng = random.Random(seed)
    # Sorting makes the result independent of the order the database happened to return rows in.
    unique: dict[Any, Mapping] = {}
    for candidate in sorted(candidates, key=lambda c: str(c["id"])):
        unique.setdefault(candidate["id"], candidate)
    matching = [[qid for qid, c in unique.items() if _matches(cell, c)] for cell in cells]
    for cell, ids in zip(cells, matching):
        if len(ids) < cell["count"]:
            raise _shortage(cell, cell["count"], len(ids))

    order = sorted(range(len(cells)), key=lambda i: (len(matching[i]) - cells[i]["count"], len(matching[i]), i))
    used: set = set()
    picks: dict[int, list] = {}
    for position, index in enumerate(order):
        cell = cells[index]
        available = [qid for qid in matching[index] if qid not in used]
        if len(available) < cell["count"]:
            raise _shortage(cell, cell["count"], len(available))
        later = [set(matching[other]) for other in order[position + 1:]]
        demand = {qid: sum(qid in ids for ids in later) for qid in available}
        ranked = sorted(available, key=lambda qid: (demand[qid], rng.random()))
        picks[index] = ranked[:cell["count"]]
        used.update(picks[index])
    return [qid for index in range(len(cells)) for qid in picks[index]]


def _shuffled(items: Sequence, rng: random.Random) -> list:
    result = list(items)
    rng.shuffle(result)
    return result


def shuffle_for_attempt(question_ids: Sequence, option_ids_by_question: Mapping[Any, Sequence[str]],
                        seed: Hashable, shuffle_questions: bool, shuffle_options: bool) -> dict:
    """The question order and option orders one attempt sees: ``{question_order, option_orders}``.

    Each question's options are shuffled with their own seed derived from ``seed`` and the question id, so
    a question's option order does not change when other questions are added. Pass only the questions
    whose options may move (not true/false statements labelled a–d).
    """
    rng = random.Random(f"{seed}:questions")
    question_order = _shuffled(question_ids, rng) if shuffle_questions else list(question_ids)
    option_orders = {
        qid: (_shuffled(option_ids, random.Random(f"{seed}:options:{qid}")) if shuffle_options
              else list(option_ids))
        for qid, option_ids in option_ids_by_question.items()
    }
    return {"question_order": question_order, "option_orders": option_orders}


def _blocks(questions: Sequence[Mapping]) -> list[list[Mapping]]:
    """Contiguous runs of questions in the same section (default: same type), e.g. Parts I, II, III."""
    blocks: list[list[Mapping]] = []
    for question in questions:
        section = question.get("section", question.get("type"))
        if blocks and blocks[-1][0].get("section", blocks[-1][0].get("type")) == section:
            blocks[-1].append(question)
        else:
            blocks.append([question])
    return blocks


def make_paper_versions(questions: Sequence[Mapping], count: int, seed: Hashable, first_code: int = FIRST_PAPER_CODE,
                        shuffle_options: bool = True, keep_statement_order: bool = True) -> list[dict]:
    """Printed versions of one paper: ``[{code: "101", question_order: [...], option_orders: {qid: [...]}}]``.

    ``questions`` are ``{id, type, option_ids | statement_ids, section?}`` in paper order. Questions are
    shuffled within their section (a contiguous run of one type unless ``section`` is given), so Parts I,
    II, III stay in place; choice options are shuffled when ``shuffle_options``; true/false statements keep
    a)–d) unless ``keep_statement_order`` is false. Versions are deterministic per seed and code, and
    pairwise different; raises AssemblyError when the paper is too small to give ``count`` different ones.
    """
    if not isinstance(count, int) or count < 1:
        raise AssemblyError("Số mã đề phải là số nguyên dương.")
    ids = [question["id"] for question in questions]
    if len(set(ids)) != len(ids):
        raise AssemblyError("Một câu hỏi xuất hiện hai lần trong đề.")
    blocks = _blocks(questions)
    versions: list[dict] = []
    seen: set = set()
    for number in range(count):
        code = str(first_code + number)
        for retry in range(MAX_RESHUFFLES):
            rng = random.Random(f"{seed}:paper:{code}:{retry}")
            question_order = [q["id"] for block in blocks for q in _shuffled(block, rng)]
            option_orders = {}
            for question in questions:
                if "statement_ids" in question:
                    statements = list(question["statement_ids"])
                    option_orders[question["id"]] = statements if keep_statement_order else _shuffled(statements, rng)
                elif "option_ids" in question:
                    options = list(question["option_ids"])
                    movable = shuffle_options and question.get("type") in SHUFFLABLE_OPTION_TYPES
                    option_orders[question["id"]] = _shuffled(options, rng) if movable else options
            signature = (tuple(question_order), tuple((k, tuple(v)) for k, v in option_orders.items()))
            if signature not in seen:
                break
        else:
            raise AssemblyError(f"Đề quá ít câu/phương án để tạo {count} mã đề khác nhau.")
        seen.add(signature)
        versions.append({"code": code, "question_order": question_order, "option_orders": option_orders})
    return versions


def answer_key(version: Mapping, bodies: Mapping[Any, Mapping]) -> dict[int, str | None]:
    """The answer key of one printed version: ``{question number: key}`` numbered from 1.

    Keys follow the version's shuffled orders: a letter ("B") for single choice, letters ("AC") for multiple
    choice, "a) Đ b) S c) Đ d) S" for a true/false group, the value ("-1,5") for a short answer, ``None``
    for essays. ``bodies`` maps question ids to validated bodies. Ids may have become strings in a JSON
    round trip, so both spellings are looked up.
    """
    option_orders = version.get("option_orders") or {}
    key: dict[int, str | None] = {}
    for number, qid in enumerate(version["question_order"], start=1):
        body = bodies.get(qid, bodies.get(str(qid)))
        if body is None:
            raise AssemblyError(f"Thiếu nội dung câu hỏi {qid} để lập đáp án.")
        order = option_orders.get(qid, option_orders.get(str(qid)))
        key[number] = type_of(body).answer_key(body, list(order) if order is not None else None)
    return key
