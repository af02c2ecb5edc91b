"""Load an FIU's goAML XSD as published and validate documents against it.

The published 5.0.x schemas write name patterns as `^[a-zA-Z0-9 .'-]*$`. In W3C XSD regex `^` and `$`
are literal characters (patterns are implicitly anchored), so a strict validator such as libxml2
rejects every ordinary name. The FIU's own .NET validator treats them as anchors. When loading, we
therefore strip one leading `^` and one trailing `$` from every `xs:pattern` value, in memory only:
the file on disk is read as published and never copied or rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Protocol, cast

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"


class _LogEntry(Protocol):  # lxml-stubs declares _ErrorLog without members
    path: str
    message: str


def unanchor(pattern: str) -> str:
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def _unanchor_patterns(tree: etree._ElementTree) -> int:
    changed = 0
    for facet in tree.iter(f"{{{XS}}}pattern"):
        value = facet.get("value")
        if value is not None and unanchor(value) != value:
            facet.set("value", unanchor(value))
            changed += 1
    return changed


@lru_cache(maxsize=8)
def load_schema(path: Path) -> etree.XMLSchema:
    if not path.is_file():
        raise FileNotFoundError(f"goAML schema not found: {path}")
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    _unanchor_patterns(tree)
    return etree.XMLSchema(tree)


def validate(document: etree._Element, schema_path: Path) -> list[str]:
    """The validator's messages for `document` (empty when it validates)."""
    schema = load_schema(schema_path)
    if schema.validate(document):
        return []
    errors = cast(Iterable[_LogEntry], schema.error_log)
    return [f"{error.path}: {error.message}" for error in errors]
