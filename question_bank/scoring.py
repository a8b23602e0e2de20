"""Section scoring policies and exam presets: turning an Outcome into points, as data and pure functions.

A question type says how much of a question an answer got right (``Outcome``); a section's policy says
what that is worth. Policies are registered by name; unknown names raise ``ScoringPolicyError``. Points are
Decimals with at most two places (API.md), rounded half up.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from question_bank.errors import ScoringPolicyError
from question_bank.types import Outcome

CENTI = Decimal("0.01")
ZERO_POINTS = Decimal("0.00")

#: Quyết định 764/QĐ-BGDĐT (2025 national graduation exam), Part II: points of one true/false group of four
#: statements by the number of statements judged right, for an item worth 1 point.
THPT2025_TRUE_FALSE_GROUP_TABLE: dict[int, Decimal] = {
    0: Decimal("0"),
    1: Decimal("0.1"),
    2: Decimal("0.25"),
    3: Decimal("0.5"),
    4: Decimal("1"),
}
#: Quyết định 764/QĐ-BGDĐT: the table applies to groups of exactly four statements.
THPT2025_STATEMENTS_PER_GROUP = 4
#: Quyết định 764/QĐ-BGDĐT: the nominal value of one Part II item, which the table is expressed against.
THPT2025_TRUE_FALSE_GROUP_POINTS = Decimal("1")
#: Quyết định 764/QĐ-BGDĐT, Part I: one correct option of four, 0,25 points each.
THPT2025_SINGLE_CHOICE_POINTS = Decimal("0.25")
#: Quyết định 764/QĐ-BGDĐT, Part III: short answers are worth 0,5 in Toán and 0,25 in other subjects.
THPT2025_SHORT_ANSWER_POINTS_TOAN = Decimal("0.5")
THPT2025_SHORT_ANSWER_POINTS_OTHER = Decimal("0.25")
THPT2025_MATH_SUBJECT = "toan"

Policy = Callable[[str, Outcome, Decimal, str | None], Decimal]
_POLICIES: dict[str, Policy] = {}


def register_policy(name: str) -> Callable[[Policy], Policy]:
    """Decorator registering a scoring policy under ``name``."""

    def decorate(function: Policy) -> Policy:
        if name in _POLICIES:
            raise ValueError(f"scoring policy {name!r} registered twice")
        _POLICIES[name] = function
        return function

    return decorate


def policy_names() -> list[str]:
    """Names of every registered scoring policy."""
    return list(_POLICIES)


def quantize_points(value: Decimal) -> Decimal:
    """Points to two decimals, rounded half up (never binary floats)."""
    return value.quantize(CENTI, rounding=ROUND_HALF_UP)


def default_points(policy: str, qtype: str, subject_code: str | None = None) -> Decimal:
    """The legal value of one question under ``policy`` when a section does not set its own.

    Only ``thpt2025`` has legal defaults (Quyết định 764); other policies need explicit points.
    """
    if policy != "thpt2025":
        raise ScoringPolicyError(f"Chính sách chấm '{policy}' cần số điểm mỗi câu.")
    if qtype == "single_choice":
        return THPT2025_SINGLE_CHOICE_POINTS
    if qtype == "true_false_group":
        return THPT2025_TRUE_FALSE_GROUP_POINTS
    if qtype == "short_answer":
        return (THPT2025_SHORT_ANSWER_POINTS_TOAN if subject_code == THPT2025_MATH_SUBJECT
                else THPT2025_SHORT_ANSWER_POINTS_OTHER)
    raise ScoringPolicyError(f"Cách chấm thpt2025 không áp dụng cho dạng câu hỏi '{qtype}'.")


def points_for(policy: str, qtype: str, outcome: Outcome, points: Decimal | None,
               subject_code: str | None = None) -> Decimal:
    """Points earned by ``outcome`` on a question worth ``points`` under section policy ``policy``.

    ``points=None`` takes the policy's legal default for the type and subject (``thpt2025`` only). An
    outcome that needs manual grading earns 0 here; the teacher's grade replaces it. Raises
    ScoringPolicyError for an unknown policy or a question the policy cannot score.
    """
    try:
        policy_function = _POLICIES[policy]
    except (KeyError, TypeError):
        raise ScoringPolicyError(f"Không có cách chấm '{policy}'.") from None
    if points is None:
        points = default_points(policy, qtype, subject_code)
    if not isinstance(points, Decimal) or points < 0:
        raise ScoringPolicyError("Điểm mỗi câu phải là Decimal không âm.")
    if outcome.needs_manual:
        return ZERO_POINTS
    return quantize_points(policy_function(qtype, outcome, points, subject_code))


@register_policy("proportional")
def _proportional(qtype: str, outcome: Outcome, points: Decimal, subject_code: str | None) -> Decimal:
    """Points × fraction: partial answers earn their share."""
    return points * outcome.fraction


@register_policy("all_or_nothing")
def _all_or_nothing(qtype: str, outcome: Outcome, points: Decimal, subject_code: str | None) -> Decimal:
    """Full points only for a fully correct answer."""
    return points if outcome.fraction == 1 else Decimal(0)


@register_policy("thpt2025")
def _thpt2025(qtype: str, outcome: Outcome, points: Decimal, subject_code: str | None) -> Decimal:
    """Quyết định 764/QĐ-BGDĐT: the Part II table for true/false groups, all-or-nothing for Parts I and III."""
    if qtype == "true_false_group":
        if outcome.parts_total != THPT2025_STATEMENTS_PER_GROUP:
            raise ScoringPolicyError(
                f"Cách chấm thpt2025 cần câu đúng/sai có đúng {THPT2025_STATEMENTS_PER_GROUP} ý, "
                f"câu này có {outcome.parts_total} ý."
            )
        share = THPT2025_TRUE_FALSE_GROUP_TABLE[outcome.parts_correct]
        return share * points / THPT2025_TRUE_FALSE_GROUP_POINTS
    if qtype in {"single_choice", "short_answer"}:
        return points if outcome.fraction == 1 else Decimal(0)
    raise ScoringPolicyError(f"Cách chấm thpt2025 không áp dụng cho dạng câu hỏi '{qtype}'.")


def _section(title: str, qtype: str, count: int, points: str) -> dict:
    return {"title": title, "type": qtype, "count": count, "points_per_question": Decimal(points),
            "scoring": "thpt2025"}


_PART_I, _PART_II, _PART_III = (
    "Phần I. Trắc nghiệm nhiều phương án lựa chọn",
    "Phần II. Trắc nghiệm đúng sai",
    "Phần III. Trắc nghiệm trả lời ngắn",
)

#: Paper formats of the 2025 national graduation exam (Quyết định 764/QĐ-BGDĐT); every paper totals 10.
EXAM_PRESETS: dict[str, dict] = {
    "thpt2025-toan": {
        "title": "Tốt nghiệp THPT 2025 – Toán",
        "subject_codes": ["toan"],
        "duration_minutes": 90,
        "sections": [
            _section(_PART_I, "single_choice", 12, "0.25"),
            _section(_PART_II, "true_false_group", 4, "1"),
            _section(_PART_III, "short_answer", 6, "0.5"),
        ],
    },
    "thpt2025-khoa-hoc-tu-nhien-dia-li": {
        "title": "Tốt nghiệp THPT 2025 – Vật lí, Hóa học, Sinh học, Địa lí",
        "subject_codes": ["vat-li", "hoa-hoc", "sinh-hoc", "dia-li"],
        "duration_minutes": 50,
        "sections": [
            _section(_PART_I, "single_choice", 18, "0.25"),
            _section(_PART_II, "true_false_group", 4, "1"),
            _section(_PART_III, "short_answer", 6, "0.25"),
        ],
    },
    "thpt2025-su-gdktpl-cong-nghe": {
        "title": "Tốt nghiệp THPT 2025 – Lịch sử, GDKT&PL, Công nghệ",
        "subject_codes": ["lich-su", "gdktpl", "cong-nghe"],
        "duration_minutes": 50,
        "sections": [
            _section(_PART_I, "single_choice", 24, "0.25"),
            _section(_PART_II, "true_false_group", 4, "1"),
        ],
    },
    "thpt2025-ngoai-ngu": {
        "title": "Tốt nghiệp THPT 2025 – Ngoại ngữ",
        "subject_codes": ["tieng-anh"],
        "duration_minutes": 50,
        "sections": [
            _section("Trắc nghiệm nhiều phương án lựa chọn", "single_choice", 40, "0.25"),
        ],
    },
}

#: Công văn 7991/BGDĐT-GDTrH (17/12/2024): reference weights of a periodic test's blueprint. ``form_points``
#: splits the 10 points by form (multiple choice, true/false, short answer, essay); ``level_percent`` splits
#: them by cognitive level. Both presets are starting points a teacher edits.
BLUEPRINT_PRESETS: dict[str, dict] = {
    "cv7991-3-muc-do": {
        "title": "Ma trận theo Công văn 7991 (Biết 40% – Hiểu 30% – Vận dụng 30%)",
        "form_points": {"single_choice": Decimal("3"), "true_false_group": Decimal("2"),
                        "short_answer": Decimal("2"), "essay": Decimal("3")},
        "level_percent": {"nhan_biet": Decimal("40"), "thong_hieu": Decimal("30"), "van_dung": Decimal("30")},
    },
    "cv7991-4-muc-do": {
        "title": "Ma trận 4 mức độ (Nhận biết 40% – Thông hiểu 30% – Vận dụng 20% – Vận dụng cao 10%)",
        "form_points": {"single_choice": Decimal("3"), "true_false_group": Decimal("2"),
                        "short_answer": Decimal("2"), "essay": Decimal("3")},
        "level_percent": {"nhan_biet": Decimal("40"), "thong_hieu": Decimal("30"), "van_dung": Decimal("20"),
                          "van_dung_cao": Decimal("10")},
    },
}


def preset_total(preset: dict) -> Decimal:
    """The full marks of an exam preset: the sum over sections of count × points per question."""
    return sum((section["count"] * section["points_per_question"] for section in preset["sections"]), Decimal(0))
