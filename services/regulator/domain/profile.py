"""An FIU profile: everything FIU-specific about a goAML export, as configuration.

Profiles live in `services/regulator/profiles/*.toml`. Relative schema paths are resolved against a
`schema_root` given at load time, so the published XSDs are read in place and never copied here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.regulator.domain.report_input import IdType, ReportKind

PROFILE_DIR = Path(__file__).resolve().parents[1] / "profiles"


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Location:
    address_type: str
    address: str
    city: str
    state: str  # the FMU district, spelled exactly as in the FIU's list
    country: str


@dataclass(frozen=True)
class Codes:
    funds_code: str
    transmode_code: str
    transmode_comment: str | None
    address_type: str
    phone_contact_type: str
    phone_communication_type: str
    unknown_gender: str
    tax_reg_number: str | None
    identification: Mapping[IdType, str]


@dataclass(frozen=True)
class Profile:
    name: str
    schema_path: Path
    schema_version: str | None
    currency: str
    report_codes: Mapping[ReportKind, str]
    codes: Codes
    indicators: Mapping[str, tuple[str, ...]]
    detection_indicators: tuple[str, ...]
    name_charset: str  # regex character class body of the schema's name pattern
    reason_max_length: int
    entity_name: str
    location: Location

    def report_code(self, kind: ReportKind) -> str | None:
        return self.report_codes.get(kind)


class _Table:
    def __init__(self, profile: str, data: Mapping[str, Any], path: str = "") -> None:
        self._profile, self._data, self._path = profile, data, path

    def _where(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def get(self, key: str) -> Any:
        if key not in self._data:
            raise ProfileError(f"profile {self._profile!r}: missing key {self._where(key)!r}")
        return self._data[key]

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str):
            raise ProfileError(f"profile {self._profile!r}: key {self._where(key)!r} must be a string")
        return value

    def optional_str(self, key: str) -> str | None:
        return self.text(key) if key in self._data else None

    def integer(self, key: str) -> int:
        value = self.get(key)
        if not isinstance(value, int):
            raise ProfileError(f"profile {self._profile!r}: key {self._where(key)!r} must be an integer")
        return value

    def table(self, key: str) -> _Table:
        value = self.get(key)
        if not isinstance(value, dict):
            raise ProfileError(f"profile {self._profile!r}: key {self._where(key)!r} must be a table")
        return _Table(self._profile, value, self._where(key))

    def items(self) -> list[tuple[str, Any]]:
        return list(self._data.items())


def parse_profile(data: Mapping[str, Any], schema_root: Path) -> Profile:
    name = data.get("name")
    if not isinstance(name, str):
        raise ProfileError("profile: missing key 'name'")
    top = _Table(name, data)
    schema = Path(top.text("schema"))
    codes = top.table("codes")
    ids = codes.table("identification")
    report_codes = {kind: code for kind in ReportKind if (code := top.table("report_codes").optional_str(kind.value))}
    indicators: dict[str, tuple[str, ...]] = {}
    for rule, value in top.table("indicators").items():
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
            raise ProfileError(f"profile {name!r}: indicators.{rule} must be a code or a non-empty list of codes")
        indicators[rule] = tuple(listed)
    location = top.table("location")
    detection = top.get("detection_indicators")
    if not isinstance(detection, list) or not all(isinstance(v, str) for v in detection):
        raise ProfileError(f"profile {name!r}: key 'detection_indicators' must be a list of codes")
    return Profile(
        name=name,
        schema_path=schema if schema.is_absolute() else schema_root / schema,
        schema_version=top.optional_str("schema_version"),
        currency=top.text("currency"),
        report_codes=report_codes,
        codes=Codes(
            funds_code=codes.text("funds_code"),
            transmode_code=codes.text("transmode_code"),
            transmode_comment=codes.optional_str("transmode_comment"),
            address_type=codes.text("address_type"),
            phone_contact_type=codes.text("phone_contact_type"),
            phone_communication_type=codes.text("phone_communication_type"),
            unknown_gender=codes.text("unknown_gender"),
            tax_reg_number=codes.optional_str("tax_reg_number"),
            identification={kind: ids.text(kind.value) for kind in IdType},
        ),
        indicators=indicators,
        detection_indicators=tuple(detection),
        name_charset=top.text("name_charset"),
        reason_max_length=top.integer("reason_max_length"),
        entity_name=top.text("entity_name"),
        location=Location(
            address_type=location.text("address_type"),
            address=location.text("address"),
            city=location.text("city"),
            state=location.text("state"),
            country=location.text("country"),
        ),
    )


def load_profile(name_or_path: str | Path, schema_root: Path) -> Profile:
    """Load `profiles/<name>.toml` (or a path to a TOML file)."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = PROFILE_DIR / f"{name_or_path}.toml"
    with path.open("rb") as handle:
        return parse_profile(tomllib.load(handle), schema_root)
