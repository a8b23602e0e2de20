"""The 10-point scale: parsing and recording a score (Thông tư 22/2021), shared by both circulars' rules.

Scores are ``decimal.Decimal``; a float never enters a computation, because 8,25 stored as a binary float
is 8,2499… and would round to 8,2 in front of every parent.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .errors import InvalidScore


# --------------------------------------------------------------------------------------------------
# Scores (TT22/2021: each score is an integer or a decimal with one digit after rounding)
# --------------------------------------------------------------------------------------------------

#: TT22/2021: every score (ĐĐGtx, ĐĐGgk, ĐĐGck, ĐTBmhk, ĐTBmcn) is on the 10-point scale.
MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(10)
#: TT22/2021: "số nguyên hoặc số thập phân được lấy đến chữ số thập phân thứ nhất sau khi làm tròn số";
#: rounding is half up on the decimal value (8,25 -> 8,3), never banker's rounding.
SCORE_QUANTUM = Decimal("0.1")
SCORE_ROUNDING = ROUND_HALF_UP

# A sign, digits, and at most one decimal separator (Vietnamese comma or dot). Exponents ("1e1"),
# thousands separators and "NaN" are rejected although Decimal() would accept some of them.
_SCORE_TEXT = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _to_decimal(value: object) -> Decimal:
    """Turn int / str / Decimal into a finite Decimal, or raise InvalidScore."""
    # bool is an int subclass; True as "1 point" is always a programming error.
    if isinstance(value, bool) or value is None:
        raise InvalidScore(value, "Điểm phải là một số từ 0 đến 10.")
    if isinstance(value, float):
        raise InvalidScore(value, "Điểm không được là số thực dấu phẩy động (float); hãy dùng Decimal hoặc chuỗi.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidScore(value, "Điểm phải là một số từ 0 đến 10.")
        return value
    if isinstance(value, str):
        text = value.strip()
        if not _SCORE_TEXT.fullmatch(text):
            raise InvalidScore(value, f"“{value}” không phải là điểm hợp lệ (ví dụ đúng: 8 hoặc 8,5).")
        return Decimal(text.replace(",", "."))
    raise InvalidScore(value, "Điểm phải là một số từ 0 đến 10.")


def round_score(value: Decimal) -> Decimal:
    """Round a computed score to one decimal, half up (TT22/2021): 8.25 -> 8.3, 7.777… -> 7.8."""
    return value.quantize(SCORE_QUANTUM, rounding=SCORE_ROUNDING)


def _check_range(original: object, value: Decimal) -> None:
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise InvalidScore(original, f"Điểm phải nằm trong khoảng từ 0 đến 10 (nhận được {original}).")


def record_score(value: int | str | Decimal) -> Decimal:
    """Parse and record one score as the gradebook stores it.

    Accepts an int, a Decimal or a string with a decimal comma or dot ("8,25", "8.25"), checks the
    0..10 range and rounds to one decimal half up, so ``record_score("8,25") == Decimal("8.3")``.
    Floats are refused because they cannot represent 8,25 exactly. Raises ``InvalidScore``.
    """
    number = _to_decimal(value)
    _check_range(value, number)
    return round_score(number)


def _weighted_average(total: Decimal, weight: int) -> Decimal:
    # The dividend has at most one decimal and the divisor is a small integer, so a 28-digit quotient
    # can never land exactly on a ...5 tie by truncation; the extra precision is belt and braces.
    with localcontext() as ctx:
        ctx.prec = 40
        return round_score(total / Decimal(weight))
