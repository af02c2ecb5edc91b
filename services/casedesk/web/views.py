"""What the pages show, computed from the case, its stored decisions and alerts, transfers and history.

Pure functions from the store's answers to plain view objects; the templates only lay them out (and
escape every string). Stored sources are read as the JSON they arrived as (`Decision` or `Alert`), with
`.get` throughout: a page must still show a case whose evidence lacks a field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.auth.domain.principal import CHECKERS, Principal
from services.casedesk.domain.alert import SANCTIONS_NAME, SANCTIONS_WALLET, AlertKind
from services.casedesk.domain.audit_chain import AuditEntry
from services.casedesk.domain.case import Case, CaseAction, CaseStatus
from services.casedesk.domain.consequences import Outcome, held_transfers, on_a_list
from services.casedesk.domain.four_eyes import needs_four_eyes
from services.casedesk.web.graph_picture import FlowEdge, Picture, picture, plain_amount
from services.casedesk.web.marking import Piece, pieces, side_by_side

STATUS_LABELS = {
    CaseStatus.NEW: "New",
    CaseStatus.IN_REVIEW: "In review",
    CaseStatus.AWAITING_APPROVAL: "Awaiting approval",
    CaseStatus.CLOSED: "Closed",
}
OUTCOME_LABELS = {
    Outcome.TRUE_MATCH: "true match",
    Outcome.FALSE_POSITIVE: "false positive",
    Outcome.RELEASED: "released",
    Outcome.REJECTED: "rejected",
    Outcome.FROZEN: "frozen",
    Outcome.REPORTED: "reported",
}
PRIORITY_LABELS = {1: "Funds waiting", 2: "Listed party", 3: "High score", 4: "Routine"}
ACTION_LABELS = {
    CaseAction.ASSIGN: "Assign",
    CaseAction.COMMENT: "Add comment",
    CaseAction.RELEASE: "Release held funds",
    CaseAction.REJECT: "Reject (return funds)",
    CaseAction.FREEZE: "Freeze",
    CaseAction.ESCALATE: "Escalate to a senior",
    CaseAction.CLOSE_FALSE_POSITIVE: "Close as false positive",
    CaseAction.MARK_STR: "Mark for STR",
    CaseAction.APPROVE: "Approve",
    CaseAction.DECLINE: "Decline",
    CaseAction.UNFREEZE: "Unfreeze",
}
DONE_WORDS = {
    CaseAction.ASSIGN: "assigned",
    CaseAction.COMMENT: "comment added",
    CaseAction.RELEASE: "held funds released",
    CaseAction.REJECT: "held funds rejected (returned to the sender)",
    CaseAction.FREEZE: "funds frozen",
    CaseAction.ESCALATE: "escalated to senior officers",
    CaseAction.CLOSE_FALSE_POSITIVE: "closed as a false positive",
    CaseAction.MARK_STR: "marked for a suspicious transaction report",
    CaseAction.APPROVE: "proposal approved",
    CaseAction.DECLINE: "proposal declined",
    CaseAction.UNFREEZE: "freeze lifted",
}
_SUBJECT_KINDS = {"entry": "list entry", "account": "account", "wallet": "wallet", "transfer": "transfer"}


def when(at: datetime | None) -> str:
    return "—" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(span: timedelta) -> str:
    """A span as officers read it at a glance: "2d 4h", "3h 20m", "12m"."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def sla(case: Case, now: datetime) -> tuple[str, bool]:
    """(text, overdue) for the SLA column."""
    if not case.is_open:
        return "closed", False
    if case.overdue(now):
        return f"overdue {duration(now - case.due_at)}", True
    return f"{duration(case.due_at - now)} left", False


def split_subject(subject: str) -> tuple[str, str]:
    kind, _, value = subject.partition(":")
    return (_SUBJECT_KINDS[kind], value) if kind in _SUBJECT_KINDS and value else ("", subject)


def text(value: object) -> str:
    """Evidence as words: lists joined, mappings as "key value", numbers as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {text(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return "; ".join(text(v) for v in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class QueueRow:
    case_id: str
    priority: int
    priority_label: str
    status: str
    status_label: str
    subject_kind: str
    subject: str
    names: tuple[str, ...]
    exchange: str
    rules: tuple[str, ...]
    holds: int
    assignee: str
    sla: str
    overdue: bool
    pending: bool
    escalated: bool


def queue_row(case: Case, now: datetime) -> QueueRow:
    kind, subject = split_subject(case.subject)
    names = tuple(dict.fromkeys(m.party_name for a in case.alerts for m in a.matches if m.party_name))
    sla_text, overdue = sla(case, now)
    status = STATUS_LABELS[case.status]
    if case.outcome is not None:
        status += f" · {OUTCOME_LABELS[case.outcome]}"
    return QueueRow(
        case_id=case.case_id,
        priority=int(case.priority),
        priority_label=PRIORITY_LABELS.get(int(case.priority), ""),
        status=case.status.value,
        status_label=status,
        subject_kind=kind,
        subject=subject,
        names=names[:3],
        exchange=case.exchange_id or "—",
        rules=tuple(sorted({r for a in case.alerts for r in a.rule_ids})),
        holds=sum(1 for a in case.alerts if a.kind is AlertKind.HOLD),
        assignee=case.assignee or "",
        sla=sla_text,
        overdue=overdue,
        pending=case.proposal is not None,
        escalated=case.escalated,
    )


# The case page


@dataclass(frozen=True, slots=True)
class ReasonView:
    rule_id: str
    severity: str
    explanation: str
    subjects: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SourceView:
    kind: str
    """`hold`, `flag`, `retro_hit` or `release_proposal`."""
    title: str
    transfer_id: str
    at: str
    facts: tuple[tuple[str, str], ...]
    reasons: tuple[ReasonView, ...]


@dataclass(frozen=True, slots=True)
class MatchRow:
    label: str
    party: tuple[Piece, ...]
    entry: tuple[Piece, ...]

    @property
    def matched(self) -> bool:
        return any(p.marked for p in self.party)


@dataclass(frozen=True, slots=True)
class MatchView:
    rule_id: str
    heading: str
    party_heading: str
    entry_heading: str
    rows: tuple[MatchRow, ...]
    facts: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PartyView:
    name: str
    account: str
    wallet: str
    country: str


@dataclass(frozen=True, slots=True)
class TransferView:
    transfer_id: str
    occurred_at: str
    exchange: str
    amount: str
    asset: str
    chain: str
    fiat: str
    originator: PartyView
    beneficiary: PartyView
    role: str
    """`held`, `flagged`, `retro` (a listed party's earlier transfer) or `pattern` (a rule's evidence)."""
    ledger: str = ""


@dataclass(frozen=True, slots=True)
class HistoryView:
    seq: int
    at: str
    actor: str
    action: str
    summary: str
    note: str
    kind: str
    """`system`, `proposal`, `decision`, `outbound` or `officer`: how the timeline colours the entry."""


@dataclass(frozen=True, slots=True)
class ActionButton:
    action: str
    label: str
    four_eyes: bool
    danger: bool = False


@dataclass(frozen=True, slots=True)
class ProposalView:
    action: str
    maker: str
    at: str
    note: str


@dataclass
class CasePage:
    case: Case
    row: QueueRow
    sources: list[SourceView]
    matches: list[MatchView]
    transfers: list[TransferView]
    graph: Picture
    history: list[HistoryView]
    proposal: ProposalView | None
    buttons: list[ActionButton]
    may_assign_others: bool
    outcome: str


_NOT_EVIDENCE = frozenset({"edges"})


def _evidence(evidence: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    shown = [
        (k.replace("_", " "), text(v)) for k, v in evidence.items() if k not in _NOT_EVIDENCE and v not in (None, "")
    ]
    edges = evidence.get("edges")
    if isinstance(edges, list) and edges:
        shown.append(("transfers", f"{len(edges)} (drawn in the transfer graph)"))
    return tuple(shown)


def source_view(source: Mapping[str, Any]) -> SourceView:
    if "decision_id" in source:
        action = str(source.get("action", ""))
        reasons = tuple(
            ReasonView(
                rule_id=str(r.get("rule_id", "")),
                severity=str(r.get("severity", "")),
                explanation=str(r.get("explanation", "")),
                subjects=tuple(str(s) for s in r.get("subjects", ())),
                evidence=_evidence(r.get("evidence") or {}),
            )
            for r in source.get("reasons", ())
            if isinstance(r, Mapping)
        )
        facts: tuple[tuple[str, str], ...] = (
            ("score", text(source.get("score"))),
            ("policy", text(source.get("policy_version"))),
            ("lists", text(source.get("watchlist_version"))),
        )
        return SourceView(
            action,
            f"{action.capitalize()} of transfer",
            str(source.get("transfer_id", "")),
            _at(source.get("decided_at")),
            facts,
            reasons,
        )
    kind = str(source.get("kind", "alert"))
    title = "Retro-screening hit" if kind == AlertKind.RETRO_HIT.value else "Release proposal (delisting)"
    reason = ReasonView(
        rule_id=kind.replace("_", " "),
        severity="",
        explanation=str(source.get("explanation", "")),
        subjects=tuple(str(s) for s in source.get("subjects", ())),
        evidence=tuple(
            (k.replace("_", " "), text(source.get(k))) for k in ("entry_key", "entry_name") if source.get(k)
        ),
    )
    facts = (("lists", text(source.get("watchlist_version"))), ("score", text(source.get("score"))))
    transfers = source.get("transfer_ids") or ()
    return SourceView(
        kind,
        title,
        ", ".join(str(t) for t in transfers),
        _at(source.get("raised_at")),
        tuple(f for f in facts if f[1]),
        (reason,),
    )


def _at(value: object) -> str:
    if isinstance(value, str):
        try:
            return when(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return text(value)


def _first(mapping: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if value not in (None, "", [], {}):
            return text(value)
    return ""


_ENTRY_DOB = ("entry_dob", "entry_date_of_birth", "entry_birth_dates", "birth_dates", "dob", "date_of_birth")
_ENTRY_NATIONALITY = ("entry_nationalities", "nationalities", "nationality", "entry_countries", "countries")
_ENTRY_IDS = ("entry_identifiers", "identifiers", "entry_ids")
_FACTS = (
    ("list", "list"),
    ("entry id", "entry_id"),
    ("entry key", "entry_key"),
    ("programme", "programme"),
    ("name kind", "name_kind"),
    ("score", "score"),
    ("name score", "name_score"),
    ("why", "why"),
    ("tickers", "tickers"),
    ("party role", "role"),
    ("watchlist version", "watchlist_version"),
)


def _row(label: str, party: str, entry: str) -> MatchRow | None:
    if not party and not entry:
        return None
    left, right = side_by_side(party or "—", entry or "—")
    if not party or not entry:  # nothing to compare: nothing marked
        left, right = pieces(party or "—", frozenset()), pieces(entry or "—", frozenset())
    return MatchRow(label, left, right)


def _party_identifier(party: Mapping[str, Any]) -> str:
    number = party.get("id_number")
    return f"{party.get('id_type') or 'id'} {number}" if number else ""


def match_views(sources: Sequence[Mapping[str, Any]], transfers: Mapping[str, Mapping[str, Any]]) -> list[MatchView]:
    """Every list hit of the case as party beside entry, shared words marked."""
    found: list[MatchView] = []
    for source in sources:
        if "decision_id" in source:
            event = transfers.get(str(source.get("transfer_id")), {})
            for reason in source.get("reasons", ()):
                rule = reason.get("rule_id")
                if rule not in (SANCTIONS_NAME, SANCTIONS_WALLET):
                    continue
                evidence: Mapping[str, Any] = reason.get("evidence") or {}
                role = str(evidence.get("role") or "")
                party: Mapping[str, Any] = (event.get(role) or {}) if role in ("originator", "beneficiary") else {}
                if not party and reason.get("subjects"):
                    party = next(
                        (
                            p
                            for p in (event.get("originator") or {}, event.get("beneficiary") or {})
                            if p.get("account_id") == reason["subjects"][0]
                        ),
                        {},
                    )
                found.append(_match(str(rule), evidence, party, reason.get("subjects", ())))
        elif source.get("kind") == AlertKind.RETRO_HIT.value:
            evidence = source.get("evidence") or {}
            found_party = evidence.get("party")
            party = found_party if isinstance(found_party, Mapping) else {}
            rule = SANCTIONS_NAME if source.get("score") is not None else SANCTIONS_WALLET
            entry = {
                "entry_name": source.get("entry_name"),
                "entry_key": source.get("entry_key"),
                "watchlist_version": source.get("watchlist_version"),
                "score": source.get("score"),
                "why": source.get("explanation"),
            }
            found.append(_match(rule, entry, party, source.get("subjects", ())))
    return found


def _match(rule: str, evidence: Mapping[str, Any], party: Mapping[str, Any], subjects: Sequence[str]) -> MatchView:
    party_name = _first(evidence, "party_name") or _first(party, "name")
    entry_name = _first(evidence, "entry_name", "matched_name")
    account = _first(party, "account_id") or (str(subjects[0]) if subjects else "")
    rows = [
        _row("Name", party_name, entry_name),
        _row("Date of birth", _first(party, "date_of_birth"), _first(evidence, *_ENTRY_DOB)),
        _row("Nationality / country", _first(party, "country"), _first(evidence, *_ENTRY_NATIONALITY)),
        _row("Identifiers", _party_identifier(party), _first(evidence, *_ENTRY_IDS)),
        _row(
            "Wallet",
            _first(evidence, "wallet_address") or _first(party, "wallet_address"),
            _first(evidence, "listed_address"),
        ),
    ]
    if account:
        rows.append(MatchRow("Account", pieces(account, frozenset()), pieces("—", frozenset())))
    kind = "name" if rule == SANCTIONS_NAME else "wallet"
    where = " ".join(v for v in (_first(evidence, "list"), _first(evidence, "entry_id")) if v) or _first(
        evidence, "entry_key"
    )
    facts = tuple((label, _first(evidence, key)) for label, key in _FACTS if _first(evidence, key))
    return MatchView(
        rule_id=rule,
        heading=f"Sanctions {kind} match" + (f": {where}" if where else ""),
        party_heading="Party in the transfer",
        entry_heading="Listed entry",
        rows=tuple(r for r in rows if r is not None),
        facts=facts,
    )


def _party(value: object) -> PartyView:
    party: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    return PartyView(
        name=_first(party, "name"),
        account=_first(party, "account_id"),
        wallet=_first(party, "wallet_address"),
        country=_first(party, "country"),
    )


def transfer_views(
    case: Case,
    events: Mapping[str, Mapping[str, Any]],
    pattern: Mapping[str, Mapping[str, Any]],
) -> list[TransferView]:
    """The case's own transfers first (held, flagged, a listed party's earlier ones), then a rule's evidence."""
    roles: dict[str, str] = {}
    for alert in case.alerts:
        if alert.transfer_id:
            roles.setdefault(alert.transfer_id, {"hold": "held", "flag": "flagged"}.get(alert.kind.value, "held"))
        for related in alert.related_transfer_ids:
            roles.setdefault(related, "retro" if alert.kind is AlertKind.RETRO_HIT else "held")
    for transfer_id in pattern:
        roles.setdefault(transfer_id, "pattern")
    views = []
    for transfer_id, role in roles.items():
        event = events.get(transfer_id)
        if event is not None:
            fiat = event.get("fiat_value")
            views.append(
                TransferView(
                    transfer_id=transfer_id,
                    occurred_at=_at(event.get("occurred_at")),
                    exchange=_first(event, "exchange_id"),
                    amount=plain_amount(event.get("amount", "")),
                    asset=_first(event, "asset"),
                    chain=_first(event, "chain"),
                    fiat=f"{plain_amount(fiat)} {event.get('fiat_currency') or ''}".strip() if fiat else "",
                    originator=_party(event.get("originator")),
                    beneficiary=_party(event.get("beneficiary")),
                    role=role,
                )
            )
            continue
        edge = pattern.get(transfer_id)
        if edge is None:
            views.append(TransferView(transfer_id, "—", "", "", "", "", "", _party(None), _party(None), role))
            continue
        ts = edge.get("ts")
        occurred = when(datetime.fromtimestamp(float(ts), UTC)) if isinstance(ts, int | float) else "—"
        views.append(
            TransferView(
                transfer_id,
                occurred,
                "",
                plain_amount(edge.get("amount", "")),
                "",
                "",
                "",
                PartyView("", text(edge.get("from")), "", ""),
                PartyView("", text(edge.get("to")), "", ""),
                role,
            )
        )
    return views


def evidence_edges(sources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The transfers graph rules named as their evidence, by transfer id."""
    found: dict[str, Mapping[str, Any]] = {}
    for source in sources:
        for reason in source.get("reasons", ()) if "decision_id" in source else ():
            edges = (reason.get("evidence") or {}).get("edges")
            for edge in edges if isinstance(edges, list) else ():
                if isinstance(edge, Mapping) and edge.get("transfer_id") and edge.get("from") and edge.get("to"):
                    found.setdefault(str(edge["transfer_id"]), edge)
    return found


_LISTED_KEYS = ("listed_account", "listed_source")


def graph_of(
    case: Case,
    sources: Sequence[Mapping[str, Any]],
    events: Mapping[str, Mapping[str, Any]],
    pattern: Mapping[str, Mapping[str, Any]],
) -> Picture:
    fired = set(pattern)
    listed: set[str] = set()
    for source in sources:
        if "decision_id" not in source:
            continue
        if source.get("reasons"):
            fired.add(str(source.get("transfer_id")))
        for reason in source.get("reasons", ()):
            evidence = reason.get("evidence") or {}
            if reason.get("rule_id") in (SANCTIONS_NAME, SANCTIONS_WALLET):
                listed.update(str(s) for s in reason.get("subjects", ())[:1])
            listed.update(str(evidence[k]) for k in _LISTED_KEYS if evidence.get(k))
    for alert in case.alerts:
        if alert.kind is AlertKind.RETRO_HIT:
            listed.update(s.removeprefix("account:") for s in alert.subjects if s.startswith("account:"))
    edges: list[FlowEdge] = []
    wallets: dict[str, str] = {}
    for transfer_id, event in events.items():
        origin, benefit = event.get("originator") or {}, event.get("beneficiary") or {}
        src, dst = origin.get("account_id"), benefit.get("account_id")
        if not src or not dst:
            continue
        for party in (origin, benefit):
            if party.get("wallet_address"):
                wallets.setdefault(str(party["account_id"]), str(party["wallet_address"]))
        edges.append(
            FlowEdge(
                transfer_id,
                str(src),
                str(dst),
                str(event.get("amount", "")),
                _first(event, "asset") or None,
                transfer_id in fired,
            )
        )
    for transfer_id, edge in pattern.items():
        if transfer_id not in events:
            edges.append(
                FlowEdge(transfer_id, str(edge["from"]), str(edge["to"]), text(edge.get("amount")), None, True)
            )
    # What the case is about: its subject account, and the account each graph rule centred its finding on.
    focus = {case.subject.removeprefix("account:")} if case.subject.startswith("account:") else set()
    for source in sources:
        for reason in source.get("reasons", ()) if "decision_id" in source else ():
            centre = (reason.get("evidence") or {}).get("account")
            if isinstance(centre, str) and centre:
                focus.add(centre)
    return picture(edges, wallets, listed, focus)


def _history_line(entry: AuditEntry) -> HistoryView:
    p = entry.payload
    note = str(p.get("note") or "")
    action, kind = entry.action, "officer"
    if action == "alert":
        rules = ", ".join(p.get("rule_ids") or ()) or "no rule"
        summary = (
            f"{str(p.get('kind', 'alert')).replace('_', ' ')} on {p.get('transfer_id') or 'a listed party'} ({rules})"
        )
        kind = "system"
    elif action == "resolution":
        summary = f"resolution “{p.get('resolution')}” of {p.get('transfer_id')} sent to the ledger"
        if p.get("approved_by"):
            summary += f" (approved by {p['approved_by']})"
        kind = "outbound"
    elif action == "suppression":
        summary = (
            f"false-positive suppression recorded for {p.get('entry_key')} and {p.get('account_id') or 'the party'}"
        )
        kind = "outbound"
    elif action == "report":
        summary = f"{str(p.get('kind', '')).upper()} report due by {_at(p.get('due_at'))}"
        kind = "outbound"
    elif action == "lift_freeze":
        summary = f"freeze lifted on {p.get('transfer_id')}"
        kind = "outbound"
    else:
        label = action.replace("_", " ")
        if p.get("proposed"):
            summary, kind = f"proposed: {label} (waits for a second officer)", "proposal"
        elif p.get("approved_by"):
            summary, kind = f"{label} carried out, approved by {p['approved_by']}", "decision"
        elif action == CaseAction.ASSIGN.value:
            summary = f"assigned to {p.get('assignee') or entry.actor}"
        elif action in (CaseAction.APPROVE.value, CaseAction.DECLINE.value):
            summary, kind = f"{label}d the proposal", "decision"
        elif action == CaseAction.COMMENT.value:
            summary = "comment"
        else:
            summary, kind = label, "decision"
        if p.get("role"):
            summary += f" · {p['role']}"
    return HistoryView(entry.seq, when(entry.at), entry.actor, action, summary, note, kind)


def history_views(entries: Sequence[AuditEntry]) -> list[HistoryView]:
    return [_history_line(e) for e in entries]


def resolutions(entries: Sequence[AuditEntry]) -> dict[str, str]:
    """What the desk sent the ledger for each transfer, latest last: from the history's resolution entries."""
    found: dict[str, str] = {}
    for entry in entries:
        transfer_id = entry.payload.get("transfer_id")
        if entry.action == "resolution" and transfer_id:
            found[str(transfer_id)] = f"{entry.payload.get('resolution')} sent to the ledger"
        elif entry.action == "lift_freeze" and transfer_id:
            found[str(transfer_id)] = "freeze lifted (sent to the ledger)"
    return found


_DECISIONS = (
    CaseAction.RELEASE,
    CaseAction.REJECT,
    CaseAction.FREEZE,
    CaseAction.CLOSE_FALSE_POSITIVE,
    CaseAction.MARK_STR,
)
_DANGER = frozenset({CaseAction.REJECT, CaseAction.FREEZE})


def buttons(case: Case) -> list[ActionButton]:
    """The actions that fit the case's state (the desk still judges each one: a refusal says why)."""

    def button(action: CaseAction) -> ActionButton:
        four_eyes = action not in (CaseAction.APPROVE, CaseAction.DECLINE) and needs_four_eyes(action, case.alerts)
        label = ACTION_LABELS[action]
        if four_eyes:
            label = f"Propose: {label[0].lower()}{label[1:]}"
        return ActionButton(action.value, label, four_eyes, action in _DANGER)

    if case.proposal is not None:
        return [button(CaseAction.APPROVE), button(CaseAction.DECLINE), button(CaseAction.COMMENT)]
    if not case.is_open:
        found = [button(CaseAction.COMMENT)]
        if case.outcome is Outcome.FROZEN:
            found.append(button(CaseAction.UNFREEZE))
        return found
    held = bool(held_transfers(case.alerts))
    found = [button(CaseAction.COMMENT)]
    if not case.escalated:
        found.append(button(CaseAction.ESCALATE))
    for action in _DECISIONS:
        if action in (CaseAction.RELEASE, CaseAction.REJECT) and not held:
            continue
        if action is CaseAction.FREEZE and not on_a_list(case.alerts):
            continue
        if action is CaseAction.MARK_STR and case.reported:
            continue
        found.append(button(action))
    return found


def may_assign_others(principal: Principal) -> bool:
    return principal.role in CHECKERS


def outcome_text(case: Case) -> str:
    if case.outcome is None:
        return ""
    return OUTCOME_LABELS[case.outcome]
