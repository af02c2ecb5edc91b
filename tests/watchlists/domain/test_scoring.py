"""The precise name score: spelling variants score high, one part of a multi-part name does not."""

from __future__ import annotations

from services.watchlists.domain.criteria import MatchConfig
from services.watchlists.domain.names import normalise
from services.watchlists.domain.scoring import make_tokens, name_score


def score(query: str, candidate: str) -> float:
    return name_score(make_tokens(normalise(query).tokens), make_tokens(normalise(candidate).tokens)).score


def test_identical_names_score_one_in_any_order() -> None:
    assert score("Abdul Hai Salek", "SALEK, ABDULHAI") == 1.0


def test_spelling_variants_reach_the_threshold() -> None:
    threshold = MatchConfig().threshold
    assert score("Mohammed Omar", "Muhammad Umar") >= threshold
    assert score("Usama bin Laden", "Osama bin Ladin") >= threshold
    assert score("Hussain Yousaf", "Husayn Yusuf") >= threshold


def test_cross_script_names_meet_their_latin_form() -> None:
    assert score("Владимир Путин", "Vladimir Putin") == 1.0
    assert score("فرناندو بيريز", "Fernando Perez") >= 0.8


def test_one_part_of_a_multi_part_name_is_not_a_match() -> None:
    assert score("Baradar", "Abdul Ghani Baradar") <= 0.6
    assert score("Muhammad Khan", "Muhammad Ali Khan Zardari") < 0.8
    assert score("John Salek", "Abdul Hai Salek") <= 0.6


def test_common_tokens_weigh_less_than_rare_ones() -> None:
    # Sharing only "Muhammad" says little; sharing the rare surname says more.
    assert score("Muhammad Iqbal", "Muhammad Zardari") < score("Ahmed Zardari", "Asif Zardari")


def test_names_written_as_one_word_meet_their_parts() -> None:
    assert score("VladimirPutin", "Vladimir Putin") == 1.0


def test_unrelated_names_score_low() -> None:
    assert score("Patricia Lucas Wheeler", "Abu Bakr al-Baghdadi") < 0.3
