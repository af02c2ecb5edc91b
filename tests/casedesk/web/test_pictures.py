"""The pure parts of the pages: marked words, the transfer graph's layout, bar charts, SLA words, safe redirects."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from services.casedesk.web.charts import Series, nice_step, stacked_bars
from services.casedesk.web.graph_picture import MAX_NODES, FlowEdge, picture, plain_amount
from services.casedesk.web.marking import Piece, pieces, side_by_side
from services.casedesk.web.routes import safe_next
from services.casedesk.web.views import duration, sla
from tests.casedesk.domain.builders import flag, make_case, sanctions_hold


def marked(found: tuple[Piece, ...]) -> list[str]:
    return [p.text for p in found if p.marked]


def test_shared_words_are_marked_case_blind_and_the_text_is_kept_whole() -> None:
    party, entry = side_by_side("Ali Hassan KHAN", "khan, ali hasan")
    assert marked(party) == ["Ali", "KHAN"] and marked(entry) == ["khan", "ali"]
    assert "".join(p.text for p in party) == "Ali Hassan KHAN"
    assert "".join(p.text for p in entry) == "khan, ali hasan"
    arabic, latin = side_by_side("محمد علي", "Mohammed Ali")
    assert marked(arabic) == [] and marked(latin) == []
    assert marked(pieces("<b>Ali</b>", frozenset({"ali"}))) == ["Ali"]  # markup is text like any other
    assert marked(pieces("", frozenset({"x"}))) == []


def edges_of_fan_in(senders: int) -> list[FlowEdge]:
    return [FlowEdge(f"t{i}", f"s{i}", "hub", str(100 + i), "USDT", fired=True) for i in range(senders)]


def test_a_fan_in_puts_its_hub_in_the_middle_and_the_senders_round_it() -> None:
    drawn = picture(edges_of_fan_in(5), {"hub": "0x" + "9" * 40}, listed=["s0"], subjects=["hub"])
    nodes = {n.account: n for n in drawn.nodes}
    hub = nodes["hub"]
    assert (hub.x, hub.y) == (drawn.width / 2, drawn.height / 2)
    assert hub.kind == "subject" and nodes["s0"].kind == "listed" and nodes["s1"].kind == "plain"
    assert hub.sublabel == "0x9999…9999"
    distances = {round(math.hypot(n.x - hub.x, n.y - hub.y)) for a, n in nodes.items() if a != "hub"}
    assert len(distances) == 1  # on one circle
    assert drawn.fired == 5 and all(e.kind == "fired" for e in drawn.edges)
    assert {e.label for e in drawn.edges} == {f"{100 + i} USDT" for i in range(5)}
    assert picture(edges_of_fan_in(5), {}, ["s0"], ["hub"]) == picture(edges_of_fan_in(5), {}, ["s0"], ["hub"])


def test_a_ring_is_drawn_as_a_polygon_in_ring_order_with_plain_edges_under_the_fired_ones() -> None:
    ring = [
        FlowEdge("c1", "a", "b", "10", fired=True),
        FlowEdge("c2", "b", "c", "10", fired=True),
        FlowEdge("c3", "c", "d", "10", fired=True),
        FlowEdge("c4", "d", "a", "10", fired=True),
        FlowEdge("x1", "b", "z", "3"),
    ]
    drawn = picture(ring, {}, subjects=["a"])
    # Walked from the subject along the ring, the branch last: a, b, c, d are consecutive corners.
    assert [n.account for n in drawn.nodes] == ["a", "b", "c", "d", "z"]
    assert [e.transfer_id for e in drawn.edges] == ["x1", "c1", "c2", "c3", "c4"]
    assert drawn.edges[0].kind == "plain"


def test_two_transfers_between_the_same_accounts_are_two_separate_curves() -> None:
    drawn = picture([FlowEdge("t1", "a", "b", "5"), FlowEdge("t2", "b", "a", "7"), FlowEdge("t3", "a", "a", "1")], {})
    paths = {e.transfer_id: e.path for e in drawn.edges}
    assert len(set(paths.values())) == 3
    assert " Q " in paths["t1"] and " Q " in paths["t2"] and " C " in paths["t3"]  # the self-transfer loops
    (a, b) = sorted(drawn.nodes, key=lambda n: n.account)
    assert a.y == b.y and a.x < b.x  # two accounts: side by side


def test_a_big_graph_keeps_the_fired_path_and_says_how_many_transfers_are_left_out() -> None:
    plain = [FlowEdge(f"p{i}", "hub", f"r{i}", "1") for i in range(MAX_NODES + 10)]
    fired = [FlowEdge("f1", "x", "hub", "9", fired=True)]
    drawn = picture([*plain, *fired], {})
    assert len(drawn.nodes) == MAX_NODES
    assert "f1" in {e.transfer_id for e in drawn.edges}
    assert drawn.left_out == len(plain) + 1 - len(drawn.edges)
    assert drawn.left_out == 12


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12500.5000", "12,500.5"), ("9800.00", "9,800"), ("0.000001", "0.000001"), (9550.0, "9,550"), ("x", "x")],
)
def test_amounts_read_as_people_write_them(value: object, expected: str) -> None:
    assert plain_amount(value) == expected


def test_stacked_bars_scale_to_a_round_axis_and_stack_the_series() -> None:
    assert [nice_step(n) for n in (0, 3, 7, 23, 480, 1001)] == [1, 1, 2, 10, 200, 500]
    chart = stacked_bars("t", ["a", "b"], [Series("x", (3, 0), "#111111"), Series("y", (2, 5), "#222222")])
    assert [r.title for r in chart.rects] == ["a: 3 x", "a: 2 y", "b: 5 y"]
    first, second, only = chart.rects
    assert second.y + second.h == pytest.approx(first.y)  # stacked: y sits on x
    assert first.h / 3 == pytest.approx(only.h / 5, abs=0.05)  # one scale
    assert [t.label for t in chart.ticks] == ["0", "2", "4", "6"]  # 5 rounded up to a step of 2
    assert [label.text for label in chart.totals] == ["5", "5"]
    assert chart.legend == (("#111111", "x"), ("#222222", "y")) and not chart.empty
    assert stacked_bars("t", ["a"], [Series("x", (0,), "#1")]).empty


def test_the_sla_reads_time_left_or_overdue_and_closed_cases_have_none() -> None:
    case = make_case(sanctions_hold())  # a hold: four hours
    assert sla(case, case.due_at - timedelta(hours=3, minutes=5)) == ("3h 05m left", False)
    assert sla(case, case.due_at + timedelta(days=2, hours=1)) == ("overdue 2d 1h", True)
    assert sla(make_case(flag()), make_case(flag()).opened_at) == ("30d 0h left", False)
    assert duration(timedelta(seconds=59)) == "0m"
    assert duration(-timedelta(hours=1, minutes=1)) == "1h 01m"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/C-1", "/cases/C-1"),
        ("/queue?status=all", "/queue?status=all"),
        ("//evil.example/x", None),
        ("https://evil.example", None),
        ("/\\evil.example", None),
        ("/login", None),
        ("/x\r\nSet-Cookie: a=b", None),
        ("", None),
        (None, None),
    ],
)
def test_only_local_paths_are_returned_to_after_login(target: str | None, expected: str | None) -> None:
    assert safe_next(target) == expected
