from datetime import UTC, datetime, timedelta

from services.screener.domain.arrivals import Arrivals
from services.screener.domain.order import event_order
from tests.factories import transfer

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_transfers_leave_in_event_order_and_only_those_strictly_before_the_key() -> None:
    arrivals = Arrivals({0: 0, 1: 0})
    late = transfer(transfer_id="c", occurred_at=T0 + timedelta(minutes=9))
    early = transfer(transfer_id="a", occurred_at=T0)
    middle = transfer(transfer_id="b", occurred_at=T0 + timedelta(minutes=5))
    arrivals.arrive(1, 0, late)
    arrivals.arrive(0, 0, middle)
    arrivals.arrive(0, 1, early)
    assert [t.transfer_id for t in arrivals.take_before(event_order(middle))] == ["a"]
    assert [t.transfer_id for t in arrivals.take_before(event_order(late))] == ["b"]
    assert len(arrivals) == 1
    assert arrivals.take_before((T0 + timedelta(days=1), "")) == [late]


def test_a_duplicate_delivery_is_kept_and_comparable() -> None:
    arrivals = Arrivals({0: 0})
    same = transfer(transfer_id="dup", occurred_at=T0)
    arrivals.arrive(0, 0, same)
    arrivals.arrive(0, 1, same)  # comparing two equal keys must not compare the events themselves
    assert arrivals.take_before((T0 + timedelta(seconds=1), "")) == [same, same]


def test_a_partition_lags_until_read_to_the_event_time_or_to_its_end() -> None:
    arrivals = Arrivals({0: 0, 1: 5, 2: 0})
    until = T0 + timedelta(minutes=10)
    ends = {0: 3, 1: 5, 2: 2}
    assert arrivals.lagging(until, ends) == [0, 2]  # partition 1 starts at its end: nothing to read
    arrivals.arrive(0, 0, transfer(transfer_id="x", occurred_at=T0 + timedelta(minutes=11)))
    assert arrivals.lagging(until, ends) == [2]  # read past `until`, though not to its end
    arrivals.arrive(2, 0, transfer(transfer_id="y", occurred_at=T0))
    assert arrivals.lagging(until, ends) == [2]
    arrivals.arrive(2, 1, None)  # a record that did not parse still counts as read
    assert arrivals.lagging(until, ends) == []
