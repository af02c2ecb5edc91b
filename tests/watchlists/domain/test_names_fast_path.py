"""The speed path of normalisation gives the results of the plain one: ASCII input skips
transliteration, other input goes through it word by word (cached) with rigour's result; names that
cannot start with a title or hold a father-name marker skip those regexes with the same result."""

from __future__ import annotations

import pytest
from rigour.names import remove_person_prefixes
from rigour.text.translit import ascii_text as rigour_ascii_text

from services.watchlists.domain.names import _FATHER, _father_split, _untitled, ascii_text, latin, normalise


@pytest.mark.parametrize("text", [
    "حسین موسوی", "محمد بن سلمان", "桂荣 兰", "रजनीकांत इला अहलूवालिया", "บุญนพ นักรบ", "김민준 이",
    "Soňa Kolář", "Владимир Путин", "Şekim Öcalan", "Ivan Иванов", "Иван 王", "Ali علي $x+y", "דוד כהן",
    "  double  spaces  ", "\u039f \u0391\u03bb\u03ad\u03be\u03b1\u03bd\u03b4\u03c1\u03bf\u03c2", "مُحَمَّد",
])
def test_word_by_word_transliteration_equals_rigour(text: str) -> None:
    assert ascii_text(text) == rigour_ascii_text(text)


def test_ascii_input_skips_transliteration_but_still_folds() -> None:
    assert latin("Osama BIN Laden?") == "osama bin laden"
    assert ascii_text("Plain ASCII $ name") == "Plain ASCII $ name"


def test_non_ascii_input_is_still_transliterated() -> None:
    assert latin("عبد الغني برادر").isascii()
    assert normalise("Владимир Путин").tokens == ("vladimir", "putin")


@pytest.mark.parametrize("name", [
    "Mr. Ahmed Khan", "MRS Khan", "mr.  x", "  Dr X", "_x", "\u017fir Ahmed", "Sir", "Dott.ssa Rossi", "ex-chair y",
    "The Most Hon. Z", "Prof. Dr Ali", "PR\u00e4SIDENT X", "Ivan Petrov", "Oleg", "\u0130brahim", "\u041c\u0440 X",
    "\u0645\u062d\u0645\u062f \u0639\u0644\u064a", "", " ", "1 x", "Mister", "Mrx Y",
])
def test_names_skipped_by_the_title_shortcut_are_the_ones_rigour_leaves_alone(name: str) -> None:
    assert _untitled(name) == remove_person_prefixes(name)


@pytest.mark.parametrize("name", [
    "Ali s/o Ahmed", "Ali SON OF Ahmed", "Ali son  of x", "Ali \u017fon of x", "Ali S / O x", "w/o", "A/B",
    "Ahmed OF", "Ahmed\tof x", "x daughter Of y", "Sofia Khan", "son of", "Wife of X", "Ali",
])
def test_father_split_matches_the_marker_regex(name: str) -> None:
    parts = _FATHER.split(name, maxsplit=1)
    assert _father_split(name) == (parts[0], parts[1] if len(parts) == 2 else "")
