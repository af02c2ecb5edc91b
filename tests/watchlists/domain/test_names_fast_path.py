"""The speed path of normalisation gives the results of the plain one: ASCII input skips
transliteration, other input goes through it word by word (cached) with rigour's result."""

from __future__ import annotations

import pytest
from rigour.text.translit import ascii_text as rigour_ascii_text

from services.watchlists.domain.names import ascii_text, latin, normalise


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
