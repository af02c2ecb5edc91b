"""The configuration reference: every environment variable of every service, from the settings classes.

The README's configuration table is generated from here (`aml config`), and a test fails when the
two drift apart, so the documentation always matches the code.
"""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from services.auth.settings import AuthSettings
from services.broker.settings import BrokerSettings
from services.casedesk.settings import CasedeskSettings
from services.ingest.settings import Settings as IngestSettings
from services.ledger.settings import LedgerSettings
from services.screener.settings import Settings as ScreenerSettings

SERVICES: dict[str, type[BaseSettings]] = {
    "broker": BrokerSettings,
    "ingest": IngestSettings,
    "screener": ScreenerSettings,
    "ledger": LedgerSettings,
    "casedesk": CasedeskSettings,
    "auth (ingest, ledger, casedesk)": AuthSettings,
}
BEGIN, END = "<!-- config:begin -->", "<!-- config:end -->"


def env_names(settings: type[BaseSettings], name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices if str(choice).isupper()]
    if isinstance(alias, str):
        return [alias]
    prefix = str(settings.model_config.get("env_prefix", ""))
    return [f"{prefix}{name}".upper()]


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "`" + repr(field.default_factory()) + "`"  # type: ignore[call-arg]
    if field.default is None:
        return "unset"
    return f"`{field.default}`"


def markdown() -> str:
    lines = [BEGIN, "| service | variable | default | meaning |", "|---|---|---|---|"]
    for service, settings in SERVICES.items():
        for name, field in settings.model_fields.items():
            names = " or ".join(f"`{n}`" for n in env_names(settings, name, field))
            description = (field.description or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {service} | {names} | {_default(field)} | {description} |")
    lines.append(END)
    return "\n".join(lines)
