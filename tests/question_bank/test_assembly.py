"""Blueprint filling, attempt shuffling, printed paper versions and their answer keys."""

import json

import pytest

from question_bank import types
from question_bank.assembly import answer_key, fill_blueprint, make_paper_versions, shuffle_for_attempt
from question_bank.errors import AssemblyError, BlueprintShortage


def bank(spec):
    """Candidates from ``[(count, topic_id, level, type), ...]`` with ids 1, 2, ..."""
    candidates = []
    for count, topic_id, level, qtype in spec:
        for _ in range(count):
            candidates.append({"id": len(candidates) + 1, "version": 1, "topic_id": topic_id,
                               "level": level, "type": qtype})
    return candidates


def test_fill_blueprint_picks_matching_questions_once():
    candidates = bank([(5, 1, "nhan_biet", "single_choice"), (5, 1, "thong_hieu", "single_choice"),
                       (3, 2, "van_dung", "short_answer")])
    cells = [{"topic_id": 1, "level": "nhan_biet", "type": "single_choice", "count": 3},
             {"topic_id": 1, "level": "thong_hieu", "type": None, "count": 2},
             {"topic_id": None, "level": "van_dung", "type": "short_answer", "count": 3}]
    ids = fill_blueprint(cells, candidates, seed=7)
    assert len(ids) == len(set(ids)) == 8
    by_id = {c["id"]: c for c in candidates}
    assert [by_id[i]["level"] for i in ids] == ["nhan_biet"] * 3 + ["thong_hieu"] * 2 + ["van_dung"] * 3


def test_fill_blueprint_is_seeded_and_ignores_candidate_order():
    candidates = bank([(30, 1, "nhan_biet", "single_choice")])
    cells = [{"topic_id": 1, "level": "nhan_biet", "type": "single_choice", "count": 5}]
    first = fill_blueprint(cells, candidates, seed="exam-42")
    assert fill_blueprint(cells, list(reversed(candidates)), seed="exam-42") == first
    assert fill_blueprint(cells, candidates, seed="exam-43") != first


def test_overlapping_cells_do_not_starve_the_scarcer_one():
    # The broad cell is listed first; filled naively it could take the only two topic-2 questions.
    candidates = bank([(2, 2, "nhan_biet", "single_choice"), (2, 1, "nhan_biet", "single_choice")])
    cells = [{"topic_id": None, "level": "nhan_biet", "type": None, "count": 2},
             {"topic_id": 2, "level": "nhan_biet", "type": "single_choice", "count": 2}]
    for seed in range(20):
        ids = fill_blueprint(cells, candidates, seed=seed)
        assert sorted(ids[2:]) == [1, 2] and sorted(ids[:2]) == [3, 4]


def test_shortage_names_the_cell_in_vietnamese():
    candidates = bank([(1, 5, "van_dung", "short_answer")])
    cells = [{"topic_id": 5, "topic_name": "Hàm số mũ", "level": "van_dung", "type": "short_answer", "count": 3}]
    with pytest.raises(BlueprintShortage) as info:
        fill_blueprint(cells, candidates, seed=1)
    error = info.value
    assert (error.needed, error.available, error.cell["topic_id"]) == (3, 1, 5)
    assert str(error) == ("Ngân hàng không đủ câu hỏi cho ô ma trận: chủ đề «Hàm số mũ», dạng «Trả lời ngắn», "
                          "mức độ «Vận dụng»: cần 3 câu, chỉ có 1 câu.")


def test_shortage_from_overlap_reports_what_is_left():
    candidates = bank([(3, 1, "nhan_biet", "single_choice")])
    cells = [{"topic_id": 1, "level": "nhan_biet", "type": "single_choice", "count": 2},
             {"topic_id": None, "level": "nhan_biet", "type": None, "count": 2}]
    with pytest.raises(BlueprintShortage) as info:
        fill_blueprint(cells, candidates, seed=1)
    assert (info.value.needed, info.value.available) == (2, 1)
    assert "chủ đề «mọi chủ đề»" in str(info.value) and "Nhận biết" in str(info.value)


def test_bad_cell_count_raises():
    with pytest.raises(AssemblyError):
        fill_blueprint([{"topic_id": 1, "level": "nhan_biet", "count": -1}], [], seed=1)


def test_shuffle_for_attempt_is_stable_per_seed():
    questions = list(range(1, 21))
    options = {q: ["a", "b", "c", "d"] for q in questions}
    first = shuffle_for_attempt(questions, options, seed="attempt-9", shuffle_questions=True, shuffle_options=True)
    again = shuffle_for_attempt(questions, options, seed="attempt-9", shuffle_questions=True, shuffle_options=True)
    other = shuffle_for_attempt(questions, options, seed="attempt-10", shuffle_questions=True, shuffle_options=True)
    assert first == again != other
    assert sorted(first["question_order"]) == questions and first["question_order"] != questions
    assert all(sorted(order) == ["a", "b", "c", "d"] for order in first["option_orders"].values())


def test_shuffle_for_attempt_can_keep_orders():
    result = shuffle_for_attempt([3, 1, 2], {1: ["a", "b"]}, seed=5, shuffle_questions=False, shuffle_options=False)
    assert result == {"question_order": [3, 1, 2], "option_orders": {1: ["a", "b"]}}


def test_option_order_does_not_depend_on_other_questions():
    small = shuffle_for_attempt([1], {1: list("abcdef")}, seed=3, shuffle_questions=True, shuffle_options=True)
    large = shuffle_for_attempt([1, 2], {1: list("abcdef"), 2: list("ab")}, seed=3,
                                shuffle_questions=True, shuffle_options=True)
    assert small["option_orders"][1] == large["option_orders"][1]


def paper():
    mc = [{"id": f"mc{n}", "type": "single_choice", "option_ids": ["a", "b", "c", "d"]} for n in range(12)]
    tf = [{"id": f"tf{n}", "type": "true_false_group", "statement_ids": ["a", "b", "c", "d"]} for n in range(4)]
    sa = [{"id": f"sa{n}", "type": "short_answer"} for n in range(6)]
    return mc + tf + sa


def test_paper_versions_are_deterministic_and_different():
    versions = make_paper_versions(paper(), count=4, seed="exam-1")
    assert versions == make_paper_versions(paper(), count=4, seed="exam-1")
    assert [v["code"] for v in versions] == ["101", "102", "103", "104"]
    orders = {tuple(v["question_order"]) for v in versions}
    assert len(orders) == 4
    assert make_paper_versions(paper(), count=4, seed="exam-2") != versions


def test_paper_versions_keep_parts_and_statement_order():
    for version in make_paper_versions(paper(), count=3, seed=11, first_code=201):
        order = version["question_order"]
        assert [q[:2] for q in order] == ["mc"] * 12 + ["tf"] * 4 + ["sa"] * 6
        assert all(version["option_orders"][f"tf{n}"] == ["a", "b", "c", "d"] for n in range(4))
        assert sorted(version["option_orders"]["mc0"]) == ["a", "b", "c", "d"]
        assert "sa0" not in version["option_orders"]
    assert make_paper_versions(paper(), count=1, seed=11, first_code=201)[0]["code"] == "201"


def test_paper_versions_can_shuffle_statements():
    versions = make_paper_versions(paper(), count=3, seed=5, keep_statement_order=False)
    assert any(v["option_orders"][f"tf{n}"] != ["a", "b", "c", "d"] for v in versions for n in range(4))


def test_too_small_paper_cannot_give_distinct_versions():
    tiny = [{"id": 1, "type": "single_choice", "option_ids": ["a", "b"]}]
    assert len(make_paper_versions(tiny, count=2, seed=1)) == 2
    with pytest.raises(AssemblyError):
        make_paper_versions(tiny, count=3, seed=1)
    with pytest.raises(AssemblyError):
        make_paper_versions(tiny + tiny, count=1, seed=1)


def test_answer_key_follows_the_shuffled_version():
    mc = types.validate({"type": "single_choice", "stem": "?", "options": [
        {"text": "A"}, {"text": "B"}, {"text": "C", "correct": True}, {"text": "D"}]})
    tf = types.validate({"type": "true_false_group", "stem": "?", "statements": [
        {"text": "1", "correct": True}, {"text": "2", "correct": False},
        {"text": "3", "correct": False}, {"text": "4", "correct": True}]})
    sa = types.validate({"type": "short_answer", "stem": "?", "answers": [{"value": "-1.5"}]})
    version = {"code": "101", "question_order": [3, 1, 2],
               "option_orders": {1: ["c", "a", "d", "b"], 2: ["a", "b", "c", "d"]}}
    bodies = {1: mc, 2: tf, 3: sa}
    assert answer_key(version, bodies) == {1: "-1,5", 2: "A", 3: "a) Đ b) S c) S d) Đ"}
    round_tripped = json.loads(json.dumps(version))
    assert answer_key(round_tripped, bodies) == answer_key(version, bodies)


def test_answer_key_of_generated_versions_differs_between_codes():
    bodies = {f"mc{n}": types.validate({"type": "single_choice", "stem": f"Câu {n}", "options": [
        {"text": t, "correct": t == "A"} for t in "ABCD"]}) for n in range(12)}
    questions = [{"id": qid, "type": "single_choice", "option_ids": ["a", "b", "c", "d"]} for qid in bodies]
    keys = [answer_key(v, bodies) for v in make_paper_versions(questions, count=3, seed=8)]
    assert all(set(key.values()) <= set("ABCD") for key in keys)
    assert keys[0] != keys[1]


def test_answer_key_needs_every_body():
    with pytest.raises(AssemblyError):
        answer_key({"question_order": [1], "option_orders": {}}, {})
