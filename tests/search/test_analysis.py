"""Vietnamese text analysis: normalisation, folding, HTML/LaTeX stripping and the whoosh analyzers."""

import unicodedata

from lms.search.analysis import (
    bigram_analyzer,
    bigrams,
    clean_text,
    exact_analyzer,
    fold,
    folded_analyzer,
    nfc,
    strip_html,
    strip_latex,
)


def nfd(text):
    return unicodedata.normalize("NFD", text)


def texts(analyzer, value):
    return [t.text for t in analyzer(value)]


def test_nfd_input_gives_the_same_exact_tokens_as_nfc():
    phrase = "Chuyển đổi số trong trường học"
    assert nfd(phrase) != phrase  # the fixture really is decomposed
    assert texts(exact_analyzer(), nfd(phrase)) == texts(exact_analyzer(), phrase)
    assert texts(exact_analyzer(), phrase) == ["chuyển", "đổi", "số", "trong", "trường", "học"]


def test_nfc_composes_decomposed_text():
    assert nfc(nfd("Tiếng Việt")) == "Tiếng Việt"
    assert nfc(None) == ""


def test_fold_removes_every_vietnamese_tone_and_vowel_mark():
    vowels = (
        "aàáảãạăằắẳẵặâầấẩẫậ" "eèéẻẽẹêềếểễệ" "iìíỉĩị" "oòóỏõọôồốổỗộơờớởỡợ" "uùúủũụưừứửữự" "yỳýỷỹỵ"
    )
    expected = "a" * 18 + "e" * 12 + "i" * 6 + "o" * 18 + "u" * 12 + "y" * 6
    assert fold(vowels) == expected
    assert fold(vowels.upper()) == expected.upper()


def test_fold_maps_d_with_stroke_to_d_keeping_case():
    assert fold("đường Đông") == "duong Dong"


def test_fold_accepts_nfd_input():
    assert fold(nfd("Chuyển đổi số")) == "Chuyen doi so"


def test_fold_leaves_plain_text_and_symbols_alone():
    assert fold("x^2 + 3,5 = y; ABC") == "x^2 + 3,5 = y; ABC"


def test_strip_html_decodes_entities_and_separates_blocks_but_not_inline_tags():
    html = "<p>Học</p><p>sinh &amp; giáo <b>viên</b></p><p>tr<i>ườ</i>ng</p><script>alert(1)</script>"
    assert strip_html(html).split() == ["Học", "sinh", "&", "giáo", "viên", "trường"]


def test_strip_html_keeps_image_alt_text():
    assert "Hình tam giác" in strip_html('<p>Xem<img src="/media/1" alt="Hình tam giác">.</p>')


def test_strip_latex_drops_commands_and_keeps_identifiers_and_numbers():
    assert strip_latex(r"Tính $\frac{a}{b}$ và $$\sqrt{x^2+1}$$").split() == ["Tính", "a", "b", "và", "x", "2+1"]
    assert strip_latex(r"Với \(\alpha = 30\) độ, \[\text{số} y\]").split() == ["Với", "=", "30", "độ,", "số", "y"]


def test_strip_latex_leaves_text_without_math_unchanged():
    assert strip_latex("Giá 10 nghìn đồng") == "Giá 10 nghìn đồng"


def test_clean_text_keeps_case_and_collapses_space():
    assert clean_text(nfd("<p>  Đề   thi <b>THPT</b> </p>\n<p>$x_1$</p>")) == "Đề thi THPT x 1"


def test_clean_text_without_html_does_not_eat_angle_brackets():
    assert clean_text("a<b và c>d", html=False) == "a<b và c>d"


def test_tokenizer_keeps_decimals_and_never_emits_underscores():
    assert texts(exact_analyzer(), "Điểm 3,5 và 7.25 snake_case") == ["điểm", "3,5", "và", "7.25", "snake", "case"]


def test_folded_analyzer_lowercases_and_folds():
    assert texts(folded_analyzer(), nfd("ĐƯỜNG Thẳng")) == ["duong", "thang"]


def test_bigram_analyzer_joins_adjacent_folded_syllables_with_positions():
    tokens = [(t.text, t.pos) for t in bigram_analyzer()("Học sinh giỏi", positions=True)]
    assert tokens == [("hoc_sinh", 0), ("sinh_gioi", 1)]


def test_bigram_analyzer_emits_nothing_for_a_single_syllable():
    assert texts(bigram_analyzer(), "Toán") == []


def test_bigrams_helper_matches_the_analyzer():
    words = texts(folded_analyzer(), "sinh học lớp mười")
    assert bigrams(words) == texts(bigram_analyzer(), "sinh học lớp mười")


def test_matched_folded_tokens_are_the_folded_analyzers_stream_with_matches_marked():
    from lms.search.analysis import folded_analyzer, matched_folded_tokens

    text = "Đường thẳng <b>song</b> song, x=3,5 và ĐƯỜNG tròn " + unicodedata.normalize("NFD", "Chuyển đổi số")
    words = frozenset({"duong", "so", "3,5"})
    expected = [
        (t.text, t.pos, t.startchar, t.endchar, t.text in words)
        for t in folded_analyzer()(text, positions=True, chars=True, mode="index", removestops=False)
    ]
    got = [(t.text, t.pos, t.startchar, t.endchar, t.matched) for t in matched_folded_tokens(text, words)]
    assert got == expected
    assert [m for *_, m in got].count(True) == 4
