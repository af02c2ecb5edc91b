"""`aml eval names`: figures of merit, the STRONG benchmark pairs, and one small real run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.evaluation.competitors import Nomenklatura, Ours, entry_entity, query_entity
from services.evaluation.fixtures import BenchCase, read_bench, read_people, sample
from services.evaluation.names import eval_app
from services.evaluation.scorecard import operating_point, pair_score, timing
from services.watchlists.domain.criteria import MatchConfig, NameQuery
from services.watchlists.domain.entry import EntityKind, EntryName, ListName, NameKind, WatchlistEntry
from services.watchlists.domain.matcher import NameMatch


def _case(is_match: bool, quality: str = "MEDIUM") -> BenchCase:
    return BenchCase("g", "Person", "a", "b", is_match, quality, "")


def test_pair_score_counts_precision_recall_f1_and_strong_failures() -> None:
    cases = [_case(True, "STRONG"), _case(True), _case(False), _case(False, "STRONG")]
    score = pair_score(cases, [0.9, 0.5, 0.1, 0.95], threshold=0.8)
    assert (score.precision, score.recall, score.f1) == (0.5, 0.5, 0.5)
    assert len(score.strong_failures) == 1 and "expected no match" in score.strong_failures[0]


def test_timing_reports_throughput_and_p99() -> None:
    result = timing([0.001] * 99 + [0.010])
    assert result.queries == 100
    assert result.p99_ms == 1.0
    assert 900 < result.per_second < 930


def test_sample_spreads_over_the_whole_file() -> None:
    queries = [NameQuery(str(i)) for i in range(100)]
    assert [q.name for q in sample(queries, 4)] == ["0", "25", "50", "75"]
    assert len(sample(queries, None)) == 100


def test_entities_carry_names_dates_and_nationality_for_nomenklatura() -> None:
    entry = WatchlistEntry(entry_id="QDi.1", list_name=ListName.UN_SC, kind=EntityKind.PERSON,
                           names=(EntryName(full="Abdul Ghani Baradar"),
                                  EntryName(full="Abu X", kind=NameKind.WEAK_ALIAS)),
                           dates_of_birth=("1968",), nationalities=("AF",))
    entity = entry_entity(entry)
    assert entity.get("name") == ["Abdul Ghani Baradar"] and entity.get("weakAlias") == ["Abu X"]
    assert entity.get("nationality") == ["af"] and entity.get("birthDate") == ["1968"]
    query = query_entity(NameQuery("Abdul Ghani Baradar", "1968", "AF"))
    ofac = Nomenklatura("ofac")
    best = ofac.best(NameQuery("Abdul Ghani Baradar", "1968", "AF"), [entry], matcher=None)  # type: ignore[arg-type]
    assert best >= ofac.threshold
    assert query.schema.name == "Person"


def test_unknown_nomenklatura_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="no algorithm"):
        Nomenklatura("no-such-thing")


def test_every_strong_benchmark_pair_passes(shared_data: Path) -> None:
    """STRONG cases are P0 for OpenSanctions (PROVENANCE.md); they must all come out right."""
    cases = read_bench(shared_data / "name-matching-eval" / "nomenklatura" / "name_bench_cases.csv")
    strong = [c for c in cases if c.quality == "STRONG"]
    assert len(strong) == 47
    ours = Ours(MatchConfig())
    wrong = [(c.query, c.candidate, c.is_match) for c in strong if (ours.pair(c) >= ours.threshold) != c.is_match]
    assert wrong == []


def test_yente_fixture_rows_become_person_queries(shared_data: Path) -> None:
    folder = shared_data / "name-matching-eval" / "yente-fixtures"
    positives = read_people(folder / "positives_un_treated.csv", limit=3)
    assert positives[0].name == "SALEK, ABDULHAI" and positives[0].country == "AF"
    negatives = read_people(folder / "negatives_global_1k.csv", limit=1)
    assert negatives[0].country == "IQ" and negatives[0].kind is EntityKind.PERSON


@pytest.mark.slow
def test_eval_names_command_runs_on_a_sample(shared_data: Path, tmp_path: Path) -> None:
    output = tmp_path / "names.json"
    result = CliRunner().invoke(eval_app, ["names", "--data", str(shared_data), "--sample", "30",
                                           "--algorithm", "ofac", "--output", str(output)])
    assert result.exit_code == 0, result.output
    report = json.loads(output.read_text())
    assert [row["matcher"] for row in report["rows"]] == ["ours", "nomenklatura ofac"]
    ours = report["rows"][0]
    assert ours["negatives_used"] == 30 and ours["pairs"]["strong_failures"] == []
    assert ours["un_recall"] >= 0.95
    (point,) = report["matched"]
    assert point["versus"] == "nomenklatura ofac" and point["fp_rate"] <= point["their_fp_rate"]
    assert point["threshold"] >= ours["threshold"] and "positive_scores" not in ours


@pytest.mark.slow
def test_logic_v2_scores_each_pair_on_its_own_names() -> None:
    # logic-v2 memoises by entity id; reused ids once made every pair score like the first one.
    logic_v2 = Nomenklatura("logic-v2")
    same = logic_v2.pair(BenchCase("g", "Person", "Vladimir Putin", "Vladimir Putin", True, "STRONG", ""))
    other = logic_v2.pair(BenchCase("g", "Person", "Mark Zuckermann", "Mark Zuckerberg", False, "STRONG", ""))
    assert same == 1.0 and other < 0.7


def test_operating_point_takes_the_lowest_threshold_within_the_false_positive_budget() -> None:
    positives = [0.95, 0.9, 0.85, 0.82, 0.5]
    negatives = [0.9, 0.84, 0.81] + [0.1] * 97  # 100 negatives
    # No budget: just above the best negative, so 0.95 alone is found.
    threshold, recall, fp = operating_point(positives, negatives, 0.8, 0.0)
    assert 0.9 < threshold < 0.95 and recall == 0.2 and fp == 0.0
    # One false positive in a hundred allowed: above 0.84, keeping 0.9 itself.
    threshold, recall, fp = operating_point(positives, negatives, 0.8, 0.01)
    assert 0.84 < threshold <= 0.85 and recall == 0.6 and fp == 0.01
    # A budget the policy threshold already meets: the policy threshold stands.
    assert operating_point(positives, negatives, 0.8, 0.05) == (0.8, 0.8, 0.03)


def test_a_weak_alias_never_decides_above_the_threshold_it_was_let_through_at() -> None:
    from services.evaluation.competitors import _deciding

    weak = NameMatch("k", "1", "un", "Abu X", NameKind.WEAK_ALIAS, 0.97, 0.97, False, True, "")
    assert _deciding(weak, 0.8) == 0.0
    assert _deciding(replace(weak, is_match=True), 0.8) == 0.8
    assert _deciding(replace(weak, weak_alias_only=False), 0.8) == 0.97
