"""FATF R.16 travel rule: originator and beneficiary data above the threshold, unhosted wallets.

Required above the threshold: for both parties a name and an account or wallet; for the
originator also one of address, national id, customer id, or date and place of birth. The
transfer event has no postal address or place of birth, so the originator's extra item must
be an identity number (national id, CNIC, passport, customer id, ...) or a date of birth.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from schemas import Party, Severity, TransferEvent
from services.screener.domain.graph_screen import GraphStage
from services.screener.domain.hit import Hit
from services.screener.domain.policy import Policy, RuleSettings
from services.screener.domain.structuring import thresholds

MISSING_DATA = "travel_rule.missing_data"
UNHOSTED_EXPOSURE = "travel_rule.unhosted_exposure"


def _missing(party: Party, originator: bool) -> list[str]:
    gaps = [] if party.name else ["name"]
    if not party.account_id and not party.wallet_address:
        gaps.append("account or wallet")
    if originator and party.id_number is None and party.date_of_birth is None:
        gaps.append("one of address, national id, customer id, or date and place of birth")
    return gaps


def _money(value: Decimal) -> str:
    """1,000 for a whole amount (the policy's thresholds are read as floats: no trailing .0), else 1,000.50."""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _applies(transfer: TransferEvent, settings: RuleSettings) -> str | None:
    """Why the travel rule applies to the transfer, as the start of a sentence, or None when it does not.

    A fiat value in a currency the policy sets no threshold for cannot be compared with one, so the
    rule is applied (fail closed) rather than skipped; a transfer with no fiat value at all is not
    checked (its token amount means nothing against a fiat line: exchanges must send `fiat_value`)."""
    if transfer.fiat_value is None or transfer.fiat_currency is None:
        return None
    line = thresholds(settings).get(transfer.fiat_currency)
    if line is None:
        return (
            f"With no travel-rule threshold for {transfer.fiat_currency} in the policy, the rule applies whatever "
            "the value, and"
        )
    if transfer.fiat_value < Decimal(str(line)):
        return None
    return f"Above the {_money(Decimal(str(line)))} {transfer.fiat_currency} travel-rule threshold,"


def missing_travel_data(transfer: TransferEvent, policy: Policy | None) -> Iterator[Hit]:
    """Above the travel-rule threshold, required originator or beneficiary information is missing."""
    if transfer.fiat_value is None:
        return  # no fiat value, nothing to compare with a threshold (`_applies` would say the same)
    settings = policy.rule(MISSING_DATA) if policy is not None else None
    if settings is None:
        return
    why = _applies(transfer, settings)
    if why is None:
        return
    gaps = {
        role: found
        for role, party, is_originator in (
            ("originator", transfer.originator, True),
            ("beneficiary", transfer.beneficiary, False),
        )
        if (found := _missing(party, is_originator))
    }
    if gaps:
        listed = "; ".join(f"{role}: {', '.join(items)}" for role, items in gaps.items())
        line = thresholds(settings).get(transfer.fiat_currency or "")
        yield Hit(
            rule_id=MISSING_DATA,
            explanation=f"{why} required data is missing ({listed}).",
            severity=Severity.HIGH,
            weight=settings.weight,
            forced=settings.forced,
            evidence={
                "threshold": str(Decimal(str(line))) if line is not None else None,
                "currency": transfer.fiat_currency,
                "missing": gaps,
            },
            subjects=(transfer.originator.account_id, transfer.beneficiary.account_id),
        )


def unhosted_exposure(transfer: TransferEvent, policy: Policy | None, graph: GraphStage | None) -> Iterator[Hit]:
    """The counterparty wallet is unhosted and the graph traces it to a listed wallet."""
    if transfer.originator.hosted and transfer.beneficiary.hosted:
        return  # the common case: both parties at a VASP
    settings = policy.rule(UNHOSTED_EXPOSURE) if policy is not None else None
    if settings is None or graph is None:
        return
    for role, party in (("originator", transfer.originator), ("beneficiary", transfer.beneficiary)):
        if party.hosted:
            continue
        hops = graph.exposure_hops(party.account_id)
        if hops is not None and hops <= int(settings["max_hops"]):
            yield Hit(
                rule_id=UNHOSTED_EXPOSURE,
                explanation=(
                    f"The {role} uses an unhosted wallet that is itself listed."
                    if hops == 0
                    else f"The {role} uses an unhosted wallet {hops} hop{'s' if hops > 1 else ''} from a listed wallet."
                ),
                severity=Severity.MEDIUM,
                weight=settings.weight,
                forced=settings.forced,
                evidence={"role": role, "wallet_address": party.wallet_address, "hops": hops},
                subjects=(party.account_id,),
            )
