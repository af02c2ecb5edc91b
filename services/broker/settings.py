"""Environment knobs of the project's own broker, read in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BrokerChoice = Literal["auto", "apache", "tansu"]
"""What the caller asks for; "auto" picks Apache Kafka when it can run here, else Tansu."""

DEFAULT_KAFKA_VERSION = "4.4.0"
"""Newest Apache Kafka release on Maven Central when this was written; its broker needs Java 17+."""


class BrokerSettings(BaseSettings):
    """Every variable the broker package reads. Built once by the caller and passed in."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "bootstrap_servers"),
        description="KAFKA_BOOTSTRAP_SERVERS: use this running broker instead of starting one.",
    )
    kind: BrokerChoice = Field(
        default="auto",
        validation_alias=AliasChoices("AML_BROKER_KIND", "kind"),
        description="AML_BROKER_KIND: auto | apache | tansu, for brokers the project starts itself.",
    )
    kafka_version: str = Field(
        default=DEFAULT_KAFKA_VERSION,
        validation_alias=AliasChoices("AML_KAFKA_VERSION", "kafka_version"),
        description="AML_KAFKA_VERSION: the org.apache.kafka:kafka_2.13 version to assemble.",
    )
    kafka_home: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("AML_KAFKA_HOME", "kafka_home"),
        description=(
            "AML_KAFKA_HOME: directory of the assembled Kafka (holding lib/, or libs/ of an unpacked "
            "Apache tarball). Default: $XDG_CACHE_HOME or ~/.cache, then aml-screening/kafka/<version>."
        ),
    )
    start_timeout_s: float = Field(
        default=60.0,
        gt=0,
        validation_alias=AliasChoices("AML_BROKER_START_TIMEOUT", "start_timeout_s"),
        description="AML_BROKER_START_TIMEOUT: seconds from spawn until the broker must answer.",
    )

    @field_validator("bootstrap_servers", "kafka_home", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `KAFKA_BOOTSTRAP_SERVERS= pytest` is how people switch the external broker off again.
        if isinstance(value, str) and not value.strip():
            return None
        return value
