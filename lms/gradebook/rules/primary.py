"""Primary assessment (Thông tư 27/2020/TT-BGDĐT, 04/9/2020), as pure functions.

Periodic tests are whole points 0..10; subjects are levelled T / H / C; the year result follows from the
subject levels, the qualities and competences, and the end-of-year tests.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from .errors import IncompleteResults, InvalidComment, InvalidScore
from .scores import _to_decimal

_INTEGER_TEXT = re.compile(r"[+-]?\d+")


# --------------------------------------------------------------------------------------------------
# Primary school (Thông tư 27/2020/TT-BGDĐT)
# --------------------------------------------------------------------------------------------------

#: TT27/2020 governs primary school (tiểu học): grades 1 to 5. Higher grades follow TT22/2021.
PRIMARY_GRADES = range(1, 6)
#: TT27/2020 Điều 7: besides the end-of-semester-I and end-of-year tests, grades 4 and 5 also take a
#: mid-semester test, in Tiếng Việt and Toán only (curriculum subject codes).
MIDTERM_TEST_GRADES = (4, 5)
MIDTERM_TEST_SUBJECTS = ("tieng-viet", "toan")
#: TT27/2020 with the 2018 programme (TT32/2018): the qualities (phẩm chất) and competences (năng lực) a
#: primary student is levelled on at the end of the year, by code.
PRIMARY_QUALITIES = {
    "yeu-nuoc": "Yêu nước", "nhan-ai": "Nhân ái", "cham-chi": "Chăm chỉ", "trung-thuc": "Trung thực",
    "trach-nhiem": "Trách nhiệm",
    "tu-chu-tu-hoc": "Tự chủ và tự học", "giao-tiep-hop-tac": "Giao tiếp và hợp tác",
    "gqvd-sang-tao": "Giải quyết vấn đề và sáng tạo",
    "ngon-ngu": "Ngôn ngữ", "tinh-toan": "Tính toán", "khoa-hoc": "Khoa học", "cong-nghe": "Công nghệ",
    "tin-hoc": "Tin học", "tham-mi": "Thẩm mĩ", "the-chat": "Thể chất",
}
#: How the học bạ (TT27 template) groups them: the main qualities, the general and the specific competences.
PRIMARY_QUALITY_GROUPS = (
    ("Phẩm chất chủ yếu", ("yeu-nuoc", "nhan-ai", "cham-chi", "trung-thuc", "trach-nhiem")),
    ("Năng lực chung", ("tu-chu-tu-hoc", "giao-tiep-hop-tac", "gqvd-sang-tao")),
    ("Năng lực đặc thù", ("ngon-ngu", "tinh-toan", "khoa-hoc", "cong-nghe", "tin-hoc", "tham-mi", "the-chat")),
)


def is_primary_grade(grade: int) -> bool:
    """True when a class of this grade is assessed under TT27/2020 (primary) rather than TT22/2021."""
    return grade in PRIMARY_GRADES


def has_midterm_test(grade: int, subject_code: str) -> bool:
    """TT27/2020: whether this grade takes a mid-semester periodic test in this subject (grades 4–5, TV, Toán)."""
    return grade in MIDTERM_TEST_GRADES and subject_code in MIDTERM_TEST_SUBJECTS


#: TT27/2020: periodic tests are scored on 10 points, integers only, and 0 is allowed.
PRIMARY_MIN_TEST_SCORE = 0
PRIMARY_MAX_TEST_SCORE = 10


class PrimaryLevel(enum.Enum):
    """TT27/2020 subject level of a primary student."""

    T = "T"
    H = "H"
    C = "C"

    @property
    def label(self) -> str:
        """The Vietnamese label: Hoàn thành tốt, Hoàn thành, Chưa hoàn thành."""
        return {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}[self.value]


_LEVEL_SPELLINGS = {
    "t": "T", "hoàn thành tốt": "T", "hoan thanh tot": "T",
    "h": "H", "hoàn thành": "H", "hoan thanh": "H",
    "c": "C", "chưa hoàn thành": "C", "chua hoan thanh": "C",
}
_QUALITY_SPELLINGS = {
    "t": "T", "tốt": "T", "tot": "T",
    "đ": "Đ", "d": "Đ", "đạt": "Đ", "dat": "Đ",
    "c": "C", "cần cố gắng": "C", "can co gang": "C",
}


def record_primary_level(value: str | PrimaryLevel | None) -> PrimaryLevel | None:
    """Parse a primary subject level: "T", "H", "C" or the full labels (any case); ``None`` clears.

    Raises ``InvalidComment`` for anything else (TT22's Đ/CĐ included: they are not TT27 levels).
    """
    if value is None or isinstance(value, PrimaryLevel):
        return value
    if isinstance(value, str):
        key = " ".join(value.split()).lower()
        if key in _LEVEL_SPELLINGS:
            return PrimaryLevel(_LEVEL_SPELLINGS[key])
    raise InvalidComment(f"Mức đạt được môn học ở tiểu học là T, H hoặc C (nhận được {value!r}).")


def record_quality_level(value: str | QualityLevel | None) -> QualityLevel | None:
    """Parse a quality/competence level: "T" (Tốt), "Đ" (Đạt), "C" (Cần cố gắng) or the labels; ``None`` clears."""
    if value is None or isinstance(value, QualityLevel):
        return value
    if isinstance(value, str):
        key = " ".join(value.split()).lower()
        if key in _QUALITY_SPELLINGS:
            return QualityLevel(_QUALITY_SPELLINGS[key])
    raise InvalidComment(f"Mức phẩm chất, năng lực là T, Đ hoặc C (nhận được {value!r}).")


class QualityLevel(enum.Enum):
    """TT27/2020 level of a quality (phẩm chất) or competence (năng lực)."""

    TOT = "T"
    DAT = "Đ"
    CAN_CO_GANG = "C"

    @property
    def label(self) -> str:
        """The Vietnamese label: Tốt, Đạt, Cần cố gắng."""
        return {"T": "Tốt", "Đ": "Đạt", "C": "Cần cố gắng"}[self.value]


class PrimaryYearResult(enum.Enum):
    """TT27/2020 end-of-year result of a primary student, best first."""

    HOAN_THANH_XUAT_SAC = "hoan_thanh_xuat_sac"
    HOAN_THANH_TOT = "hoan_thanh_tot"
    HOAN_THANH = "hoan_thanh"
    CHUA_HOAN_THANH = "chua_hoan_thanh"

    @property
    def label(self) -> str:
        """The Vietnamese label printed in the học bạ."""
        return _PRIMARY_RESULT_LABELS[self]


_PRIMARY_RESULT_LABELS = {
    PrimaryYearResult.HOAN_THANH_XUAT_SAC: "Hoàn thành xuất sắc",
    PrimaryYearResult.HOAN_THANH_TOT: "Hoàn thành tốt",
    PrimaryYearResult.HOAN_THANH: "Hoàn thành",
    PrimaryYearResult.CHUA_HOAN_THANH: "Chưa hoàn thành",
}

#: TT27/2020 end-of-year test thresholds: Hoàn thành xuất sắc >= 9, Hoàn thành tốt >= 7, Hoàn thành >= 5.
PRIMARY_EXCELLENT_MIN_TEST = 9
PRIMARY_GOOD_MIN_TEST = 7
PRIMARY_COMPLETE_MIN_TEST = 5


def record_primary_test_score(value: int | str | Decimal) -> int:
    """Parse a primary periodic test score: an integer from 0 to 10 (TT27/2020), returned as int.

    Accepts an int, a Decimal with an integral value or a string of digits. A fractional score such as
    "7,5" is refused, not rounded, because the regulation gives whole points only. Raises ``InvalidScore``.
    """
    if isinstance(value, str):
        if not _INTEGER_TEXT.fullmatch(value.strip()):
            raise InvalidScore(
                value, f"Điểm kiểm tra định kì tiểu học phải là số nguyên từ 0 đến 10 (nhận được “{value}”)."
            )
    number = _to_decimal(value)
    if number != number.to_integral_value():
        raise InvalidScore(
            value, f"Điểm kiểm tra định kì tiểu học phải là số nguyên, không có phần thập phân ({value})."
        )
    if not PRIMARY_MIN_TEST_SCORE <= number <= PRIMARY_MAX_TEST_SCORE:
        raise InvalidScore(value, f"Điểm kiểm tra định kì tiểu học phải từ 0 đến 10 (nhận được {value}).")
    return int(number)


def primary_year_result(
    subject_levels: Mapping[str, PrimaryLevel | None],
    end_of_year_tests: Mapping[str, int | None],
    qualities: Iterable[QualityLevel | None],
) -> PrimaryYearResult:
    """End-of-year result of a primary student (TT27/2020).

    ``subject_levels``: each subject's level (T/H/C); ``end_of_year_tests``: the end-of-year periodic test
    score of each subject that has one; ``qualities``: the levels of every quality and competence.
    Hoàn thành xuất sắc: all subjects T, all qualities Tốt, every test >= 9; Hoàn thành tốt: the same with
    tests >= 7; Hoàn thành: subjects T or H, qualities Tốt or Đạt, tests >= 5; otherwise Chưa hoàn thành.
    Raises ``IncompleteResults`` if anything is missing and ``InvalidScore`` for a bad test score.
    """
    quality_levels = list(qualities)
    missing = [name for name, level in subject_levels.items() if level is None]
    missing += [f"bài kiểm tra {name}" for name, score in end_of_year_tests.items() if score is None]
    if any(level is None for level in quality_levels):
        missing.append("phẩm chất, năng lực")
    if not subject_levels:
        missing.append("môn học")
    if missing:
        raise IncompleteResults(missing)
    tests = [record_primary_test_score(score) for score in end_of_year_tests.values()]
    levels = list(subject_levels.values())
    lowest_test = min(tests, default=PRIMARY_MAX_TEST_SCORE)

    all_subjects_t = all(level is PrimaryLevel.T for level in levels)
    all_qualities_good = all(level is QualityLevel.TOT for level in quality_levels)
    if all_subjects_t and all_qualities_good and lowest_test >= PRIMARY_EXCELLENT_MIN_TEST:
        return PrimaryYearResult.HOAN_THANH_XUAT_SAC
    if all_subjects_t and all_qualities_good and lowest_test >= PRIMARY_GOOD_MIN_TEST:
        return PrimaryYearResult.HOAN_THANH_TOT
    if (
        all(level is not PrimaryLevel.C for level in levels)
        and all(level is not QualityLevel.CAN_CO_GANG for level in quality_levels)
        and lowest_test >= PRIMARY_COMPLETE_MIN_TEST
    ):
        return PrimaryYearResult.HOAN_THANH
    return PrimaryYearResult.CHUA_HOAN_THANH
