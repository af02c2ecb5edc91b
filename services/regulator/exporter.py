"""Build, validate and serialise a goAML report."""

from __future__ import annotations

from lxml import etree

from services.regulator.adapters.goaml_schema import validate
from services.regulator.domain.goaml import ReportRefused, build_report
from services.regulator.domain.profile import Profile
from services.regulator.domain.report_input import ReportInput

__all__ = ["ReportRefused", "export_report"]


def export_report(report_input: ReportInput, profile: Profile) -> bytes:
    """UTF-8 XML of the report; raises ReportRefused with the validator's messages when it does not validate."""
    document = build_report(report_input, profile)
    messages = validate(document, profile.schema_path)
    if messages:
        raise ReportRefused([f"{profile.name}: {message}" for message in messages])
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True))
