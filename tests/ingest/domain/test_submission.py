from services.ingest.domain.submission import fingerprint, plan
from tests.factories import transfer


def test_new_events_are_published_and_known_ones_are_replays() -> None:
    a, b = transfer(transfer_id="a"), transfer(transfer_id="b")
    result = plan([a, b], {"a": fingerprint(a)})
    assert [e.transfer_id for e in result.to_publish] == ["b"]
    assert result.replays == ("a",) and result.conflicts == ()


def test_same_id_with_other_content_conflicts() -> None:
    a = transfer(transfer_id="a")
    changed = transfer(transfer_id="a", asset="USDT")
    assert plan([changed], {"a": fingerprint(a)}).conflicts == ("a",)


def test_duplicates_inside_one_submission_count_once() -> None:
    a = transfer(transfer_id="a")
    result = plan([a, a, transfer(transfer_id="a", asset="USDT")], {})
    assert len(result.to_publish) == 1
    assert result.replays == ("a",) and result.conflicts == ("a",)
