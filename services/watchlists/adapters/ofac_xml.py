"""OFAC advanced XML (`sdn_advanced.xml`, namespace http://www.un.org/sanctions/1.0), validated
against OFAC's XSD (shipped in adapters/schemas/) while it streams.

The format is relational: `ReferenceValueSets` names every code (alias types, feature types such
as "Birthdate", "Nationality Country", "Digital Currency Address - XBT", document types, countries
with ISO2), `Locations` and `IDRegDocuments` are referenced by id, each `DistinctParty` holds a
profile with identities (aliases → documented name parts) and features, and `SanctionsEntries`
give programmes and listing dates per profile. Codes are resolved by their text, never by a
hard-coded id, so a renumbered reference set still reads right. The entry id is the party's
FixedRef, which is the same number as ent_num in the legacy CSV. Aliases flagged LowQuality are
OFAC's weak aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree

from services.watchlists.adapters.countries import country_code
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, script_of, year_range
from services.watchlists.adapters.ofac_remarks import identifier_type
from services.watchlists.adapters.xml_stream import local, records, schema
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    EntryWallet,
    ListName,
    NameKind,
    WatchlistEntry,
)

NS = "{http://www.un.org/sanctions/1.0}"
LIST_LABEL = "OFAC SDN"
_SECTIONS = tuple(NS + tag for tag in ("ReferenceValueSets", "Location", "IDRegDocument", "DistinctParty",
                                       "SanctionsEntry"))
_DCA = "Digital Currency Address - "


@dataclass
class _Party:
    entry_id: str
    kind: EntityKind
    names: list[EntryName]
    dates_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    wallets: list[EntryWallet] = field(default_factory=list)
    identity_ids: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    listed_on: date | None = None


@dataclass
class _Tables:
    values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """(kind, ID) → the value's attributes plus its text under "text"."""
    location_countries: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, list[EntryIdentifier]] = field(default_factory=dict)

    def text(self, kind: str, ref: str | None) -> str:
        return self.values.get((kind, ref or ""), {}).get("text", "")

    def country(self, ref: str | None) -> str | None:
        value = self.values.get(("Country", ref or ""))
        if value is None:
            return None
        return value.get("ISO2") or country_code(value["text"])


def _date_point(point: etree._Element | None) -> str | None:
    if point is None:
        return None
    year, month, day = (point.findtext(NS + part) or "" for part in ("Year", "Month", "Day"))
    if not year.isdigit():
        return None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}" if month.isdigit() and day.isdigit() else year


def _dob(version: etree._Element) -> tuple[str, ...]:
    start = version.find(f"{NS}DatePeriod/{NS}Start")
    end = version.find(f"{NS}DatePeriod/{NS}End")
    first, last = _date_point(start.find(NS + "From") if start is not None else None), \
        _date_point(end.find(NS + "To") if end is not None else None)
    if not (first and last) or first == last:
        return tuple(d for d in (first or last,) if d)
    # A period ("circa 1970", "1968 to 1970") is only as precise as its years.
    return year_range(int(first[:4]), int(last[:4]))


def _names(tables: _Tables, profile: etree._Element) -> list[EntryName]:
    names: list[EntryName] = []
    for alias in profile.iterfind(f"{NS}Identity/{NS}Alias"):
        primary, weak = alias.get("Primary") == "true", alias.get("LowQuality") == "true"
        kind = NameKind.PRIMARY if primary else NameKind.WEAK_ALIAS if weak else NameKind.ALIAS
        for documented in alias.iterfind(NS + "DocumentedName"):
            full = " ".join(clean(v.text) for v in documented.iterfind(f"{NS}DocumentedNamePart/{NS}NamePartValue")
                            if clean(v.text))
            if full:
                names.append(EntryName(full=full, kind=kind, script=script_of(full)))
    return list(dict.fromkeys(names))


def _party(tables: _Tables, path: Path, party: etree._Element) -> _Party:
    profile = party.find(NS + "Profile")
    entry_id = party.get("FixedRef", "")
    if profile is None or not entry_id:
        raise WatchlistFormatError(path, f"line {party.sourceline}", "DistinctParty without FixedRef or Profile")
    sub_type = tables.values.get(("PartySubType", profile.get("PartySubTypeID", "")), {})
    label = f"{tables.text('PartyType', sub_type.get('PartyTypeID'))} {sub_type.get('text', '')}".lower()
    kind = next((k for word, k in (("individual", EntityKind.PERSON), ("vessel", EntityKind.VESSEL),
                                   ("aircraft", EntityKind.AIRCRAFT), ("entity", EntityKind.ORGANISATION))
                 if word in label), EntityKind.UNKNOWN)
    found = _Party(entry_id, kind, _names(tables, profile),
                   identity_ids=[i.get("ID", "") for i in profile.iterfind(NS + "Identity")])
    for feature in profile.iterfind(NS + "Feature"):
        feature_type = tables.text("FeatureType", feature.get("FeatureTypeID"))
        for version in feature.iterfind(NS + "FeatureVersion"):
            detail = clean(version.findtext(NS + "VersionDetail"))
            if feature_type == "Birthdate":
                found.dates_of_birth.extend(_dob(version))
            elif feature_type in ("Nationality Country", "Citizenship Country"):
                for place in version.iterfind(NS + "VersionLocation"):
                    found.nationalities.extend(tables.location_countries.get(place.get("LocationID", ""), []))
            elif feature_type.startswith(_DCA) and detail:
                found.wallets.append(EntryWallet(ticker=feature_type.removeprefix(_DCA).strip(), address=detail))
    return found


def _read_sections(path: Path, tables: _Tables, parties: dict[str, _Party]) -> None:
    by_profile: dict[str, _Party] = {}
    for element in records(path, _SECTIONS, schema("sdn_advanced.xsd")):
        tag = local(element.tag)
        if tag == "ReferenceValueSets":
            for value in element.iterfind("*/*"):
                # Copied out: the element itself is cleared once this section is handled.
                attributes = {str(k): str(v) for k, v in value.attrib.items()}
                tables.values[(local(value.tag), value.get("ID", ""))] = attributes | {"text": clean(value.text)}
        elif tag == "Location":
            tables.location_countries[element.get("ID", "")] = [
                code for c in element.iterfind(NS + "LocationCountry") if (code := tables.country(c.get("CountryID")))]
        elif tag == "IDRegDocument" and (number := clean(element.findtext(NS + "IDRegistrationNo"))):
            kind = identifier_type(tables.text("IDRegDocType", element.get("IDRegDocTypeID")))
            tables.documents.setdefault(element.get("IdentityID", ""), []).append(
                EntryIdentifier(type=kind, number=number, country=tables.country(element.get("IssuedBy-CountryID"))))
        elif tag == "DistinctParty":
            party = _party(tables, path, element)
            parties[party.entry_id] = party
            profile = element.find(NS + "Profile")
            by_profile[profile.get("ID", "") if profile is not None else ""] = party
        elif tag == "SanctionsEntry" and (target := by_profile.get(element.get("ProfileID", ""))) is not None:
            for measure in element.iterfind(NS + "SanctionsMeasure"):
                if tables.text("SanctionsType", measure.get("SanctionsTypeID")) == "Program":
                    target.programmes.append(clean(measure.findtext(NS + "Comment")))
            dates = [_date_point(event.find(NS + "Date")) for event in element.iterfind(NS + "EntryEvent")]
            full = sorted(d for d in dates if d and len(d) == 10)
            target.listed_on = date.fromisoformat(full[0]) if full else None


def read(*paths: Path) -> list[WatchlistEntry]:
    """Every distinct party of the given sdn_advanced.xml files (validated against the XSD)."""
    entries: list[WatchlistEntry] = []
    for path in paths:
        tables, parties = _Tables(), dict[str, _Party]()
        _read_sections(path, tables, parties)
        for party in parties.values():
            if not party.names:
                raise WatchlistFormatError(path, f"DistinctParty {party.entry_id}", "party has no name")
            identifiers = [doc for identity in party.identity_ids for doc in tables.documents.get(identity, [])]
            entries.append(WatchlistEntry(
                entry_id=party.entry_id, list_name=ListName.OFAC_SDN, list_label=LIST_LABEL,
                programme="; ".join(dict.fromkeys(p for p in party.programmes if p)), kind=party.kind,
                names=tuple(party.names), dates_of_birth=tuple(dict.fromkeys(party.dates_of_birth)),
                nationalities=tuple(dict.fromkeys(party.nationalities)), identifiers=tuple(dict.fromkeys(identifiers)),
                wallets=tuple(dict.fromkeys(party.wallets)), listed_on=party.listed_on,
            ))
    return entries
