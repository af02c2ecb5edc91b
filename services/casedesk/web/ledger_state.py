"""Where each transfer of a case stands in the ledger: `GET {ledger_url}/v1/transfers/{id}` (services/ledger).

Asked while the case page is built, all at once, each with a short deadline: a ledger that is down or slow
makes the column read "unavailable", never the page fail or wait. The ledger's read API asks who is calling
and shares the auth module (one users and sessions database for every service), so the officer's own
session cookie goes with the request: the ledger shows them what it would show them directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import quote

import httpx

from services.auth.http import COOKIE

log = logging.getLogger(__name__)

TIMEOUT_S = 2.0
MAX_LOOKUPS = 50
UNAVAILABLE = "unavailable"
NOT_REGISTERED = "not in the ledger"


async def ledger_states(
    ledger_url: str, transfer_ids: Sequence[str], session_token: str | None = None, timeout_s: float = TIMEOUT_S
) -> dict[str, str]:
    """The ledger's state of each transfer (at most `MAX_LOOKUPS` of them), or why it is not known."""
    base = ledger_url.rstrip("/")
    ids = list(dict.fromkeys(transfer_ids))[:MAX_LOOKUPS]
    if not ids:
        return {}

    async def one(client: httpx.AsyncClient, transfer_id: str) -> str:
        try:
            answer = await client.get(f"{base}/v1/transfers/{quote(transfer_id, safe='')}")
            if answer.status_code == 404:
                return NOT_REGISTERED
            answer.raise_for_status()
            state = answer.json().get("state")
            return str(state) if state else UNAVAILABLE
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.warning("ledger state of %s unavailable: %s", transfer_id, type(exc).__name__)
            return UNAVAILABLE

    cookies = {COOKIE: session_token} if session_token else None
    async with httpx.AsyncClient(timeout=timeout_s, cookies=cookies) as client:
        try:
            async with asyncio.timeout(timeout_s + 0.5):
                found = await asyncio.gather(*(one(client, t) for t in ids))
        except TimeoutError:
            return dict.fromkeys(ids, UNAVAILABLE)
    return dict(zip(ids, found, strict=True))
