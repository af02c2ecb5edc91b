"""Build a goAML `<report>` element (5.0.x element order) from a ReportInput and an FIU profile."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree
from normality import ascii_text, latinize_text

from services.regulator.domain.profile import Profile
from services.regulator.domain.report_input import ClientSide, IdType, Party, ReportInput, ReportKind, Transaction


class ReportRefused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def sql_datetime(value: datetime | date) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    return f"{value.isoformat()}T00:00:00"


def amount(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def schema_name(name: str, profile: Profile) -> str:
    """Transliterate to Latin and keep only the characters the schema's name pattern allows."""
    latin = ascii_text(re.sub("[\u02be\u02bf]", "", latinize_text(name) or "")) or ""
    kept = re.sub(r"\s+", " ", re.sub(f"[^{profile.name_charset}]", "", latin)).strip()
    if name.isascii():
        return kept
    # Abjad scripts transliterate without vowels or case ("Mran Khan" for Imran Khan): capitalise the words;
    # the name as written goes into full_name_frn.
    return " ".join(word[:1].upper() + word[1:] for word in kept.split(" "))


def split_name(name: str, profile: Profile) -> tuple[str, str]:
    parts = schema_name(name, profile).split(" ")
    if len(parts) == 1 or not parts[0]:
        return parts[0] or "Unknown", "Unknown"
    return " ".join(parts[:-1]), parts[-1]


def indicators_for(rule_ids: tuple[str, ...], profile: Profile) -> list[str]:
    unmapped = [rule for rule in rule_ids if rule not in profile.indicators]
    if unmapped:
        raise ReportRefused(
            [f"rule {rule!r} has no report_indicators mapping in profile {profile.name!r}" for rule in unmapped]
        )
    codes: list[str] = []
    for code in [*(c for rule in rule_ids for c in profile.indicators[rule]), *profile.detection_indicators]:
        if code not in codes:
            codes.append(code)
    return codes


def _party_comments(party: Party, transaction: Transaction | None) -> str | None:
    facts = []
    if party.account_id:
        facts.append(f"exchange account {party.account_id}")
    if party.wallet_address:
        chain = f" on {transaction.chain}" if transaction else ""
        facts.append(f"wallet address {party.wallet_address}{chain}")
    return "; ".join(facts) or None


def _person(
    parent: etree._Element,
    tag: str,
    party: Party,
    profile: Profile,
    *,
    my_client: bool,
    transaction: Transaction | None = None,
) -> None:
    codes = profile.codes
    person = _sub(parent, tag)
    _sub(person, "gender", party.gender or codes.unknown_gender)
    first, last = split_name(party.name, profile)
    _sub(person, "first_name", first)
    _sub(person, "last_name", last)
    if party.date_of_birth:
        _sub(person, "birthdate", sql_datetime(party.date_of_birth))
    if schema_name(party.name, profile) != party.name.strip():
        _sub(person, "full_name_frn", party.name.strip()[:255])
    if party.id_number and party.id_type is not IdType.PASSPORT and len(party.id_number) <= 25:
        _sub(person, "ssn", party.id_number)
    if party.id_number and party.id_type is IdType.PASSPORT:
        _sub(person, "passport_number", party.id_number)
        _sub(person, "passport_country", party.country)
    if party.id_number:
        _sub(person, "id_number", party.id_number)
    _sub(person, "nationality1", party.country)
    _sub(person, "residence", party.country)
    if party.phone:
        phone = _sub(_sub(person, "phones"), "phone")
        _sub(phone, "tph_contact_type", codes.phone_contact_type)
        _sub(phone, "tph_communication_type", codes.phone_communication_type)
        _sub(phone, "tph_country_prefix", party.phone.country_prefix)
        _sub(phone, "tph_number", party.phone.number)
    if party.occupation:
        _sub(person, "occupation", party.occupation)
    if party.id_number and party.id_type:
        ident = _sub(_sub(person, "identifications"), "identification")
        _sub(ident, "type", codes.identification[party.id_type])
        _sub(ident, "number", party.id_number)
        if party.id_issued_on:
            _sub(ident, "issue_date", sql_datetime(party.id_issued_on))
        if party.id_expires_on:
            _sub(ident, "expiry_date", sql_datetime(party.id_expires_on))
        _sub(ident, "issue_country", party.country)
    if my_client and codes.tax_reg_number:
        _sub(person, "tax_reg_number", codes.tax_reg_number)
    comments = _party_comments(party, transaction)
    if comments:
        _sub(person, "comments", comments)


def _side(
    parent: etree._Element, prefix: str, party: Party, my_client: bool, transaction: Transaction, profile: Profile
) -> None:
    tag = f"t_{prefix}_my_client" if my_client else f"t_{prefix}"
    side = _sub(parent, tag)
    _sub(side, f"{prefix}_funds_code", profile.codes.funds_code)
    comment = f"{transaction.asset} on {transaction.chain}"
    if party.wallet_address:
        comment += f", wallet {party.wallet_address}"
    _sub(side, f"{prefix}_funds_comment", comment[:255])
    _person(side, f"{prefix}_person", party, profile, my_client=my_client, transaction=transaction)
    _sub(side, f"{prefix}_country", party.country)


def _transaction(report: etree._Element, transaction: Transaction, profile: Profile) -> None:
    element = _sub(report, "transaction")
    _sub(element, "transactionnumber", transaction.transfer_id)
    _sub(element, "transaction_location", f"{profile.entity_name} (online, {transaction.chain})"[:255])
    _sub(element, "transaction_description", f"Virtual-asset transfer of {transaction.asset} on {transaction.chain}")
    _sub(element, "date_transaction", sql_datetime(transaction.occurred_at))
    _sub(element, "transmode_code", profile.codes.transmode_code)
    if profile.codes.transmode_comment:
        _sub(element, "transmode_comment", profile.codes.transmode_comment)
    _sub(element, "amount_local", amount(transaction.amount_local))
    side = transaction.client_side
    _side(element, "from", transaction.originator, side is ClientSide.ORIGINATOR, transaction, profile)
    _side(element, "to", transaction.beneficiary, side is ClientSide.BENEFICIARY, transaction, profile)


def _reason(report_input: ReportInput, profile: Profile) -> str:
    text = "\n".join([*report_input.case.reasons, "", report_input.case.narrative]).strip()
    return text[: profile.reason_max_length]


def build_report(report_input: ReportInput, profile: Profile) -> etree._Element:
    """The `<report>` element. Raises ReportRefused for what the profile cannot express."""
    code = profile.report_code(report_input.kind)
    if code is None:
        raise ReportRefused([f"profile {profile.name!r} has no report code for {report_input.kind.value} reports"])
    if report_input.kind is ReportKind.STR and not report_input.transactions:
        raise ReportRefused(["an STR needs at least one transaction"])
    if report_input.kind is ReportKind.SAR and report_input.transactions:
        raise ReportRefused(["a SAR reports activity without transactions; file an STR instead"])
    if not report_input.transactions and not report_input.case.subjects:
        raise ReportRefused(["a report without transactions needs at least one subject (report party)"])
    indicators = indicators_for(report_input.case.rule_ids, profile)

    entity, case = report_input.entity, report_input.case
    report = etree.Element("report")
    if profile.schema_version:
        _sub(report, "schema_version", profile.schema_version)
    _sub(report, "rentity_id", str(entity.rentity_id))
    if entity.branch:
        _sub(report, "rentity_branch", entity.branch)
    _sub(report, "submission_code", "E")
    _sub(report, "report_code", code)
    _sub(report, "entity_reference", case.case_id)
    _sub(report, "submission_date", sql_datetime(report_input.submitted_at))
    _sub(report, "currency_code_local", profile.currency)
    person = _sub(report, "reporting_person")
    rp = entity.reporting_person
    _sub(person, "first_name", schema_name(rp.first_name, profile))
    _sub(person, "last_name", schema_name(rp.last_name, profile))
    _sub(person, "email", rp.email)
    _sub(person, "occupation", rp.occupation)
    loc = profile.location
    location = _sub(report, "location")
    for tag, value in (
        ("address_type", loc.address_type),
        ("address", loc.address),
        ("city", loc.city),
        ("country_code", loc.country),
        ("state", loc.state),
    ):
        _sub(location, tag, value)
    _sub(report, "reason", _reason(report_input, profile))
    if case.action:
        _sub(report, "action", case.action[: profile.reason_max_length])
    for transaction in report_input.transactions:
        _transaction(report, transaction, profile)
    if not report_input.transactions:
        parties = _sub(_sub(report, "activity"), "report_parties")
        for subject in case.subjects:
            party = _sub(parties, "report_party")
            _person(party, "person", subject, profile, my_client=False)
            _sub(party, "country", subject.country)
            _sub(party, "reason", (case.reasons[0] if case.reasons else case.narrative)[:8000] or "see report reason")
    report_indicators = _sub(report, "report_indicators")
    for indicator in indicators:
        _sub(report_indicators, "indicator", indicator)
    return report
