"""Numbers, scores and times the Vietnamese way, in the school's time zone (lms.core.formatting)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask import Flask, render_template_string

from lms.core import formatting
from lms.core.config import ConfigError, load_config
from lms.core.formatting import vn_date, vn_datetime, vn_number, vn_percent, vn_points, vn_score


@pytest.mark.parametrize("value,expected", [
    (Decimal("8"), "8,0"), ("8.0", "8,0"), (Decimal("8.25"), "8,3"), ("8,25", "8,3"), (7.75, "7,8"),
    (10, "10,0"), (Decimal("0.05"), "0,1"), ("Đ", "Đ"), ("CĐ", "CĐ"), ("T", "T"), (None, "–"), ("", "–"),
])
def test_scores_keep_one_decimal_rounded_half_up(value, expected):
    assert vn_score(value) == expected


def test_float_trap_rounds_half_up_like_the_gradebook():
    # 66/8 = 8,25 must be 8,3 (binary floats and round() would give 8,2).
    assert vn_score(Decimal(66) / Decimal(8)) == "8,3"
    assert vn_score(8.25) == "8,3"


@pytest.mark.parametrize("value,expected", [
    (Decimal("0.25"), "0,25"), (Decimal("1.00"), "1,00"), ("7.50", "7,50"), ("5.0", "5,0"), (12500, "12.500"),
    (Decimal("1234567.5"), "1.234.567,5"), (-1.5, "-1,5"), (0.1, "0,1"), (Decimal("-0.00"), "0,00"),
])
def test_numbers_use_the_decimal_comma_and_dot_thousands(value, expected):
    assert vn_number(value) == expected


def test_points_keep_their_recorded_decimals_and_are_never_grouped():
    assert vn_points(Decimal("0.50")) == "0,50" and vn_points("5.0") == "5,0" and vn_points(2026) == "2026"


def test_percentages_are_whole():
    assert vn_percent(0.756) == "76%" and vn_percent(Decimal("0.125")) == "13%" and vn_percent(None) == "–"


def test_times_are_shown_in_vietnam_time_without_a_zone_label(app):
    moment = datetime(2026, 12, 4, 17, 30, tzinfo=timezone.utc)
    with app.app_context():
        assert vn_datetime(moment) == "05/12/2026 00:30"
        assert vn_datetime(moment, seconds=True) == "05/12/2026 00:30:00"
        assert vn_date(moment) == "05/12/2026"  # already tomorrow in Hà Nội
        assert vn_datetime("2026-12-04T17:30:00+00:00") == "05/12/2026 00:30"
        assert vn_datetime("2026-12-04T17:30:00Z") == "05/12/2026 00:30"
        assert formatting.iso_local(moment) == "2026-12-05T00:30+07:00"
        assert vn_date(date(2026, 9, 5)) == "05/09/2026" and vn_date("2026-09-05") == "05/09/2026"
        assert vn_datetime(None) == "–" and vn_datetime(None, empty="") == ""


def test_timezone_is_configurable_and_checked(tmp_path):
    config = load_config(environ={"LMS_DATA_DIR": str(tmp_path), "TIMEZONE": "Asia/Bangkok"})
    assert config["TIMEZONE"] == "Asia/Bangkok"
    assert load_config(environ={"LMS_DATA_DIR": str(tmp_path)})["TIMEZONE"] == "Asia/Ho_Chi_Minh"
    with pytest.raises(ConfigError, match="TIMEZONE"):
        load_config(environ={"LMS_DATA_DIR": str(tmp_path), "TIMEZONE": "Mars/Olympus"})

    app = Flask("t")
    app.config["TIMEZONE"] = "Europe/London"
    formatting.init_app(app)
    with app.app_context():
        assert render_template_string("{{ t|vn_datetime }}", t=datetime(2026, 7, 1, 12, tzinfo=timezone.utc)) \
            == "01/07/2026 13:00"


def test_filters_are_registered_for_every_template(app):
    with app.test_request_context():
        out = render_template_string("{{ s|vn_score }} {{ n|vn_number }} {{ r|vn_percent }} {{ vn(p) }}",
                                     s="8.0", n=Decimal("1500.5"), r=0.5, p=Decimal("0.25"))
    assert out == "8,0 1.500,5 50% 0,25"


def test_charts_use_the_same_half_up_numbers():
    from lms.core.charts import vn_number as chart_number

    assert chart_number(Decimal("8.25"), 1) == "8,3" == vn_score("8.25")
    assert chart_number(1234.5) == "1.234,5" and chart_number(None) == "—" and chart_number(12) == "12"


@pytest.mark.parametrize("text", ["05/12/2026 07:30", "5/12/2026 7:30", " 05-12-2026  07h30 ", "05.12.2026 07.30",
                                  "051220260730", "05122026 0730", "2026-12-05T07:30", "2026-12-05 07:30:00"])
def test_typed_moments_are_read_in_the_schools_zone(text):
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Asia/Ho_Chi_Minh"
    with app.app_context():
        moment = formatting.parse_vn_datetime(text)
        assert moment.astimezone(timezone.utc) == datetime(2026, 12, 5, 0, 30, tzinfo=timezone.utc)
        # what the edit form shows is what was typed, and reads back to the same moment
        assert formatting.vn_input_datetime(moment.astimezone(timezone.utc)) == "05/12/2026 07:30"
        assert formatting.parse_vn_datetime(formatting.vn_input_datetime(moment)) == moment


@pytest.mark.parametrize("text", ["31/02/2026", "12/31/2026 07:30", "05/12/2026 25:00", "05/12/26", "hôm nay",
                                  "05/12/2026 7", "0512202607"])
def test_impossible_moments_are_refused_with_the_format_named(text):
    with pytest.raises(ValueError, match="dd/mm/yyyy HH:mm"):
        formatting.parse_vn_datetime(text)


def test_days_are_read_day_first_and_empty_is_none():
    assert formatting.parse_vn_date("05/09/2026") == date(2026, 9, 5) == formatting.parse_vn_date("2026-09-05")
    assert formatting.parse_vn_date("5.9.2026") == date(2026, 9, 5) == formatting.parse_vn_date("05092026")
    assert formatting.parse_vn_date("  ") is None and formatting.parse_vn_datetime("") is None
    assert formatting.vn_input_date(date(2026, 9, 5)) == "05/09/2026" and formatting.vn_input_date(None) == ""
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        formatting.parse_vn_date("05/09/2026 07:30")  # a day field takes no time
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        formatting.parse_vn_date("31/04/2026")
