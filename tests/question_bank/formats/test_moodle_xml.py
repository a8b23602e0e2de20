import base64
import io

import pytest

from question_bank.formats import ImportRejected, get_format

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

SAMPLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Vật lí 11/Dao động</text></category></question>
  <question type="description"><name><text>Giới thiệu</text></name>
    <questiontext format="html"><text>Phần I</text></questiontext></question>
  <question type="multichoice">
    <name><text>Con lắc đơn</text></name>
    <questiontext format="html"><text><![CDATA[<p>Chu kì con lắc đơn: <img src="@@PLUGINFILE@@/con%20lac.png"></p>]]></text>
      <file name="con lac.png" path="/" encoding="base64">{base64.b64encode(PNG).decode()}</file></questiontext>
    <generalfeedback format="html"><text>T = 2π√(l/g)</text></generalfeedback>
    <defaultgrade>0.25</defaultgrade>
    <single>true</single>
    <answer fraction="100" format="html"><text>2π√(l/g)</text><feedback><text>Đúng</text></feedback></answer>
    <answer fraction="0" format="html"><text>2π√(g/l)</text></answer>
    <tags><tag><text>thong_hieu</text></tag><tag><text>dao động</text></tag></tags>
  </question>
  <question type="truefalse"><name><text>TF</text></name>
    <questiontext format="plain_text"><text>Biên độ &lt; 0 là vô lí.</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
  <question type="shortanswer"><name><text>SA</text></name>
    <questiontext format="html"><text>Đơn vị của tần số?</text></questiontext>
    <answer fraction="100"><text>Hz</text></answer><answer fraction="100"><text>héc</text></answer>
    <answer fraction="50"><text>1/s</text></answer></question>
  <question type="numerical"><name><text>NUM</text></name>
    <questiontext format="html"><text>g = ? (m/s²)</text></questiontext>
    <answer fraction="100"><text>9.8</text><tolerance>0.05</tolerance></answer></question>
  <question type="matching"><name><text>M</text></name>
    <questiontext format="html"><text>Nối đại lượng với đơn vị</text></questiontext>
    <subquestion format="html"><text>Lực</text><answer><text>N</text></answer></subquestion>
    <subquestion format="html"><text>Công</text><answer><text>J</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>W</text></answer></subquestion></question>
  <question type="essay"><name><text>E</text></name>
    <questiontext format="html"><text>Giải thích hiện tượng cộng hưởng.</text></questiontext>
    <graderinfo format="html"><text>Nêu điều kiện f = f0 (1 điểm)</text></graderinfo></question>
  <question type="multianswer"><name><text>Cloze</text></name>
    <questiontext format="html"><text><![CDATA[<p>Dao động {{1:SHORTANSWER:=điều hòa~%50%tuần hoàn}} có li độ {{2:MULTICHOICE:~sin~=cos#đúng}} theo t, T = {{1:NUMERICAL:=2:0}} s.</p>]]></text></questiontext></question>
  <question type="ordering"><name><text>O</text></name>
    <questiontext format="html"><text>Sắp xếp theo bước sóng tăng dần</text></questiontext>
    <answer fraction="3" format="html"><text>Hồng ngoại</text></answer>
    <answer fraction="1" format="html"><text>Tử ngoại</text></answer>
    <answer fraction="2" format="html"><text>Ánh sáng nhìn thấy</text></answer></question>
  <question type="calculated"><name><text>C</text></name><questiontext><text>x</text></questiontext></question>
</quiz>
""".replace("{{", "{").replace("}}", "}")


def parse(data):
    return get_format("moodle_xml").parse(io.BytesIO(data if isinstance(data, bytes) else data.encode("utf-8")))


def test_parses_realistic_moodle_export():
    result = parse(SAMPLE)
    kinds = [d.body["type"] for d in result.drafts]
    assert kinds == ["single_choice", "true_false", "short_answer", "short_answer", "matching", "essay", "cloze",
                     "ordering"]
    choice = result.drafts[0]
    assert choice.body["stem"] == '<p>Chu kì con lắc đơn: <img src="cid:con lac.png"></p>'
    assert choice.images[0].name == "con lac.png" and choice.images[0].data == PNG
    assert choice.images[0].content_type == "image/png"
    assert choice.body["explanation"] == "T = 2π√(l/g)"
    assert str(choice.meta["points"]) == "0.25" and choice.meta["level"] == "thong_hieu"
    assert choice.meta["topic"] == "Vật lí 11/Dao động" and choice.meta["tags"] == ["dao động"]
    assert choice.location == "Câu 2"
    bodies = [d.body for d in result.drafts]
    assert bodies[1]["stem"] == "Biên độ &lt; 0 là vô lí." and bodies[1]["answer"] is True
    assert bodies[2]["answers"] == [{"text": "Hz"}, {"text": "héc"}]
    assert bodies[3]["answers"] == [{"value": 9.8, "tolerance": 0.05}]
    assert [p["left"] for p in bodies[4]["pairs"]] == ["Lực", "Công"]
    assert bodies[5]["rubric"] == "Nêu điều kiện f = f0 (1 điểm)"
    assert bodies[6] == {"type": "cloze", "stem": "",
                         "text": "<p>Dao động {{1}} có li độ {{2}} theo t, T = {{3}} s.</p>",
                         "gaps": [{"id": "1", "answers": ["điều hòa"]}, {"id": "2", "answers": ["cos"]},
                                  {"id": "3", "answers": ["2"]}], "name": "Cloze"}
    assert [i["text"] for i in bodies[7]["items"]] == ["Tử ngoại", "Ánh sáng nhìn thấy", "Hồng ngoại"]


def test_problems_name_the_item():
    problems = {(p.item, p.message.split(" ")[0]) for p in parse(SAMPLE).problems}
    # Problems (item not imported) and warnings (imported, something dropped) both name the item.
    result = parse(SAMPLE)
    messages = " | ".join(p.message for p in result.problems + result.warnings)
    assert (1, "Đoạn") in problems  # description skipped with a note
    assert "calculated" in messages and (10, "Loại") in problems
    assert "1/s" in messages  # partial-credit answer dropped, and said so
    assert "danh sách chọn" in messages


def test_external_entity_is_rejected():
    xxe = b"""<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><questiontext><text>&xxe;</text></questiontext></question></quiz>"""
    with pytest.raises(ImportRejected) as error:
        parse(xxe)
    assert "DTD" in error.value.message


def test_billion_laughs_is_rejected():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    ) + b']><quiz><question type="essay"><questiontext><text>&lol9;</text></questiontext></question></quiz>'
    with pytest.raises(ImportRejected):
        parse(bomb)


def test_broken_xml_and_wrong_root_are_rejected_with_position():
    with pytest.raises(ImportRejected) as error:
        parse("<quiz>\n<question type='essay'>\n</quiz>")
    assert "dòng 3" in error.value.message
    with pytest.raises(ImportRejected):
        parse("<html><body/></html>")


def test_images_round_trip_through_pluginfile():
    from question_bank.formats import ImageBlob
    body = {"type": "essay", "stem": '<p>Mô tả hình: <img src="cid:hình 1.png"></p>'}
    data = get_format("moodle_xml").dump([{"body": body, "meta": {}, "images": [ImageBlob("hình 1.png", "image/png", PNG)]}])
    assert b"@@PLUGINFILE@@/h%C3%ACnh%201.png" in data
    draft = parse(data).drafts[0]
    assert draft.body == body and draft.images[0].data == PNG


RICH = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Toán 10/Mệnh đề</text></category></question>
  <question type="multichoice">
    <name><text>Số nguyên tố</text></name>
    <idnumber>NT-01</idnumber>
    <questiontext format="html"><text><![CDATA[<p>Chọn các số nguyên tố</p>]]></text></questiontext>
    <single>false</single>
    <answer fraction="50" format="html"><text>2</text><feedback format="html"><text>Đúng: 2</text></feedback></answer>
    <answer fraction="50" format="html"><text>3</text></answer>
    <answer fraction="-100" format="html"><text>4</text><feedback format="html"><text>4 = 2·2</text></feedback></answer>
  </question>
  <question type="numerical">
    <name><text>Căn hai</text></name>
    <questiontext format="html"><text>Căn bậc hai của 2 (hai chữ số thập phân)</text></questiontext>
    <answer fraction="100"><text>1.41</text><tolerance>0.01</tolerance>
      <feedback format="html"><text>Chính xác</text></feedback></answer>
  </question>
</quiz>"""


def test_weights_feedback_names_idnumbers_and_categories_are_kept_and_written_back():
    from question_bank import types

    result = parse(RICH)
    assert result.problems == []
    # The category is kept for the import, which files the questions under that curriculum topic.
    assert [d.meta.get("topic") for d in result.drafts] == ["Toán 10/Mệnh đề"] * 2
    choice, numeric = (d.body for d in result.drafts)
    assert (choice["name"], choice["idnumber"]) == ("Số nguyên tố", "NT-01")
    assert [(o["weight"], o.get("feedback")) for o in choice["options"]] == [
        (50, "Đúng: 2"), (50, None), (-100, "4 = 2·2")]
    assert numeric["answers"] == [{"value": 1.41, "tolerance": 0.01, "feedback": "Chính xác"}]
    validated = [types.validate(body) for body in (choice, numeric)]
    data = get_format("moodle_xml").export([{"body": body, "meta": {}} for body in validated]).data
    assert b"<idnumber>NT-01</idnumber>" in data and b'fraction="-100"' in data
    assert [types.validate(d.body) for d in parse(data.decode()).drafts] == validated
