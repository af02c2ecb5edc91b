"""The transfer graph around a case's subjects, laid out for an SVG picture (drawn by `templates/case.html`).

Nodes are the accounts of the case's transfers and of the graph rules' evidence (each rule lists the
transfers behind its finding as `edges`: transfer id, from, to, amount); edges are those transfers, the
ones a rule fired on marked so that the path it saw stands out. The layout is deterministic: the same case
always gives the same picture. Nodes go round a circle in the order a depth-first walk meets them (a ring
of round-tripping accounts comes out as a polygon); a hub that every other node deals with (a fan-in or
fan-out) sits in the middle. Only coordinates and plain text leave this module; the template escapes text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_NODES = 36
NODE_R = 20.0
HUB_R = 26.0
MARGIN_X = 175.0
MARGIN_Y = 70.0
LABEL_CHARS = 22


@dataclass(frozen=True, slots=True)
class FlowEdge:
    transfer_id: str
    src: str
    dst: str
    amount: str
    asset: str | None = None
    fired: bool = False
    """On the path a rule fired on (its evidence), or the transfer an alert was raised on."""


@dataclass(frozen=True, slots=True)
class DrawnNode:
    account: str
    x: float
    y: float
    r: float
    label: str
    sublabel: str
    label_x: float
    label_y: float
    anchor: str
    kind: str
    """`listed` (a list hit names it), `subject` (the case is about it) or `plain`."""
    title: str


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    transfer_id: str
    path: str
    label: str
    label_x: float
    label_y: float
    label_w: float
    kind: str
    """`fired` or `plain`."""
    title: str


@dataclass(frozen=True, slots=True)
class Picture:
    width: float
    height: float
    nodes: tuple[DrawnNode, ...]
    edges: tuple[DrawnEdge, ...]
    left_out: int
    """Transfers not drawn because the picture would have more than `MAX_NODES` accounts."""

    @property
    def fired(self) -> int:
        return sum(1 for e in self.edges if e.kind == "fired")


def plain_amount(value: object) -> str:
    """An amount as people read it: thousands separated, no trailing zeros ("12,500.5")."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or '0'):,}"
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_wallet(address: str) -> str:
    """A long address cut to its first six and last four characters, as wallets usually show it."""
    return address if len(address) <= 14 else f"{address[:6]}…{address[-4:]}"


def _kept(edges: Sequence[FlowEdge]) -> tuple[list[FlowEdge], int]:
    """The edges drawn: the fired ones first, as many as fit in `MAX_NODES` accounts; and how many were not."""
    unique: dict[str, FlowEdge] = {}
    for edge in edges:
        known = unique.get(edge.transfer_id)
        if known is None:
            unique[edge.transfer_id] = edge
        elif edge.fired and not known.fired:
            unique[edge.transfer_id] = FlowEdge(
                known.transfer_id, known.src, known.dst, known.amount, known.asset, True
            )
    ordered = sorted(unique.values(), key=lambda e: not e.fired)  # stable: input order within each group
    nodes: set[str] = set()
    kept: list[FlowEdge] = []
    for edge in ordered:
        grown = nodes | {edge.src, edge.dst}
        if len(grown) > MAX_NODES:
            continue
        nodes = grown
        kept.append(edge)
    return kept, len(ordered) - len(kept)


def _order(nodes: Sequence[str], edges: Sequence[FlowEdge], subjects: Iterable[str]) -> tuple[str | None, list[str]]:
    """(hub or None, the other nodes in circle order)."""
    seen_at = {node: i for i, node in enumerate(nodes)}
    neighbours: dict[str, list[str]] = {node: [] for node in nodes}
    for edge in edges:
        if edge.src == edge.dst:
            continue
        for a, b in ((edge.src, edge.dst), (edge.dst, edge.src)):
            if b not in neighbours[a]:
                neighbours[a].append(b)
    for node in nodes:
        neighbours[node].sort(key=seen_at.__getitem__)
    hub = None
    if len(nodes) >= 4:
        hubs = [n for n in nodes if len(neighbours[n]) == len(nodes) - 1]
        if hubs:
            candidate = hubs[0]
            among_others = sum(len([m for m in neighbours[n] if m != candidate]) for n in nodes if n != candidate) // 2
            if among_others < len(nodes) - 1:  # a star, not a clique: the others hardly deal with each other
                hub = candidate
    subject_set = set(subjects)
    starts = sorted(
        (n for n in nodes if n != hub), key=lambda n: (n not in subject_set, -len(neighbours[n]), seen_at[n])
    )
    order: list[str] = []
    visited = {hub} if hub is not None else set()
    for start in starts:
        if start in visited:
            continue
        stack = [start]
        while stack:
            node = stack.pop()
            if node in visited:
                continue
            visited.add(node)
            order.append(node)
            stack.extend(reversed([m for m in neighbours[node] if m not in visited]))
    return hub, order


def picture(
    edges: Sequence[FlowEdge],
    wallets: Mapping[str, str],
    listed: Iterable[str] = (),
    subjects: Iterable[str] = (),
) -> Picture:
    """Lay out `edges` (transfers between accounts); `wallets` names an account's wallet for its label."""
    kept, left_out = _kept(edges)
    nodes = list(dict.fromkeys(n for e in kept for n in (e.src, e.dst)))
    listed_set, subject_set = set(listed), set(subjects)
    hub, ring = _order(nodes, kept, subject_set)
    count = len(ring)
    line = hub is None and count <= 2  # one or two accounts: side by side, labels underneath
    radius = 0.0 if count <= 1 and hub is None else min(230.0, max(150.0, count * 84.0 / (2 * math.pi)))
    width = 2 * radius + 2 * MARGIN_X
    height = 2 * NODE_R + 2 * MARGIN_Y + 30 if line else 2 * radius + 2 * MARGIN_Y + 20
    cx, cy = width / 2, (height / 2 - 12 if line else height / 2)
    where: dict[str, tuple[float, float]] = {}
    drawn_nodes: list[DrawnNode] = []

    def node_kind(account: str) -> str:
        return "listed" if account in listed_set else "subject" if account in subject_set else "plain"

    def add(account: str, x: float, y: float, r: float, lx: float, ly: float, anchor: str) -> None:
        where[account] = (x, y)
        wallet = wallets.get(account, "")
        title = account if not wallet else f"{account} (wallet {wallet})"
        label, sublabel = _short(account, LABEL_CHARS), short_wallet(wallet) if wallet else ""
        node = DrawnNode(
            account,
            round(x, 1),
            round(y, 1),
            r,
            label,
            sublabel,
            round(lx, 1),
            round(ly, 1),
            anchor,
            node_kind(account),
            title,
        )
        drawn_nodes.append(node)

    if hub is not None:
        add(hub, cx, cy, HUB_R, cx, cy + HUB_R + 17, "middle")
    for i, account in enumerate(ring):
        if line:
            x = cx if count == 1 else cx + (-radius if i == 0 else radius)
            add(account, x, cy, NODE_R, x, cy + NODE_R + 17, "middle")
            continue
        angle = -math.pi / 2 + 2 * math.pi * i / count
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        dx, dy = math.cos(angle), math.sin(angle)
        reach = NODE_R + 12
        lx, ly = x + dx * reach, y + dy * reach + 4
        anchor = "start" if dx > 0.35 else "end" if dx < -0.35 else "middle"
        if anchor == "middle":
            ly = y + (NODE_R + 17 if dy > 0 else -NODE_R - 24)
        add(account, x, y, NODE_R, lx, ly, anchor)
    radius_of = {n.account: n.r for n in drawn_nodes}

    pairs: dict[tuple[str, str], list[FlowEdge]] = {}
    for edge in kept:
        pairs.setdefault((min(edge.src, edge.dst), max(edge.src, edge.dst)), []).append(edge)
    drawn_edges: list[DrawnEdge] = []
    for (low, high), group in pairs.items():
        group.sort(key=lambda e: (e.src, e.transfer_id))
        for i, edge in enumerate(group):
            offset = (i - (len(group) - 1) / 2) * 28.0
            # Beside a hub, labels sit nearer the other account: the hub's spokes leave little room at the centre.
            near = 0.38 if edge.dst == hub else 0.62 if edge.src == hub else 0.5
            drawn_edges.append(_edge(edge, where, radius_of, (low, high), offset, near))
    # Plain edges first, so that the fired path is drawn on top of them.
    drawn_edges.sort(key=lambda e: (e.kind == "fired", e.transfer_id))
    return Picture(round(width, 1), round(height, 1), tuple(drawn_nodes), tuple(drawn_edges), left_out)


def _edge(
    edge: FlowEdge,
    where: Mapping[str, tuple[float, float]],
    radius_of: Mapping[str, float],
    pair: tuple[str, str],
    offset: float,
    at: float = 0.5,
) -> DrawnEdge:
    amount = plain_amount(edge.amount)
    label = f"{amount} {edge.asset}" if edge.asset else amount
    kind = "fired" if edge.fired else "plain"
    title = f"{edge.transfer_id}: {edge.src} → {edge.dst}, {label}"
    x0, y0 = where[edge.src]
    if edge.src == edge.dst:
        r = radius_of[edge.src]
        path = (
            f"M {x0 - 8:.1f} {y0 - r:.1f} C {x0 - 44:.1f} {y0 - r - 56:.1f} "
            f"{x0 + 44:.1f} {y0 - r - 56:.1f} {x0 + 8:.1f} {y0 - r - 4:.1f}"
        )
        return DrawnEdge(edge.transfer_id, path, label, x0, y0 - r - 46, _label_width(label), kind, title)
    x2, y2 = where[edge.dst]
    (ax, ay), (bx, by) = where[pair[0]], where[pair[1]]
    length = math.hypot(bx - ax, by - ay) or 1.0
    nx, ny = -(by - ay) / length, (bx - ax) / length  # the same side for both directions of a pair
    mx, my = (x0 + x2) / 2, (y0 + y2) / 2
    qx, qy = mx + nx * offset * 2, my + ny * offset * 2
    sx, sy = _towards(x0, y0, qx, qy, radius_of[edge.src] + 2)
    ex, ey = _towards(x2, y2, qx, qy, radius_of[edge.dst] + 7)
    path = f"M {sx:.1f} {sy:.1f} Q {qx:.1f} {qy:.1f} {ex:.1f} {ey:.1f}"
    # The point of the curve at `at` (0: its start, 1: its end) holds the amount.
    u = 1 - at
    lx, ly = u * u * sx + 2 * u * at * qx + at * at * ex, u * u * sy + 2 * u * at * qy + at * at * ey
    return DrawnEdge(edge.transfer_id, path, label, round(lx, 1), round(ly, 1), _label_width(label), kind, title)


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    length = math.hypot(tx - x, ty - y) or 1.0
    return x + (tx - x) / length * distance, y + (ty - y) / length * distance


def _label_width(label: str) -> float:
    return round(len(label) * 6.4 + 10, 1)
