"""The QTI importer against real items written by others (IMS examples, Onyx): see fixtures/qti/README.md."""
import io
import re
import zipfile
from pathlib import Path

import pytest

from question_bank.formats import get_format
from question_bank.formats.base import QUESTION_TYPES
from question_bank.types import validate

FIXTURES = Path(__file__).parent / "fixtures" / "qti"


def parse_file(name: str):
    return get_format("qti").parse(io.BytesIO((FIXTURES / name).read_bytes()))


def parse_one(name: str):
    result = parse_file(name)
    assert result.problems == [], result.problems
    (draft,) = result.drafts
    validate(dict(draft.body))  # what the bank would store: every imported body must validate
    return draft, [w.message for w in result.warnings]


def key(body):
    return [o["text"] for o in body["options"] if o["correct"]]


#: Every reference item and what becomes of it: a bank type, or refused with a reason.
OUTCOMES = {
    "ims_2_1/choice.xml": "single_choice", "ims_2_1/feedback.xml": "single_choice",
    "ims_2_1/choice_multiple_chocolade.xml": "tổ hợp",
    "ims_2_2/associate.xml": "matching", "ims_2_2/choice.xml": "single_choice",
    "ims_2_2/choice_multiple.xml": "multiple_choice", "ims_2_2/extended_text.xml": "essay",
    "ims_2_2/feedbackInline.xml": "single_choice", "ims_2_2/gap_match.xml": "cloze",
    "ims_2_2/hotspot.xml": "hotspotInteraction", "ims_2_2/hottext.xml": "single_choice",
    "ims_2_2/inline_choice.xml": "cloze", "ims_2_2/likert.xml": "không khai báo đáp án",
    "ims_2_2/match.xml": "matching", "ims_2_2/math.xml": "single_choice", "ims_2_2/mc_calc3.xml": "templateDeclaration",
    "ims_2_2/modalFeedback.xml": "single_choice", "ims_2_2/order.xml": "ordering",
    "ims_2_2/slider.xml": "short_answer", "ims_2_2/text_entry.xml": "cloze",
    "onyx_2_1/Choicesingle_853928446.xml": "single_choice", "onyx_2_1/Hottext_801974120.xml": "multiple_choice",
    "onyx_2_1/Matchsingle_143114773.xml": "matching", "onyx_2_1/TextEntrynumeric_2040297025.xml": "cloze",
    "ims_3_0/choice_multiple.xml": "multiple_choice", "ims_3_0/gap_match.xml": "cloze",
    "ims_3_0/match.xml": "matching", "ims_3_0/math.xml": "single_choice", "ims_3_0/order.xml": "ordering",
    "ims_3_0/text_entry.xml": "cloze", "cito_3_0/QUE_1_1.xml": "single_choice",
}


def test_every_fixture_is_listed():
    assert sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.xml")) == sorted(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_reference_item_imports_or_is_refused_with_its_reason(name):
    result = parse_file(name)
    expected = OUTCOMES[name]
    if expected in QUESTION_TYPES:
        assert result.problems == [] and [d.body["type"] for d in result.drafts] == [expected]
        validate(dict(result.drafts[0].body))
    else:  # refused, saying which interaction or what is missing, with the item's location
        assert result.drafts == [] and len(result.problems) == 1
        assert expected in result.problems[0].message and result.problems[0].message.startswith("Câu 1")


def test_mathml_in_a_stem_becomes_latex():
    draft, warnings = parse_one("ims_2_2/math.xml")
    assert draft.body["stem"] == "Which famous scientist is popularly associated with the equation $E=mc^2$ ?"
    assert key(draft.body) == ["Einstein"] and warnings == []


def test_mathml_with_a_tex_annotation_keeps_the_source():
    result = parse_file("ims_2_2/gap_match.xml")
    assert "choice #$12^2$" in result.warnings[0].message  # the distractor, reported with its formula


def test_modal_feedback_per_outcome_goes_to_the_options_it_is_about():
    draft, warnings = parse_one("ims_2_2/modalFeedback.xml")
    # "correct"/"incorrect" outcomes of a true/false choice: kept per option, so the question stays a choice.
    assert [(o["text"], o["correct"], o["feedback"]) for o in draft.body["options"]] == [
        ("True", True, "correct"), ("False", False, "incorrect")]
    assert "explanation" not in draft.body and warnings == []


def test_inline_feedback_is_taken_out_of_the_option_text():
    draft, _ = parse_one("ims_2_2/feedbackInline.xml")
    assert [(o["text"], o["feedback"]) for o in draft.body["options"]] == [
        ("True", "That's correct"), ("False", "That's not correct")]


def test_inline_and_hidden_modal_feedback_of_the_ims_feedback_example():
    draft, _ = parse_one("ims_2_1/feedback.xml")
    feedback = {o["text"]: o["feedback"] for o in draft.body["options"]}
    # showHide="hide" on the key's identifier is shown for every other (wrong) option.
    assert feedback["Tony Blair"] == "No, he is the Prime Minister of England. No, the correct answer is Vicente Fox."
    assert feedback["Vicente Fox"] == "Yes. Yes, that is correct."
    assert key(draft.body) == ["Vicente Fox"]


def test_onyx_boolean_feedback_outcomes_are_resolved_through_the_rules():
    draft, warnings = parse_one("onyx_2_1/Choicesingle_853928446.xml")
    options = draft.body["options"]
    assert options[0]["correct"] and options[0]["feedback"].startswith("<strong>Richtig!</strong>")
    assert options[1]["feedback"].endswith("Deine Auswahl zeigt die Flagge vom Land Thüringen.")
    # The flags are not in a lone XML file: each lost picture is reported (its alt text stays).
    assert sum("media/" in w and "không có trong tệp nhập" in w for w in warnings) == 4
    assert options[0]["text"] == "[flag]"


def test_feedback_without_a_place_is_labelled_in_the_explanation_and_reported():
    draft, warnings = parse_one("onyx_2_1/Matchsingle_143114773.xml")
    assert "<em>Khi trả lời đúng:</em> <strong>Richtig!</strong>" in draft.body["explanation"]
    assert "<em>Khi trả lời sai:</em> <strong>Leider Falsch!</strong>" in draft.body["explanation"]
    assert sum("đã đưa vào lời giải" in w for w in warnings) == 2


def test_map_response_gives_weights_to_multiple_choice():
    draft, _ = parse_one("ims_2_2/choice_multiple.xml")
    assert [(o["text"], o["correct"], o["weight"]) for o in draft.body["options"]] == [
        ("Hydrogen", True, 50), ("Helium", False, 0), ("Carbon", False, 0), ("Oxygen", True, 50),
        ("Nitrogen", False, 0), ("Chlorine", False, -50)]


def test_key_only_in_response_processing_with_two_combinations_is_refused_with_the_reason():
    result = parse_file("ims_2_1/choice_multiple_chocolade.xml")
    assert result.drafts == [] and "2 tổ hợp" in result.problems[0].message


def test_key_only_in_response_processing_is_read():
    item = (FIXTURES / "ims_2_2/choice.xml").read_text()
    start, end = item.index("<correctResponse>"), item.index("</correctResponse>") + len("</correctResponse>")
    migrated = item[:start] + item[end:]
    migrated = re.sub(
        r"<responseProcessing[^>]*/>",
        '<responseProcessing><responseCondition><responseIf><match><variable identifier="RESPONSE"/>'
        '<baseValue baseType="identifier">ChoiceA</baseValue></match><setOutcomeValue identifier="SCORE">'
        '<baseValue baseType="float">1</baseValue></setOutcomeValue></responseIf></responseCondition>'
        '</responseProcessing>', migrated)
    assert "<correctResponse" not in migrated and "<responseProcessing>" in migrated
    draft = get_format("qti").parse(io.BytesIO(migrated.encode())).drafts[0]
    assert key(draft.body) == ["You must stay with your luggage at all times."]


def test_gap_match_becomes_cloze_and_says_so():
    draft, warnings = parse_one("ims_2_2/gap_match.xml")
    assert draft.body["gaps"] == [{"id": "1", "answers": ["adipisicing ."]}]
    assert "consectetur {{1}}.." in draft.body["text"] and draft.body["stem"].split() == ["test", "shuffle", "choices"]
    assert any("gapMatch" in w and "choice #2" in w for w in warnings)


def test_hottext_becomes_choice_over_the_hot_spans():
    draft, warnings = parse_one("ims_2_2/hottext.xml")
    assert [o["text"] for o in draft.body["options"]] == ["who bought", "includes", "at least", "whose", "No error."]
    assert key(draft.body) == ["includes"]
    assert "<u>includes</u>" in draft.body["stem"] and draft.body["stem"].startswith("<p>Select the error")
    assert "hottext" in warnings[0]


def test_associate_becomes_matching_with_unequal_points_reported():
    draft, warnings = parse_one("ims_2_2/associate.xml")
    assert [(p["left"], p["right"]) for p in draft.body["pairs"]] == [
        ("Antonio", "Prospero"), ("Capulet", "Montague"), ("Demetrius", "Lysander")]
    assert any("associate" in w for w in warnings) and any("số điểm khác nhau" in w for w in warnings)


def test_partial_credit_text_is_reported_not_made_correct():
    draft, warnings = parse_one("ims_2_2/text_entry.xml")
    assert draft.body["gaps"] == [{"id": "1", "answers": ["York"]}]
    assert any("york" in w and "một phần" in w for w in warnings)


def test_numeric_gaps_are_numbers():
    draft, _ = parse_one("onyx_2_1/TextEntrynumeric_2040297025.xml")
    assert draft.body["gaps"] == [{"id": "1", "answers": ["4"]}, {"id": "2", "answers": ["2"]}]


def test_numeric_text_entry_keeps_its_tolerance():
    item = (FIXTURES / "onyx_2_1/TextEntrynumeric_2040297025.xml").read_text()
    # The same Onyx item with one gap, compared within a relative tolerance of 5 %.
    start = item.index("<itemBody>")
    single = item[:start] + ('<itemBody><p>Sachsen grenzt an wie viele Bundesländer?</p><p>'
                             '<textEntryInteraction responseIdentifier="RESPONSE_1"/></p></itemBody>'
                             '<responseProcessing><responseCondition><responseIf>'
                             '<equal toleranceMode="relative" tolerance="5 5"><variable identifier="RESPONSE_1"/>'
                             '<correct identifier="RESPONSE_1"/></equal><setOutcomeValue identifier="SCORE">'
                             '<baseValue baseType="float">1</baseValue></setOutcomeValue></responseIf>'
                             '</responseCondition></responseProcessing></assessmentItem>')
    draft = get_format("qti").parse(io.BytesIO(single.encode())).drafts[0]
    assert draft.body["type"] == "short_answer" and draft.body["answers"] == [{"value": 4, "tolerance": 0.2}]


def _package(item: str, files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>'
                                            f'<resource identifier="r1" type="imsqti_item_xmlv2p1" href="{item}"/>'
                                            '</resources></manifest>')
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_package_carries_the_picture_of_the_ims_choice_example():
    png = (FIXTURES / "ims_2_1/images/sign.png").read_bytes()
    data = _package("choice.xml", {"choice.xml": (FIXTURES / "ims_2_1/choice.xml").read_bytes(),
                                   "images/sign.png": png})
    result = get_format("qti").parse(io.BytesIO(data))
    draft = result.drafts[0]
    assert '<img src="cid:sign.png" alt="NEVER LEAVE LUGGAGE UNATTENDED">' in draft.body["stem"]
    assert draft.images[0].data == png and result.warnings == []


def test_package_without_the_picture_reports_it_with_the_location():
    data = _package("items/choice.xml", {"items/choice.xml": (FIXTURES / "ims_2_1/choice.xml").read_bytes()})
    result = get_format("qti").parse(io.BytesIO(data))
    assert "<img" not in result.drafts[0].body["stem"]
    (warning,) = result.warnings
    assert warning.item == 1 and warning.message.startswith("Câu 1 (items/choice.xml): Hình 'images/sign.png'")


@pytest.mark.parametrize("name", ["math", "choice_multiple", "match", "order", "text_entry"])
def test_qti_30_items_read_as_their_22_originals(name):
    """The IMS examples in their QTI 3.0 spelling give the same questions as in QTI 2.2 (ids aside)."""
    new, old = parse_file(f"ims_3_0/{name}.xml"), parse_file(f"ims_2_2/{name}.xml")
    assert [{**d.body, "idnumber": None} for d in new.drafts] == [{**d.body, "idnumber": None} for d in old.drafts]
    assert [w.message for w in new.warnings] == [w.message for w in old.warnings]


def test_qti_30_gap_match_with_two_gaps_and_distractors():
    draft, warnings = parse_one("ims_3_0/gap_match.xml")
    assert draft.body["gaps"] == [{"id": "1", "answers": ["winter"]}, {"id": "2", "answers": ["summer"]}]
    assert "Now is the {{1}} of our discontent" in draft.body["text"]
    assert any("spring; autumn" in w for w in warnings)


def test_qti_30_modal_feedback_in_content_bodies():
    draft, _ = parse_one("cito_3_0/QUE_1_1.xml")
    options = draft.body["options"]
    # Empty <p/> feedback adds nothing; the feedback hidden for the key is every wrong option's feedback.
    assert [o.get("feedback") for o in options] == ["Het juiste antwoord is: <p>Richting het westen</p>"] * 3 + [None]
    assert options[3]["correct"] and options[3]["text"] == "<div><p>Richting het westen</p></div>"


def test_slider_becomes_a_numeric_short_answer_with_full_marks_values_only():
    draft, warnings = parse_one("ims_2_2/slider.xml")
    assert sorted(a["value"] for a in draft.body["answers"]) == [14, 15, 16, 17, 18]
    assert {a["tolerance"] for a in draft.body["answers"]} == {0}
    assert any("12, 13, 19, 20" in w for w in warnings) and any("slider, 0–100" in w for w in warnings)
