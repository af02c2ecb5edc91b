"""The facts OFAC's legacy CSV keeps only inside the free-text Remarks column.

Remarks are `; `-separated clauses such as `DOB 12 Jan 1970`, `alt. DOB 1971`, `nationality Iran`,
`Passport A1234567 (Iran)`, `National ID No. 123 (Iran)`, `a.k.a. 'BNC'` and
`Digital Currency Address - XBT <addr>`. Quoted a.k.a.s in remarks are OFAC's weak aliases (the
strong ones are in alt.csv), so they become WEAK_ALIAS names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.watchlists.adapters.countries import country_code, country_codes
from services.watchlists.adapters.fields import partial_date, year_range
from services.watchlists.domain.entry import EntryIdentifier, EntryName, EntryWallet, NameKind

# The lookahead demands the address be terminated: a remark cut off mid-address (sdn.csv without
# its sdn_comments.csv continuation) must not list a truncated, wrong address.
DIGITAL_CURRENCY_ADDRESS = re.compile(
    r"Digital Currency Address - ([A-Z0-9]{2,10}) ([A-Za-z0-9]{20,128})(?=[;.,)\s])"
)

# Remark label → identifier type of the entry model. Longest labels first so that
# "National ID No." wins over a shorter prefix.
_ID_LABELS: tuple[tuple[str, str], ...] = (
    ("Diplomatic Passport", "passport"),
    ("Passport", "passport"),
    ("National Foreign ID Number", "national_id"),
    ("National ID No.", "national_id"),
    ("Identification Number", "national_id"),
    ("Personal ID Card", "national_id"),
    ("Cedula No.", "national_id"),
    ("C.U.R.P.", "national_id"),
    ("D.N.I.", "national_id"),
    ("Tax ID No.", "tax_id"),
    ("R.F.C.", "tax_id"),
    ("V.A.T. Number", "tax_id"),
    ("Registration ID", "registration"),
    ("Registration Number", "registration"),
    ("Business Registration Number", "registration"),
    ("Vessel Registration Identification", "registration"),
    ("SSN", "other"),
)
_ID = re.compile(
    r"^(?P<label>" + "|".join(re.escape(label) for label, _ in _ID_LABELS) + r")\s+"
    r"(?P<number>[A-Za-z0-9][A-Za-z0-9/\-.]*(?: [0-9][0-9\-]*)*)(?P<rest>.*)$"
)
_ID_TYPES = dict(_ID_LABELS)
_COUNTRY_IN_PARENS = re.compile(r"\(([^()]+)\)")
_WEAK_AKA = re.compile(r"^a\.k\.a\.,?\s+'(?P<name>[^']+)'")
_DOB = re.compile(r"^DOB\s+(?P<text>.+)$")
_YEARS = re.compile(r"^(?:circa\s+)?(\d{4})\s+to\s+(\d{4})$")
_NATIONALITY = re.compile(r"^(?:nationality|citizen)\s+(?P<text>.+)$")


@dataclass
class RemarkFacts:
    """What could be read out of one entry's remarks."""

    dates_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    identifiers: list[EntryIdentifier] = field(default_factory=list)
    wallets: list[EntryWallet] = field(default_factory=list)
    weak_aliases: list[EntryName] = field(default_factory=list)


def _add(items: list[str], *values: str) -> None:
    items.extend(v for v in values if v not in items)


def identifier_type(label: str) -> str:
    """The entry model's identifier type for an OFAC document label such as 'National ID No.'."""
    return next((kind for known, kind in _ID_LABELS if label.startswith(known)), "other")


def _identifier(clause: str) -> EntryIdentifier | None:
    m = _ID.match(clause)
    if m is None:
        return None
    country_match = _COUNTRY_IN_PARENS.search(m["rest"])
    country = country_code(country_match[1]) if country_match else None
    return EntryIdentifier(type=_ID_TYPES[m["label"]], number=m["number"].rstrip(".-"), country=country)


def _clauses(remarks: str) -> list[str]:
    # "alt." only says the clause is a second value of the same kind; the value is what matters.
    return [re.sub(r"^alt\.\s+", "", c.strip()).rstrip(".").strip() for c in remarks.split(";") if c.strip()]


def read_remarks(remarks: str) -> RemarkFacts:
    facts = RemarkFacts()
    for clause in _clauses(remarks):
        if m := _DOB.match(clause):
            if years := _YEARS.match(m["text"]):
                _add(facts.dates_of_birth, *year_range(int(years[1]), int(years[2])))
            elif found := partial_date(m["text"]):
                _add(facts.dates_of_birth, found)
        elif m := _NATIONALITY.match(clause):
            _add(facts.nationalities, *country_codes(m["text"]))
        elif m := _WEAK_AKA.match(clause):
            facts.weak_aliases.append(EntryName(full=m["name"].strip(), kind=NameKind.WEAK_ALIAS))
        elif (identifier := _identifier(clause)) is not None and identifier not in facts.identifiers:
            facts.identifiers.append(identifier)
    # Wallets are found on the whole text, not per clause: the regex demands a terminator after
    # the address, which is what keeps an address cut by truncation out of the list.
    for ticker, address in DIGITAL_CURRENCY_ADDRESS.findall(remarks):
        wallet = EntryWallet(ticker=ticker, address=address)
        if wallet not in facts.wallets:
            facts.wallets.append(wallet)
    return facts
