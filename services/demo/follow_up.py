"""After the scripted triage: the customer whose name match was closed as a false positive pays again.

The same party, a new transfer: with the suppression the case desk published, the screener must not hold
it for that list entry again, and its decision must say which suppression applied. The screener learns the
suppression from a topic, so the transfer is sent again (a few times, a second apart) until one is decided
with it, and the figure is what was seen, not what was hoped.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from schemas import Decision, topics

SUPPRESSED = "sanctions.suppressed"


async def _decision(bootstrap: str, transfer_id: str, within_s: float) -> Decision | None:
    consumer = AIOKafkaConsumer(topics.DECISIONS, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + within_s
        while asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for records in batches.values():
                for record in records:
                    if record.key == transfer_id.encode():
                        return Decision.model_validate_json(record.value)
    finally:
        await consumer.stop()
    return None


async def pays_again(
    desk: httpx.AsyncClient, case_id: str, ingest: str, keys: dict[str, str], bootstrap: str, attempts: int = 5
) -> dict[str, Any]:
    """Send the false positive's party's transfer again; what the screener decided, with the suppression."""
    case = (await desk.get(f"/v1/cases/{case_id}")).json()
    events = list(case["transfers"].values())
    if not events:
        return {"sent": 0, "suppressed": 0, "problem": f"case {case_id} has no transfer on file"}
    event: dict[str, Any] = events[0]
    exchange = event["exchange_id"]
    seen: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=10) as client:
        for attempt in range(attempts):
            again = {
                **event,
                "transfer_id": f"{event['transfer_id']}-again-{attempt}",
                "occurred_at": datetime.now(UTC).isoformat(),
            }
            answer = await client.post(
                f"{ingest}/v1/transfers",
                content=json.dumps(again),
                headers={"X-API-Key": keys[exchange], "content-type": "application/json"},
            )
            answer.raise_for_status()
            decision = await _decision(bootstrap, again["transfer_id"], within_s=30)
            rules = [] if decision is None else [r.rule_id for r in decision.reasons]
            seen.append(
                {"transfer_id": again["transfer_id"], "action": decision and decision.action.value, "rules": rules}
            )
            if decision is not None and SUPPRESSED in rules:
                reason = next(r for r in decision.reasons if r.rule_id == SUPPRESSED)
                return {
                    "sent": attempt + 1,
                    "suppressed": 1,
                    "action": decision.action.value,
                    "suppression": reason.evidence.get("suppression_id"),
                    "decisions": seen,
                }
            await asyncio.sleep(1.0)  # the suppression may not have reached the screener yet
    return {"sent": attempts, "suppressed": 0, "decisions": seen}
