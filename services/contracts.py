"""Generated contract files for producers in other languages: JSON Schema per model, AsyncAPI for topics.

`aml contracts export` rewrites them; tests/schemas/test_contracts.py fails when the committed
files drift from the pydantic models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from schemas import Alert, DeadLetter, Decision, Suppression, TransferEvent, topics
from schemas.watchlist import WatchlistCommit, WatchlistRecord

MODELS: dict[str, type[BaseModel]] = {
    "transfer_event.v1": TransferEvent,
    "decision.v1": Decision,
    "dead_letter": DeadLetter,
    "alert.v1": Alert,
    "watchlist_record.v1": WatchlistRecord,
    "watchlist_commit.v1": WatchlistCommit,
    "suppression.v1": Suppression,
}
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "generated"


def json_schemas() -> dict[str, dict[str, Any]]:
    return {name: model.model_json_schema(mode="validation") for name, model in MODELS.items()}


def asyncapi_document() -> dict[str, Any]:
    """The topics as the services use them, typed with the contract models."""
    broker = KafkaBroker("kafka:9092", description="AML screening topics")

    @broker.subscriber(topics.TRANSFERS, title="screener", description="Transfers keyed by originator account.")
    @broker.publisher(
        topics.DECISIONS, title="decisions", description="One decision per transfer, keyed by id.", schema=Decision
    )
    async def screen(transfer: TransferEvent) -> Decision:  # pragma: no cover - documentation only
        raise NotImplementedError

    @broker.subscriber(topics.TRANSFERS_DLQ, title="dead-letters", description="Records nobody could parse.")
    async def dead_letters(letter: DeadLetter) -> None:  # pragma: no cover - documentation only
        raise NotImplementedError

    @broker.subscriber(topics.WATCHLISTS, title="watchlists", description="Watchlist changelog, one partition.")
    async def watchlists(record: WatchlistRecord | WatchlistCommit) -> None:  # pragma: no cover - documentation only
        raise NotImplementedError

    @broker.subscriber(topics.ALERTS, title="alerts", description="Retro-screening hits and release proposals.")
    async def alerts(alert: Alert) -> None:  # pragma: no cover - documentation only
        raise NotImplementedError

    @broker.subscriber(
        topics.SUPPRESSIONS,
        title="suppressions",
        description=(
            "False-positive name matches cleared with four eyes (case desk → screeners), one partition, "
            "compacted, keyed by suppression id; a tombstone revokes."
        ),
    )
    async def suppressions(suppression: Suppression) -> None:  # pragma: no cover - documentation only
        raise NotImplementedError

    spec = AsyncAPI(broker, title="AML screening", version="1", schema_version="3.0.0").to_specification()
    document: dict[str, Any] = json.loads(spec.to_json())
    return document


def rendered() -> dict[Path, str]:
    files = {SCHEMA_DIR / f"{name}.schema.json": schema for name, schema in json_schemas().items()}
    files[SCHEMA_DIR / "asyncapi.json"] = asyncapi_document()
    return {path: json.dumps(doc, indent=2, sort_keys=True) + "\n" for path, doc in files.items()}


def export() -> list[Path]:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in rendered().items():
        path.write_text(text)
        written.append(path)
    return written
