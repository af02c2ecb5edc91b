"""EU consolidated financial sanctions list in the official FSF XML export (schema v1.1,
namespace http://eu.europa.ec/fpi/fsd/export), validated against the XSD while it streams.

Each `sanctionEntity` becomes one entry with its `logicalId` as entry id (the EU's own id, stable
across exports). Values live in attributes: `nameAlias@wholeName` (or first/middle/last name),
`citizenship@countryIso2Code`, `birthdate@birthdate|year|yearRangeFrom..yearRangeTo`,
`identification@number` with `identificationTypeCode`, `regulation@programme`. The first name
alias is the primary name; an alias marked `strong="false"` is a weak alias. Country code "00"
is the EU's "unknown" and is dropped.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, full_date, script_of, year_range
from services.watchlists.adapters.xml_stream import records, schema
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    ListName,
    NameKind,
    WatchlistEntry,
)

NS = "{http://eu.europa.ec/fpi/fsd/export}"
LIST_LABEL = "EU consolidated financial sanctions (FSF)"
_ID_TYPES = {"passport": "passport", "id": "national_id", "ssn": "national_id", "tin": "tax_id",
             "fiscalcode": "tax_id", "regnumber": "registration"}
_KINDS = {"P": EntityKind.PERSON, "E": EntityKind.ORGANISATION}


def _attr(element: etree._Element, name: str) -> str:
    return clean(element.get(name))


def _country(element: etree._Element) -> str | None:
    code = _attr(element, "countryIso2Code").upper()
    return code if len(code) == 2 and code.isalpha() else None


def _names(entity: etree._Element) -> tuple[EntryName, ...]:
    names: list[EntryName] = []
    for alias in entity.iterfind(NS + "nameAlias"):
        parts = (_attr(alias, p) for p in ("firstName", "middleName", "lastName"))
        full = _attr(alias, "wholeName") or " ".join(p for p in parts if p)
        if not full:
            continue
        kind = NameKind.PRIMARY if not names else \
            NameKind.WEAK_ALIAS if _attr(alias, "strong") == "false" else NameKind.ALIAS
        names.append(EntryName(full=full, kind=kind, script=script_of(full)))
    return tuple(dict.fromkeys(names))


def _dates_of_birth(entity: etree._Element) -> tuple[str, ...]:
    found: list[str] = []
    for birth in entity.iterfind(NS + "birthdate"):
        year, month, day = (_attr(birth, a) for a in ("year", "monthOfYear", "dayOfMonth"))
        start, end = _attr(birth, "yearRangeFrom"), _attr(birth, "yearRangeTo")
        if value := _attr(birth, "birthdate"):
            found.append(value)
        elif year and month:
            found.append(f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else ""))
        elif year:
            found.append(year)
        elif start and end:
            found.extend(year_range(int(start), int(end)))
    return tuple(dict.fromkeys(found))


def _identifiers(entity: etree._Element) -> tuple[EntryIdentifier, ...]:
    found = [EntryIdentifier(type=_ID_TYPES.get(_attr(doc, "identificationTypeCode").lower(), "other"),
                             number=_attr(doc, "number") or _attr(doc, "latinNumber"), country=_country(doc))
             for doc in entity.iterfind(NS + "identification") if _attr(doc, "number") or _attr(doc, "latinNumber")]
    return tuple(dict.fromkeys(found))


def _entry(path: Path, entity: etree._Element) -> WatchlistEntry:
    names = _names(entity)
    if not names:
        raise WatchlistFormatError(path, f"line {entity.sourceline}",
                                   f"sanctionEntity {_attr(entity, 'logicalId')} has no name")
    regulation = entity.find(NS + "regulation")
    subject = entity.find(NS + "subjectType")
    references = [f"{label}: {_attr(entity, attr)}" for label, attr in
                  (("EU reference", "euReferenceNumber"), ("UN reference", "unitedNationId")) if _attr(entity, attr)]
    remarks = [clean(r.text) for r in entity.iterfind(NS + "remark") if clean(r.text)]
    published = _attr(regulation, "publicationDate") if regulation is not None else ""
    return WatchlistEntry(
        entry_id=_attr(entity, "logicalId"),
        list_name=ListName.EU_FSF,
        list_label=LIST_LABEL,
        programme=_attr(regulation, "programme") if regulation is not None else "",
        kind=_KINDS.get(_attr(subject, "classificationCode"), EntityKind.UNKNOWN) if subject is not None
        else EntityKind.UNKNOWN,
        names=names,
        dates_of_birth=_dates_of_birth(entity),
        nationalities=tuple(dict.fromkeys(c for c in map(_country, entity.iterfind(NS + "citizenship")) if c)),
        identifiers=_identifiers(entity),
        listed_on=full_date(_attr(entity, "designationDate") or published),
        remarks="; ".join(references + remarks),
    )


def read(*paths: Path) -> list[WatchlistEntry]:
    """Every sanctioned subject of the given FSF XML exports (validated against the XSD)."""
    return [_entry(path, entity) for path in paths
            for entity in records(path, (NS + "sanctionEntity",), schema("fsf_schema_1_1.xsd"))]
