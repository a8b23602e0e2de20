import io
import zipfile

import pytest

from question_bank.formats import ImageBlob, ImportRejected, get_format
from question_bank.formats.qti import dump_item

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2"'
CHOICE_ITEM = f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem {NS} identifier="q1" title="Hóa học 12" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">
    <correctResponse><value>A</value><value>C</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>Chất nào là <strong>kim loại kiềm</strong>?</p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="0">
      <prompt>Chọn tất cả đáp án đúng.</prompt>
      <simpleChoice identifier="A">Natri (Na)</simpleChoice>
      <simpleChoice identifier="B">Canxi (Ca)</simpleChoice>
      <simpleChoice identifier="C">Kali (K)</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>"""

INLINE_CHOICE_ITEM = f"""<assessmentItem {NS} identifier="q2" title="Điền" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="R1" cardinality="single" baseType="identifier">
    <correctResponse><value>y</value></correctResponse></responseDeclaration>
  <responseDeclaration identifier="R2" cardinality="single" baseType="string">
    <correctResponse><value>H2O</value></correctResponse>
    <mapping defaultValue="0"><mapEntry mapKey="H2O" mappedValue="1"/><mapEntry mapKey="nước" mappedValue="1"/></mapping>
  </responseDeclaration>
  <itemBody><p>Phản ứng <inlineChoiceInteraction responseIdentifier="R1" shuffle="false">
    <inlineChoice identifier="x">thu nhiệt</inlineChoice><inlineChoice identifier="y">tỏa nhiệt</inlineChoice>
  </inlineChoiceInteraction> tạo ra <textEntryInteraction responseIdentifier="R2"/>.</p></itemBody>
</assessmentItem>"""


def parse(data):
    return get_format("qti").parse(io.BytesIO(data if isinstance(data, bytes) else data.encode("utf-8")))


def make_zip(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def manifest(*hrefs):
    resources = "".join(f'<resource identifier="r{i}" type="imsqti_item_xmlv2p2" href="{h}"><file href="{h}"/>'
                        f"</resource>" for i, h in enumerate(hrefs))
    return f'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>{resources}</resources></manifest>'


def test_parses_a_qti_22_choice_item_with_prompt():
    draft = parse(CHOICE_ITEM).drafts[0]
    assert draft.body == {"type": "multiple_choice",
                          "stem": "<p>Chất nào là <strong>kim loại kiềm</strong>?</p> Chọn tất cả đáp án đúng.",
                          "options": [{"id": "a", "text": "Natri (Na)", "correct": True},
                                      {"id": "b", "text": "Canxi (Ca)", "correct": False},
                                      {"id": "c", "text": "Kali (K)", "correct": True}],
                          "name": "Hóa học 12", "idnumber": "q1"}
    assert draft.meta == {"name": "Hóa học 12"}


def test_inline_choice_and_text_entry_become_a_cloze_with_a_note():
    result = parse(INLINE_CHOICE_ITEM)
    assert result.drafts[0].body == {"type": "cloze", "stem": "", "text": "<p>Phản ứng {{1}} tạo ra {{2}}.</p>",
                                     "gaps": [{"id": "1", "answers": ["tỏa nhiệt"]},
                                              {"id": "2", "answers": ["H2O", "nước"]}],
                                     "name": "Điền", "idnumber": "q2"}
    assert result.problems == [] and "danh sách chọn" in result.warnings[0].message


def test_package_with_images_and_per_item_problems():
    broken = CHOICE_ITEM.replace("<itemBody>", "<itemBody><hotspotInteraction responseIdentifier='X'/>")
    with_image = CHOICE_ITEM.replace("<p>Chất", '<p><img src="../media/na.png" alt="Na"/> Chất')
    data = make_zip({"imsmanifest.xml": manifest("items/a.xml", "items/b.xml", "items/missing.xml"),
                     "items/a.xml": with_image, "items/b.xml": broken, "media/na.png": b"\x89PNG-data"})
    result = parse(data)
    assert len(result.drafts) == 1
    draft = result.drafts[0]
    assert '<img src="cid:na.png" alt="Na">' in draft.body["stem"]
    assert draft.images == [ImageBlob("na.png", "image/png", b"\x89PNG-data")]
    assert draft.location == "Câu 1 (items/a.xml)"
    assert [(p.item, "hotspot" in p.message or "missing" in p.message) for p in result.problems] == [(2, True), (3, True)]


def test_dumped_package_carries_images_and_reads_back():
    body = {"type": "single_choice", "stem": '<p>Hình bên là gì? <img src="cid:h1.png"></p>',
            "options": [{"id": "a", "text": "Tam giác", "correct": True}, {"id": "b", "text": "Hình vuông", "correct": False}]}
    data = get_format("qti").dump([{"body": body, "meta": {}, "images": [ImageBlob("h1.png", "image/png", b"PNG")]}])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"imsmanifest.xml", "items/item-1.xml", "items/images/item-1/h1.png"} <= set(names)
    draft = parse(data).drafts[0]
    assert draft.body == body and draft.images[0].data == b"PNG"


def test_dump_item_is_a_valid_standalone_item():
    body = {"type": "true_false", "stem": "Nước là hợp chất.", "answer": True}
    data = dump_item({"body": body, "meta": {}})
    assert data.startswith(b'<?xml') and b'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"' in data
    assert parse(data).drafts[0].body == body


def test_sloppy_html_is_written_as_wellformed_xhtml():
    body = {"type": "essay", "stem": "<p>Dòng 1<br>Dòng 2 &amp; <b>đậm<p>không đóng"}
    parsed = parse(dump_item({"body": body, "meta": {}})).drafts[0].body
    assert parsed["stem"] == "<p>Dòng 1<br>Dòng 2 &amp; <b>đậm<p>không đóng</p></b></p>"


def test_zip_bomb_is_rejected_before_extraction():
    bomb = make_zip({"imsmanifest.xml": manifest("items/a.xml"), "items/a.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ImportRejected) as error:
        parse(bomb)
    assert "zip bomb" in error.value.message


def test_total_uncompressed_size_is_limited(monkeypatch):
    from question_bank.formats import base
    monkeypatch.setattr(base, "MAX_UNCOMPRESSED_BYTES", 1000)
    data = make_zip({"imsmanifest.xml": manifest("a.xml"), "a.xml": CHOICE_ITEM}, zipfile.ZIP_STORED)
    with pytest.raises(ImportRejected) as error:
        parse(data)
    assert "vượt quá" in error.value.message


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "C:/windows/x.xml", "items/../../x.xml"])
def test_path_traversal_names_are_rejected(name):
    with pytest.raises(ImportRejected) as error:
        parse(make_zip({"imsmanifest.xml": manifest("a.xml"), name: b"x"}))
    assert "không an toàn" in error.value.message


def test_entities_in_package_items_and_manifest_are_rejected():
    xxe = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>'
    with pytest.raises(ImportRejected):
        parse(make_zip({"imsmanifest.xml": xxe}))
    item = CHOICE_ITEM.replace('<?xml version="1.0" encoding="UTF-8"?>',
                               '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]>')
    result = parse(make_zip({"imsmanifest.xml": manifest("a.xml"), "a.xml": item}))
    assert result.drafts == [] and "DTD" in result.problems[0].message


def test_not_a_zip_and_missing_manifest_are_rejected():
    with pytest.raises(ImportRejected):
        parse(b"PK\x03\x04 corrupt")
    with pytest.raises(ImportRejected) as error:
        parse(make_zip({"a.xml": CHOICE_ITEM}))
    assert "imsmanifest" in error.value.message


def test_an_idnumber_qti_cannot_hold_is_a_warning_not_a_silent_loss():
    body = {"type": "true_false", "stem": "Nước là hợp chất.", "answer": True, "idnumber": "Câu 1"}
    result = get_format("qti").export([{"body": body, "meta": {}}])
    assert [(w.item, w.fields) for w in result.warnings] == [(1, ("idnumber",))]
    assert "idnumber" not in parse(result.data).drafts[0].body


MATCH_TWO_TARGETS = f"""<assessmentItem {NS} identifier="m" title="Ghép" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">
    <correctResponse><value>A X</value><value>A Y</value><value>B Y</value></correctResponse></responseDeclaration>
  <itemBody><p>Nối:</p><matchInteraction responseIdentifier="RESPONSE" maxAssociations="3">
    <simpleMatchSet><simpleAssociableChoice identifier="A" matchMax="2">Hà Nội</simpleAssociableChoice>
      <simpleAssociableChoice identifier="B" matchMax="1">Huế</simpleAssociableChoice></simpleMatchSet>
    <simpleMatchSet><simpleAssociableChoice identifier="X" matchMax="1">Thủ đô</simpleAssociableChoice>
      <simpleAssociableChoice identifier="Y" matchMax="2">Thành phố</simpleAssociableChoice></simpleMatchSet>
  </matchInteraction></itemBody></assessmentItem>"""


def test_a_left_item_with_two_correct_partners_is_refused_rather_than_rekeyed():
    result = parse(MATCH_TWO_TARGETS)
    assert result.drafts == [] and "'A' thuộc nhiều cặp đúng" in result.problems[0].message


def test_a_statement_left_unanswered_in_the_key_is_refused():
    item = MATCH_TWO_TARGETS.replace("<value>A X</value><value>A Y</value><value>B Y</value>", "<value>A true</value>")
    item = item.replace('identifier="X"', 'identifier="true"').replace('identifier="Y"', 'identifier="false"')
    result = parse(item)
    assert result.drafts == [] and "không được nối" in result.problems[0].message


OLD_NUMERIC_EXPORT = f"""<assessmentItem {NS} identifier="item-1" title="x" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">
    <correctResponse><value>-1.5</value></correctResponse></responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody><div class="stem">Giải phương trình 2x + 3 = 0, x = ?</div>
    <p><textEntryInteraction responseIdentifier="RESPONSE" expectedLength="20"/></p></itemBody>
  <responseProcessing><responseCondition><responseIf><or>
    <equal toleranceMode="absolute" tolerance="0.01 0.01"><variable identifier="RESPONSE"/>
      <baseValue baseType="float">-1.5</baseValue></equal>
    <equal toleranceMode="absolute" tolerance="0 0"><variable identifier="RESPONSE"/>
      <baseValue baseType="float">-3/2</baseValue></equal>
    <equal toleranceMode="absolute" tolerance="0.5 0.5"><variable identifier="RESPONSE"/>
      <baseValue baseType="float">7</baseValue></equal>
  </or><setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue>
  </responseIf><responseElse><setOutcomeValue identifier="SCORE"><baseValue baseType="float">0</baseValue>
  </setOutcomeValue></responseElse></responseCondition></responseProcessing></assessmentItem>"""


def test_numeric_answers_in_an_or_of_comparisons_keep_each_tolerance():
    # What earlier versions of this exporter wrote (and other tools write): one rule, several accepted numbers.
    result = parse(OLD_NUMERIC_EXPORT)
    assert result.drafts[0].body["answers"] == [{"value": -1.5, "tolerance": 0.01}, {"value": 7, "tolerance": 0.5}]
    assert ["'-3/2'" in w.message for w in result.warnings] == [True]  # unreadable, so said, not dropped


def test_audio_in_a_stem_is_reported_not_silently_dropped():
    item = CHOICE_ITEM.replace("<p>Chất nào", '<p><audio src="nghe.mp3" controls="controls"/>Chất nào')
    result = parse(item)
    assert "audio" not in result.drafts[0].body["stem"]
    assert any("<audio>" in w.message and w.message.startswith("Câu 1") for w in result.warnings)


def test_a_repeated_idnumber_is_written_once_and_the_repeat_reported():
    body = {"type": "true_false", "stem": "Nước là hợp chất.", "answer": True, "idnumber": "HH-01"}
    result = get_format("qti").export([{"body": body, "meta": {}}, {"body": dict(body, answer=False), "meta": {}}])
    assert [(w.item, w.fields) for w in result.warnings] == [(2, ("idnumber",))]
    drafts = parse(result.data).drafts
    assert [d.body.get("idnumber") for d in drafts] == ["HH-01", None] and drafts[1].body["answer"] is False


def test_a_mapping_that_match_correct_does_not_use_accepts_nothing_more():
    item = f"""<assessmentItem {NS} identifier="t" title="Thủ đô" adaptive="false" timeDependent="false">
      <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">
        <correctResponse><value>Hà Nội</value></correctResponse>
        <mapping defaultValue="0"><mapEntry mapKey="Hà Nội" mappedValue="1"/><mapEntry mapKey="Huế" mappedValue="1"/>
        </mapping></responseDeclaration>
      <itemBody><p>Thủ đô của Việt Nam?</p><p><textEntryInteraction responseIdentifier="RESPONSE"/></p></itemBody>
      <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
    </assessmentItem>"""
    assert parse(item).drafts[0].body["answers"] == [{"text": "Hà Nội"}]
    with_map = item.replace("match_correct", "map_response")
    assert parse(with_map).drafts[0].body["answers"] == [{"text": "Hà Nội"}, {"text": "Huế"}]
