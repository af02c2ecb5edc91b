"""Streaming XML reading for the list adapters: big files, bounded memory, errors with a place.

Official list files reach 100 MB (OFAC advanced XML), so records are read with `iterparse` and
dropped once handled. When a schema is given, lxml validates while it streams, and a schema
violation surfaces as the same WatchlistFormatError as a syntax error, naming file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from services.watchlists.adapters.errors import WatchlistFormatError

SCHEMA_DIR = Path(__file__).with_name("schemas")


@cache
def schema(file_name: str) -> etree.XMLSchema:
    """A schema shipped in adapters/schemas/, parsed once per process."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / file_name)))


def local(tag: object) -> str:
    """The tag without its namespace: `{ns}Alias` → `Alias`."""
    return str(tag).rpartition("}")[2]


def _first_invalid_line(path: Path, xml_schema: etree.XMLSchema) -> int:
    """Streaming validation reports no line, so a failed file is validated once more as a whole
    tree to find it: costly for a big file, but only ever on the way to an error."""
    xml_schema.validate(etree.parse(str(path), etree.XMLParser(huge_tree=True, resolve_entities=False)))
    # The stubs leave the error log untyped; at run time it is a sequence of entries with a line.
    errors: list[Any] = list(cast(Iterable[Any], xml_schema.error_log))
    return int(errors[0].line) if errors else 0


def records(path: Path, tags: tuple[str, ...], xml_schema: etree.XMLSchema | None = None
            ) -> Iterator[etree._Element]:
    """Each complete element whose tag (namespace included) is in `tags`, in document order."""
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag=tags, schema=xml_schema,
                                          huge_tree=True, resolve_entities=False, no_network=True):
            yield element
            # Without this, iterparse keeps every finished record and memory grows with the file.
            element.clear(keep_tail=True)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        message = str(error.msg)
        invalid = xml_schema is not None and message.startswith("Element '")
        line = _first_invalid_line(path, xml_schema) if invalid and xml_schema is not None else error.lineno
        kind = "does not match its schema" if invalid else "is not well-formed XML"
        raise WatchlistFormatError(path, f"line {line}" if line else None, f"{kind}: {message}") from error
    except OSError as error:
        raise WatchlistFormatError(path, None, f"cannot be read: {error}") from error
