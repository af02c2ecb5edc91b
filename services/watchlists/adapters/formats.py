"""The source formats `aml watchlists load --format` accepts, each with the adapter that reads it.

Adapters are imported only when their format is used, so reading a CSV never needs lxml.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import cast

from services.watchlists.domain.entry import WatchlistEntry

Reader = Callable[..., list[WatchlistEntry]]


class SourceFormat(StrEnum):
    OFAC = "ofac"
    OFAC_XML = "ofac-xml"
    UN = "un"
    EU = "eu"
    EU_CSV = "eu-csv"
    NACTA = "nacta"
    CSV = "csv"


_MODULES = {
    SourceFormat.OFAC: "ofac_csv",
    SourceFormat.OFAC_XML: "ofac_xml",
    SourceFormat.UN: "un_xml",
    SourceFormat.EU: "eu_fsf_xml",
    SourceFormat.EU_CSV: "eu_csv",
    SourceFormat.NACTA: "nacta_json",
    SourceFormat.CSV: "custom_csv",
}


def reader(source_format: SourceFormat) -> Reader:
    module = importlib.import_module(f"services.watchlists.adapters.{_MODULES[source_format]}")
    return cast(Reader, module.read)


def read_entries(source_format: SourceFormat, paths: Sequence[Path]) -> list[WatchlistEntry]:
    """Every entry in `paths`, read as `source_format`; raises WatchlistFormatError on bad input."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    return reader(source_format)(*paths)
