"""Kafka edge of the case desk: transfers, decisions and alerts in, cases out, then commit.

At least once and idempotent: a batch is filed in one transaction and its offsets committed only after
it (FastStream's NACK_ON_ERROR, as in the ledger); an alert already on file (by decision or alert id) is
skipped, so a redelivered batch changes nothing. A record that does not parse is logged with its
coordinates and skipped, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker

from schemas import Alert, Decision, TransferEvent
from schemas.common import utc_now
from services.casedesk.adapters.case_store import CaseStore
from services.casedesk.domain.alert import CaseAlert
from services.casedesk.settings import CasedeskSettings
from services.raw_batches import BatchHealth, raw_batch_broker

log = logging.getLogger(__name__)


@dataclass
class IntakeStatus(BatchHealth):
    alerts: int = 0


class Intake:
    def __init__(
        self, store: CaseStore, settings: CasedeskSettings, status: IntakeStatus, sla_hours: Mapping[int, float]
    ) -> None:
        self.store = store
        self.settings = settings
        self.status = status
        self.sla_hours = sla_hours

    async def __call__(self, records: tuple[Any, ...]) -> None:
        settings = self.settings
        transfers: list[TransferEvent] = []
        decisions: list[Decision] = []
        raised: list[Alert] = []
        skipped = 0
        for record in records:
            try:
                if record.topic == settings.transfers_topic:
                    transfers.append(TransferEvent.model_validate_json(record.value or b""))
                elif record.topic == settings.decisions_topic:
                    decisions.append(Decision.model_validate_json(record.value or b""))
                elif record.topic == settings.alerts_topic:
                    raised.append(Alert.model_validate_json(record.value or b""))
            except Exception as exc:  # any record that cannot be read is skipped: retrying it would never end
                skipped += 1
                log.warning(
                    "skipped unreadable record %s[%s]@%s: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    str(exc).splitlines()[0][:300],
                )
        try:
            await self.store.record_transfers(transfers)
            exchanges: Mapping[str, str] = await self.store.exchanges_of(d.transfer_id for d in decisions)
            items: list[tuple[CaseAlert, dict[str, Any]]] = []
            for decision in decisions:
                alert = CaseAlert.from_decision(decision, exchanges.get(decision.transfer_id))
                if alert is not None:
                    items.append((alert, decision.model_dump(mode="json")))
            items += [(CaseAlert.from_alert(a), a.model_dump(mode="json")) for a in raised]
            new = await self.store.absorb(items, utc_now(), self.sla_hours)
        except Exception as exc:
            self.status.failed(exc)
            await asyncio.sleep(1.0)  # a database that is down is not hammered with the same batch
            raise
        self.status.alerts += new
        self.status.succeeded(skipped)


def build_broker(settings: CasedeskSettings, intake: Intake) -> KafkaBroker:
    topics = (settings.transfers_topic, settings.decisions_topic, settings.alerts_topic)
    return raw_batch_broker(
        settings.kafka_bootstrap_servers, topics, settings.kafka_group_id, intake, logger_name="services.casedesk.kafka"
    )
