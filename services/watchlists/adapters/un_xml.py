"""UN Security Council Consolidated List XML (`consolidated.xml`, no namespace).

`CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL` and `…/ENTITIES/ENTITY` records become entries whose
id is the REFERENCE_NUMBER (e.g. `QDi.001`), the UN's own citation. Name parts FIRST_NAME …
FOURTH_NAME are joined in file order; aliases of QUALITY "Low" are weak; NAME_ORIGINAL_SCRIPT is
kept as a further primary name tagged with its detected script. The 2018 UN XSD no longer validates
current files (schema drift at NOTE), so records are read leniently: empty placeholder elements are
skipped, and only a record without reference number or name is an error.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from services.watchlists.adapters.countries import country_code
from services.watchlists.adapters.errors import WatchlistFormatError
from services.watchlists.adapters.fields import clean, full_date, partial_date, script_of, year_range
from services.watchlists.adapters.xml_stream import records
from services.watchlists.domain.entry import (
    EntityKind,
    EntryIdentifier,
    EntryName,
    ListName,
    NameKind,
    WatchlistEntry,
)

LIST_LABEL = "UN Security Council Consolidated List"
_RECORDS = ("INDIVIDUAL", "ENTITY")
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(record: etree._Element, path: str) -> str:
    return clean(record.findtext(path))


def _values(record: etree._Element, path: str) -> list[str]:
    return [clean(v.text) for v in record.iterfind(path) if clean(v.text)]


def _names(record: etree._Element, tag: str) -> tuple[EntryName, ...]:
    names = [EntryName(full=" ".join(p for p in (_text(record, part) for part in _NAME_PARTS) if p))]
    if original := _text(record, "NAME_ORIGINAL_SCRIPT"):
        names.append(EntryName(full=original, script=script_of(original)))
    for alias in record.iterfind(f"{tag}_ALIAS"):
        if full := _text(alias, "ALIAS_NAME"):
            weak = _text(alias, "QUALITY").lower() == "low"
            names.append(EntryName(full=full, kind=NameKind.WEAK_ALIAS if weak else NameKind.ALIAS,
                                   script=script_of(full)))
    return tuple(dict.fromkeys(names))


def _dates_of_birth(record: etree._Element) -> tuple[str, ...]:
    found: list[str] = []
    for dob in record.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        start, end = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
        if start.isdigit() and end.isdigit():
            found.extend(year_range(int(start), int(end)))
        elif value := partial_date(_text(dob, "DATE") or _text(dob, "YEAR")):
            found.append(value)
    return tuple(dict.fromkeys(found))


def _document_type(text: str) -> str:
    lowered = text.lower()
    if any(word in lowered for word in ("passport", "passeport", "pasaporte")):
        return "passport"
    return "national_id" if "national identification" in lowered or "identity card" in lowered else "other"


def _identifiers(record: etree._Element) -> tuple[EntryIdentifier, ...]:
    found: list[EntryIdentifier] = []
    for doc in record.iterfind("INDIVIDUAL_DOCUMENT"):
        if number := _text(doc, "NUMBER"):
            issuer = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
            kind = _document_type(f"{_text(doc, 'TYPE_OF_DOCUMENT')} {_text(doc, 'TYPE_OF_DOCUMENT2')}")
            found.append(EntryIdentifier(type=kind, number=number, country=country_code(issuer) if issuer else None))
    return tuple(dict.fromkeys(found))


def _entry(path: Path, record: etree._Element) -> WatchlistEntry:
    reference = _text(record, "REFERENCE_NUMBER")
    where = f"line {record.sourceline} <{record.tag}>"
    if not reference:
        raise WatchlistFormatError(path, where, f"record DATAID {_text(record, 'DATAID')!r} has no REFERENCE_NUMBER")
    if not _text(record, "FIRST_NAME"):
        raise WatchlistFormatError(path, where, f"record {reference} has no FIRST_NAME")
    individual = record.tag == "INDIVIDUAL"
    nationalities = [country_code(v) for v in _values(record, "NATIONALITY/VALUE")]
    return WatchlistEntry(
        entry_id=reference,
        list_name=ListName.UN_SC,
        list_label=LIST_LABEL,
        programme=_text(record, "UN_LIST_TYPE"),
        kind=EntityKind.PERSON if individual else EntityKind.ORGANISATION,
        names=_names(record, record.tag),
        dates_of_birth=_dates_of_birth(record) if individual else (),
        nationalities=tuple(dict.fromkeys(code for code in nationalities if code)),
        identifiers=_identifiers(record) if individual else (),
        listed_on=full_date(_text(record, "LISTED_ON")),
        remarks=_text(record, "COMMENTS1"),
    )


def read(*paths: Path) -> list[WatchlistEntry]:
    """Every individual and entity of the given consolidated.xml files."""
    entries: list[WatchlistEntry] = []
    for path in paths:
        before = len(entries)
        for record in records(path, _RECORDS):
            entries.append(_entry(path, record))
        if len(entries) == before:
            raise WatchlistFormatError(path, None, "no INDIVIDUAL or ENTITY records: not a UN consolidated list")
    return entries
